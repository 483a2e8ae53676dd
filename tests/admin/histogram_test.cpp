// LatencyHistogram: fixed Prometheus buckets, cumulative snapshots, concurrent recording.
#include "engine/core/histogram.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

using namespace irwell;
using namespace std::chrono_literals;

TEST_CASE("histogram: observations land in the first bucket whose bound is >= them",
          "[admin][histogram]") {
  LatencyHistogram h;
  h.record(1ms);   // exactly on the 0.001 bound: counted there (le = "less or equal")
  h.record(3ms);   // 0.005 bucket
  h.record(20s);   // beyond 10 s: +Inf only
  h.record(-5ms);  // negative counts as zero: first bucket
  auto s = h.snapshot();
  CHECK(s.count == 4);
  CHECK(s.cumulative[0] == 1);                                // <= 0.0001: the negative one
  CHECK(s.cumulative[2] == 1);                                // <= 0.0005
  CHECK(s.cumulative[3] == 2);                                // <= 0.001
  CHECK(s.cumulative[4] == 2);                                // <= 0.0025
  CHECK(s.cumulative[5] == 3);                                // <= 0.005
  CHECK(s.cumulative[kLatencyBucketBounds.size() - 1] == 3);  // <= 10
  CHECK(s.cumulative.back() == 4);                            // +Inf
  CHECK(s.sum_seconds == Approx(20.004));
}

TEST_CASE("histogram: recording from several threads loses nothing", "[admin][histogram]") {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.record(std::chrono::microseconds(100 * (t + 1)));
    });
  }
  for (auto& t : threads) t.join();
  auto s = h.snapshot();
  CHECK(s.count == 40000);
  CHECK(s.cumulative[0] == 10000);  // 100 us: <= 0.0001
  CHECK(s.cumulative[1] == 20000);  // 200 us: <= 0.00025
  CHECK(s.cumulative[2] == 40000);  // all <= 0.5 ms
  CHECK(s.sum_seconds == Approx(10000 * (0.0001 + 0.0002 + 0.0003 + 0.0004)));
}

TEST_CASE("histogram: add() takes over another's observations bucket by bucket",
          "[admin][histogram]") {
  LatencyHistogram before, after;
  before.record(1ms);
  before.record(3ms);
  before.record(20s);
  after.record(3ms);
  after.add(before.snapshot());
  auto s = after.snapshot();
  CHECK(s.count == 4);
  CHECK(s.cumulative[3] == 1);      // <= 0.001: before's 1 ms
  CHECK(s.cumulative[5] == 3);      // <= 0.005: both 3 ms too
  CHECK(s.cumulative.back() == 4);  // +Inf: before's 20 s too
  CHECK(s.sum_seconds == Approx(20.007));
}
