#include "engine/record/record_applier.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "engine/hl7/patient_identifier.h"
#include "engine/record/hl7_time.h"

namespace irwell::record {
namespace {

// An OBX-5 longer than this (a whole embedded document) is not copied into the record; the
// record points at the message instead.
constexpr size_t kMaxValueBytes = 64 * 1024;

constexpr std::string_view kNhsOid = "2.16.840.1.113883.2.1.4.1";

// Reads values of one message by segment ID and occurrence.
class Fields {
 public:
  explicit Fields(const hl7::Message& m) : m_(m) {}

  static hl7::Path path(std::string_view seg, int occ, int field, int comp = 0, int rep = 0,
                        int sub = 0) {
    hl7::Path p;
    p.segment = std::string(seg);
    p.occurrence = occ;
    p.field = field;
    p.repetition = rep;
    p.component = comp;
    p.subcomponent = sub;
    return p;
  }
  std::string get(std::string_view seg, int occ, int field, int comp = 0, int rep = 0,
                  int sub = 0) const {
    return m_.get(path(seg, occ, field, comp, rep, sub));
  }
  hl7::ValueState state(std::string_view seg, int occ, int field, int comp = 0, int rep = 0) const {
    return m_.state(path(seg, occ, field, comp, rep));
  }
  int repetitions(std::string_view seg, int occ, int field) const {
    return static_cast<int>(m_.repetition_count(path(seg, occ, field)));
  }
  // D1: a value replaces, `""` (null) clears, empty or absent leaves the target alone. Returns
  // true when the field was sent (value or null).
  bool update(std::string& target, std::string_view seg, int occ, int field, int comp = 0,
              int sub = 0) const {
    switch (m_.state(path(seg, occ, field, comp, 0, sub))) {
      case hl7::ValueState::value:
        target = get(seg, occ, field, comp, 0, sub);
        return true;
      case hl7::ValueState::null:
        target.clear();
        return true;
      default:
        return false;
    }
  }
  // D1 for a composite field: a value is read whole with `read`, `""` (null) clears, empty or
  // absent leaves the target alone. Returns true when the field was sent.
  template <class T, class Read>
  bool update_whole(T& target, std::string_view seg, int occ, int field, Read read) const {
    switch (state(seg, occ, field)) {
      case hl7::ValueState::value:
        target = read();
        return true;
      case hl7::ValueState::null:
        target = {};
        return true;
      default:
        return false;
    }
  }
  // A coded element (CE/CWE/XON-like): code in component `code_comp`, text in `text_comp`.
  bool update_coded(CodedName& target, std::string_view seg, int occ, int field, int code_comp,
                    int text_comp) const {
    return update_whole(target, seg, occ, field, [&] {
      return CodedName{get(seg, occ, field, code_comp), get(seg, occ, field, text_comp)};
    });
  }
  // A person (XCN): ID in component 1, name "Given Family" (title first when sent).
  bool update_person(CodedName& target, std::string_view seg, int occ, int field) const {
    return update_whole(target, seg, occ, field, [&] {
      return CodedName{
          get(seg, occ, field, 1),
          join({get(seg, occ, field, 6), get(seg, occ, field, 3), get(seg, occ, field, 2)})};
    });
  }
  bool update_location(Location& target, std::string_view seg, int occ, int field) const {
    return update_whole(target, seg, occ, field, [&] { return read_location(seg, occ, field); });
  }
  Location read_location(std::string_view seg, int occ, int field) const {
    return Location{get(seg, occ, field, 1), get(seg, occ, field, 2), get(seg, occ, field, 3),
                    get(seg, occ, field, 4)};
  }
  // Repeating phone field (XTN): each repetition's number (XTN.1, else XTN.12, else area+local).
  void append_phones(std::vector<std::string>& out, std::string_view seg, int occ,
                     int field) const {
    const int n = repetitions(seg, occ, field);
    for (int r = 1; r <= n; ++r) {
      std::string number = get(seg, occ, field, 1, r);
      if (number.empty()) number = get(seg, occ, field, 12, r);
      if (number.empty()) number = get(seg, occ, field, 6, r) + get(seg, occ, field, 7, r);
      if (!number.empty()) out.push_back(std::move(number));
    }
  }
  // Address (XAD) first repetition: street, other designation, city, state/district, postcode.
  std::vector<std::string> read_address(std::string_view seg, int occ, int field) const {
    std::vector<std::string> lines;
    for (int c = 1; c <= 5; ++c) {
      std::string line = get(seg, occ, field, c, 1);
      if (c == 1 && line.empty()) line = get(seg, occ, field, 1, 1, 1);
      if (!line.empty()) lines.push_back(std::move(line));
    }
    return lines;
  }
  static std::string join(std::initializer_list<std::string> parts) {
    std::string out;
    for (const std::string& p : parts) {
      if (p.empty()) continue;
      if (!out.empty()) out += ' ';
      out += p;
    }
    return out;
  }

