#pragma once
// Sender: sends one delivery to a destination and says what came of it. One implementation per
// destination type (mllp_sender.h, file_sender.h, http_sender.h, record_sender.h); the
// Dispatcher decides what happens next (retry_policy.h) and records it.
//
// Contract:
// - send() runs on the dispatcher's executor (the engine's network thread) and must not block
//   it: network I/O is asynchronous, disk or SQLite work is handed to the blocking pool
//   (blocking_pool.h). It never throws; every failure is a SendOutcome.
// - One send() at a time per Sender (a Dispatcher gives each lane its own Sender).
// - close() ends connections; a send() in progress completes soon with a failure, which the
//   dispatcher, stopping, does not count as an attempt.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "engine/store/message_store.h"

namespace irwell::delivery {

struct SendOutcome {
  enum class Kind {
    delivered,  // the destination has it (AA/CA, 2xx, file renamed, record applied)
    failed,     // not delivered; may work later (timeout, connection refused, AE, 5xx)
    refused,    // not delivered and never will be as it is (AR, 4xx, a record it cannot apply)
  };
  Kind kind = Kind::failed;
  std::string outcome;  // the attempt row's word: sent, nak, error, timeout
  std::string reply;    // the ACK payload or HTTP status line received; "" when none
  std::string error;    // why not delivered (for operators; never message content)

  static SendOutcome delivered(std::string reply = {}) {
    return {Kind::delivered, "sent", std::move(reply), {}};
  }
  static SendOutcome failed(std::string outcome, std::string error, std::string reply = {}) {
    return {Kind::failed, std::move(outcome), std::move(reply), std::move(error)};
  }
  static SendOutcome refused(std::string outcome, std::string error, std::string reply = {}) {
    return {Kind::refused, std::move(outcome), std::move(reply), std::move(error)};
  }
};

class Sender {
 public:
  virtual ~Sender() = default;
  virtual boost::asio::awaitable<SendOutcome> send(const store::PendingDelivery& d) = 0;
  virtual void close() = 0;
};

}  // namespace irwell::delivery
