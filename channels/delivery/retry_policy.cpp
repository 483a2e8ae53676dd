#include "channels/delivery/retry_policy.h"

#include <algorithm>
#include <fmt/format.h>

namespace irwell::delivery {

RetryPolicy RetryPolicy::from(const config::DestinationConfig& d) {
  RetryPolicy p;
  auto duration = [&](const char* key, Duration fallback) {
    auto it = d.params.find(key);
    return it == d.params.end() ? fallback : it->second.duration;
  };
  p.retry_initial = duration("retry_initial", p.retry_initial);
  p.retry_max = std::max(duration("retry_max", p.retry_max), p.retry_initial);
  p.max_age = duration("max_age", p.max_age);
  if (auto it = d.params.find("max_attempts"); it != d.params.end()) {
    p.max_attempts = static_cast<int>(it->second.integer);
  }
  return p;
}

Duration RetryPolicy::backoff(int failures, double u) const {
  Duration base = retry_initial;
  for (int i = 1; i < failures && base < retry_max; ++i) base *= 2;
  base = std::min(base, retry_max);
  const double keep = 1.0 - std::clamp(jitter, 0.0, 1.0) * std::clamp(u, 0.0, 1.0);
  return std::chrono::duration_cast<Duration>(base * keep);
}

RetryPolicy::Decision RetryPolicy::after_failure(int attempts, bool permanent,
                                                 TimePoint received_at, TimePoint now,
                                                 double u) const {
  Decision d;
  if (permanent) {
    d.next = store::DeliveryNext::dead;
    d.reason = "the receiver refused the message";
    return d;
  }
  if (max_attempts > 0 && attempts >= max_attempts) {
    d.next = store::DeliveryNext::dead;
    d.reason = fmt::format("gave up after {} attempts (max_attempts)", attempts);
    return d;
  }
  if (max_age > Duration::zero() && now - received_at >= max_age) {
    d.next = store::DeliveryNext::dead;
    d.reason = "gave up: the message is older than max_age";
    return d;
  }
  d.next = store::DeliveryNext::retry;
  // Whole microseconds, the store's precision: the time kept in memory and the one read back
  // after a restart are the same instant.
  d.next_attempt_at =
      std::chrono::floor<std::chrono::microseconds>(now + backoff(attempts, u));
  return d;
}

}  // namespace irwell::delivery
