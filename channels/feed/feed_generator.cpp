#include "channels/feed/feed_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "channels/feed/feed_random.h"
#include "channels/feed/message_writer.h"
#include "channels/feed/patient_factory.h"

namespace irwell::feed {

namespace {

// --- simulated time: seconds since 1970-01-01 UTC ---------------------------------------------

int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int y, m, d, hh, mm, ss;
};

Civil civil(int64_t t) {
  int64_t z = t / 86400;
  const int64_t secs = t % 86400;
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2));
  return {y,
          m,
          d,
          static_cast<int>(secs / 3600),
          static_cast<int>(secs % 3600 / 60),
          static_cast<int>(secs % 60)};
}

std::string hl7_time(int64_t t) {
  const Civil c = civil(t);
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}", c.y, c.m, c.d, c.hh, c.mm, c.ss);
}

std::string hl7_minutes(int64_t t) { return hl7_time(t).substr(0, 12); }

std::string uk_time(int64_t t) {  // Northgate's "02/03/2024 13:45"
  const Civil c = civil(t);
  return fmt::format("{:02}/{:02}/{:04} {:02}:{:02}", c.d, c.m, c.y, c.hh, c.mm);
}

// --- reference data ---------------------------------------------------------------------------

struct Test {
  const char* code;
  const char* name;
  const char* units;
  int lo, hi;  // reference range, in units of 10^-decimals
  int decimals;
};

struct Panel {
  const char* code;
  const char* name;
  std::vector<Test> tests;
  bool text = false;  // a qualitative (ST) result
};

const std::vector<Panel>& panels() {
  static const std::vector<Panel> p = {
      {"FBC",
       "FULL BLOOD COUNT",
       {{"HB", "HAEMOGLOBIN", "g/L", 115, 165, 0},
        {"WBC", "WHITE CELL COUNT", "10*9/L", 40, 110, 1},
        {"PLT", "PLATELETS", "10*9/L", 150, 400, 0}}},
      {"UE",
       "UREA AND ELECTROLYTES",
       {{"NA", "SODIUM", "mmol/L", 133, 146, 0},
        {"K", "POTASSIUM", "mmol/L", 35, 53, 1},
        {"UREA", "UREA", "mmol/L", 25, 78, 1},
        {"CREAT", "CREATININE", "umol/L", 59, 104, 0}}},
      {"LFT",
       "LIVER FUNCTION TESTS",
       {{"ALT", "ALANINE TRANSAMINASE", "U/L", 0, 40, 0},
        {"ALP", "ALKALINE PHOSPHATASE", "U/L", 30, 130, 0},
        {"BILI", "BILIRUBIN", "umol/L", 0, 21, 0},
        {"ALB", "ALBUMIN", "g/L", 35, 50, 0}}},
      {"CRP", "C-REACTIVE PROTEIN", {{"CRP", "C-REACTIVE PROTEIN", "mg/L", 0, 5, 0}}},
      {"HBA1C", "HAEMOGLOBIN A1C", {{"HBA1C", "HBA1C (IFCC)", "mmol/mol", 20, 42, 0}}},
      // Suppressed by the shipped routes (sexual health): the record never gets it.
      {"CHLAM", "CHLAMYDIA NAAT", {{"CHLAM", "CHLAMYDIA TRACHOMATIS DNA", "", 0, 0, 0}}, true},
  };
  return p;
}

const std::vector<std::string> kConsultants = {
    "C1234567^HARTLEY^J",  "C2345678^OKAFOR^N", "C3456789^LINDQVIST^E", "C4567890^MBEKI^T",
    "C5678901^FERREIRA^A", "C6789012^WOJCIK^M", "C7890123^ADEYEMI^K",   "C8901234^CAMPBELL^R"};
const std::vector<std::string> kServices = {"300", "100", "110", "320", "430", "340"};
const std::vector<std::string> kRivermeadNotes = {"PREFERS MORNING APPOINTMENTS",
                                                  "INTERPRETER NOT NEEDED", "HEARING AID USER",
                                                  "LARGE PRINT LETTERS"};

