// search_bench: message search latency on a big store, by control ID and by NHS number (the two
// searches operators make most), answered from indexes (target: p99 under 50 ms).
//
// usage: search_bench [--dir DIR] [--messages N] [--queries Q] [--batch B] [--reuse]
//
// Builds DIR/search_bench.db (DIR defaults to the current directory) through SqliteStore::commit
// in batches of B (default 5000) with synchronous_full=false (generation only; the searches do
// not write): N messages (default 10,000,000), each an invented ADT with a unique control ID,
// an NHS number shared by twelve messages (valid modulus-11 numbers from the 999 range), an MRN
// and one delivery, received over 30 days. --reuse keeps a store left by an earlier run when
// it already holds N messages. Then Q (default 1000) searches of each kind for random existing
// values, limit 50 as the API's default, and prints p50/p99/max in ms as one JSON line each.
// Build it in Release; never run as a test.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/store/sqlite_store.h"
#include "tests/store/sample_message.h"

using namespace irwell;
using namespace irwell::store;
using Steady = std::chrono::steady_clock;

namespace {

// The 999 test range holds about 909,000 valid NHS numbers: twelve messages a patient keeps
// ten million messages within it.
constexpr int kMessagesPerPatient = 12;

// Every valid NHS number of the 999 range, ascending (modulus 11; check digit 10 is invalid).
const std::vector<std::string>& nhs_numbers() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v;
    for (int64_t base = 999000000; base <= 999999999; ++base) {
      std::string digits = std::to_string(base);
      int sum = 0;
      for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
      int check = 11 - sum % 11;
      if (check == 11) check = 0;
      if (check == 10) continue;
      v.push_back(digits + static_cast<char>('0' + check));
    }
    return v;
  }();
  return all;
}

std::string nhs_number(int64_t k) {
  const auto& all = nhs_numbers();
  return all[static_cast<size_t>(k) % all.size()];
}

std::string control_id(int64_t i) { return "SB" + std::to_string(i); }

