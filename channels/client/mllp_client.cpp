#include "channels/client/mllp_client.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <variant>
#include <vector>

#include "engine/mllp/frame_decoder.h"
#include "engine/mllp/frame_encoder.h"
#include "engine/mllp/protocol.h"

namespace irwell::client {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadChunk = 64 * 1024;

std::string seconds_text(MllpClient::Clock::duration d) {
  return fmt::format("{:g} s", std::chrono::duration<double>(d).count());
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

namespace detail {

struct MllpClientState {
  using Clock = MllpClient::Clock;
  MllpClientState(asio::any_io_executor ex, ssl::context* tls_context, Clock::duration t)
      : executor(ex), tls(tls_context), timeout(t), socket(ex), watchdog(ex), in(kReadChunk) {}

  tcp::socket& lowest() { return stream ? stream->next_layer() : socket; }

  // Closing the socket makes the pending read/write/handshake complete with an error; the
  // coroutine waiting on it then sees timed_out and reports a timeout.
  void expire() {
    timed_out = true;
    error_code ignored;
    lowest().close(ignored);
  }

  asio::any_io_executor executor;
  ssl::context* tls;
  Clock::duration timeout;
  Clock::duration connect_timeout{};
  tcp::socket socket;                                // plain TCP; unused (moved) with TLS
  std::unique_ptr<ssl::stream<tcp::socket>> stream;  // TLS
  asio::steady_timer watchdog;
  unsigned watch_generation = 0;
  bool watching = false;
  Clock::time_point deadline = Clock::time_point::max();  // max: no operation in progress
  bool timed_out = false;
  bool open = false;
  mllp::FrameDecoder decoder;
  std::string out;
  std::vector<char> in;
};

}  // namespace detail

namespace {

// Checks the deadline of one connection a few times per timeout period until the connection
// closes (its generation changes). Holds the state alive while it sleeps.
asio::awaitable<void> watch(std::shared_ptr<detail::MllpClientState> s, unsigned generation) {
  using namespace std::chrono_literals;
  auto tick = std::clamp<MllpClient::Clock::duration>(s->timeout / 8, 1ms, 250ms);
  while (s->watching && s->watch_generation == generation) {
    s->watchdog.expires_after(tick);
    co_await s->watchdog.async_wait(nothrow_awaitable);
    if (!s->watching || s->watch_generation != generation) break;
    if (MllpClient::Clock::now() >= s->deadline) s->expire();
  }
}

// `failed`: what went wrong ("cannot connect to h:p"); `missed`: what did not happen in time
// ("no ACK").
ClientError error_of(const detail::MllpClientState& s, const error_code& ec,
                     std::string_view failed, std::string_view missed) {
  if (s.timed_out) {
    return {ClientError::Kind::timeout,
            fmt::format("{} within {}", missed, seconds_text(s.timeout))};
  }
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == ssl::error::stream_truncated) {
    return {ClientError::Kind::closed, "the server closed the connection"};
  }
  return {ClientError::Kind::io, fmt::format("{}: {}", failed, ec.message())};
}

}  // namespace

MllpClient::MllpClient(asio::any_io_executor executor, ssl::context* tls, Clock::duration timeout,
                       Clock::duration connect_timeout)
    : state_(std::make_shared<detail::MllpClientState>(std::move(executor), tls, timeout)) {
  state_->connect_timeout = connect_timeout > Clock::duration::zero() ? connect_timeout : timeout;
}

MllpClient::~MllpClient() { close(); }

bool MllpClient::is_open() const { return state_->open; }

void MllpClient::close() {
  detail::MllpClientState& s = *state_;
  s.open = false;
  s.deadline = Clock::time_point::max();
  if (s.watching) {
    s.watching = false;
    ++s.watch_generation;
    s.watchdog.cancel();
  }
  // No TLS close_notify: the tools close only when done or after an error, and a receiver
  // treats a bare TCP close like EOF.
  error_code ignored;
  s.lowest().close(ignored);
}

asio::awaitable<Status<ClientError>> MllpClient::connect(const Endpoint& endpoint) {
  close();
  detail::MllpClientState& s = *state_;
  s.stream.reset();
  s.socket = tcp::socket(s.executor);
  s.decoder = mllp::FrameDecoder{};
  s.timed_out = false;
  s.deadline = Clock::now() + s.connect_timeout;
  s.watching = true;
  asio::co_spawn(s.executor, watch(state_, s.watch_generation), asio::detached);

  auto failed = [&](ClientError e) -> Status<ClientError> {
    if (e.kind != ClientError::Kind::timeout) e.kind = ClientError::Kind::connect;
    close();
    return fail(std::move(e));
  };
  const std::string where = to_string(endpoint);

  tcp::resolver resolver(s.executor);
  auto [rec, results] = co_await resolver.async_resolve(
      endpoint.host, std::to_string(endpoint.port), nothrow_awaitable);
  if (rec)
    co_return failed(
        error_of(s, rec, "cannot resolve " + endpoint.host, "no address for " + endpoint.host));
  auto [cec, connected] = co_await asio::async_connect(s.socket, results, nothrow_awaitable);
  if (cec || s.timed_out)
    co_return failed(error_of(s, cec, "cannot connect to " + where, "no connection to " + where));
  error_code ignored;
  // One small message at a time, each awaited: Nagle would only add delay.
  s.socket.set_option(tcp::no_delay(true), ignored);
  s.socket.non_blocking(true, ignored);  // exchange() writes directly when the data fits

  if (s.tls) {
    s.stream = std::make_unique<ssl::stream<tcp::socket>>(std::move(s.socket), *s.tls);
    const std::string& name = endpoint.tls_name.empty() ? endpoint.host : endpoint.tls_name;
    if (!is_ip_literal(name)) SSL_set_tlsext_host_name(s.stream->native_handle(), name.c_str());
    // Remembers a name mismatch: OpenSSL reports it only as "unspecified".
    bool wrong_name = false;
    s.stream->set_verify_callback([&wrong_name, check = ssl::host_name_verification(name)](
                                      bool preverified, ssl::verify_context& ctx) mutable {
      const bool ok = check(preverified, ctx);
      if (preverified && !ok) wrong_name = true;
      return ok;
    });
    auto [hec] = co_await s.stream->async_handshake(ssl::stream_base::client, nothrow_awaitable);
    if (hec || s.timed_out) {
      ClientError e = error_of(s, hec, "TLS handshake with " + where + " failed",
                               "no TLS handshake with " + where);
      if (e.kind == ClientError::Kind::closed) {
        e.message = "TLS handshake with " + where + " failed: " + e.message;
      }
      long verify = SSL_get_verify_result(s.stream->native_handle());
      if (!s.timed_out && wrong_name) {
        e.message += fmt::format(" (certificate: not issued for {})", name);
      } else if (!s.timed_out && verify != X509_V_OK) {
        e.message += fmt::format(" (certificate: {})", X509_verify_cert_error_string(verify));
      }
      co_return failed(std::move(e));
    }
  }
  s.deadline = Clock::time_point::max();
  s.open = true;
  co_return ok();
}

asio::awaitable<Result<std::string, ClientError>> MllpClient::exchange(std::string_view payload) {
  detail::MllpClientState& s = *state_;
  if (!s.open) co_return fail(ClientError{ClientError::Kind::closed, "not connected"});
  s.out.clear();
  mllp::append_frame(s.out, payload);
  s.deadline = Clock::now() + s.timeout;

  auto failed = [&](ClientError e) -> Result<std::string, ClientError> {
    close();
    return fail(std::move(e));
  };

  // Plain TCP: a message almost always fits the socket buffer, so write it at once from here
  // (the socket is non-blocking) and save an event-loop round trip per message; only a partial
  // write goes through async_write. TLS always takes the async path.
  size_t sent = 0;
  if (!s.stream) {
    error_code ec;
    sent = s.socket.write_some(asio::buffer(s.out), ec);
    if (ec && ec != asio::error::would_block) {
      co_return failed(error_of(s, ec, "cannot send", "no ACK"));
    }
  }
  if (sent < s.out.size()) {
    auto rest = asio::buffer(s.out) + sent;
    auto [wec, written] = s.stream ? co_await asio::async_write(*s.stream, rest, nothrow_awaitable)
                                   : co_await asio::async_write(s.socket, rest, nothrow_awaitable);
    if (wec || s.timed_out) co_return failed(error_of(s, wec, "cannot send", "no ACK"));
  }

  for (;;) {
    while (auto event = s.decoder.next()) {
      auto* frame = std::get_if<mllp::Frame>(&*event);
      // Only an HL7 payload answers the message; MLLP2 commit blocks and framing noise do not.
      if (!frame || mllp::is_commit_ack(frame->payload) || mllp::is_commit_nak(frame->payload)) {
        continue;
      }
      s.deadline = Clock::time_point::max();
      co_return std::move(frame->payload);
    }
    auto [rec, n] = s.stream
                        ? co_await s.stream->async_read_some(asio::buffer(s.in), nothrow_awaitable)
                        : co_await s.socket.async_read_some(asio::buffer(s.in), nothrow_awaitable);
    if (rec || s.timed_out) co_return failed(error_of(s, rec, "cannot read the ACK", "no ACK"));
    s.decoder.feed(std::string_view(s.in.data(), n));
  }
}

}  // namespace irwell::client