struct Journey {
  enum class Kind { emergency, outpatient, pathology, demographics } kind;
  size_t patient = 0;
  int step = 0;
  // emergency
  std::string visit, location, prior;
  bool admit = false;
  int transfers_left = 0;
  int64_t arrived = 0;
  // outpatient
  std::string appointment, clinic, service;
  int64_t slot = 0;
  int duration = 30;
  int reschedules_left = 0;
  int outcome = 0;  // 0 attended, 1 cancelled, 2 did not attend
  // pathology
  std::string placer, filler;
  size_t panel = 0;
  std::vector<int> values;
  int64_t observed = 0;
  bool corrected = false;
  // demographics
  int what = 0;  // 0 A08, 1 A31, 2 merge
  size_t duplicate = 0;
};

std::string fixed_point(int v, int decimals) {
  if (decimals == 0) return std::to_string(v);
  int scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const std::string sign = v < 0 ? "-" : "";
  v = std::abs(v);
  return sign + std::to_string(v / scale) + "." + fmt::format("{:0{}}", v % scale, decimals);
}

}  // namespace

struct FeedGenerator::State {
  explicit State(uint64_t seed) : rng(seed) {}
  FeedRandom rng;
  std::vector<TrustProfile> trusts;
  PatientFactory factory;
  std::vector<Patient> patients;
  std::vector<std::vector<size_t>> by_trust;
  std::vector<Journey> active;
  int64_t now = days_from_civil(2026, 11, 2) * 86400 + 7 * 3600;  // Monday 07:00
  uint64_t control_seq = 0, visit_seq = 0, order_seq = 0, appointment_seq = 0;

  const TrustProfile& trust_of(const Journey& j) const { return trusts[patients[j.patient].trust]; }

  size_t new_patient(size_t trust) {
    patients.push_back(factory.make(rng, trusts[trust], trust));
    by_trust[trust].push_back(patients.size() - 1);
    return patients.size() - 1;
  }

  Journey start() {
    Journey j;
    const int k = static_cast<int>(rng.below(100));
    j.kind = k < 35   ? Journey::Kind::emergency
             : k < 60 ? Journey::Kind::outpatient
             : k < 90 ? Journey::Kind::pathology
                      : Journey::Kind::demographics;
    const size_t trust = rng.below(trusts.size());
    if (!by_trust[trust].empty() && rng.chance(35)) {
      j.patient = rng.pick(by_trust[trust]);
    } else {
      j.patient = new_patient(trust);
    }
    return j;
  }

  // --- segments -------------------------------------------------------------------------------

  void msh(MessageWriter& w, const TrustProfile& t, const std::string& app, const char* code,
           const char* event, const char* structure, GeneratedMessage& out, bool may_train) {
    out.trust = t.code;
    out.type = std::string(code) + "^" + event;
    out.control_id = t.control_prefix + fmt::format("{:08}", ++control_seq);
    const std::string type =
        t.version == "2.3" ? w.comp({code, event}) : w.comp({code, event, structure});
    const bool training = may_train && t.training_percent > 0 && rng.chance(t.training_percent);
    w.msh({w.text(app), w.text(t.code), "HUB", "HUB", hl7_time(now), "", type, out.control_id,
           training ? "T" : "P", t.version, "", "", "", "", "GBR", w.text(t.charset)});
  }

