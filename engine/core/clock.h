#pragma once
// Clock: the engine's only source of "now", injected so tests control time (STYLE.md 14).
//
// Contract: now() is wall-clock time (for receipt stamps, retry schedules, MSH-7 of ACKs);
// implementations are thread-safe. SystemClock reads the system clock; ManualClock only moves
// when a test moves it.
#include <atomic>
#include <chrono>

namespace irwell {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance for production wiring.
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint(std::chrono::seconds(1'700'000'000)))
      : ticks_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(Duration(ticks_.load())); }
  void advance(Duration d) { ticks_ += d.count(); }
  void set(TimePoint t) { ticks_ = t.time_since_epoch().count(); }

 private:
  std::atomic<Duration::rep> ticks_;
};

// Microseconds since the Unix epoch: the unit the store keeps times in.
inline long long to_micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline TimePoint from_micros(long long us) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::microseconds(us)));
}

}  // namespace irwell