 private:
  const hl7::Message& m_;
};

bool one_of(std::string_view v, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// Cites a message in a fact's source list (most recent last, bounded).
void cite(std::vector<int64_t>& sources, int64_t message_id) {
  if (!sources.empty() && sources.back() == message_id) return;
  if (auto it = std::find(sources.begin(), sources.end(), message_id); it != sources.end()) {
    return;
  }
  sources.push_back(message_id);
  if (sources.size() > kMaxSources) sources.erase(sources.begin());
}

std::string digits_only(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '-') out += c;
  }
  return out;
}

// PID-3-style CX repetitions of one field; NHS numbers normalised (first, when valid).
void read_identifiers(const Fields& f, std::string_view seg, int occ, int field,
                      std::vector<Identifier>& out, std::string* rejected_nhs) {
  const int n = f.repetitions(seg, occ, field);
  for (int r = 1; r <= n; ++r) {
    std::string id = f.get(seg, occ, field, 1, r);
    if (id.empty()) continue;
    std::string authority = f.get(seg, occ, field, 4, r, 1);
    const std::string authority_oid = f.get(seg, occ, field, 4, r, 2);
    std::string type = f.get(seg, occ, field, 5, r);
    const bool nhs = one_of(type, {"NH", "NHS", "NHSNBR"}) || authority == "NHS" ||
                     authority == kNhsOid || authority_oid == kNhsOid;
    if (nhs) {
      const std::string digits = digits_only(id);
      if (hl7::is_valid_nhs_number(digits)) {
        Identifier nhs_id{digits, "NHS", "NH"};
        if (std::find(out.begin(), out.end(), nhs_id) == out.end()) {
          out.insert(out.begin(), std::move(nhs_id));
        }
      } else if (rejected_nhs && rejected_nhs->empty()) {
        *rejected_nhs = id;
      }
      continue;
    }
    Identifier local{std::move(id), std::move(authority), std::move(type)};
    if (std::find(out.begin(), out.end(), local) == out.end()) out.push_back(std::move(local));
  }
}

const std::array<std::string_view, 22> kAdtEvents = {
    "A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A11", "A12", "A13",
    "A21", "A22", "A23", "A28", "A31", "A34", "A35", "A36", "A38", "A39", "A40"};
const std::array<std::string_view, 4> kMergeEvents = {"A34", "A35", "A36", "A39"};

bool is_merge(std::string_view event) {
  return event == "A40" ||
         std::find(kMergeEvents.begin(), kMergeEvents.end(), event) != kMergeEvents.end();
}

// ---- identity -------------------------------------------------------------------------------

void apply_identity(PatientRecord& r, const Fields& f, int pid, const MessageFacts& facts,
                    const MessageFacts::Subject& subject, const Source& source) {
  Identity& id = r.identity;
  const bool from_adt = facts.kind == MessageFacts::Kind::adt;
  if (from_adt) {
    id.stamp = facts.stamp;
  }
  for (const Identifier& i : subject.identifiers) {
    if (i.authority == "NHS") {
      id.nhs_number = i.id;
      id.rejected_nhs_number.clear();
      break;
    }
  }
  if (id.nhs_number.empty() && !subject.rejected_nhs_number.empty()) {
    id.rejected_nhs_number = subject.rejected_nhs_number;
  }
  f.update(id.nhs_number_status, "PID", pid, 32, 1);
  if (f.state("PID", pid, 5) == hl7::ValueState::value) {
    id.family_name = f.get("PID", pid, 5, 1, 1, 1);
    id.given_names = Fields::join({f.get("PID", pid, 5, 2, 1), f.get("PID", pid, 5, 3, 1)});
    id.title = f.get("PID", pid, 5, 5, 1);
  }
  f.update(id.birth_date, "PID", pid, 7, 1);
  f.update(id.sex, "PID", pid, 8, 1);
  f.update_whole(id.address, "PID", pid, 11, [&] { return f.read_address("PID", pid, 11); });
  // PID-13 and PID-14 together are the phone list: either sent (a value or "") replaces it.
  const auto sent = [](hl7::ValueState s) {
    return s == hl7::ValueState::value || s == hl7::ValueState::null;
  };
  if (sent(f.state("PID", pid, 13)) || sent(f.state("PID", pid, 14))) {
    id.phones.clear();
    f.append_phones(id.phones, "PID", pid, 13);
    f.append_phones(id.phones, "PID", pid, 14);
  }
  f.update(id.death_time, "PID", pid, 29, 1);
  std::string deceased;
  if (f.update(deceased, "PID", pid, 30)) id.deceased = deceased == "Y";
  if (!id.death_time.empty()) id.deceased = true;
  // PD1 belongs to the patient group of the PID (the first PD1 for the first PID).
  if (from_adt) {
    // PD1-3: practice as XON (name, then the code in XON.10 from v2.5, XON.3 before).
    f.update_whole(id.practice, "PD1", pid, 3, [&] {
      std::string code = f.get("PD1", pid, 3, 10);
      if (code.empty()) code = f.get("PD1", pid, 3, 3);
      return CodedName{std::move(code), f.get("PD1", pid, 3, 1)};
    });
    f.update_person(id.gp, "PD1", pid, 4);
  }
  cite(id.sources, source.message_id);
}

// ---- encounters ------------------------------------------------------------------------------

std::string kind_of(std::string_view patient_class) {
  if (one_of(patient_class, {"I", "B"})) return "inpatient";
  if (one_of(patient_class, {"O", "R"})) return "outpatient";
  if (patient_class == "E") return "emergency";
  if (patient_class == "P") return "preadmit";
  return "other";
}

// PV1 fields every encounter event may carry.
void update_from_pv1(Encounter& e, const Fields& f) {
  if (f.update(e.patient_class, "PV1", 1, 2, 1)) e.kind = kind_of(e.patient_class);
  f.update_location(e.location, "PV1", 1, 3);
  f.update(e.hospital_service, "PV1", 1, 10, 1);
  if (!f.update_person(e.consultant, "PV1", 1, 9)) f.update_person(e.consultant, "PV1", 1, 7);
  f.update(e.admit_time, "PV1", 1, 44, 1);
}

void set_discharge_fields(Encounter& e, const Fields& f, const MessageFacts& facts) {
  if (!f.update(e.discharge_time, "PV1", 1, 45, 1) || e.discharge_time.empty()) {
    e.discharge_time = facts.event_time;
  }
  f.update(e.disposition, "PV1", 1, 36, 1);
  f.update(e.discharged_to, "PV1", 1, 37, 1);
}

bool apply_transfer(Encounter& e, const Fields& f, const MessageFacts& facts, const Source& source,
                    bool stale) {
  Transfer t;
  t.time = facts.event_time;
  t.to = f.read_location("PV1", 1, 3);
  t.from =
      f.state("PV1", 1, 6) == hl7::ValueState::value ? f.read_location("PV1", 1, 6) : e.location;
  t.stamp = facts.stamp;
  t.sources.push_back(source.message_id);
  const bool known = std::any_of(e.transfers.begin(), e.transfers.end(), [&](const Transfer& x) {
    return x.stamp.time == t.stamp.time && x.to == t.to;
  });
  if (!known) {
    // History stays in event order even when a transfer arrives late.
    auto at = std::upper_bound(e.transfers.begin(), e.transfers.end(), t.stamp,
                               [](const Stamp& s, const Transfer& x) { return s < x.stamp; });
    e.transfers.insert(at, std::move(t));
  }
  if (!stale) e.location = f.read_location("PV1", 1, 3);
  return !known;
}

// A12: the newest transfer not yet cancelled, no newer than the cancellation, is undone.
// Returns whether a transfer was cancelled.
bool cancel_transfer(Encounter& e, const Fields& f, const MessageFacts& facts, bool stale) {
  Transfer* target = nullptr;
  for (Transfer& t : e.transfers) {
    if (!t.cancelled && t.stamp <= facts.stamp) target = &t;
  }
  if (target) {
    target->cancelled = true;
    cite(target->sources, facts.stamp.message_id);
  }
  if (stale) return target != nullptr;
  if (f.state("PV1", 1, 3) == hl7::ValueState::value) {
    e.location = f.read_location("PV1", 1, 3);
  } else if (target) {
    e.location = target->from;
  }
  return target != nullptr;
}

Encounter* find_encounter(PatientRecord& r, const std::string& key, bool fallback_to_latest) {
  if (!key.empty()) {
    for (Encounter& e : r.encounters) {
      if (e.visit_number == key) return &e;
    }
  }
  if (fallback_to_latest) {
    for (auto it = r.encounters.rbegin(); it != r.encounters.rend(); ++it) {
      if (it->status != "cancelled") return &*it;
    }
  }
  return nullptr;
}

bool apply_encounter(PatientRecord& r, const Fields& f, const hl7::Message& m,
                     const MessageFacts& facts, const Source& source) {
  const std::string& ev = facts.event;
  if (one_of(ev, {"A28", "A31"}) || is_merge(ev)) return false;
  if (!m.find_segment("PV1")) return false;  // nothing said about an encounter
  const std::string pv1_class = f.get("PV1", 1, 2, 1);
  if (ev == "A08" && (pv1_class.empty() || pv1_class == "N")) return false;

  std::string key = f.get("PV1", 1, 19, 1);
  const bool creates =
      one_of(ev, {"A01", "A04", "A05", "A08", "A03", "A11", "A23", "A38", "A06", "A07"});
  const bool starts = one_of(ev, {"A01", "A04", "A05"});
  if (key.empty() && starts) {
    // No visit number: the encounter is known by its admit (or event) time, so the same
    // admission applied twice finds the encounter it made the first time.
    std::string admit = f.get("PV1", 1, 44, 1);
    key = "@" + (admit.empty() ? facts.event_time : admit);
  }
  Encounter* e = find_encounter(r, key, key.empty());
  bool stale = false;
  if (!e) {
    if (!creates) return false;
    if (key.empty()) {
      std::string admit = f.get("PV1", 1, 44, 1);
      key = "@" + (admit.empty() ? facts.event_time : admit);
    }
    Encounter fresh;
    fresh.visit_number = key;
    r.encounters.push_back(std::move(fresh));
    e = &r.encounters.back();
  } else {
    stale = facts.stamp < e->stamp;
  }
  // A late transfer still belongs in the history (and a late A12 still undoes its transfer),
  // though neither moves the patient any more.
  bool history_changed = false;
  if (ev == "A02") {
    history_changed = apply_transfer(*e, f, facts, source, stale);
  } else if (ev == "A12") {
    history_changed = cancel_transfer(*e, f, facts, stale);
  }
  if (stale) {
    if (history_changed) cite(e->sources, source.message_id);
    return true;
  }
  cite(e->sources, source.message_id);
  e->stamp = facts.stamp;
  if (ev != "A12") update_from_pv1(*e, f);
  if (e->admit_time.empty()) e->admit_time = facts.event_time;
  if (one_of(ev, {"A01", "A04", "A06", "A07", "A22"})) {
    e->status = "active";
  } else if (ev == "A05") {
    e->status = "planned";
  } else if (ev == "A03") {
    e->status = "discharged";
    set_discharge_fields(*e, f, facts);
  } else if (one_of(ev, {"A11", "A23", "A38"})) {
    e->status = "cancelled";
  } else if (ev == "A13") {
    e->status = "active";
    e->discharge_time.clear();
    e->disposition.clear();
    e->discharged_to.clear();
  } else if (ev == "A21") {
    e->status = "on_leave";
  } else if (e->status.empty()) {
    // First heard of through an update (A08) or a transfer: discharged if it says so.
    e->status = f.get("PV1", 1, 45, 1).empty() ? "active" : "discharged";
    if (e->status == "discharged") set_discharge_fields(*e, f, facts);
  }
  return false;
}

// ---- allergies and contacts -----------------------------------------------------------------

bool upsert_allergies(PatientRecord& r, const Fields& f, const hl7::Message& m,
                      const MessageFacts& facts, const Source& source) {
  bool stale = false;
  for (int occ = 1; m.find_segment("AL1", occ); ++occ) {
    Allergy a;
    f.update(a.type, "AL1", occ, 2, 1);
    f.update_coded(a.allergen, "AL1", occ, 3, 1, 2);
    if (a.allergen.code.empty() && a.allergen.name.empty()) continue;
    const std::string key = a.allergen.code.empty() ? a.allergen.name : a.allergen.code;
    auto it = std::find_if(r.allergies.begin(), r.allergies.end(), [&](const Allergy& x) {
      return (x.allergen.code.empty() ? x.allergen.name : x.allergen.code) == key;
    });
    if (it == r.allergies.end()) {
      it = r.allergies.insert(r.allergies.end(), Allergy{});
    } else if (facts.stamp < it->stamp) {
      stale = true;
      continue;
    }
    it->type = a.type;
    it->allergen = a.allergen;
    f.update(it->severity, "AL1", occ, 4, 1);
    if (f.state("AL1", occ, 5) == hl7::ValueState::value) {
      it->reaction = f.get("AL1", occ, 5, 1);
    }
    f.update(it->identified_date, "AL1", occ, 6, 1);
    it->stamp = facts.stamp;
    cite(it->sources, source.message_id);
  }
  return stale;
}

bool upsert_contacts(PatientRecord& r, const Fields& f, const hl7::Message& m,
                     const MessageFacts& facts, const Source& source) {
  bool stale = false;
  for (int occ = 1; m.find_segment("NK1", occ); ++occ) {
    std::string name = Fields::join({f.get("NK1", occ, 2, 2, 1), f.get("NK1", occ, 2, 1, 1, 1)});
    std::string relationship = f.get("NK1", occ, 3, 2);
    if (relationship.empty()) relationship = f.get("NK1", occ, 3, 1);
    if (name.empty()) continue;
    auto it = std::find_if(r.contacts.begin(), r.contacts.end(), [&](const Contact& c) {
      return c.name == name && c.relationship == relationship;
    });
    if (it == r.contacts.end()) {
      it = r.contacts.insert(r.contacts.end(), Contact{});
    } else if (facts.stamp < it->stamp) {
      stale = true;
      continue;
    }
    it->name = std::move(name);
    it->relationship = std::move(relationship);
    if (f.state("NK1", occ, 4) == hl7::ValueState::value) {
      it->address = f.read_address("NK1", occ, 4);
    }
    if (f.state("NK1", occ, 5) == hl7::ValueState::value) {
      it->phones.clear();
      f.append_phones(it->phones, "NK1", occ, 5);
    }
    if (f.state("NK1", occ, 7) == hl7::ValueState::value) {
      it->contact_role = f.get("NK1", occ, 7, 2);
      if (it->contact_role.empty()) it->contact_role = f.get("NK1", occ, 7, 1);
    }
    it->stamp = facts.stamp;
    cite(it->sources, source.message_id);
  }
  return stale;
}

// ---- appointments (SIU) ----------------------------------------------------------------------

bool apply_appointment(PatientRecord& r, const Fields& f, const hl7::Message& m,
                       const MessageFacts& facts, const Source& source) {
  const std::string placer = f.get("SCH", 1, 1, 1);
  const std::string filler = f.get("SCH", 1, 2, 1);
  if (placer.empty() && filler.empty()) return false;
  auto it = std::find_if(r.appointments.begin(), r.appointments.end(), [&](const Appointment& a) {
    return (!filler.empty() && a.filler_id == filler) || (!placer.empty() && a.placer_id == placer);
  });
  if (it == r.appointments.end()) {
    it = r.appointments.insert(r.appointments.end(), Appointment{});
  } else if (facts.stamp < it->stamp) {
    return true;
  }
  Appointment& a = *it;
  if (!placer.empty()) a.placer_id = placer;
  if (!filler.empty()) a.filler_id = filler;
  const std::string& ev = facts.event;
  a.last_event = ev;
  if (one_of(ev, {"S12", "S13", "S14"})) {
    a.status = "booked";
  } else if (one_of(ev, {"S15", "S16", "S17"})) {
    a.status = "cancelled";
  } else if (ev == "S26") {
    a.status = "no_show";
  }
  // Start and end: TQ1-7/8 (v2.5+), else SCH-11.4/.5, else the first service's AIS-4.
  if (!f.update(a.start_time, "TQ1", 1, 7, 1)) {
    if (!f.update(a.start_time, "SCH", 1, 11, 4)) f.update(a.start_time, "AIS", 1, 4, 1);
  }
  if (!f.update(a.end_time, "TQ1", 1, 8, 1)) f.update(a.end_time, "SCH", 1, 11, 5);
  if (f.state("SCH", 1, 9) == hl7::ValueState::value) {
    a.duration = Fields::join({f.get("SCH", 1, 9), f.get("SCH", 1, 10, 1)});
  } else if (f.state("AIS", 1, 7) == hl7::ValueState::value) {
    a.duration = Fields::join({f.get("AIS", 1, 7), f.get("AIS", 1, 8, 1)});
  }
  if (f.state("SCH", 1, 7) == hl7::ValueState::value) {
    a.reason = f.get("SCH", 1, 7, 2);
    if (a.reason.empty()) a.reason = f.get("SCH", 1, 7, 1);
  }
  if (f.state("SCH", 1, 8) == hl7::ValueState::value) {
    a.appointment_type = f.get("SCH", 1, 8, 2);
    if (a.appointment_type.empty()) a.appointment_type = f.get("SCH", 1, 8, 1);
  }
  f.update_coded(a.service, "AIS", 1, 3, 1, 2);
  if (!f.update_location(a.clinic, "AIL", 1, 3) && m.find_segment("PV1")) {
    f.update_location(a.clinic, "PV1", 1, 3);
  }
  f.update_person(a.clinician, "AIP", 1, 3);
  a.stamp = facts.stamp;
  cite(a.sources, source.message_id);
  return false;
}

// ---- results (ORU) ---------------------------------------------------------------------------

bool same_value(const Observation& o, const ObservationVersion& v) {
  return o.value == v.value && o.units == v.units && o.reference_range == v.reference_range &&
         o.abnormal_flags == v.abnormal_flags && o.status == v.status &&
         o.observed_time == v.observed_time;
}

ObservationVersion version_of(const Observation& o) {
  return ObservationVersion{
      o.value,  o.units,         o.reference_range, o.abnormal_flags,
      o.status, o.observed_time, o.stamp,           o.sources.empty() ? 0 : o.sources.back()};
}

ObservationVersion read_obx(const Fields& f, int occ, const Source& source) {
  ObservationVersion v;
  const std::string type = f.get("OBX", occ, 2, 1);
  v.value = f.get("OBX", occ, 5);
  // Repetitions of OBX-5 (a list of values) are joined; an embedded document is not copied.
  if (type == "ED" || v.value.size() > kMaxValueBytes) {
    v.value = "[not kept in the record: " + std::to_string(v.value.size()) +
              " bytes, see message " + std::to_string(source.message_id) + "]";
  } else if (f.repetitions("OBX", occ, 5) > 1) {
    std::string joined;
    for (int r = 1; r <= f.repetitions("OBX", occ, 5); ++r) {
      if (!joined.empty()) joined += "; ";
      joined += f.get("OBX", occ, 5, 0, r);
    }
    v.value = std::move(joined);
  }
  v.units = f.get("OBX", occ, 6, 1);
  v.reference_range = f.get("OBX", occ, 7);
  v.abnormal_flags = f.get("OBX", occ, 8, 0, 1);
  v.status = f.get("OBX", occ, 11);
  v.observed_time = f.get("OBX", occ, 14, 1);
  v.message_id = source.message_id;
  return v;
}

// Applies one OBX to its order. `seen` holds the observation keys already written by this
// message: a key repeated within one order (report text sent line by line) appends.
bool apply_observation(Order& order, const Fields& f, int occ, const MessageFacts& facts,
                       const Source& source, std::set<std::string>& seen) {
  const std::string code = f.get("OBX", occ, 3, 1);
  const std::string text = f.get("OBX", occ, 3, 2);
  const std::string sub_id = f.get("OBX", occ, 4);
  const std::string key = (code.empty() ? text : code) + '\x1f' + sub_id;
  ObservationVersion v = read_obx(f, occ, source);
  v.stamp = facts.stamp;
  auto it =
      std::find_if(order.observations.begin(), order.observations.end(), [&](const Observation& o) {
        return (o.code.empty() ? o.text : o.code) + '\x1f' + o.sub_id == key;
      });
  if (!seen.insert(key).second && it != order.observations.end()) {
    if (!v.value.empty()) it->value += (it->value.empty() ? "" : "\n") + v.value;
    return false;
  }
  if (it == order.observations.end()) {
    Observation o;
    o.code = code;
    o.text = text;
    o.sub_id = sub_id;
    it = order.observations.insert(order.observations.end(), std::move(o));
  } else if (facts.stamp < it->stamp) {
    return true;
  } else if (!same_value(*it, v)) {
    // A corrected (C) or later final result replaces the value; the old one is history.
    it->history.push_back(version_of(*it));
  }
  Observation& o = *it;
  if (!text.empty()) o.text = text;
  o.value_type = f.get("OBX", occ, 2, 1);
  o.value = std::move(v.value);
  o.units = std::move(v.units);
  o.reference_range = std::move(v.reference_range);
  o.abnormal_flags = std::move(v.abnormal_flags);
  o.status = std::move(v.status);
  o.observed_time = std::move(v.observed_time);
  o.stamp = facts.stamp;
  cite(o.sources, source.message_id);
  return false;
}

std::string order_key(const Order& o) {
  return (o.filler_order.empty() ? o.placer_order : o.filler_order) + '\x1f' + o.service.code +
         '\x1f' + o.parent_result;
}

bool apply_results(PatientRecord& r, const Fields& f, const hl7::Message& m,
                   const MessageFacts& facts, const Source& source) {
  bool stale = false;
  const std::string clinic = f.get("PV1", 1, 3, 1);
  Order* order = nullptr;
  bool order_stale = false;
  std::set<std::string> seen;
  std::vector<int> obr_seen;
  int obr = 0, obx = 0;
  for (size_t i = 0; i < m.segment_count(); ++i) {
    const std::string_view id = m.segment_id(i);
    if (id == "OBR") {
      ++obr;
      Order o;
      o.placer_order = f.get("OBR", obr, 2, 1);
      o.filler_order = f.get("OBR", obr, 3, 1);
      o.service = CodedName{f.get("OBR", obr, 4, 1), f.get("OBR", obr, 4, 2)};
      o.parent_result = f.get("OBR", obr, 26);
      const std::string key = order_key(o);
      auto it = std::find_if(r.results.begin(), r.results.end(),
                             [&](const Order& x) { return order_key(x) == key; });
      if (it == r.results.end()) it = r.results.insert(r.results.end(), std::move(o));
      order = &*it;
      order_stale = facts.stamp < order->stamp;
      seen.clear();
      if (order_stale) {
        stale = true;
        continue;
      }
      cite(order->sources, source.message_id);
      f.update(order->collected_time, "OBR", obr, 7, 1);
      f.update(order->reported_time, "OBR", obr, 22, 1);
      f.update(order->status, "OBR", obr, 25);
      if (!clinic.empty()) order->clinic = clinic;
      order->stamp = facts.stamp;
    } else if (id == "OBX") {
      ++obx;
      if (!order || order_stale) continue;
      if (apply_observation(*order, f, obx, facts, source, seen)) stale = true;
    }
  }
  return stale;
}

// Keeps PatientRecord::sources to the messages some fact still cites, adding `source` if cited.
void collect_cited(const PatientRecord& r, std::set<int64_t>& cited) {
  auto add = [&](const std::vector<int64_t>& v) { cited.insert(v.begin(), v.end()); };
  add(r.identity.sources);
  for (const Encounter& e : r.encounters) {
    add(e.sources);
    for (const Transfer& t : e.transfers) add(t.sources);
  }
  for (const Appointment& a : r.appointments) add(a.sources);
  for (const Order& o : r.results) {
    add(o.sources);
    for (const Observation& ob : o.observations) add(ob.sources);
  }
  for (const Allergy& a : r.allergies) add(a.sources);
  for (const Contact& c : r.contacts) add(c.sources);
}

void tidy_sources(PatientRecord& r, const Source& source) {
  std::set<int64_t> cited;
  collect_cited(r, cited);
  std::erase_if(r.sources, [&](const Source& s) { return !cited.count(s.message_id); });
  const bool known = std::any_of(r.sources.begin(), r.sources.end(), [&](const Source& s) {
    return s.message_id == source.message_id;
  });
  if (!known && cited.count(source.message_id)) r.sources.push_back(source);
}

void apply_event(PatientRecord& r, const Fields& f, const hl7::Message& m,
                 const MessageFacts& facts, const Source& source, ApplyNotes& notes);

}  // namespace