  void pid(MessageWriter& w, const TrustProfile& t, const Patient& p) {
    const std::string mrn = w.comp({p.mrn, "", "", t.code, "MR"});
    std::string pid2, pid3;
    switch (t.nhs) {
      case TrustProfile::NhsPlacement::pid3_spaced:
        pid3 = w.reps({mrn, w.comp({spaced_nhs_number(p.nhs_number), "", "", "NHS", "NHS"})});
        break;
      case TrustProfile::NhsPlacement::pid2_plain:
        pid2 = w.text(p.nhs_number);
        pid3 = mrn;
        break;
      case TrustProfile::NhsPlacement::pid3_standard:
        pid3 = w.reps({mrn, w.comp({p.nhs_number, "", "", "NHS", "NH"})});
        break;
    }
    const std::string dob =
        t.dob_dd_mm_yyyy
            ? fmt::format("{:02}/{:02}/{:04}", p.birth_day, p.birth_month, p.birth_year)
            : fmt::format("{:04}{:02}{:02}", p.birth_year, p.birth_month, p.birth_day);
    std::string sex(1, p.sex);
    if (t.sex_as_words) sex = p.sex == 'M' ? "Male" : p.sex == 'F' ? "Female" : "Unknown";
    std::string line1 = std::to_string(p.house) + " " + p.street;
    // A component separator that is also ordinary punctuation ('#'): written escaped (\S\).
    if (t.delimiters.component == '#' && p.house % 7 == 0) {
      line1 = "Flat #" + std::to_string(p.house % 5 + 1) + ", " + line1;
    }
    w.segment("PID", {"1", pid2, pid3, "", w.comp({p.family, p.given, p.middle, "", p.title}), "",
                      dob, w.text(sex), "", "", w.comp({line1, "", t.town, "", p.postcode})});
  }

  // A consultant as XCN (code^family^initial), with the writer's delimiters.
  std::string consultant(const MessageWriter& w) {
    const std::string& c = rng.pick(kConsultants);
    const size_t a = c.find('^'), b = c.rfind('^');
    return w.comp({c.substr(0, a), c.substr(a + 1, b - a - 1), c.substr(b + 1)});
  }

  // PV1 with the fields the journeys use: 2 class, 3 location, 6 prior location, 7 consultant,
  // 10 service, 19 visit number, 44 admitted, 45 discharged.
  void pv1(MessageWriter& w, const TrustProfile& t, const std::string& klass,
           const std::string& location, const std::string& prior, const std::string& service,
           const std::string& visit, int64_t admitted, std::optional<int64_t> discharged) {
    std::vector<std::string> f(45);
    f[0] = "1";
    f[1] = klass;
    if (!location.empty()) {
      f[2] = w.comp({location, "BED " + std::to_string(rng.between(1, 24)), "", t.code});
    }
    if (!prior.empty()) f[5] = w.comp({prior, "", "", t.code});
    if (klass != "N") {
      f[6] = consultant(w);
    }
    f[9] = service;
    f[18] = w.text(visit);
    if (admitted) f[43] = hl7_minutes(admitted);
    if (discharged) f[44] = hl7_minutes(*discharged);
    w.segment("PV1", std::move(f));
  }

  void z_segment(MessageWriter& w, const TrustProfile& t) {
    if (t.z_segment == "ZPI") w.segment("ZPI", {"1", w.text(rng.pick(kRivermeadNotes))});
    if (t.z_segment == "ZNG") w.segment("ZNG", {"1", "NGPAS", "5.2.1"});
  }

  void adt(MessageWriter& w, const TrustProfile& t, const Patient& p, const char* event,
           const char* structure, GeneratedMessage& out) {
    msh(w, t, t.pas_app, "ADT", event, structure, out, true);
    w.segment("EVN", {event, hl7_time(now)});
    pid(w, t, p);
  }

  // --- journeys -------------------------------------------------------------------------------

  std::string pick_other_ward(const TrustProfile& t, const std::string& not_this) {
    for (;;) {
      const std::string& w = rng.pick(t.wards);
      if (w != not_this) return w;
    }
  }

