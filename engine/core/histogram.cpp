#include "engine/core/histogram.h"

#include <algorithm>

namespace irwell {

void LatencyHistogram::record(Duration d) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  if (ns < 0) ns = 0;
  double seconds = static_cast<double>(ns) / 1e9;
  // The first bound >= the observation (Prometheus buckets are "less than or equal").
  auto it = std::lower_bound(kLatencyBucketBounds.begin(), kLatencyBucketBounds.end(), seconds);
  size_t index = static_cast<size_t>(it - kLatencyBucketBounds.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

HistogramSnapshot LatencyHistogram::snapshot() const {
  HistogramSnapshot s;
  uint64_t running = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  // count is the +Inf bucket, so _count always equals the +Inf bucket in one scrape.
  s.count = running;
  s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

void LatencyHistogram::add(const HistogramSnapshot& other) {
  uint64_t below = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    buckets_[i].fetch_add(other.cumulative[i] - below, std::memory_order_relaxed);
    below = other.cumulative[i];
  }
  sum_ns_.fetch_add(static_cast<uint64_t>(other.sum_seconds * 1e9), std::memory_order_relaxed);
}

}  // namespace irwell
