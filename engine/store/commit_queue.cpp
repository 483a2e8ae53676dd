#include "engine/store/commit_queue.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "engine/core/log.h"
#include "engine/core/thread_name.h"

namespace irwell::store {

CommitQueue::CommitQueue(MessageStore& store, const Clock& clock, CommitQueueOptions o)
    : store_(store), clock_(clock), options_(o) {
  if (options_.max_batch == 0) invariant_broken("CommitQueue: max_batch must be at least 1");
}

CommitQueue::~CommitQueue() { stop(); }

void CommitQueue::start() {
  std::lock_guard lock(mutex_);
  if (writer_.joinable() || stopping_) return;
  writer_ = std::thread([this] {
    name_this_thread("irwell-store");
    run();
  });
}

void CommitQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) {
    // The writer drains the queue before it returns: everything submitted is committed.
    writer_.join();
    return;
  }
  // Never started: commit what was submitted on this thread, so no waiter is left hanging.
  std::unique_lock lock(mutex_);
  while (commit_waiting(lock)) {
  }
}

void CommitQueue::submit(NewMessage&& m, Done done) {
  if (!done) invariant_broken("CommitQueue::submit without a completion");
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queued_.push_back(std::move(m));
      queued_done_.push_back(std::move(done));
      pending_.fetch_add(1, std::memory_order_relaxed);
      queued = true;
    }
  }
  if (!queued) {
    done(fail("store: the commit queue is stopped; message not stored"));
    return;
  }
  wake_.notify_one();
}

void CommitQueue::submit_result(DeliveryResult&& r) {
  {
    std::lock_guard lock(mutex_);
    // Accepted even while stopping: the writer drains results with the last batch.
    queued_results_.push_back(std::move(r));
    ++results_submitted_;
  }
  wake_.notify_one();
}

uint64_t CommitQueue::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

uint64_t CommitQueue::wait_finished(uint64_t seen, Duration guard) const {
  std::unique_lock lock(mutex_);
  finished_cv_.wait_for(lock, guard, [&] { return finished_ > seen; });
  return finished_;
}

bool CommitQueue::wait_results_committed(Duration guard) const {
  std::unique_lock lock(mutex_);
  const uint64_t target = results_submitted_;
  return finished_cv_.wait_for(lock, guard, [&] { return results_committed_ >= target; });
}

size_t CommitQueue::pending() const { return pending_.load(std::memory_order_relaxed); }

CommitQueueCounters CommitQueue::counters() const {
  constexpr auto r = std::memory_order_relaxed;
  return CommitQueueCounters{batches_.load(r),       messages_.load(r),
                             duplicates_.load(r),    largest_batch_.load(r),
                             commit_errors_.load(r), failed_messages_.load(r),
                             results_.load(r)};
}

void CommitQueue::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock,
               [this] { return stopping_ || !queued_.empty() || !queued_results_.empty(); });
    if (!commit_waiting(lock) && stopping_) return;
  }
}

void CommitQueue::notify_queued(const std::vector<CommitOutcome>& outcomes) {
  std::vector<std::string> destinations;
  for (size_t i = 0; i < batch_.size(); ++i) {
    if (outcomes[i].duplicate) continue;
    for (const NewDelivery& d : batch_[i].deliveries) {
      if (std::find(destinations.begin(), destinations.end(), d.destination) ==
          destinations.end()) {
        destinations.push_back(d.destination);
      }
    }
  }
  if (!destinations.empty()) on_queued_(destinations);
}

bool CommitQueue::commit_waiting(std::unique_lock<std::mutex>& lock) {
  if (queued_.empty() && queued_results_.empty()) return false;
  std::swap(queued_results_, batch_results_);
  // Take everything waiting (up to max_batch). batch_ is empty here with its old capacity; the
  // swap hands that capacity to the queue for the messages that arrive during this commit.
  if (queued_.size() <= options_.max_batch) {
    std::swap(queued_, batch_);
    std::swap(queued_done_, batch_done_);
  } else {
    const auto n = static_cast<std::ptrdiff_t>(options_.max_batch);
    std::move(queued_.begin(), queued_.begin() + n, std::back_inserter(batch_));
    std::move(queued_done_.begin(), queued_done_.begin() + n, std::back_inserter(batch_done_));
    queued_.erase(queued_.begin(), queued_.begin() + n);
    queued_done_.erase(queued_done_.begin(), queued_done_.begin() + n);
  }
  lock.unlock();  // submissions queue up for the next batch while this one commits

  const size_t n = batch_.size();
  const size_t results = batch_results_.size();
  if (n > largest_batch_.load(std::memory_order_relaxed)) {
    largest_batch_.store(n, std::memory_order_relaxed);
  }
  std::optional<TimePoint> duplicate_since;
  if (options_.duplicate_window > Duration::zero()) {
    duplicate_since = clock_.now() - options_.duplicate_window;
  }
  const auto write_started = std::chrono::steady_clock::now();
  auto outcomes = store_.write(batch_, duplicate_since, batch_results_);
  commit_latency_.record(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - write_started));

  // commit() has returned: the batch is durable (or nothing of it is stored). Only now are the
  // waiters told, and with that the sessions may send their ACKs. pending() drops first, so a
  // waiter that has been told never still sees its own message counted as pending.
  pending_.fetch_sub(n, std::memory_order_relaxed);
  if (outcomes) {
    uint64_t duplicates = 0;
    for (const CommitOutcome& o : *outcomes) duplicates += o.duplicate ? 1 : 0;
    batches_.fetch_add(1, std::memory_order_relaxed);
    messages_.fetch_add(n, std::memory_order_relaxed);
    duplicates_.fetch_add(duplicates, std::memory_order_relaxed);
    results_.fetch_add(batch_results_.size(), std::memory_order_relaxed);
    batch_results_.clear();
    for (size_t i = 0; i < n; ++i) batch_done_[i](std::move((*outcomes)[i]));
    if (on_queued_) notify_queued(*outcomes);
  } else {
    commit_errors_.fetch_add(1, std::memory_order_relaxed);
    failed_messages_.fetch_add(n, std::memory_order_relaxed);
    log::error("store_commit_failed", {{"messages", n}, {"error", outcomes.error().message}});
    for (size_t i = 0; i < n; ++i) batch_done_[i](fail(outcomes.error()));
  }
  batch_.clear();
  batch_done_.clear();
  lock.lock();
  ++finished_;
  if (outcomes) results_committed_ += results;
  finished_cv_.notify_all();
  if (!batch_results_.empty()) {
    // The transaction failed: keep the results for the next one, ahead of newer results.
    batch_results_.insert(batch_results_.end(), std::make_move_iterator(queued_results_.begin()),
                          std::make_move_iterator(queued_results_.end()));
    std::swap(queued_results_, batch_results_);
    batch_results_.clear();
    if (!stopping_) {
      // Do not spin on a store that keeps failing; the next submit or result wakes us anyway.
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      lock.lock();
    } else if (outcomes_failed_while_stopping_++ > 3) {
      log::error("delivery_results_lost", {{"results", queued_results_.size()}});
      queued_results_.clear();  // those deliveries are sent again after the restart
    }
  }
  return true;
}

}  // namespace irwell::store