  std::optional<GeneratedMessage> emergency(Journey& j, bool& done) {
    const TrustProfile& t = trust_of(j);
    const Patient& p = patients[j.patient];
    MessageWriter w(t);
    GeneratedMessage out;
    if (j.step == 0) {
      j.visit = t.id_prefix + "V" + fmt::format("{:07}", ++visit_seq);
      j.location = t.emergency;
      j.arrived = now;
      j.admit = rng.chance(55);
      j.transfers_left = j.admit ? rng.between(0, 3) : 0;
      adt(w, t, p, "A04", "ADT_A01", out);
      pv1(w, t, "E", j.location, "", "180", j.visit, j.arrived, std::nullopt);
    } else if (j.step == 1 && j.admit) {
      j.prior = j.location;
      j.location = rng.pick(t.wards);
      adt(w, t, p, "A01", "ADT_A01", out);
      pv1(w, t, "I", j.location, j.prior, rng.pick(kServices), j.visit, now, std::nullopt);
    } else if (j.transfers_left > 0) {
      --j.transfers_left;
      j.prior = j.location;
      j.location = pick_other_ward(t, j.location);
      adt(w, t, p, "A02", "ADT_A02", out);
      pv1(w, t, "I", j.location, j.prior, rng.pick(kServices), j.visit, j.arrived, std::nullopt);
    } else {
      adt(w, t, p, "A03", "ADT_A03", out);
      pv1(w, t, j.admit ? "I" : "E", j.location, "", j.admit ? rng.pick(kServices) : "180", j.visit,
          j.arrived, now);
      done = true;
    }
    z_segment(w, t);
    out.bytes = w.finish();
    return out;
  }

  void siu(MessageWriter& w, const TrustProfile& t, const Patient& p, const Journey& j,
           const char* event, const std::string& reason, const char* status,
           GeneratedMessage& out) {
    msh(w, t, t.pas_app, "SIU", event, "SIU_S12", out, false);
    const std::string id = w.comp({j.appointment, t.pas_app});
    w.segment("SCH", {id,
                      id,
                      "",
                      "",
                      "",
                      reason,
                      w.comp({"ROUTINE", "Routine"}),
                      j.step == 0 ? "NEW" : "FOLLOWUP",
                      std::to_string(j.duration),
                      "MIN",
                      w.comp({"", "", std::to_string(j.duration), hl7_time(j.slot),
                              hl7_time(j.slot + j.duration * 60)}),
                      "",
                      "",
                      "",
                      "",
                      "",
                      "",
                      "",
                      "",
                      "",
                      "",
                      "",
                      "",
                      "",
                      status});
    pid(w, t, p);
    w.segment("PV1", {"1", "O", w.comp({j.clinic, "", "", t.code})});
    w.segment("RGS", {"1"});
    w.segment("AIS", {"1", "", w.comp({j.service, "OUTPATIENT CONSULTATION"}), hl7_time(j.slot), "",
                      "", std::to_string(j.duration), "MIN"});
    w.segment("AIL", {"1", "", w.comp({j.clinic, "", "", t.code})});
    w.segment("AIP", {"1", "", consultant(w), "CONSULTANT"});
  }

  int64_t clinic_slot() {
    const int64_t day = now / 86400 + rng.between(2, 60);
    return day * 86400 + 9 * 3600 + rng.between(0, 15) * 30 * 60;  // 09:00-16:30
  }

  std::optional<GeneratedMessage> outpatient(Journey& j, bool& done) {
    const TrustProfile& t = trust_of(j);
    const Patient& p = patients[j.patient];
    MessageWriter w(t);
    GeneratedMessage out;
    if (j.step == 0) {
      j.appointment = t.id_prefix + "A" + fmt::format("{:07}", ++appointment_seq);
      j.clinic = rng.pick(t.clinics);
      j.service = rng.pick(kServices);
      j.slot = clinic_slot();
      j.duration = rng.chance(50) ? 15 : 30;
      j.reschedules_left = rng.chance(30) ? rng.between(1, 2) : 0;
      const int o = static_cast<int>(rng.below(100));
      j.outcome = o < 70 ? 0 : o < 85 ? 1 : 2;
      siu(w, t, p, j, "S12", "", "Booked", out);
    } else if (j.reschedules_left > 0) {
      --j.reschedules_left;
      j.slot = clinic_slot();
      siu(w, t, p, j, "S13", w.comp({"RESCHED", "Rescheduled by the hospital"}), "Booked", out);
    } else {
      done = true;
      if (j.outcome == 0) return std::nullopt;  // attended: the feed says nothing more
      if (j.outcome == 1) {
        siu(w, t, p, j, "S15", w.comp({"CANC", "Cancelled by the patient"}), "Cancelled", out);
      } else {
        siu(w, t, p, j, "S26", w.comp({"DNA", "Did not attend"}), "Noshow", out);
      }
    }
    out.bytes = w.finish();
    return out;
  }

