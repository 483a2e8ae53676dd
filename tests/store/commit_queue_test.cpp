// CommitQueue: group commit, completion only after COMMIT, failures per batch, shutdown.
#include "engine/store/commit_queue.h"
#include "engine/store/forwarding_store.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include "tests/store/store_fixtures.h"

using namespace irwell;
using namespace irwell::store;
using namespace irwell::store::test;
using irwell::testing::TempDir;

namespace {

// Wraps a store and records when commit() is running and which ids it has returned, so a test
// can tell whether a completion ran before the transaction's commit() came back. Optionally
// holds commits at a gate until the test opens it.
class SpyStore final : public ForwardingStore {
 public:
  explicit SpyStore(MessageStore& inner) : ForwardingStore(inner), inner_(inner) {}

  Result<std::vector<CommitOutcome>> write(std::span<const NewMessage> batch,
                                           std::optional<TimePoint> since,
                                           std::span<const DeliveryResult> results) override {
    {
      std::unique_lock lock(mutex_);
      gate_cv_.wait(lock, [&] { return gate_open_; });
      in_commit_ = true;
    }
    auto result = inner_.write(batch, since, results);
    std::lock_guard lock(mutex_);
    in_commit_ = false;
    if (result) {
      for (const auto& o : *result) returned_ids_.insert(o.message_id);
    }
    return result;
  }
  void close_gate() {
    std::lock_guard lock(mutex_);
    gate_open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard lock(mutex_);
      gate_open_ = true;
    }
    gate_cv_.notify_all();
  }
  // True when id came back from a commit() that has returned, and no commit() is running.
  bool committed_and_idle(int64_t id) {
    std::lock_guard lock(mutex_);
    return !in_commit_ && returned_ids_.count(id) == 1;
  }

 private:
  MessageStore& inner_;
  std::mutex mutex_;
  std::condition_variable gate_cv_;
  bool gate_open_ = true;
  bool in_commit_ = false;
  std::set<int64_t> returned_ids_;
};

// What every test here starts from: its own file, an open store, a manual clock.
struct Setup {
  TempDir dir;
  std::unique_ptr<SqliteStore> sqlite = open_store(dir / "store.db");
  ManualClock clock{t0()};
};

// Submits m and waits for its completion.
Result<CommitOutcome> submit_and_wait(CommitQueue& queue, NewMessage m) {
  std::promise<Result<CommitOutcome>> done;
  auto future = done.get_future();
  queue.submit(std::move(m), [&](Result<CommitOutcome> r) { done.set_value(std::move(r)); });
  return future.get();
}

}  // namespace

