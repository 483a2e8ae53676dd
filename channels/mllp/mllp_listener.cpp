#include "channels/mllp/mllp_listener.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <utility>

#include "channels/mllp/mllp_session.h"
#include "engine/core/log.h"

namespace irwell::channels {

namespace asio = boost::asio;
using asio::ip::tcp;

MllpListener::MllpListener(asio::io_context& io, const config::SourceConfig& source,
                           pipeline::Ingest& ingest, store::CommitQueue& commits)
    : io_(io),
      source_(source),
      ingest_(ingest),
      commits_(commits),
      acceptor_(io),
      grace_timer_(io),
      completions_(std::make_shared<CompletionMailbox>(io.get_executor())) {}

void MllpListenerCounters::carry_over(const MllpListenerCounters& previous) {
  for (auto member :
       {&MllpListenerCounters::connections_accepted, &MllpListenerCounters::connections_refused,
        &MllpListenerCounters::frames, &MllpListenerCounters::accepted,
        &MllpListenerCounters::rejected, &MllpListenerCounters::duplicates,
        &MllpListenerCounters::commit_failures, &MllpListenerCounters::replies,
        &MllpListenerCounters::junk_bytes, &MllpListenerCounters::frames_aborted,
        &MllpListenerCounters::frames_oversize, &MllpListenerCounters::empty_frames,
        &MllpListenerCounters::tls_handshakes_failed}) {
    (this->*member)
        .fetch_add((previous.*member).load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  ack_latency.add(previous.ack_latency.snapshot());
}

MllpListener::~MllpListener() = default;

Status<> MllpListener::bind() {
  const config::MllpSourceConfig& c = source_.mllp;
  if (c.tls.enabled) {
    // Never fall back to plain TCP where the operator asked for encryption: no context, no port.
    auto tls = make_tls_server_context(c.tls);
    if (!tls) return fail("source \"" + source_.name + "\": " + tls.error().message);
    std::lock_guard lock(tls_mutex_);
    tls_ = std::move(tls).value();
  }
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(c.bind, ec);
  if (ec) return fail("source \"" + source_.name + "\": bad bind address \"" + c.bind + "\"");
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(c.port));
  const std::string where = c.bind + ":" + std::to_string(c.port);
  // SO_REUSEADDR: a restarted engine can listen again at once although connections of the
  // previous run are still in TIME_WAIT.
  if (acceptor_.open(endpoint.protocol(), ec) ||
      acceptor_.set_option(tcp::acceptor::reuse_address(true), ec) ||
      acceptor_.bind(endpoint, ec) ||
      acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return fail("source \"" + source_.name + "\": cannot listen on " + where + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  return ok();
}

Status<> MllpListener::reload_tls(const config::TlsConfig& tls) {
  if (!tls.enabled || !source_.mllp.tls.enabled) {
    // Switching between plain TCP and TLS changes what the port speaks: that is a restart.
    return fail("source \"" + source_.name + "\": TLS cannot be switched on or off by a reload");
  }
  auto built = make_tls_server_context(tls);
  if (!built) {
    log::error("tls_reload_failed", {{"source", source_.name}, {"error", built.error().message}});
    return fail("source \"" + source_.name + "\": " + built.error().message);
  }
  {
    std::lock_guard lock(tls_mutex_);
    tls_ = std::move(built).value();
  }
  log::info("tls_reloaded", {{"source", source_.name}, {"cert", tls.cert.string()}});
  return ok();
}

void MllpListener::start() {
  log::info("listener_started", {{"source", source_.name},
                                 {"bind", source_.mllp.bind},
                                 {"port", port_},
                                 {"tls", source_.mllp.tls.enabled ? "true" : "false"}});
  accepting_ = true;
  asio::co_spawn(io_, accept_loop(), [this](std::exception_ptr e) {
    accepting_ = false;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("listener_failed", {{"source", source_.name}, {"error", ex.what()}});
      }
    }
    maybe_ended();
  });
}

asio::awaitable<void> MllpListener::accept_loop() {
  asio::steady_timer backoff(io_);
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (stopping_ || ec == asio::error::operation_aborted) break;
    if (ec) {
      // Out of file descriptors and the like: wait a little instead of spinning.
      log::warn("accept_failed", {{"source", source_.name}, {"error", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    const int max = source_.mllp.max_connections;
    if (max > 0 && sessions_.size() >= static_cast<size_t>(max)) {
      counters_.connections_refused++;
      boost::system::error_code ignored;
      tcp::endpoint peer = socket.remote_endpoint(ignored);
      log::warn("connection_refused",
                {{"source", source_.name},
                 {"peer", peer.address().to_string() + ":" + std::to_string(peer.port())},
                 {"reason", "max_connections"},
                 {"max_connections", max}});
      socket.close(ignored);
      continue;
    }
    // Request/response traffic: an ACK must not wait for Nagle's algorithm.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    counters_.connections_accepted++;
    counters_.connections_open++;
    std::shared_ptr<const TlsServerContext> tls;
    {
      std::lock_guard lock(tls_mutex_);
      tls = tls_;  // the context current now; a later reload does not affect this connection
    }
    auto session = std::make_shared<MllpSession>(std::move(socket), source_, ingest_, commits_,
                                                 counters_, completions_, std::move(tls));
    sessions_.insert(session);
    asio::co_spawn(io_, session->run(), [this, session](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("session_failed",
                     {{"source", source_.name}, {"peer", session->peer()}, {"error", ex.what()}});
        }
      }
      session_ended(session);
    });
  }
}

void MllpListener::session_ended(const std::shared_ptr<MllpSession>& s) {
  sessions_.erase(s);
  counters_.connections_open--;
  if (stopping_ && sessions_.empty()) grace_timer_.cancel();
  maybe_ended();
}

void MllpListener::maybe_ended() {
  if (stopping_ && !accepting_ && sessions_.empty() && ended_) std::exchange(ended_, nullptr)();
}

void MllpListener::stop(Duration grace, std::function<void()> ended) {
  if (stopping_) return;
  stopping_ = true;
  ended_ = std::move(ended);
  boost::system::error_code ignored;
  acceptor_.close(ignored);  // no new connections; the accept loop ends
  log::info("listener_stopping", {{"source", source_.name}, {"connections", sessions_.size()}});
  for (const auto& s : sessions_) s->request_stop();
  maybe_ended();
  if (sessions_.empty()) return;
  // Sessions finish the messages they hold; a peer that does not read its ACKs cannot hold the
  // shutdown longer than `grace`. Their commits still complete (the store is closed after).
  grace_timer_.expires_after(grace);
  grace_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    for (const auto& s : sessions_) s->force_close();
  });
}

}  // namespace irwell::channels