  std::optional<GeneratedMessage> pathology(Journey& j, bool& done) {
    const TrustProfile& t = trust_of(j);
    const Patient& p = patients[j.patient];
    MessageWriter w(t);
    GeneratedMessage out;
    if (j.step == 0) {
      const uint64_t n = ++order_seq;
      j.placer = t.id_prefix + "O" + fmt::format("{:07}", n);
      j.filler = t.id_prefix + "L" + fmt::format("{:07}", n);
      // The sexual-health panel is rare; the others equally likely.
      const auto& all = panels();
      j.panel = rng.chance(3) ? all.size() - 1 : rng.below(all.size() - 1);
      j.observed = now - rng.between(30, 300) * 60;
      for (const Test& test : all[j.panel].tests) {
        const int span = std::max(test.hi - test.lo, 1);
        j.values.push_back(test.lo - span / 5 + static_cast<int>(rng.below(span * 7 / 5 + 1)));
      }
      j.corrected = rng.chance(10);
    } else {
      // A correction: one result re-measured.
      const size_t i = rng.below(j.values.size());
      j.values[i] += rng.chance(50) ? 1 + static_cast<int>(rng.below(5)) : -1;
    }
    const bool correcting = j.step > 0;
    const char* status = correcting ? "C" : "F";
    const Panel& panel = panels()[j.panel];
    msh(w, t, t.lab_app, "ORU", "R01", "ORU_R01", out, false);
    pid(w, t, p);
    w.segment("ORC", {"RE", w.text(j.placer), w.text(j.filler), "", "CM"});
    std::vector<std::string> obr(25);
    obr[0] = "1";
    obr[1] = w.text(j.placer);
    obr[2] = w.text(j.filler);
    obr[3] = w.comp({panel.code, panel.name, "L"});
    obr[6] = t.obr7_dd_mm_yyyy ? w.text(uk_time(j.observed)) : hl7_minutes(j.observed);
    obr[13] = hl7_minutes(j.observed + 20 * 60);
    obr[21] = hl7_minutes(now);
    obr[23] = "HM";
    obr[24] = status;
    w.segment("OBR", std::move(obr));
    for (size_t i = 0; i < panel.tests.size(); ++i) {
      const Test& test = panel.tests[i];
      std::string value, flag, range;
      if (panel.text) {
        value = "NOT DETECTED";
      } else {
        value = fixed_point(j.values[i], test.decimals);
        range = fixed_point(test.lo, test.decimals) + "-" + fixed_point(test.hi, test.decimals);
        flag = j.values[i] < test.lo ? "L" : j.values[i] > test.hi ? "H" : "N";
      }
      w.segment("OBX", {std::to_string(i + 1), panel.text ? "ST" : "NM",
                        w.comp({test.code, test.name, "L"}), "", w.text(value), w.text(test.units),
                        w.text(range), flag, "", "", status, "", "", hl7_minutes(j.observed)});
    }
    if (correcting) w.segment("NTE", {"1", "L", w.text("Result corrected: sample re-analysed.")});
    done = !j.corrected || correcting;
    out.bytes = w.finish();
    return out;
  }

