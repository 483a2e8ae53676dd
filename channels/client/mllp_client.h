#pragma once
// MllpClient: one outbound MLLP connection of the client tools (mllp-send, mllp-bench), plain
// TCP or TLS, driven by C++20 coroutines on an Asio executor.
//
// Use: connect(), then exchange() once per message: it frames and writes the payload and
// returns the payload of the next frame the server sends back (the ACK), with MLLP framing
// removed. One exchange at a time per client (MLLP original mode: the next message waits for
// the previous ACK, HL7-EDGE-CASES A5).
//
// Timeouts (A8, sender side): connect() (resolve, TCP connect, TLS handshake) and each
// exchange() must finish within `timeout`; otherwise the connection is closed and the call
// returns ClientError::Kind::timeout. A per-connection watchdog timer checks the deadline every
// min(timeout / 8, 250 ms) instead of arming a timer per message (cheaper at 50k messages/s),
// so a timeout fires up to one such tick late. After any error the connection is closed: a
// late ACK must never be taken for the reply to the next message. connect() may be called
// again.
//
// TLS: verifies the server certificate with the context's CA and the endpoint's tls_name, or
// its host name (or IP address) when tls_name is empty; SNI carries that name (not sent for IP
// literals, RFC 6066).
// Frames that are not HL7 (MLLP2 commit blocks, junk, aborted frames) are skipped while
// waiting for the reply.
//
// Ownership and threads: the client is not copyable; the executor and the TLS context must
// outlive it. Use from the executor's thread only. Destruction closes the connection.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "channels/client/endpoint.h"
#include "engine/core/result.h"

namespace irwell::client {

namespace detail {
struct MllpClientState;
}

struct ClientError {
  enum class Kind {
    connect,  // resolving, connecting or the TLS handshake failed
    timeout,  // the deadline passed (no connection or no ACK in time)
    closed,   // the server closed the connection before replying
    io,       // a read or write failed
  };
  Kind kind = Kind::io;
  std::string message;
};

class MllpClient {
 public:
  using Clock = std::chrono::steady_clock;

  // `tls` null: plain TCP. The context must outlive the client. `connect_timeout` bounds
  // connect() instead of `timeout` when it is not zero.
  MllpClient(boost::asio::any_io_executor executor, boost::asio::ssl::context* tls,
             Clock::duration timeout, Clock::duration connect_timeout = Clock::duration::zero());
  ~MllpClient();
  MllpClient(const MllpClient&) = delete;
  MllpClient& operator=(const MllpClient&) = delete;

  boost::asio::awaitable<Status<ClientError>> connect(const Endpoint& endpoint);
  // Sends one payload (framed here) and returns the reply frame's payload.
  boost::asio::awaitable<Result<std::string, ClientError>> exchange(std::string_view payload);
  bool is_open() const;
  void close();

 private:
  // Shared with the connection's watchdog coroutine, which may outlive the client briefly.
  std::shared_ptr<detail::MllpClientState> state_;
};

}  // namespace irwell::client
