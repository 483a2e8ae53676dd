#pragma once
// ThroughputHistory: a ring of periodic samples of the engine's totals (received, sent,
// errored, queue depth), so the dashboard can draw the last hour even when it was just opened.
//
// Contract: add() appends one sample, dropping the oldest beyond `capacity`; samples() returns
// them oldest first. Totals are cumulative counters; the page turns them into rates.
// Thread-safety: every method may be called from any thread (one mutex).
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "engine/core/clock.h"

namespace irwell::admin {

struct ThroughputSample {
  TimePoint at;
  uint64_t received = 0;  // all sources
  uint64_t sent = 0;      // all destinations
  uint64_t errored = 0;   // failed attempts, all destinations
  int64_t queued = 0;     // queue depth, all destinations
};

class ThroughputHistory {
 public:
  explicit ThroughputHistory(size_t capacity) : capacity_(capacity) {}
  void add(const ThroughputSample& s) {
    std::lock_guard lock(mu_);
    samples_.push_back(s);
    while (samples_.size() > capacity_) samples_.pop_front();
  }
  std::vector<ThroughputSample> samples() const {
    std::lock_guard lock(mu_);
    return {samples_.begin(), samples_.end()};
  }

 private:
  mutable std::mutex mu_;
  size_t capacity_;
  std::deque<ThroughputSample> samples_;
};

}  // namespace irwell::admin