TEST_CASE("group commit: 8 threads x 2000 messages share batches and are stored once",
          "[store][commit_queue]") {
  TempDir dir;
  auto sqlite = open_store(dir / "store.db");
  SpyStore spy(*sqlite);
  ManualClock clock(t0());
  CommitQueue queue(spy, clock);
  queue.start();

  constexpr int kThreads = 8, kPerThread = 2000, kTotal = kThreads * kPerThread;
  std::mutex results_mutex;
  std::vector<int64_t> ids;
  int errors = 0, duplicates = 0;
  std::latch all_done(kTotal);

  // A reader on its own thread throughout: reads must work beside the writer.
  std::atomic<bool> reading{true};
  std::atomic<int> read_errors{0};
  std::thread reader([&] {
    int64_t last = 0;
    while (reading.load()) {
      auto stats = sqlite->stats();
      if (!stats || stats->messages < last) ++read_errors;
      if (stats) last = stats->messages;
      MessageQuery q;
      q.control_id = "T3-" + std::to_string(last % kPerThread);
      if (!sqlite->search(q)) ++read_errors;
    }
  });

  // Hold the first commit until every message is submitted, so the batching is certain rather
  // than a matter of scheduling: everything queued behind it goes in max_batch-sized batches.
  spy.close_gate();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        NewMessage m = make_message("T" + std::to_string(t) + "-" + std::to_string(i));
        queue.submit(std::move(m), [&](Result<CommitOutcome> r) {
          {
            std::lock_guard lock(results_mutex);
            if (!r) {
              ++errors;
            } else {
              ids.push_back(r->message_id);
              duplicates += r->duplicate ? 1 : 0;
            }
          }
          all_done.count_down();
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(queue.pending() == kTotal);
  spy.open_gate();
  all_done.wait();
  reading = false;
  reader.join();

  CHECK(errors == 0);
  CHECK(duplicates == 0);
  CHECK(read_errors == 0);
  REQUIRE(ids.size() == kTotal);
  CHECK(std::set<int64_t>(ids.begin(), ids.end()).size() == kTotal);
  CHECK(sqlite->stats()->messages == kTotal);
  CHECK(sqlite->stats()->queued_deliveries == kTotal);
  CHECK(queue.pending() == 0);

  const CommitQueueCounters c = queue.counters();
  CHECK(c.messages == kTotal);
  CHECK(c.commit_errors == 0);
  // At most the one batch that was at the gate plus ceil(rest / max_batch).
  CHECK(c.batches < kTotal);
  CHECK(c.batches <= 1 + (kTotal + 1023) / 1024);
  CHECK(c.largest_batch == 1024);
}

TEST_CASE("group commit without a gate: concurrent waiters all complete, once each",
          "[store][commit_queue]") {
  Setup setup;
  auto& sqlite = setup.sqlite;
  auto& clock = setup.clock;
  CommitQueue queue(*sqlite, clock);
  queue.start();
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Each thread waits for its own completion, like a session awaiting its ACK.
        auto r =
            submit_and_wait(queue, make_message("W" + std::to_string(t) + "-" + std::to_string(i)));
        if (!r || r->duplicate) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(sqlite->stats()->messages == kThreads * kPerThread);
  CHECK(queue.counters().messages == kThreads * kPerThread);
  CHECK(queue.counters().batches <= kThreads * kPerThread);
}

TEST_CASE("done runs only after the commit holding the message returned", "[store][commit_queue]") {
  TempDir dir;
  auto sqlite = open_store(dir / "store.db");
  SpyStore spy(*sqlite);
  ManualClock clock(t0());
  CommitQueue queue(spy, clock);
  queue.start();

  constexpr int kMessages = 200;
  std::atomic<int> early{0}, invisible{0};
  std::latch all_done(kMessages);
  for (int i = 0; i < kMessages; ++i) {
    queue.submit(make_message("ORDER" + std::to_string(i)), [&](Result<CommitOutcome> r) {
      // No Catch assertions here: this runs on the writer thread.
      if (!r || !spy.committed_and_idle(r->message_id)) ++early;
      // The read-only connection sees committed data only: the row must be there already.
      bool visible = false;
      if (r) {
        auto stored = sqlite->get_message(r->message_id);
        visible = stored && stored->has_value();
      }
      if (!visible) ++invisible;
      all_done.count_down();
    });
  }
  all_done.wait();
  CHECK(early == 0);
  CHECK(invisible == 0);
}

TEST_CASE("disk full through the queue: the batch's waiters get the error, later ones succeed",
          "[store][commit_queue]") {
  Setup setup;
  auto& sqlite = setup.sqlite;
  auto& clock = setup.clock;
  CommitQueue queue(*sqlite, clock);
  queue.start();
  REQUIRE(submit_and_wait(queue, make_message("FIRST")).ok());
  REQUIRE(sqlite->set_max_page_count(1).ok());

  NewMessage big = make_message("BIG");
  big.raw.append(256 * 1024, 'x');
  auto failed = submit_and_wait(queue, std::move(big));
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.error().message, Catch::Contains("full"));
  CHECK(queue.counters().commit_errors == 1);
  CHECK(queue.counters().failed_messages == 1);

  REQUIRE(sqlite->set_max_page_count(std::nullopt).ok());
  NewMessage big_again = make_message("BIG");
  big_again.raw.append(256 * 1024, 'x');
  auto ok = submit_and_wait(queue, std::move(big_again));
  REQUIRE(ok.ok());
  CHECK_FALSE(ok->duplicate);  // the failed attempt left nothing to be a duplicate of
  CHECK(sqlite->stats()->messages == 2);
}

TEST_CASE("duplicates through the queue use the window back from the clock's now (I1)",
          "[store][commit_queue]") {
  Setup setup;
  auto& sqlite = setup.sqlite;
  auto& clock = setup.clock;
  CommitQueueOptions o;
  o.duplicate_window = std::chrono::hours(24);
  CommitQueue queue(*sqlite, clock, o);
  queue.start();

  auto first = submit_and_wait(queue, make_message("Q1", clock.now()));
  REQUIRE(first.ok());
  clock.advance(std::chrono::hours(23));
  auto resent = submit_and_wait(queue, make_message("Q1", clock.now()));
  REQUIRE(resent.ok());
  CHECK(resent->duplicate);
  CHECK(resent->message_id == first->message_id);
  CHECK(resent->stored_ack == make_message("Q1").ack);
  CHECK(queue.counters().duplicates == 1);

  clock.advance(std::chrono::hours(2));  // the original is now 25 h old
  auto late = submit_and_wait(queue, make_message("Q1", clock.now()));
  REQUIRE(late.ok());
  CHECK_FALSE(late->duplicate);
}

TEST_CASE("stop commits everything submitted; later submits fail at once",
          "[store][commit_queue]") {
  Setup setup;
  auto& sqlite = setup.sqlite;
  auto& clock = setup.clock;
  std::atomic<int> succeeded{0};
  auto count = [&](Result<CommitOutcome> r) {
    if (r) ++succeeded;
  };

  SECTION("a running queue drains before it joins") {
    CommitQueue queue(*sqlite, clock);
    queue.start();
    for (int i = 0; i < 300; ++i) queue.submit(make_message("S" + std::to_string(i)), count);
    queue.stop();
    CHECK(succeeded == 300);
    CHECK(queue.pending() == 0);
    CHECK(sqlite->stats()->messages == 300);

    std::optional<Result<CommitOutcome>> after;
    queue.submit(make_message("LATE"), [&](Result<CommitOutcome> r) { after = std::move(r); });
    REQUIRE(after.has_value());  // called at once, on this thread
    CHECK_FALSE(after->ok());
    CHECK(sqlite->stats()->messages == 300);
  }
  SECTION("a queue never started commits on stop, in max_batch batches") {
    CommitQueueOptions o;
    o.max_batch = 16;
    CommitQueue queue(*sqlite, clock, o);
    for (int i = 0; i < 40; ++i) queue.submit(make_message("N" + std::to_string(i)), count);
    CHECK(succeeded == 0);
    CHECK(queue.pending() == 40);
    queue.stop();
    CHECK(succeeded == 40);
    CHECK(queue.counters().batches == 3);
    CHECK(queue.counters().largest_batch == 16);
  }
}
