#pragma once
// MllpSender: the `mllp` destination. Keeps one persistent connection (plain or TLS) to the
// receiver, sends a delivery as one MLLP frame with CR segment endings, and judges the reply
// (HL7-EDGE-CASES H2-H6): AA/CA with MSA-2 equal to the MSH-10 sent is delivered; AE/CE and
// AR/CR are failed or refused per on_ae / on_ar; an ACK for another control ID, a reply that
// is not an ACK, a timeout or a dropped connection is a failure, and the connection is closed
// (a late reply must never be taken for the next message's ACK) and opened again on the next
// send. TLS (`tls:` {ca, cert, key, server_name}): the receiver's certificate is always
// verified, against `ca` (the system store when empty) and the name `server_name` or else
// `host`; a failed handshake is a `failed` attempt whose error names the certificate problem.
// There is no way to turn verification off: a private or self-signed CA goes in `ca`, a
// certificate for another name is matched with `server_name`.
// Thread-safety: the executor's thread only (see sender.h).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>

#include "channels/client/endpoint.h"
#include "channels/client/mllp_client.h"
#include "channels/delivery/sender.h"
#include "channels/delivery/tls_slot.h"
#include "engine/config/config.h"
#include "engine/core/result.h"

namespace irwell::delivery {

struct MllpSenderOptions {
  client::Endpoint endpoint;
  Duration connect_timeout = std::chrono::seconds(10);
  Duration ack_timeout = std::chrono::seconds(30);
  bool retry_on_ae = true;                         // false: AE/CE dead-letters
  bool retry_on_ar = false;                        // true: AR/CR is retried
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain TCP
  std::shared_ptr<TlsSlot> tls_slot;  // when set, new connections take its context instead

  // From a checked `mllp` destination (builds the TLS context when `tls:` is given).
  static Result<MllpSenderOptions> from(const config::DestinationConfig& d);
};

class MllpSender final : public Sender {
 public:
  MllpSender(boost::asio::any_io_executor executor, MllpSenderOptions options);
  boost::asio::awaitable<SendOutcome> send(const store::PendingDelivery& d) override;
  void close() override;

 private:
  void renew_client_if_reloaded();

  boost::asio::any_io_executor executor_;
  MllpSenderOptions options_;
  std::shared_ptr<boost::asio::ssl::context> tls_in_use_;  // outlives client_'s connection
  std::unique_ptr<client::MllpClient> client_;
};

// Segment endings normalised to CR (a message stored as received may use LF or CRLF).
std::string with_cr_segments(std::string_view payload);

}  // namespace irwell::delivery