// The store tests' sample message with this run's control ID, patient, time, source and event.
NewMessage message(int64_t i, TimePoint start) {
  // 30 days of traffic for ten million messages: one every 259 ms.
  NewMessage m = test::sample_message(control_id(i), start + std::chrono::milliseconds(i * 259));
  m.source = i % 3 == 0 ? "pas_in" : (i % 3 == 1 ? "lab_in" : "ris_in");
  m.trigger_event = i % 2 ? "A01" : "A08";
  std::string nhs = nhs_number(i / kMessagesPerPatient);
  std::string mrn = "RXA" + std::to_string(i / kMessagesPerPatient);
  m.raw = "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20260401093000||ADT^" + m.trigger_event + "|" +
          m.control_id + "|P|2.4\rEVN|" + m.trigger_event + "|20260401092900\rPID|1||" + nhs +
          "^^^NHS^NH~" + mrn + "^^^RXA^MR||Testpatient^Ann||19610214|F\rPV1|1|I|WARD7^BED3\r";
  m.patients = {{nhs, "NHS", "NH"}, {mrn, "RXA", "MR"}};
  m.deliveries = {{"subscriber", "adt_to_subscriber", nhs, ""}};
  return m;
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * sorted.size() + 0.999999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

int64_t arg_int(int& i, int argc, char** argv) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "search_bench: %s needs a value\n", argv[i]);
    std::exit(2);
  }
  return std::atoll(argv[++i]);
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = ".";
  int64_t messages = 10'000'000, batch = 5000;
  int queries = 1000;
  bool reuse = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--messages") {
      messages = arg_int(i, argc, argv);
    } else if (a == "--queries") {
      queries = static_cast<int>(arg_int(i, argc, argv));
    } else if (a == "--batch") {
      batch = arg_int(i, argc, argv);
    } else if (a == "--reuse") {
      reuse = true;
    } else {
      std::fprintf(stderr,
                   "usage: search_bench [--dir DIR] [--messages N] [--queries Q] [--batch B] "
                   "[--reuse]\n");
      return 2;
    }
  }
  if (messages < 1 || batch < 1 || queries < 1) {
    std::fprintf(stderr, "search_bench: counts must be positive\n");
    return 2;
  }
  auto file = dir / "search_bench.db";
  SqliteOptions o;
  o.path = file;
  o.synchronous_full = false;

  bool generate = true;
  if (reuse && std::filesystem::exists(file)) {
    auto store = SqliteStore::open(o);
    if (store) {
      auto stats = (*store)->stats();
      generate = !stats || stats->messages != messages;
    }
  }
  if (generate) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  }
  auto opened = SqliteStore::open(o);
  if (!opened) {
    std::fprintf(stderr, "search_bench: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;

  if (generate) {
    TimePoint start = TimePoint(std::chrono::seconds(1'780'000'000));
    auto t0 = Steady::now();
    std::vector<NewMessage> pending;
    pending.reserve(static_cast<size_t>(batch));
    for (int64_t i = 0; i < messages; ++i) {
      pending.push_back(message(i, start));
      if (static_cast<int64_t>(pending.size()) == batch || i + 1 == messages) {
        // Duplicate detection off: every control ID is unique by construction.
        auto r = store.commit(pending, std::nullopt);
        if (!r) {
          std::fprintf(stderr, "search_bench: commit failed: %s\n", r.error().message.c_str());
          return 1;
        }
        pending.clear();
      }
      if ((i + 1) % 1'000'000 == 0) {
        double s = std::chrono::duration<double>(Steady::now() - t0).count();
        std::fprintf(stderr, "search_bench: %lld messages stored (%.0f/s)\n",
                     static_cast<long long>(i + 1), (i + 1) / s);
      }
    }
    double s = std::chrono::duration<double>(Steady::now() - t0).count();
    std::printf("{\"generated\":%lld,\"seconds\":%.1f,\"messages_per_s\":%.0f,\"db_bytes\":%lld}\n",
                static_cast<long long>(messages), s, messages / s,
                static_cast<long long>(std::filesystem::file_size(file)));
  }

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> pick(0, messages - 1);
  const TimePoint last = TimePoint(std::chrono::seconds(1'780'000'000)) +
                         std::chrono::milliseconds((messages - 1) * 259);
  // One line per kind of search: `make` builds query q; `may_be_empty` for criteria that match
  // nothing in this data (a rare status, a type never sent), which is their worst case.
  auto measure = [&](const char* kind, int count, auto make, bool may_be_empty) {
    std::vector<double> ms;
    ms.reserve(static_cast<size_t>(count));
    int64_t found_total = 0;
    for (int q = 0; q < count; ++q) {
      const MessageQuery query = make();
      auto t0 = Steady::now();
      auto r = store.search(query);
      ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
      if (!r || (r->empty() && !may_be_empty)) {
        std::fprintf(stderr, "search_bench: %s search found nothing\n", kind);
        return false;
      }
      found_total += static_cast<int64_t>(r->size());
    }
    std::sort(ms.begin(), ms.end());
    std::printf(
        "{\"search\":\"%s\",\"messages\":%lld,\"queries\":%d,\"mean_hits\":%.1f,"
        "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
        kind, static_cast<long long>(messages), count, static_cast<double>(found_total) / count,
        percentile(ms, 50), percentile(ms, 99), ms.back());
    return true;
  };
  // The selective searches operators use to find a message (the targets).
  bool ok = measure(
      "control_id", queries,
      [&] {
        MessageQuery q;
        q.control_id = control_id(pick(rng));
        return q;
      },
      false);
  ok = ok && measure(
                 "nhs_number", queries,
                 [&] {
                   MessageQuery q;
                   q.patient = nhs_number(pick(rng) / kMessagesPerPatient);
                   return q;
                 },
                 false);
  // Broad filters walk the messages newest first (schema version 3 has no index for them): a
  // frequent value fills its page at once; one that matches nothing reads what the window
  // allows, so without a window the whole store (a handful of queries only).
  ok = ok && measure(
                 "source", 20,
                 [&] {
                   MessageQuery q;
                   q.source = "lab_in";
                   return q;
                 },
                 false);
  ok = ok && measure(
                 "type_and_event", 20,
                 [&] {
                   MessageQuery q;
                   q.message_type = "ADT";
                   q.trigger_event = "A08";
                   return q;
                 },
                 false);
  ok = ok && measure(
                 "destination", 20,
                 [&] {
                   MessageQuery q;
                   q.destination = "subscriber";
                   return q;
                 },
                 false);
  ok = ok && measure(
                 "status_rejected_none", 20,
                 [&] {
                   MessageQuery q;
                   q.status = MessageStatus::rejected;
                   return q;
                 },
                 true);
  ok = ok && measure(
                 "absent_type_last_hour", 20,
                 [&] {
                   MessageQuery q;
                   q.trigger_event = "A40";
                   q.since = last - std::chrono::hours(1);
                   return q;
                 },
                 true);
  ok = ok && measure(
                 "absent_type_last_day", 5,
                 [&] {
                   MessageQuery q;
                   q.trigger_event = "A40";
                   q.since = last - std::chrono::hours(24);
                   return q;
                 },
                 true);
  ok = ok && measure(
                 "absent_type_no_window", 2,
                 [&] {
                   MessageQuery q;
                   q.trigger_event = "A40";
                   return q;
                 },
                 true);
  if (!ok) return 1;
  return 0;
}