// ---- facts -----------------------------------------------------------------------------------

Result<MessageFacts, NotApplied> read_facts(const hl7::Message& m, const Source& source) {
  const hl7::Header h = m.header();
  MessageFacts facts;
  facts.message_type = h.message_type + "^" + h.trigger_event;
  facts.event = h.trigger_event;
  if (h.message_type == "ADT") {
    facts.kind = MessageFacts::Kind::adt;
    if (std::find(kAdtEvents.begin(), kAdtEvents.end(), h.trigger_event) == kAdtEvents.end()) {
      return fail(NotApplied{false, facts.message_type + " is not applied to the record"});
    }
  } else if (h.message_type == "ORU") {
    facts.kind = MessageFacts::Kind::oru;
    if (h.trigger_event != "R01") {
      return fail(NotApplied{false, facts.message_type + " is not applied to the record"});
    }
  } else if (h.message_type == "SIU") {
    facts.kind = MessageFacts::Kind::siu;
    if (!one_of(h.trigger_event, {"S12", "S13", "S14", "S15", "S16", "S17", "S26"})) {
      return fail(NotApplied{false, facts.message_type + " is not applied to the record"});
    }
  } else {
    return fail(NotApplied{false, "not a patient event (" + facts.message_type + ")"});
  }
  const Fields f(m);
  facts.event_time = facts.kind == MessageFacts::Kind::adt ? f.get("EVN", 1, 2, 1) : "";
  std::optional<int64_t> t = parse_hl7_time(facts.event_time);
  if (!t) {
    facts.event_time = h.message_time;
    t = parse_hl7_time(h.message_time);
  }
  // No readable EVN-2 or MSH-7 (D7): the time the engine received it is the best order known.
  facts.stamp = Stamp{t ? *t : source.received_at, source.message_id};
  facts.merge = facts.kind == MessageFacts::Kind::adt && is_merge(h.trigger_event);

  const int pids = [&] {
    int n = 0;
    while (m.find_segment("PID", n + 1)) ++n;
    return n;
  }();
  if (pids == 0) return fail(NotApplied{true, facts.message_type + " has no PID segment"});
  for (int occ = 1; occ <= (facts.merge ? pids : 1); ++occ) {
    MessageFacts::Subject s;
    s.pid_occurrence = occ;
    read_identifiers(f, "PID", occ, 3, s.identifiers, &s.rejected_nhs_number);
    read_identifiers(f, "PID", occ, 2, s.identifiers, &s.rejected_nhs_number);
    if (facts.merge) read_identifiers(f, "MRG", occ, 1, s.merged, nullptr);
    if (s.identifiers.empty()) {
      return fail(
          NotApplied{true, facts.message_type + ": PID-3 has no usable patient identifier"});
    }
    facts.subjects.push_back(std::move(s));
  }
  return facts;
}

