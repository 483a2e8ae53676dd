// record_bench: builds a shared care record store of synthetic patients (invented, NHS numbers
// from the 999 test range, generated here) and measures the apply rate (events/s, batches of a
// few hundred per transaction, as the record_store destination applies them) and the patient
// lookup latency (p50/p99) on the full store.
//
//   record_bench [--patients N] [--updates N] [--batch N] [--lookups N] [--file PATH] [--keep]
//                [--sync full|normal] [--seed N]
//
// Defaults: 3,200,000 patients (the West Midlands record's scale; the 999 test range holds only
// about 909,000 valid NHS numbers, so the rest have a hospital number only), 400,000 mixed updates
// (transfers, discharges, results, corrected results, appointments, demographics), batches of
// 250, 100,000 lookups, the file in /tmp (deleted afterwards unless --keep), synchronous=FULL.
// Phase 1 registers every patient with an admission (A01); phase 2 applies the mixed updates to
// random patients of the full store; phase 3 looks random patients up (by NHS number, or by
// hospital number for those without one).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/record/record_store.h"

using namespace irwell;
using namespace irwell::record;
using Steady = std::chrono::steady_clock;

namespace {

struct Args {
  long patients = 3'200'000;
  long updates = 400'000;
  int batch = 250;
  long lookups = 100'000;
  std::string file;
  bool keep = false;
  bool sync_full = true;
  unsigned seed = 7;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: record_bench [--patients N] [--updates N] [--batch N] [--lookups N] "
               "[--file PATH] [--keep] [--sync full|normal] [--seed N]\n");
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (arg == "--patients") {
      a.patients = std::stol(next());
    } else if (arg == "--updates") {
      a.updates = std::stol(next());
    } else if (arg == "--batch") {
      a.batch = std::max(1, std::stoi(next()));
    } else if (arg == "--lookups") {
      a.lookups = std::stol(next());
    } else if (arg == "--file") {
      a.file = next();
    } else if (arg == "--keep") {
      a.keep = true;
    } else if (arg == "--sync") {
      const std::string v = next();
      if (v != "full" && v != "normal") usage();
      a.sync_full = v == "full";
    } else if (arg == "--seed") {
      a.seed = static_cast<unsigned>(std::stoul(next()));
    } else {
      usage();
    }
  }
  if (a.patients < 1) usage();
  return a;
}

// Valid NHS numbers of the 999 test range in order (999000000x upwards, skipping bases whose
// modulus 11 check digit would be 10), at most `count`. The range holds about 909,000: patients
// beyond that get only a hospital number (MRN), as patients without a traced NHS number do.
std::vector<std::string> nhs_numbers(long count) {
  std::vector<std::string> out;
  out.reserve(std::min(count, 1'000'000L));
  for (long base = 999'000'000; static_cast<long>(out.size()) < count && base <= 999'999'999;
       ++base) {
    const std::string digits = std::to_string(base);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) continue;
    out.push_back(digits + static_cast<char>('0' + check));
  }
  return out;
}

constexpr const char* kFamily[] = {"SMITH",   "JONES",  "TAYLOR", "BROWN",  "WILLIAMS", "WILSON",
                                   "JOHNSON", "DAVIES", "PATEL",  "WRIGHT", "KHAN",     "EVANS"};
constexpr const char* kGiven[] = {"OLIVIA", "NOAH",     "AMELIA", "GEORGE", "ISLA",  "ARTHUR",
                                  "AVA",    "MUHAMMAD", "MIA",    "LEO",    "GRACE", "OSCAR"};
constexpr const char* kWards[] = {"AMU^BAY 1^BED 1^QEH", "WARD 4^BAY 2^BED 6^QEH", "CCU^^BED 3^QEH",
                                  "WARD 12^BAY 4^BED 2^HGS"};

std::string bars(int n) { return std::string(static_cast<size_t>(n), '|'); }

class Generator {
 public:
  Generator(const std::vector<std::string>& nhs, unsigned seed) : nhs_(nhs), rng_(seed) {}

  std::string time(long minutes_after) const {
    // Minutes after 2026-01-01 00:00, as an HL7 TS.
    using namespace std::chrono;
    const sys_days start = year{2026} / January / 1;
    const auto t = sys_time<minutes>(start) + minutes(minutes_after);
    const sys_days day = floor<days>(t);
    const year_month_day ymd(day);
    const auto hm = duration_cast<minutes>(t - day).count();
    return fmt::format("{:04}{:02}{:02}{:02}{:02}00", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hm / 60, hm % 60);
  }

