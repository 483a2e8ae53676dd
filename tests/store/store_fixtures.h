#pragma once
// Fixtures shared by the store tests: invented messages (NHS numbers from the 999 test range,
// made-up MRNs) and a store opened on a test's own TempDir.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "engine/store/sqlite_store.h"
#include "tests/support/test_support.h"

namespace irwell::store::test {

// A fixed start of time for ManualClock and received_at stamps.
inline TimePoint t0() { return TimePoint(std::chrono::seconds(1'790'000'000)); }

// An accepted ADT^A01 from PAS at RXA with one patient (NHS number + MRN) and one delivery.
inline NewMessage make_message(std::string control_id, TimePoint received_at = t0()) {
  NewMessage m;
  m.received_at = received_at;
  m.source = "pas_in";
  m.peer = "127.0.0.1:40001";
  m.control_id = std::move(control_id);
  m.sending_application = "PAS";
  m.sending_facility = "RXA";
  m.receiving_application = "IRWELL";
  m.receiving_facility = "GMIH";
  m.message_time = "20260401093000";
  m.message_type = "ADT";
  m.trigger_event = "A01";
  m.version = "2.4";
  m.raw = "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20260401093000||ADT^A01|" + m.control_id +
          "|P|2.4\rPID|1||9990000018^^^NHS^NH~RXA1001^^^RXA^MR||Testpatient^Ann\r";
  m.ack = "MSH|^~\\&|IRWELL|GMIH|PAS|RXA|20260401093001||ACK^A01|A" + m.control_id +
          "|P|2.4\rMSA|AA|" + m.control_id + "\r";
  m.ack_code = "AA";
  m.patients = {{"9990000018", "NHS", "NH"}, {"RXA1001", "RXA", "MR"}};
  m.deliveries = {{"subscriber", "adt_to_subscriber", "9990000018", ""}};
  return m;
}

inline std::unique_ptr<SqliteStore> open_store(const std::filesystem::path& file,
                                               std::optional<int64_t> max_page_count = {}) {
  SqliteOptions o;
  o.path = file;
  o.max_page_count = max_page_count;
  auto store = SqliteStore::open(o);
  INFO((store ? std::string() : store.error().message));
  REQUIRE(store.ok());
  return std::move(*store);
}

// Commits one batch and requires it to succeed.
inline std::vector<CommitOutcome> commit_ok(
    MessageStore& store, std::vector<NewMessage> batch,
    std::optional<TimePoint> since = t0() - std::chrono::hours(24)) {
  auto outcomes = store.commit(batch, since);
  INFO((outcomes ? std::string() : outcomes.error().message));
  REQUIRE(outcomes.ok());
  REQUIRE(outcomes->size() == batch.size());
  return std::move(*outcomes);
}

}  // namespace irwell::store::test
