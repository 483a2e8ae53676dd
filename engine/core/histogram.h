#pragma once
// LatencyHistogram: a lock-free latency histogram with the fixed Prometheus buckets every irwell
// latency metric uses (ACK latency per source, delivery latency per destination), so /metrics
// can print any of them as one `_bucket`/`_sum`/`_count` family.
//
// Contract:
// - Pure: no I/O, no clock; the caller measures and calls record().
// - Thread-safety: record() and snapshot() may be called from any thread at any time; both are
//   wait-free (relaxed atomics). A snapshot taken while others record may be a moment behind
//   (count and sum are read separately), never torn per bucket, and its buckets are cumulative
//   and non-decreasing as Prometheus requires.
// - Negative durations count as zero; durations above the last bound go to +Inf only.
// - Not copyable (it holds atomics); keep it where sessions and dispatchers can reach it for
//   as long as they record.
#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "engine/core/clock.h"

namespace irwell {

// Upper bounds in seconds, ascending (100 us to 10 s); +Inf is implicit. The sub-millisecond
// bounds tell a store commit on a fast disk (~0.2 ms here) from one on a slow one, and a
// loopback ACK from one that waited for a commit.
inline constexpr std::array<double, 16> kLatencyBucketBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};

struct HistogramSnapshot {
  // cumulative[i]: observations <= kLatencyBucketBounds[i]; the last entry is +Inf (== count).
  std::array<uint64_t, kLatencyBucketBounds.size() + 1> cumulative{};
  double sum_seconds = 0;
  uint64_t count = 0;
};

class LatencyHistogram {
 public:
  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  void record(Duration d);
  HistogramSnapshot snapshot() const;
  // Adds another histogram's observations (a replaced listener's, carried over).
  void add(const HistogramSnapshot& other);

 private:
  std::array<std::atomic<uint64_t>, kLatencyBucketBounds.size() + 1> buckets_{};  // not cumulative
  std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace irwell