// ---- apply -----------------------------------------------------------------------------------

ApplyNotes apply_message(PatientRecord& r, const hl7::Message& m, const MessageFacts& facts,
                         const MessageFacts::Subject& subject, const Source& source,
                         const hl7::Path* opt_out, const std::vector<std::string>& opt_out_values) {
  ApplyNotes notes;
  const Fields f(m);
  for (const Identifier& i : subject.identifiers) {
    if (std::find(r.identifiers.begin(), r.identifiers.end(), i) == r.identifiers.end()) {
      r.identifiers.push_back(i);
    }
  }
  const bool adt = facts.kind == MessageFacts::Kind::adt;
  // Identity: an ADT newer than the stored identity replaces it; ORU/SIU only fill a record
  // no ADT has described yet (their stamp stays zero, so any ADT wins).
  if (adt) {
    if (facts.stamp < r.identity.stamp) {
      notes.stale = true;
    } else {
      apply_identity(r, f, subject.pid_occurrence, facts, subject, source);
    }
    if (opt_out && !(facts.stamp < r.sharing_stamp)) {
      switch (m.state(*opt_out)) {
        case hl7::ValueState::value: {
          const std::string v = m.get(*opt_out);
          r.opted_out =
              std::find(opt_out_values.begin(), opt_out_values.end(), v) != opt_out_values.end();
          r.sharing_stamp = facts.stamp;
          break;
        }
        case hl7::ValueState::null:
          r.opted_out = false;
          r.sharing_stamp = facts.stamp;
          break;
        default:
          break;
      }
    }
  } else if (r.identity.stamp == Stamp{}) {
    apply_identity(r, f, subject.pid_occurrence, facts, subject, source);
  }
  if (!facts.merge) {
    apply_event(r, f, m, facts, source, notes);
  }
  tidy_sources(r, source);
  return notes;
}

