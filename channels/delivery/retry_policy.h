#pragma once
// RetryPolicy: what a destination does after a send attempt that did not deliver: wait and try
// again (exponential backoff with jitter, capped), or give up and dead-letter the delivery.
//
// Contract: pure and thread-safe; the caller supplies the clock reading and the random draw, so
// tests check exact times. Backoff for the n-th failed attempt (n = 1, 2, ...):
//   base = min(retry_initial * 2^(n-1), retry_max), delay = base * (1 - jitter * u), u in [0, 1)
// so jitter only shortens a wait (the cap holds) and spreads retries of many engines.
// A failure the receiver says is permanent (AR by default, HTTP 4xx, a record that cannot be
// applied) is dead-lettered at once; any failure once max_attempts attempts were made, or once
// the message is older than max_age, is dead-lettered too.
#include <string>

#include "engine/config/config.h"
#include "engine/core/clock.h"
#include "engine/core/result.h"
#include "engine/store/message_store.h"

namespace irwell::delivery {

struct RetryPolicy {
  Duration retry_initial = std::chrono::seconds(1);
  Duration retry_max = std::chrono::minutes(5);
  int max_attempts = 0;          // 0: no limit
  Duration max_age{};            // zero: no limit
  double jitter = 0.2;           // fraction of the delay that may be taken off, 0..1

  // The destination's delivery fields (retry_initial, retry_max, max_attempts, max_age).
  static RetryPolicy from(const config::DestinationConfig& d);

  // The wait after the `failures`-th failed attempt in a row (failures >= 1); u in [0, 1).
  Duration backoff(int failures, double u) const;

  struct Decision {
    store::DeliveryNext next = store::DeliveryNext::retry;
    TimePoint next_attempt_at;  // when next == retry
    std::string reason;         // why dead-lettered; "" when retrying
  };
  // After a failed attempt: `attempts` made so far (this one included), `permanent` when the
  // receiver refused the message itself.
  Decision after_failure(int attempts, bool permanent, TimePoint received_at, TimePoint now,
                         double u) const;
};

}  // namespace irwell::delivery
