#pragma once
// MllpListener: one MLLP source's TCP listener and its connections (sessions).
//
// What it does: accepts connections on the source's bind:port, refuses (accepts, logs, closes)
// connections beyond `max_connections`, and runs one MllpSession per connection, all on the
// io_context's single thread. Each session turns frames into ACKs through the source's Ingest and
// the engine's CommitQueue (see mllp_session.h for the per-connection contract).
//
// Lifecycle and ownership: bind() opens the port synchronously (so `irwell run` reports a busy
// port before it says it started; port 0 picks a free one, read it back with port()); start()
// spawns the accept loop on the executor; stop() (call it on the io_context's thread, e.g. via
// asio::post) closes the acceptor — no new connections — and asks every session to stop: a
// session finishes the messages it already read (their commits complete and their ACKs are
// written), then closes. Sessions that are still busy after `grace` have their sockets closed.
// The io_context's run() returns once everything has wound down (nothing keeps it busy after).
// The Ingest, CommitQueue and counters are borrowed and must outlive the io_context's run.
//
// TLS (source.mllp.tls.enabled): bind() also builds the TLS context, so bad certificate files
// refuse the start like a busy port does; every connection is then TLS only (see mllp_session.h).
// reload_tls() builds a context from new settings and, when that succeeds, makes it the one new
// connections get; established connections keep the context they were accepted with. When it
// fails the running context stays and the error says why.
//
// Thread-safety: everything except counters() and reload_tls() runs on the io_context's thread;
// counters() and reload_tls() are safe from any thread.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "channels/mllp/completion_mailbox.h"
#include "channels/tls/tls_server_context.h"
#include "engine/config/source_config.h"
#include "engine/core/histogram.h"
#include "engine/core/result.h"
#include "engine/pipeline/ingest.h"
#include "engine/store/commit_queue.h"

namespace irwell::channels {

class MllpSession;

// Counters since start, per listener (admin API and tests read them).
struct MllpListenerCounters {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_refused{0};  // over max_connections
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> frames{0};                 // complete frames received (oversize included)
  std::atomic<uint64_t> accepted{0};               // committed as accepted/unrouted/filtered
  std::atomic<uint64_t> rejected{0};               // committed as rejected
  std::atomic<uint64_t> duplicates{0};             // answered with the stored ACK, not stored
  std::atomic<uint64_t> commit_failures{0};        // answered with the commit-failure NAK
  std::atomic<uint64_t> replies{0};                // ACK/NAK frames written
  std::atomic<uint64_t> junk_bytes{0};             // bytes outside frames (A2)
  std::atomic<uint64_t> frames_aborted{0};         // A6, A3 strict, A7 EOF, A8 timeout
  std::atomic<uint64_t> frames_oversize{0};        // A9
  std::atomic<uint64_t> empty_frames{0};           // A12
  std::atomic<uint64_t> tls_handshakes_failed{0};  // not TLS, bad certificate, timeout
  LatencyHistogram ack_latency;  // frames read -> their ACKs written

  // Adds `previous`'s counts (all but connections_open) and latencies: a listener replaced by a
  // reload carries its predecessor's totals, so the source's figures do not fall back to zero.
  void carry_over(const MllpListenerCounters& previous);
};

class MllpListener {
 public:
  MllpListener(boost::asio::io_context& io, const config::SourceConfig& source,
               pipeline::Ingest& ingest, store::CommitQueue& commits);
  ~MllpListener();
  MllpListener(const MllpListener&) = delete;
  MllpListener& operator=(const MllpListener&) = delete;

  // Opens, binds and listens. Error: the address cannot be used (busy port, bad address).
  Status<> bind();
  void start();
  // On the io_context's thread. `ended` (if set) runs on that thread once the accept loop and
  // every session have ended (at once when none runs): from then on nothing of this listener
  // touches its Ingest, the CommitQueue or the counters, and it may be destroyed while the
  // io_context runs (a reload that replaces one source).
  void stop(Duration grace, std::function<void()> ended = {});

  // New certificates, CA, client certificate rules for connections accepted from now on. Error:
  // the files cannot be used, or this listener is not a TLS listener; nothing changes then.
  Status<> reload_tls(const config::TlsConfig& tls);

  uint16_t port() const { return port_; }
  const std::string& source() const { return source_.name; }
  const MllpListenerCounters& counters() const { return counters_; }
  MllpListenerCounters& counters() { return counters_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  void session_ended(const std::shared_ptr<MllpSession>& s);
  void maybe_ended();  // runs ended_ once stopped and nothing runs any more

  boost::asio::io_context& io_;
  config::SourceConfig source_;
  mutable std::mutex tls_mutex_;                 // guards tls_ (reload_tls vs. accepting)
  std::shared_ptr<const TlsServerContext> tls_;  // null: plain TCP
  pipeline::Ingest& ingest_;
  store::CommitQueue& commits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer grace_timer_;
  std::shared_ptr<CompletionMailbox> completions_;  // shared by this listener's sessions
  std::set<std::shared_ptr<MllpSession>> sessions_;
  MllpListenerCounters counters_;
  uint16_t port_ = 0;
  bool stopping_ = false;
  bool accepting_ = false;       // the accept loop has been spawned and has not ended
  std::function<void()> ended_;  // stop()'s callback
};

}  // namespace irwell::channels
