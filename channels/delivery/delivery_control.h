#pragma once
// DeliveryControl: what operations (the admin API, irwellctl) may see and do with the delivery
// side of a running engine: queue state per destination, pause/resume, replay, dead letters.
//
// Contract:
// - Plain data, no Asio, no SQL: the admin server depends on this interface only; the Engine
//   implements it over its dispatchers and the message store (delivery_service.h).
// - Thread-safety: every method may be called from any thread (the admin server's).
// - Mutating calls are durable when they return ok: a pause survives a restart; a replay's new
//   deliveries are committed (queued at the tail of their destination's queue, linked to the
//   delivery they replay). `actor` names who asked (a token name) and is written to the audit log
//   by the implementation with the action and its target.
// - Errors are values: an unknown destination or message is an Error whose message says so
//   (the admin API maps "unknown ..." to 404 via ErrorKind::not_found).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/result.h"

namespace irwell::delivery {

enum class ControlError { not_found, invalid, store };

struct ControlFailure {
  ControlError kind = ControlError::store;
  std::string message;
};

template <typename T>
using ControlResult = Result<T, ControlFailure>;

// One destination's queue and counters (counters since the engine started).
struct DestinationStatus {
  std::string name, type;  // type: mllp, file, http, record_store
  bool paused = false;
  int64_t queued = 0;      // unfinished deliveries: waiting, in flight, or waiting to retry
  int64_t in_flight = 0;   // being sent right now
  int64_t retrying = 0;    // of queued, waiting for a retry time
  int64_t dead = 0;        // dead-lettered deliveries in the store (all time, not replayed)
  std::optional<TimePoint> oldest_queued_at;  // when the oldest unfinished one was received
  uint64_t sent = 0;           // delivered since start
  uint64_t failed_attempts = 0;  // attempts that did not deliver (NAK, error, timeout)
  uint64_t dead_lettered = 0;  // dead-lettered since start
  std::string last_error;      // of the most recent failed attempt, "" when none
  std::optional<TimePoint> last_sent_at;
};

// A dead-lettered delivery, newest first in listings.
struct DeadLetter {
  int64_t delivery_id = 0, message_id = 0;
  std::string destination, control_id, message_type, trigger_event;
  int attempts = 0;
  std::string last_error;
  TimePoint received_at, dead_at;
};

class DeliveryControl {
 public:
  virtual ~DeliveryControl() = default;

  virtual std::vector<DestinationStatus> destinations() const = 0;
  virtual ControlResult<DestinationStatus> destination(std::string_view name) const = 0;

  virtual ControlResult<bool> pause(std::string_view destination, std::string_view actor) = 0;
  virtual ControlResult<bool> resume(std::string_view destination, std::string_view actor) = 0;

  // New deliveries of one message: to `destination`, or (empty) to every destination it had a
  // delivery to. Returns the new delivery ids.
  virtual ControlResult<std::vector<int64_t>> replay_message(int64_t message_id,
                                                             std::string_view destination,
                                                             std::string_view actor) = 0;
  // Replays every dead-lettered, not yet replayed delivery of a destination.
  virtual ControlResult<std::vector<int64_t>> replay_dead(std::string_view destination,
                                                          std::string_view actor) = 0;
  // Dead letters of a destination (empty = all), newest first; before_id pages (0 = newest).
  virtual ControlResult<std::vector<DeadLetter>> dead_letters(std::string_view destination,
                                                              int limit, int64_t before_id) const = 0;
};

}  // namespace irwell::delivery
