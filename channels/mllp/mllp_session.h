#pragma once
// MllpSession: one accepted MLLP connection. I/O only: bytes -> FrameDecoder -> Ingest ->
// CommitQueue -> (COMMIT) -> ACK bytes. Every decision about a message is Ingest's.
//
// The promise (HL7-EDGE-CASES H3, H9): an AA/CA is written only after the transaction holding
// its message has committed; exactly one reply per acknowledged message, in the order the
// frames arrived, on this connection — pipelined frames (A5) included. All complete frames of
// one read are submitted together (so they share a commit with other connections'), then their
// commits are awaited in order and the replies written in one write. The session does not read
// while it waits: a sender that outruns the disk is slowed by TCP, not by memory.
// Duplicates get the ACK stored for the original (I1). A failed commit gets the NAK Ingest
// prepared (AR/CR + ERR 207), never an AA.
//
// Connection hygiene: idle timeout (no frame in progress: close), frame-completion timeout
// (A8: drop the partial frame, log, carry on — later bytes are junk until the next 0x0B, V8),
// frame cap (A9: NAK from the salvaged prefix, the connection stays usable), junk before a
// frame skipped and counted (A2; with strict_framing anything but whitespace closes the
// connection), a TLS ClientHello or HTTP request on the plain port logged as such and the
// connection closed (V15), EOF mid-frame logged (A7). A reply that cannot be written
// within the idle timeout closes the connection.
//
// TLS (when the listener gives a context): the session first waits for the client's first byte
// and refuses anything that is not a TLS handshake record (a plain MLLP client on a TLS port),
// then runs the server handshake; both within tls.handshake_timeout. A client certificate that
// does not verify (wrong CA, expired) or whose names are not in tls.allowed_subjects fails the
// handshake. Every failure is logged as tls_handshake_failed with its reason and the peer, and
// closes only this connection. The context is shared with the listener: the session keeps the
// one it was accepted with, so a reload never touches it.
//
// Threading: runs on the io_context's thread only. The CommitQueue completes on its writer
// thread; the completion is posted back here and never touches the socket there.
// Lifetime: owned by a shared_ptr held by the listener and by the running coroutine; run()
// returns only after every commit it submitted has completed.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channels/mllp/completion_mailbox.h"
#include "channels/tls/tls_server_context.h"
#include "engine/config/source_config.h"
#include "engine/mllp/frame_decoder.h"
#include "engine/pipeline/ingest.h"
#include "engine/store/commit_queue.h"

namespace irwell::channels {

struct MllpListenerCounters;

class MllpSession : public std::enable_shared_from_this<MllpSession> {
 public:
  // `tls` null: plain TCP. Otherwise the TLS context this connection uses (held for its life).
  MllpSession(boost::asio::ip::tcp::socket socket, const config::SourceConfig& source,
              pipeline::Ingest& ingest, store::CommitQueue& commits, MllpListenerCounters& counters,
              std::shared_ptr<CompletionMailbox> completions,
              std::shared_ptr<const TlsServerContext> tls = nullptr);
  MllpSession(const MllpSession&) = delete;
  MllpSession& operator=(const MllpSession&) = delete;

  boost::asio::awaitable<void> run();
  // Finish what was read, then close (graceful stop). Safe to call at any time.
  void request_stop();
  // Close the socket now (the grace period is over). Pending commits still complete.
  void force_close();

  const std::string& peer() const { return peer_; }

 private:
  enum class Wake {
    none,
    idle,
    frame,
    write,
    stop,
    handshake
  };               // which deadline or request woke us
  struct Pending;  // one submitted message awaiting its commit
  struct Commits;  // completion slots shared with the writer thread

  // TLS only: refuses a non-TLS first byte, runs the handshake; false = the connection is done.
  boost::asio::awaitable<bool> handshake();
  bool verify_client(bool preverified, boost::asio::ssl::verify_context& vc);
  // One read with the idle or frame deadline; returns bytes read, 0 on timeout/stop/EOF
  // (woke_ tells which).
  boost::asio::awaitable<size_t> read_some();
  // Drains the decoder; submits every message found; returns false to close the connection.
  bool take_frames(std::vector<Pending>& pending);
  boost::asio::awaitable<void> await_commits(std::vector<Pending>& pending);
  // The reply frames for completed commits, in order, with their counters and log lines.
  void collect_replies(std::vector<Pending>& pending, std::string& out);
  boost::asio::awaitable<bool> write_replies(const std::string& out);
  void submit(pipeline::IngestResult&& r, std::vector<Pending>& pending);
  // The current phase's deadline: `kind` wakes the session `after` from now unless the phase
  // ends first (clear_deadline). Lazy: a later deadline than the one the timer is armed for
  // only moves a field, and the timer re-arms itself when it fires early, so a steady stream of
  // messages costs no timer system calls.
  void set_deadline(Duration after, Wake kind);
  void clear_deadline() { deadline_kind_ = Wake::none; }
  void arm_timer_at(std::chrono::steady_clock::time_point at);
  void close(std::string_view reason);

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<const TlsServerContext> tls_context_;
  // TLS over socket_ (which it borrows); absent on a plain connection.
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  std::string tls_failure_;  // why the client certificate was refused (set by verify_client)
  const config::SourceConfig& source_;
  pipeline::Ingest& ingest_;
  store::CommitQueue& commits_;
  std::shared_ptr<CompletionMailbox> completions_;  // commit outcomes back to this thread
  MllpListenerCounters& counters_;
  std::string peer_;

  mllp::FrameDecoder decoder_;
  std::vector<char> read_buf_;
  boost::asio::steady_timer timer_;  // wakes at timer_at_ to check the current deadline
  bool timer_armed_ = false;
  uint64_t timer_arm_ = 0;  // which async_wait is the current one (older ones are superseded)
  std::chrono::steady_clock::time_point timer_at_, deadline_;
  Wake deadline_kind_ = Wake::none;  // none: the current phase has no deadline
  std::shared_ptr<Commits> commits_state_;
  bool reading_ = false;  // a read is pending (a stop request may cancel it)
  std::optional<std::chrono::steady_clock::time_point> frame_started_;
  Wake woke_ = Wake::none;
  bool stopping_ = false;
  bool closed_ = false;
  bool junk_logged_ = false;
  uint64_t messages_ = 0, junk_bytes_ = 0;
  std::string close_reason_;
};

}  // namespace irwell::channels