  std::optional<GeneratedMessage> demographics(Journey& j, bool& done) {
    const TrustProfile& t = trust_of(j);
    MessageWriter w(t);
    GeneratedMessage out;
    if (j.step == 0) {
      const int d = static_cast<int>(rng.below(100));
      j.what = d < 45 ? 0 : d < 75 ? 1 : 2;
    }
    Patient& p = patients[j.patient];
    if (j.what == 0) {  // moved house
      p.house = rng.between(1, 240);
      adt(w, t, p, "A08", "ADT_A01", out);
      pv1(w, t, "N", "", "", "", "", 0, std::nullopt);
      done = true;
    } else if (j.what == 1) {  // person details confirmed or updated
      adt(w, t, p, "A31", "ADT_A05", out);
      pv1(w, t, "N", "", "", "", "", 0, std::nullopt);
      done = true;
    } else if (j.step == 0) {  // a second registration of the same person (a duplicate)
      Patient dup = factory.make(rng, t, p.trust);
      const std::string mrn = dup.mrn;
      dup = p;
      dup.mrn = mrn;
      patients.push_back(dup);  // never picked for a new journey: not in by_trust
      j.duplicate = patients.size() - 1;
      adt(w, t, patients[j.duplicate], "A28", "ADT_A05", out);
      pv1(w, t, "N", "", "", "", "", 0, std::nullopt);
    } else {  // the duplicate merged into the original
      adt(w, t, patients[j.patient], "A40", "ADT_A39", out);
      w.segment("MRG", {w.comp({patients[j.duplicate].mrn, "", "", t.code, "MR"})});
      done = true;
    }
    if (j.what != 2 || j.step == 0) z_segment(w, t);
    out.bytes = w.finish();
    return out;
  }

  std::optional<GeneratedMessage> step(Journey& j, bool& done) {
    std::optional<GeneratedMessage> m;
    switch (j.kind) {
      case Journey::Kind::emergency:
        m = emergency(j, done);
        break;
      case Journey::Kind::outpatient:
        m = outpatient(j, done);
        break;
      case Journey::Kind::pathology:
        m = pathology(j, done);
        break;
      case Journey::Kind::demographics:
        m = demographics(j, done);
        break;
    }
    ++j.step;
    return m;
  }
};

FeedGenerator::FeedGenerator(std::unique_ptr<State> state) : state_(std::move(state)) {}
FeedGenerator::~FeedGenerator() = default;

Result<std::unique_ptr<FeedGenerator>> FeedGenerator::create(const FeedOptions& options) {
  auto state = std::make_unique<State>(options.seed);
  const auto& known = builtin_trusts();
  if (options.trusts.empty()) {
    state->trusts = known;
  } else {
    for (const std::string& code : options.trusts) {
      auto it = std::find_if(known.begin(), known.end(),
                             [&](const TrustProfile& t) { return t.code == code; });
      if (it == known.end()) {
        std::string names;
        for (const auto& t : known) names += (names.empty() ? "" : ", ") + t.code;
        return fail("unknown trust \"" + code + "\"; known: " + names);
      }
      if (std::none_of(state->trusts.begin(), state->trusts.end(),
                       [&](const TrustProfile& t) { return t.code == code; })) {
        state->trusts.push_back(*it);
      }
    }
  }
  state->by_trust.resize(state->trusts.size());
  return std::unique_ptr<FeedGenerator>(new FeedGenerator(std::move(state)));
}

GeneratedMessage FeedGenerator::next() {
  State& s = *state_;
  for (;;) {
    s.now += s.rng.between(5, 240);
    // Many journeys under way at once, as on a live feed: a new one starts often while few are
    // running, rarely once many are.
    const bool start = s.active.size() < 6 || (s.active.size() < 40 && s.rng.chance(20));
    if (start) s.active.push_back(s.start());
    const size_t i = start ? s.active.size() - 1 : s.rng.below(s.active.size());
    bool done = false;
    std::optional<GeneratedMessage> m = s.step(s.active[i], done);
    if (done) s.active.erase(s.active.begin() + static_cast<std::ptrdiff_t>(i));
    if (m) return std::move(*m);
  }
}

}  // namespace irwell::feed