namespace {

void apply_event(PatientRecord& r, const Fields& f, const hl7::Message& m,
                 const MessageFacts& facts, const Source& source, ApplyNotes& notes) {
  switch (facts.kind) {
    case MessageFacts::Kind::adt:
      if (apply_encounter(r, f, m, facts, source)) notes.stale = true;
      if (upsert_allergies(r, f, m, facts, source)) notes.stale = true;
      if (upsert_contacts(r, f, m, facts, source)) notes.stale = true;
      break;
    case MessageFacts::Kind::oru:
      if (apply_results(r, f, m, facts, source)) notes.stale = true;
      break;
    case MessageFacts::Kind::siu:
      if (apply_appointment(r, f, m, facts, source)) notes.stale = true;
      break;
  }
}

}  // namespace

// ---- merge -----------------------------------------------------------------------------------

namespace {

template <class T, class Key>
void merge_list(std::vector<T>& into, std::vector<T>&& from, Key key) {
  for (T& item : from) {
    auto it =
        std::find_if(into.begin(), into.end(), [&](const T& x) { return key(x) == key(item); });
    if (it == into.end()) {
      into.push_back(std::move(item));
    } else if (it->stamp < item.stamp) {
      *it = std::move(item);
    }
  }
}

void add_unique(std::vector<Identifier>& into, const Identifier& i) {
  if (std::find(into.begin(), into.end(), i) == into.end()) into.push_back(i);
}

}  // namespace

