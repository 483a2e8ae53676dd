#pragma once
// AdminServer: the admin HTTP/1.1 server (Boost.Beast) serving ApiHandler (api_handler.h): the
// JSON API, /metrics, /healthz and the dashboard, on the admin bind address and port.
//
// Lifecycle and ownership: construct with the engine's network io_context, the admin config,
// the resolved tokens (auth.h resolve_tokens) and a backend; bind() opens the port synchronously
// (port 0 picks a free one; read it with port()); start() spawns the accept loop and the history
// sampler on the io_context; stop() closes the acceptor and every connection. Call start() and
// stop() on the io_context's thread, or before it runs (asio::post(io, [&]{ server.stop(); })).
// The accept loop keeps the io_context busy until stop(): the engine's shutdown must call it
// (with the listeners' stop) for run() to return. After stop() nothing of the server keeps the
// io_context busy (a request still on the worker finishes, then its connection closes). The backend
// and clock are borrowed and, like the server itself, must outlive the io_context's run().
//
// Threads: sockets live on the io_context's thread; each request is handled on the server's
// one worker thread, so a slow store search never blocks the network thread (DESIGN.md
// "Threads"). POST /api/v1/reload runs on a second worker of its own, since it waits for the
// engine to carry the reload out: other requests are answered meanwhile, and reloads queue one
// behind another. port() is safe from any thread.
//
// Limits: request headers beyond max_header_bytes get 431, bodies beyond max_body_bytes 413,
// malformed requests 400, each then closed. A connection idle (or a request arriving slower)
// than read_timeout is closed. Keep-alive is honoured. Beyond max_connections, new connections
// are closed at once.
//
// TLS: when config.tls is enabled (admin: tls: {cert, key, ...}), bind() builds the server
// context (bad files fail it) and every connection runs the TLS handshake within
// tls.handshake_timeout before serve<ssl_stream>; a failed handshake is logged
// (admin_tls_handshake_failed, with the peer and OpenSSL's reason) and closes only that
// connection. Client certificates per tls.client_cert (off, optional, required).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdint>
#include <map>
#include <memory>

#include "channels/tls/tls_server_context.h"
#include "engine/admin/admin_backend.h"
#include "engine/admin/api_handler.h"
#include "engine/config/config.h"
#include "engine/core/result.h"

namespace irwell::admin {

struct AdminServerOptions {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 64 * 1024;
  Duration read_timeout = std::chrono::seconds(30);
  Duration write_timeout = std::chrono::seconds(30);
  size_t max_connections = 64;
  ApiOptions api;
};

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, const config::AdminConfig& config,
              const std::vector<config::AdminToken>& tokens, AdminBackend& backend,
              const Clock& clock, AdminServerOptions options = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Opens config.bind:config.port. Err names the address and the reason (e.g. in use).
  Status<> bind();
  void start();
  void stop();
  uint16_t port() const { return port_; }
  // Re-reads the TLS files (any thread): new connections use them, established ones keep
  // theirs. Err (the current context stays) when they cannot be loaded or TLS is off.
  Status<> reload_tls(const config::TlsConfig& tls);
  ApiHandler& handler() { return handler_; }

  // Serves HTTP/1.1 requests on one connected stream until the peer closes, a timeout or
  // stop(). Public so a TLS listener can reuse it.
  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream);

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> sample_loop();
  boost::asio::awaitable<void> connection(std::shared_ptr<boost::beast::tcp_stream> stream,
                                          uint64_t id);
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  boost::asio::awaitable<void> tls_connection(std::shared_ptr<TlsStream> stream, uint64_t id,
                                              std::string peer);
  boost::asio::awaitable<HttpResponse> handle(HttpRequest request);
  boost::asio::awaitable<HttpResponse> run_handler(HttpRequest request);

  boost::asio::io_context& io_;
  config::AdminConfig config_;
  AdminServerOptions options_;
  ApiHandler handler_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer sample_timer_;
  std::map<uint64_t, std::weak_ptr<boost::beast::tcp_stream>> connections_;
  std::map<uint64_t, std::weak_ptr<TlsStream>> tls_connections_;
  std::shared_ptr<const channels::TlsServerContext> tls_;  // null: plain HTTP
  uint64_t next_connection_ = 0;
  bool stopping_ = false;
  uint16_t port_ = 0;
  // Last members: destroyed (joined) first, so no request is still running on the handler.
  // Reloads have a thread of their own: one waits for the engine to apply the new config (up to
  // the drain grace with a hung subscriber), and /healthz, /metrics and the dashboard must keep
  // answering meanwhile.
  boost::asio::thread_pool reload_worker_{1};
  boost::asio::thread_pool worker_{1};
};

}  // namespace irwell::admin
