#pragma once
// Fixtures shared by the store tests: invented messages (sample_message.h) and a store opened on
// a test's own TempDir.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "engine/store/sqlite_store.h"
#include "tests/store/sample_message.h"
#include "tests/support/test_support.h"

namespace irwell::store::test {

// A fixed start of time for ManualClock and received_at stamps.
inline TimePoint t0() { return TimePoint(std::chrono::seconds(1'790'000'000)); }

inline NewMessage make_message(std::string control_id, TimePoint received_at = t0()) {
  return sample_message(std::move(control_id), received_at);
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
