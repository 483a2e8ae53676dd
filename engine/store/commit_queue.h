#pragma once
// CommitQueue: group commit. One writer thread owns the store's write path; sessions submit
// messages and are told when (and only when) the transaction holding theirs has committed.
//
// Why: SQLite has one writer and each durable commit costs an fsync. The writer takes EVERYTHING
// waiting (up to max_batch) into one transaction, commits once, then completes every waiter;
// whatever is submitted while that commit runs forms the next batch. So 32 connections share one
// fsync instead of paying 32 (DESIGN.md property 2). There are no timers: a lone message is
// committed at once.
//
// Contract:
// - submit() is thread-safe and never blocks on the disk. `done` runs on the writer thread after
//   MessageStore::commit() returned for the batch holding the message: with its CommitOutcome
//   (committed, or a duplicate of a committed original) or with the batch's error (nothing of
//   it stored; the caller NAKs). `done` must be short, must not throw and must not call stop():
//   post to the caller's own executor from it (it may submit()). It is called exactly once per
//   submit().
// - After a failed batch the writer carries on with the next one (accepting resumes when the
//   disk has space again).
// - Duplicates are looked up within `duplicate_window` before the clock's now() at commit time.
// - stop() (and the destructor) commits everything already submitted, then joins the writer.
//   A submit() after stop() gets an error at once, on the caller's thread.
// - Delivery results (submit_result) ride in the next transaction with the messages; nobody
//   waits for them. A result whose transaction failed is kept and tried again with the next
//   batch (a result is idempotent: it only moves an unfinished delivery).
// - After every committed batch that queued deliveries, `on_queued` (if set before start())
//   runs on the writer thread with the destinations that got new deliveries: the dispatchers'
//   cue to look at the store again. Same rules as `done`.
// - The store must outlive the queue; nothing else may call its write() meanwhile.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/histogram.h"
#include "engine/core/result.h"
#include "engine/store/message_store.h"

namespace irwell::store {

struct CommitQueueOptions {
  size_t max_batch = 1024;
  Duration duplicate_window = std::chrono::hours(24);  // zero turns duplicate detection off
};

// Counters for metrics, since construction.
struct CommitQueueCounters {
  uint64_t batches = 0;        // transactions committed
  uint64_t messages = 0;       // messages completed in committed batches (duplicates included)
  uint64_t duplicates = 0;     // of those, found to be duplicates (not stored)
  uint64_t largest_batch = 0;  // messages in the largest batch attempted
  uint64_t commit_errors = 0;  // batches that failed (every waiter got the error)
  uint64_t failed_messages = 0;
  uint64_t results = 0;  // delivery results committed
};

class CommitQueue {
 public:
  using Done = std::function<void(Result<CommitOutcome>)>;

  CommitQueue(MessageStore& store, const Clock& clock, CommitQueueOptions o = {});
  ~CommitQueue();  // stop()
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  void start();
  void stop();

  void submit(NewMessage&& m, Done done);
  void submit_result(DeliveryResult&& r);
  using OnQueued = std::function<void(const std::vector<std::string>& destinations)>;
  void set_on_queued(OnQueued f) { on_queued_ = std::move(f); }
  // Submitted and not yet completed (queued or in the batch being committed).
  size_t pending() const;
  CommitQueueCounters counters() const;
  // How long each transaction took (the store's write: its SQL and its fsync), committed or
  // failed: the disk's share of the ACK latency. Any thread.
  HistogramSnapshot commit_latency() const { return commit_latency_.snapshot(); }
  // Transactions finished so far (committed or failed), and a wait for the next one: blocks
  // until more than `seen` have finished or `guard` has passed; returns the count. For callers
  // that must wait until what they submitted (or a dispatcher's result) is in the store.
  uint64_t finished() const;
  uint64_t wait_finished(uint64_t seen, Duration guard) const;
  // Blocks until every delivery result submitted before the call has been committed, or
  // `guard` has passed (the store keeps failing); true when they all are. A replaced delivery
  // side waits on this before its successor reads the queues, so nothing it finished is sent
  // again.
  bool wait_results_committed(Duration guard) const;

 private:
  void run();
  // Takes what is waiting (up to max_batch), commits it with `lock` released, completes the
  // waiters and re-locks; false when nothing was waiting.
  bool commit_waiting(std::unique_lock<std::mutex>& lock);
  void notify_queued(const std::vector<CommitOutcome>& outcomes);
  int outcomes_failed_while_stopping_ = 0;  // the committing thread's

  MessageStore& store_;
  const Clock& clock_;
  const CommitQueueOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  mutable std::condition_variable finished_cv_;
  uint64_t finished_ = 0;  // guarded by mutex_
  uint64_t results_submitted_ = 0, results_committed_ = 0;  // guarded by mutex_
  std::vector<NewMessage> queued_;  // guarded by mutex_
  std::vector<Done> queued_done_;   // guarded by mutex_, parallel to queued_
  std::vector<DeliveryResult> queued_results_;  // guarded by mutex_
  std::vector<DeliveryResult> batch_results_;   // the committing thread's
  OnQueued on_queued_;
  bool stopping_ = false;           // guarded by mutex_
  std::thread writer_;
  // The batch being committed; only the committing thread touches these. They swap with
  // queued_/queued_done_ so both pairs keep their capacity (no allocation per batch).
  std::vector<NewMessage> batch_;
  std::vector<Done> batch_done_;

  LatencyHistogram commit_latency_;
  std::atomic<size_t> pending_{0};
  std::atomic<uint64_t> batches_{0}, messages_{0}, duplicates_{0}, largest_batch_{0},
      commit_errors_{0}, failed_messages_{0}, results_{0};
};

}  // namespace irwell::store