  std::string pid(long p) const {
    return fmt::format(
        "PID|1||MRN{}^^^QEH^MR{}||{}^{}^^^MX||19{:02}0{}1{}|{}|||{} High Street^^"
        "Birmingham^^B{} 1AA||0121 496 {:04}||||||||||||||||||||01",
        p, p < static_cast<long>(nhs_.size()) ? "~" + nhs_[p] + "^^^NHS^NH" : std::string(),
        kFamily[p % 12], kGiven[p / 12 % 12], 30 + p % 70, 1 + p % 9, p % 10, p % 2 ? "M" : "F",
        1 + p % 300, 1 + p % 40, p % 10000);
  }

  std::string header(std::string_view type, const std::string& ts) {
    return fmt::format("MSH|^~\\&|PAS|QEH|ICS|BSOL|{}||{}|C{}|P|2.4\r", ts, type, ++control_);
  }

  std::string admission(long p) {
    const std::string ts = time(p % 500000);
    return header("ADT^A01", ts) + "EVN|A01|" + ts + "\r" + pid(p) + "\r" +
           fmt::format("PV1|1|I|{}||||C{}^CONSULTANT^A^^^DR|||GMED{}V{}{}{}\r", kWards[p % 4],
                       p % 500, bars(9), p, bars(25), ts) +
           "AL1|1|DA|PEN^PENICILLIN|MO\r";
  }

  // A mixed event about patient p, later than its admission.
  std::string update(long p, long k) {
    const std::string ts = time(500000 + k);
    switch (k % 6) {
      case 0:
        return header("ADT^A02", ts) + "EVN|A02|" + ts + "\r" + pid(p) + "\r" +
               fmt::format("PV1|1|I|{}|||{}||||GMED|||||||||V{}\r", kWards[(p + 1) % 4],
                           kWards[p % 4], p);
      case 1:
        return header("ADT^A03", ts) + "EVN|A03|" + ts + "\r" + pid(p) + "\r" +
               fmt::format("PV1|1|I|{}{}V{}{}01|HOME\r", kWards[p % 4], bars(16), p, bars(17));
      case 2:
      case 3: {
        // A result, or the same result corrected.
        const bool corrected = k % 6 == 3;
        return header("ORU^R01", ts) + pid(p) + "\r" +
               fmt::format("OBR|1|ORD{}|LAB{}|UE^Urea and electrolytes|||{}{}{}|||F\r", p, p, ts,
                           bars(15), ts) +
               fmt::format("OBX|1|NM|NA^Sodium||{}|mmol/L|133-146|N|||{}\r", corrected ? 141 : 139,
                           corrected ? "C" : "F") +
               "OBX|2|NM|K^Potassium||4.1|mmol/L|3.5-5.3|N|||F\r";
      }
      case 4:
        return header("SIU^S12", ts) +
               fmt::format("SCH|APT{}|FIL{}|||||^Follow up|^Routine|30|min|^^^20270115093000\r", p,
                           p) +
               pid(p) + "\rAIS|1||CARD^Cardiology\rAIL|1||CARDOPD^ROOM 1^^QEH\r";
      default:
        return header("ADT^A08", ts) + "EVN|A08|" + ts + "\r" + pid(p) + "\rPD1|||SURGERY " +
               std::to_string(p % 700) + "^^M85" + std::to_string(p % 700) + "\r";
    }
  }

  long random_patient(long n) { return std::uniform_int_distribution<long>(0, n - 1)(rng_); }

 private:
  const std::vector<std::string>& nhs_;
  std::mt19937_64 rng_;
  long control_ = 0;
};

// CPU time of this process: under a shared machine the wall-clock rate depends on the
// neighbours, the rate per CPU second much less.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Phase {
  long events = 0;
  double seconds = 0;
  double cpu = 0;
  long applied = 0, ignored = 0, failed = 0;
};

