#pragma once
// FeedRandom: the one source of randomness of feed-sim, so that the same seed gives the same
// feed on every machine and compiler.
//
// Contract: a SplitMix64 generator; every draw is defined here in integer arithmetic (the
// standard library's distributions are implementation-defined, so they are not used). below(n)
// is unbiased (rejection sampling). Cheap to copy; not thread-safe (one per generator).
#include <cstdint>
#include <string_view>
#include <vector>

namespace irwell::feed {

class FeedRandom {
 public:
  explicit FeedRandom(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do {
      v = next();
    } while (v >= limit);
    return v % n;
  }
  // Uniform in [lo, hi].
  int between(int lo, int hi) {
    return lo + static_cast<int>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // True with probability percent/100.
  bool chance(int percent) { return static_cast<int>(below(100)) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

 private:
  uint64_t state_;
};

}  // namespace irwell::feed