void merge_into(PatientRecord& s, PatientRecord&& m) {
  for (const Identifier& i : m.identifiers) {
    add_unique(s.identifiers, i);
    add_unique(s.merged_identifiers, i);
  }
  for (const Identifier& i : m.merged_identifiers) add_unique(s.merged_identifiers, i);
  merge_list(s.encounters, std::move(m.encounters),
             [](const Encounter& e) { return e.visit_number; });
  merge_list(s.appointments, std::move(m.appointments), [](const Appointment& a) {
    return a.filler_id.empty() ? "P" + a.placer_id : "F" + a.filler_id;
  });
  merge_list(s.results, std::move(m.results), order_key);
  merge_list(s.allergies, std::move(m.allergies), [](const Allergy& a) {
    return a.allergen.code.empty() ? a.allergen.name : a.allergen.code;
  });
  merge_list(s.contacts, std::move(m.contacts),
             [](const Contact& c) { return c.name + '\x1f' + c.relationship; });
  if (s.identity.nhs_number.empty() && !m.identity.nhs_number.empty()) {
    s.identity.nhs_number = m.identity.nhs_number;
    s.identity.nhs_number_status = m.identity.nhs_number_status;
  }
  // Privacy first: if either record had opted out, the merged one has.
  s.opted_out = s.opted_out || m.opted_out;
  s.sharing_stamp = std::max(s.sharing_stamp, m.sharing_stamp);
  for (Source& src : m.sources) {
    const bool known = std::any_of(s.sources.begin(), s.sources.end(),
                                   [&](const Source& x) { return x.message_id == src.message_id; });
    if (!known) s.sources.push_back(std::move(src));
  }
}

}  // namespace irwell::record