// Applies the messages made by `make(i)` for i in [0, count), in batches; times only the
// apply_batch calls.
template <class Make>
Phase run_phase(RecordStore& store, long count, int batch_size, int64_t& message_id, Make make) {
  Phase ph;
  std::vector<std::string> texts;
  std::vector<ApplyInput> batch;
  const long report_every = std::max(1L, count / 10);
  long next_report = report_every;
  for (long start = 0; start < count; start += batch_size) {
    const long n = std::min<long>(batch_size, count - start);
    texts.clear();
    for (long i = 0; i < n; ++i) texts.push_back(make(start + i));
    batch.assign(n, ApplyInput{});
    for (long i = 0; i < n; ++i) {
      batch[i].raw = texts[i];
      batch[i].provenance.message_id = ++message_id;
    }
    const auto t0 = Steady::now();
    const double c0 = cpu_seconds();
    auto out = store.apply_batch(batch);
    ph.cpu += cpu_seconds() - c0;
    ph.seconds += std::chrono::duration<double>(Steady::now() - t0).count();
    if (!out) {
      std::fprintf(stderr, "record_bench: apply_batch failed: %s\n", out.error().message.c_str());
      std::exit(1);
    }
    for (const ApplyOutcome& o : *out) {
      if (o.status == ApplyStatus::applied) ++ph.applied;
      if (o.status == ApplyStatus::ignored) ++ph.ignored;
      if (o.status == ApplyStatus::failed) {
        if (ph.failed++ == 0) std::fprintf(stderr, "record_bench: failed: %s\n", o.reason.c_str());
      }
    }
    ph.events += n;
    if (ph.events >= next_report) {
      std::fprintf(stderr, "  ... %ld events, %.0f events/s\n", ph.events, ph.events / ph.seconds);
      next_report += report_every;
    }
  }
  return ph;
}

void print_phase(const char* name, const Phase& ph) {
  std::printf(
      "%-28s %9ld events in %7.1f s = %8.0f events/s, %8.0f per CPU second  (applied %ld, "
      "ignored %ld, failed %ld)\n",
      name, ph.events, ph.seconds, ph.events / ph.seconds, ph.events / ph.cpu, ph.applied,
      ph.ignored, ph.failed);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  const std::filesystem::path file =
      args.file.empty() ? std::filesystem::temp_directory_path() /
                              fmt::format("record_bench_{}.db", static_cast<long>(getpid()))
                        : std::filesystem::path(args.file);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);

  RecordStoreOptions o;
  o.path = file;
  o.synchronous_full = args.sync_full;
  auto opened = RecordStore::open(o);
  if (!opened) {
    std::fprintf(stderr, "record_bench: %s\n", opened.error().message.c_str());
    return 1;
  }
  RecordStore& store = **opened;
  const std::vector<std::string> nhs = nhs_numbers(args.patients);
  Generator gen(nhs, args.seed);
  std::printf(
      "record_bench: %ld patients (%zu with a 999-range NHS number, the rest an MRN only), "
      "%ld updates, batches of %d, synchronous=%s, file %s\n",
      args.patients, nhs.size(), args.updates, args.batch, args.sync_full ? "FULL" : "NORMAL",
      file.c_str());

  int64_t message_id = 0;
  const Phase load = run_phase(store, args.patients, args.batch, message_id,
                               [&](long i) { return gen.admission(i); });
  print_phase("load (A01, new patients)", load);
  const Phase mixed = run_phase(store, args.updates, args.batch, message_id, [&](long k) {
    return gen.update(gen.random_patient(args.patients), k);
  });
  print_phase("mixed updates, full store", mixed);
  Phase all = load;
  all.events += mixed.events;
  all.seconds += mixed.seconds;
  all.cpu += mixed.cpu;
  all.applied += mixed.applied;
  all.ignored += mixed.ignored;
  all.failed += mixed.failed;
  print_phase("apply overall", all);

  std::vector<double> micros;
  micros.reserve(args.lookups);
  long missing = 0;
  for (long i = 0; i < args.lookups; ++i) {
    const long p = gen.random_patient(args.patients);
    const std::string mrn = "MRN" + std::to_string(p);
    const auto t0 = Steady::now();
    auto r = p < static_cast<long>(nhs.size()) ? store.get_patient(nhs[p])
                                               : store.get_patient_by_identifier("QEH", mrn);
    micros.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
    if (!r || !r->has_value()) ++missing;
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) {
    return micros.empty()
               ? 0.0
               : micros[std::min(micros.size() - 1, static_cast<size_t>(p * micros.size()))];
  };
  const RecordCounts c = store.counts();
  std::printf("lookup get_patient (%ld): p50 %.3f ms  p99 %.3f ms  max %.3f ms  (not found %ld)\n",
              args.lookups, pct(0.50) / 1000, pct(0.99) / 1000,
              micros.empty() ? 0 : micros.back() / 1000, missing);
  std::printf(
      "store: %ld patients, %ld encounters, %ld results, %ld observations, "
      "%ld appointments; file %.0f MiB\n",
      static_cast<long>(c.patients), static_cast<long>(c.encounters), static_cast<long>(c.results),
      static_cast<long>(c.observations), static_cast<long>(c.appointments),
      std::filesystem::file_size(file) / 1048576.0);
  opened->reset();
  if (!args.keep) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  }
  return load.failed + mixed.failed == 0 && missing == 0 ? 0 : 1;
}
