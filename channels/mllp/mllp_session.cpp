#include "channels/mllp/mllp_session.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <type_traits>
#include <utility>

#include "channels/mllp/mllp_listener.h"
#include "channels/tls/certificate_names.h"
#include "engine/core/log.h"
#include "engine/mllp/frame_encoder.h"

namespace irwell::channels {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// What the session keeps of a submitted message while its commit runs (the NewMessage itself
// moved into the CommitQueue).
struct MllpSession::Pending {
  size_t slot = 0;
  std::string ack, commit_failure_ack;
  std::string control_id;
  store::MessageStatus status = store::MessageStatus::accepted;
  std::string reason;
};

// Completion slots filled by handlers posted from the CommitQueue's writer thread; `wake` is a
// timer used as an event: the session waits on it, a completion cancels it. Touched only on the
// io_context's thread (the writer only posts).
struct MllpSession::Commits {
  explicit Commits(const asio::any_io_executor& ex) : wake(ex) {}
  asio::steady_timer wake;
  std::vector<std::optional<Result<store::CommitOutcome>>> results;
};

namespace {

std::string peer_of(const tcp::socket& s) {
  boost::system::error_code ec;
  tcp::endpoint ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  std::string addr = ep.address().to_string();
  if (ep.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

Duration steady_to_duration(SteadyClock::duration d) {
  return std::chrono::duration_cast<Duration>(d);
}

}  // namespace

MllpSession::MllpSession(tcp::socket socket, const config::SourceConfig& source,
                         pipeline::Ingest& ingest, store::CommitQueue& commits,
                         MllpListenerCounters& counters,
                         std::shared_ptr<CompletionMailbox> completions,
                         std::shared_ptr<const TlsServerContext> tls)
    : socket_(std::move(socket)),
      tls_context_(std::move(tls)),
      source_(source),
      ingest_(ingest),
      commits_(commits),
      completions_(std::move(completions)),
      counters_(counters),
      peer_(peer_of(socket_)),
      decoder_(mllp::FrameDecoderOptions{source.mllp.max_frame_bytes, source.mllp.strict_framing}),
      read_buf_(64 * 1024),
      timer_(socket_.get_executor()),
      commits_state_(std::make_shared<Commits>(socket_.get_executor())) {
  if (tls_context_) tls_.emplace(socket_, *tls_context_->ssl);
}

asio::awaitable<void> MllpSession::run() {
  auto self = shared_from_this();  // keeps the session alive while the coroutine runs
  log::info("connection_opened", {{"source", source_.name}, {"peer", peer_}});
  if (tls_ && !co_await handshake()) {
    close(close_reason_);
    co_return;
  }
  std::vector<Pending> pending;
  std::string out;
  bool keep_open = true;
  while (keep_open && !stopping_ && !closed_) {
    const size_t n = co_await read_some();
    if (n == 0) {
      if (woke_ == Wake::frame) {
        // A8: the frame started too long ago. Drop it; what follows is junk until 0x0B (V8).
        if (auto lost = decoder_.drop_partial("frame-completion timeout")) {
          counters_.frames_aborted++;
          log::warn("frame_timeout",
                    {{"source", source_.name}, {"peer", peer_}, {"bytes_lost", lost->bytes}});
        }
        frame_started_.reset();
        continue;
      }
      if (woke_ == Wake::idle) close_reason_ = "idle timeout";
      if (woke_ == Wake::none && decoder_.in_frame()) {
        // A7: EOF or reset mid-frame: never process a truncated message.
        if (auto lost = decoder_.drop_partial("connection closed mid-frame")) {
          counters_.frames_aborted++;
          log::warn("frame_truncated",
                    {{"source", source_.name}, {"peer", peer_}, {"bytes_lost", lost->bytes}});
        }
      }
      break;
    }
    decoder_.feed(std::string_view(read_buf_.data(), n));
    keep_open = take_frames(pending);
    if (pending.empty()) continue;
    const SteadyClock::time_point read_at = SteadyClock::now();
    co_await await_commits(pending);

    // Every commit of this read has completed: the replies go out in frame order (H9).
    collect_replies(pending, out);
    const size_t replied = pending.size();
    messages_ += replied;
    pending.clear();
    commits_state_->results.clear();
    if (!out.empty() && !co_await write_replies(out)) break;
    // ACK latency: from the read that completed the frames to their replies written.
    const auto latency = SteadyClock::now() - read_at;
    for (size_t i = 0; i < replied; ++i) {
      counters_.ack_latency.record(std::chrono::duration_cast<Duration>(latency));
    }
  }
  clear_deadline();
  timer_.cancel();
  if (close_reason_.empty()) close_reason_ = stopping_ ? "engine stopping" : "peer closed";
  if (woke_ == Wake::idle) {
    log::info("idle_timeout", {{"source", source_.name}, {"peer", peer_}});
  }
  close(close_reason_);
}

asio::awaitable<bool> MllpSession::handshake() {
  const config::TlsConfig& tls = tls_context_->settings;
  auto failed = [&](std::string reason) {
    counters_.tls_handshakes_failed++;
    log::warn("tls_handshake_failed",
              {{"source", source_.name}, {"peer", peer_}, {"reason", reason}});
    close_reason_ = "TLS handshake failed";
    return false;
  };
  set_deadline(tls.handshake_timeout, Wake::handshake);
  reading_ = true;  // a stop request cancels the handshake like a read

  // A TLS connection starts with a handshake record (0x16). Anything else is a plain client (an
  // MLLP frame starts with 0x0B) that would otherwise only produce an obscure OpenSSL error.
  auto [wec] =
      co_await socket_.async_wait(tcp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
  unsigned char first = 0;
  size_t peeked = 0;
  boost::system::error_code pec = wec;
  if (!wec) peeked = socket_.receive(asio::buffer(&first, 1), tcp::socket::message_peek, pec);
  if (!pec && peeked == 1 && first != 0x16) {
    reading_ = false;
    clear_deadline();
    co_return failed(first == 0x0b ? "plain MLLP (not TLS) on a TLS port"
                                   : "not a TLS handshake on a TLS port");
  }

  boost::system::error_code ec = pec;
  if (!pec && peeked == 0) ec = asio::error::eof;
  if (!ec) {
    if (tls.client_cert != config::TlsConfig::ClientCert::off) {
      tls_->set_verify_callback([this](bool preverified, ssl::verify_context& vc) {
        return verify_client(preverified, vc);
      });
    }
    auto [hec] = co_await tls_->async_handshake(ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    ec = hec;
  }
  reading_ = false;
  clear_deadline();
  if (ec) {
    if (woke_ == Wake::handshake) co_return failed("no TLS handshake within the handshake_timeout");
    if (woke_ == Wake::stop) {
      close_reason_ = "engine stopping";
      co_return false;
    }
    if (!tls_failure_.empty()) co_return failed(tls_failure_);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) {
      co_return failed("the client closed the connection during the handshake");
    }
    co_return failed(ec.message());
  }

  SSL* native = tls_->native_handle();
  std::string subject = "none";
  if (X509* cert = SSL_get_peer_certificate(native)) {
    std::vector<std::string> names = certificate_names(cert);
    X509_free(cert);
    if (!names.empty()) subject = names.front();
  }
  log::info("tls_established", {{"source", source_.name},
                                {"peer", peer_},
                                {"version", SSL_get_version(native)},
                                {"cipher", SSL_get_cipher_name(native)},
                                {"client_subject", subject}});
  co_return true;
}

bool MllpSession::verify_client(bool preverified, ssl::verify_context& vc) {
  X509_STORE_CTX* store = vc.native_handle();
  if (!preverified) {
    // The first error is the reason (wrong CA, expired, not yet valid, ...).
    if (tls_failure_.empty()) {
      tls_failure_ = std::string("client certificate: ") +
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
    }
    return false;
  }
  const std::vector<std::string>& allowed = tls_context_->settings.allowed_subjects;
  if (X509_STORE_CTX_get_error_depth(store) != 0 || allowed.empty()) return true;
  std::vector<std::string> names = certificate_names(X509_STORE_CTX_get_current_cert(store));
  if (subject_allowed(names, allowed)) return true;
  std::string shown;
  for (const std::string& n : names) shown += (shown.empty() ? "" : ", ") + n;
  tls_failure_ =
      "client certificate subject not allowed (" + (shown.empty() ? "no names" : shown) + ")";
  return false;
}

void MllpSession::collect_replies(std::vector<Pending>& pending, std::string& out) {
  out.clear();
  for (Pending& p : pending) {
    Result<store::CommitOutcome>& res = *commits_state_->results[p.slot];
    const std::string* reply = &p.ack;
    if (!res) {
      counters_.commit_failures++;
      reply = &p.commit_failure_ack;
      log::error("commit_failed", {{"source", source_.name},
                                   {"peer", peer_},
                                   {"control_id", p.control_id},
                                   {"error", res.error().message}});
    } else if (res->duplicate) {
      counters_.duplicates++;
      reply = &res->stored_ack;  // I1: the same ACK as the first time, not stored again
      log::info("duplicate", {{"source", source_.name},
                              {"peer", peer_},
                              {"control_id", p.control_id},
                              {"message_id", res->message_id}});
    } else if (p.status == store::MessageStatus::rejected) {
      counters_.rejected++;
      log::warn("message_rejected", {{"source", source_.name},
                                     {"peer", peer_},
                                     {"control_id", p.control_id},
                                     {"message_id", res->message_id},
                                     {"reason", p.reason}});
    } else {
      counters_.accepted++;
      // Debug only (one line per message would cost the hot path); fields built only if shown.
      if (log::enabled(log::Level::debug)) {
        log::debug("message_accepted", {{"source", source_.name},
                                        {"peer", peer_},
                                        {"control_id", p.control_id},
                                        {"message_id", res->message_id},
                                        {"status", store::to_string(p.status)}});
      }
    }
    if (!reply->empty()) {
      mllp::append_frame(out, *reply);
      counters_.replies++;
    }
  }
}

asio::awaitable<size_t> MllpSession::read_some() {
  woke_ = Wake::none;
  const auto now = SteadyClock::now();
  if (decoder_.in_frame() && frame_started_) {
    auto left = source_.mllp.frame_timeout - steady_to_duration(now - *frame_started_);
    set_deadline(left, Wake::frame);
  } else {
    set_deadline(source_.mllp.idle_timeout, Wake::idle);
  }
  reading_ = true;
  auto [ec, n] = tls_ ? co_await tls_->async_read_some(asio::buffer(read_buf_),
                                                       asio::as_tuple(asio::use_awaitable))
                      : co_await socket_.async_read_some(asio::buffer(read_buf_),
                                                         asio::as_tuple(asio::use_awaitable));
  reading_ = false;
  clear_deadline();
  if (!ec) co_return n;  // data wins over a timer that fired meanwhile
  if (ec != asio::error::operation_aborted) woke_ = Wake::none;
  co_return 0;
}

bool MllpSession::take_frames(std::vector<Pending>& pending) {
  bool keep_open = true;
  while (keep_open) {
    std::optional<mllp::DecoderEvent> event = decoder_.next();
    if (!event) break;
    std::visit(
        [&](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, mllp::Frame>) {
            counters_.frames++;
            frame_started_.reset();
            submit(ingest_.frame(e.payload, peer_), pending);
          } else if constexpr (std::is_same_v<T, mllp::FrameTooLarge>) {
            counters_.frames++;
            counters_.frames_oversize++;
            frame_started_.reset();
            log::warn("frame_too_large", {{"source", source_.name},
                                          {"peer", peer_},
                                          {"bytes", e.bytes},
                                          {"max_frame_bytes", source_.mllp.max_frame_bytes}});
            submit(ingest_.oversize(e.prefix, e.bytes, peer_), pending);
          } else if constexpr (std::is_same_v<T, mllp::JunkSkipped>) {
            counters_.junk_bytes += e.bytes;
            junk_bytes_ += e.bytes;
            if (e.looks_like_tls || e.looks_like_http) {
              // V15: a TLS client (or a browser) on the plain port cannot speak MLLP here.
              log::warn(e.looks_like_tls ? "tls_on_plain_port" : "http_on_plain_port",
                        {{"source", source_.name}, {"peer", peer_}, {"bytes", e.bytes}});
              close_reason_ = e.looks_like_tls ? "TLS on a plain port" : "HTTP on a plain port";
              keep_open = false;
            } else if (source_.mllp.strict_framing && !e.whitespace_only) {
              // strict_framing: bytes outside a frame are a protocol error, not noise.
              log::warn("junk_outside_frame",
                        {{"source", source_.name}, {"peer", peer_}, {"bytes", e.bytes}});
              close_reason_ = "bytes outside a frame (strict_framing)";
              keep_open = false;
            } else if (!junk_logged_) {
              // A2: logged once per connection; the total is in connection_closed.
              junk_logged_ = true;
              log::info("junk_skipped",
                        {{"source", source_.name},
                         {"peer", peer_},
                         {"bytes", e.bytes},
                         {"whitespace_only", e.whitespace_only ? "true" : "false"}});
            }
          } else if constexpr (std::is_same_v<T, mllp::FrameAborted>) {
            counters_.frames_aborted++;
            frame_started_.reset();
            log::warn("frame_aborted", {{"source", source_.name},
                                        {"peer", peer_},
                                        {"bytes_lost", e.bytes},
                                        {"reason", e.reason}});
          } else if constexpr (std::is_same_v<T, mllp::EmptyFrame>) {
            counters_.empty_frames++;
            frame_started_.reset();
            log::info("empty_frame", {{"source", source_.name}, {"peer", peer_}});
          }
        },
        *event);
  }
  if (!decoder_.in_frame()) {
    frame_started_.reset();
  } else if (!frame_started_) {
    frame_started_ = SteadyClock::now();
  }
  return keep_open;
}

void MllpSession::submit(pipeline::IngestResult&& r, std::vector<Pending>& pending) {
  Pending p;
  p.slot = commits_state_->results.size();
  p.ack = std::move(r.ack);
  p.commit_failure_ack = std::move(r.commit_failure_ack);
  p.control_id = r.message.control_id;
  p.status = r.message.status;
  p.reason = r.message.error;
  commits_state_->results.emplace_back();
  pending.push_back(std::move(p));

  // Runs on the writer thread after COMMIT (or the batch's failure): hand the outcome to this
  // session's executor and nothing else — the socket is only ever touched on the network thread.
  commits_.submit(std::move(r.message), [state = commits_state_, mailbox = completions_,
                                         slot = pending.back().slot](
                                            Result<store::CommitOutcome> outcome) mutable {
    mailbox->post([state = std::move(state), slot, outcome = std::move(outcome)]() mutable {
      state->results[slot].emplace(std::move(outcome));
      state->wake.cancel();
    });
  });
}

asio::awaitable<void> MllpSession::await_commits(std::vector<Pending>& pending) {
  // Waits even when the connection is gone: every submitted commit completes (CommitQueue's
  // contract), and run() must not end while a completion could still be posted to it.
  for (const Pending& p : pending) {
    while (!commits_state_->results[p.slot]) {
      commits_state_->wake.expires_at(SteadyClock::time_point::max());
      co_await commits_state_->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
}

asio::awaitable<bool> MllpSession::write_replies(const std::string& out) {
  if (closed_) co_return false;
  set_deadline(source_.mllp.idle_timeout, Wake::write);  // a peer that never reads its ACKs
  auto [ec, n] = tls_ ? co_await asio::async_write(*tls_, asio::buffer(out),
                                                   asio::as_tuple(asio::use_awaitable))
                      : co_await asio::async_write(socket_, asio::buffer(out),
                                                   asio::as_tuple(asio::use_awaitable));
  clear_deadline();
  if (ec) {
    if (close_reason_.empty()) close_reason_ = "write failed: " + ec.message();
    co_return false;
  }
  co_return true;
}

void MllpSession::set_deadline(Duration after, Wake kind) {
  deadline_ = SteadyClock::now() + std::max(after, Duration::zero());
  deadline_kind_ = kind;
  if (!timer_armed_ || deadline_ < timer_at_) arm_timer_at(deadline_);
}

void MllpSession::arm_timer_at(SteadyClock::time_point at) {
  timer_armed_ = true;
  timer_at_ = at;
  const uint64_t arm = ++timer_arm_;
  timer_.expires_at(at);  // supersedes a pending wait (its handler sees a newer arm)
  timer_.async_wait([self = shared_from_this(), arm](boost::system::error_code ec) {
    if (arm != self->timer_arm_) return;  // superseded by a re-arm
    self->timer_armed_ = false;
    if (ec || self->closed_ || self->deadline_kind_ == Wake::none) return;
    if (SteadyClock::now() < self->deadline_) {
      self->arm_timer_at(self->deadline_);  // the phase moved its deadline on meanwhile
      return;
    }
    const Wake kind = self->deadline_kind_;
    self->deadline_kind_ = Wake::none;
    self->woke_ = kind;
    boost::system::error_code ignored;
    if (kind == Wake::write) {
      self->close_reason_ = "reply not read by the peer in time";
      self->socket_.close(ignored);
    } else {
      self->socket_.cancel(ignored);
    }
  });
}

void MllpSession::request_stop() {
  stopping_ = true;
  if (reading_) {
    woke_ = Wake::stop;
    clear_deadline();
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
}

void MllpSession::force_close() {
  if (close_reason_.empty()) close_reason_ = "shutdown grace period over";
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void MllpSession::close(std::string_view reason) {
  clear_deadline();
  timer_.cancel();  // its pending wait holds the session alive; release it now
  boost::system::error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  closed_ = true;
  log::info("connection_closed", {{"source", source_.name},
                                  {"peer", peer_},
                                  {"reason", reason},
                                  {"messages", messages_},
                                  {"junk_bytes", junk_bytes_}});
}

}  // namespace irwell::channels
