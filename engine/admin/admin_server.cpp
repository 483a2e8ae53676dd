#include "engine/admin/admin_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "engine/core/log.h"

namespace irwell::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

// The API's options with what routes.yaml sets for it (admin: search_timeout).
ApiOptions api_options(ApiOptions api, const config::AdminConfig& config) {
  api.search_timeout = config.search_timeout;
  return api;
}

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The status for a request that could not be read, or 0 to just close (timeout, reset, EOF).
unsigned read_error_status(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return 400;
  }
  return 0;
}

void close_stream(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

}  // namespace

AdminServer::AdminServer(asio::io_context& io, const config::AdminConfig& config,
                         const std::vector<config::AdminToken>& tokens, AdminBackend& backend,
                         const Clock& clock, AdminServerOptions options)
    : io_(io),
      config_(config),
      options_(options),
      handler_(backend, tokens, clock, api_options(options.api, config)),
      acceptor_(io),
      sample_timer_(io) {}

AdminServer::~AdminServer() = default;

Status<> AdminServer::bind() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.bind, ec);
  std::string where = config_.bind + ":" + std::to_string(config_.port);
  if (ec) return fail("admin: bad bind address " + config_.bind + ": " + ec.message());
  tcp::endpoint endpoint(address, static_cast<uint16_t>(config_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return fail("admin: cannot listen on " + where + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  if (config_.tls.enabled) {
    auto context = channels::make_tls_server_context(config_.tls);
    if (!context) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return fail("admin: " + context.error().message);
    }
    tls_ = std::move(*context);
  }
  return ok();
}

Status<> AdminServer::reload_tls(const config::TlsConfig& tls) {
  if (!tls.enabled || !config_.tls.enabled) return fail("admin: TLS is not on; restart to change");
  auto context = channels::make_tls_server_context(tls);
  if (!context) {
    log::error("tls_reload_failed", {{"listener", "admin"}, {"error", context.error().message}});
    return fail("admin: " + context.error().message);
  }
  // tls_ is read by the accept loop on the network thread: swap it there.
  asio::post(io_, [this, c = std::move(*context)]() mutable { tls_ = std::move(c); });
  log::info("tls_reloaded", {{"listener", "admin"}});
  return ok();
}

void AdminServer::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
  if (handler_.options().sample_interval > Duration::zero()) {
    asio::co_spawn(io_, sample_loop(), asio::detached);
  }
  log::info("admin_started", {{"bind", config_.bind}, {"port", port_}, {"tls", tls_ != nullptr}});
}

void AdminServer::stop() {
  if (stopping_) return;
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  sample_timer_.cancel();
  for (auto& [id, weak] : connections_) {
    if (auto stream = weak.lock()) stream->socket().close(ignored);
  }
  for (auto& [id, weak] : tls_connections_) {
    if (auto stream = weak.lock()) beast::get_lowest_layer(*stream).socket().close(ignored);
  }
}

asio::awaitable<void> AdminServer::accept_loop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
    if (stopping_ || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of file descriptors and the like: wait a little instead of spinning.
      log::warn("admin_accept_failed", {{"error", ec.message()}});
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(kTuple);
      continue;
    }
    if (connections_.size() >= options_.max_connections) {
      log::warn("admin_connection_refused", {{"reason", "max_connections"}});
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    uint64_t id = next_connection_++;
    if (tls_) {
      boost::system::error_code pec;
      const auto remote = socket.remote_endpoint(pec);
      std::string peer = pec ? std::string("?")
                             : remote.address().to_string() + ":" + std::to_string(remote.port());
      auto stream = std::make_shared<TlsStream>(beast::tcp_stream(std::move(socket)), *tls_->ssl);
      tls_connections_[id] = stream;
      asio::co_spawn(io_, tls_connection(std::move(stream), id, std::move(peer)), asio::detached);
      continue;
    }
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    connections_[id] = stream;
    asio::co_spawn(io_, connection(std::move(stream), id), asio::detached);
  }
}

asio::awaitable<void> AdminServer::sample_loop() {
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      handler_.options().sample_interval);
  while (!stopping_) {
    // Sampling reads the backend, which may take a moment: done on the worker thread.
    asio::post(worker_, [this] { handler_.take_sample(); });
    sample_timer_.expires_after(interval);
    auto [ec] = co_await sample_timer_.async_wait(kTuple);
    if (ec) co_return;
  }
}

// Coroutines here are member functions taking their state as parameters rather than lambdas
// with captures: GCC 12 mishandles a capturing coroutine lambda's closure.
asio::awaitable<void> AdminServer::connection(std::shared_ptr<beast::tcp_stream> stream,
                                              uint64_t id) {
  co_await serve(*stream);
  connections_.erase(id);
}

asio::awaitable<void> AdminServer::tls_connection(std::shared_ptr<TlsStream> stream, uint64_t id,
                                                  std::string peer) {
  auto& lowest = beast::get_lowest_layer(*stream);
  lowest.expires_after(tls_->settings.handshake_timeout);
  auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::server, kTuple);
  if (ec) {
    if (!stopping_) {
      log::warn("admin_tls_handshake_failed", {{"peer", peer}, {"reason", ec.message()}});
    }
    close_stream(lowest);
  } else {
    co_await serve(*stream);
  }
  tls_connections_.erase(id);
}

asio::awaitable<HttpResponse> AdminServer::run_handler(HttpRequest request) {
  co_return handler_.handle(request);
}

asio::awaitable<HttpResponse> AdminServer::handle(HttpRequest request) {
  // Runs the handler on a worker thread and resumes here, on the network thread.
  auto& worker = ApiHandler::waits_for_engine(request) ? reload_worker_ : worker_;
  co_return co_await asio::co_spawn(worker, run_handler(std::move(request)), asio::use_awaitable);
}

template <class Stream>
asio::awaitable<void> AdminServer::serve(Stream& stream) {
  beast::flat_buffer buffer;
  auto& lowest = beast::get_lowest_layer(stream);
  while (!stopping_) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);
    lowest.expires_after(options_.read_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (ec) {
      if (unsigned status = read_error_status(ec); status != 0 && !stopping_) {
        http::response<http::string_body> res{static_cast<http::status>(status), 11};
        res.set(http::field::content_type, "application/json");
        res.set(http::field::connection, "close");
        res.body() = status == 431   ? R"({"error":"request headers too large"})"
                                       "\n"
                     : status == 413 ? R"({"error":"request body too large"})"
                                       "\n"
                                     : R"({"error":"malformed HTTP request"})"
                                       "\n";
        res.prepare_payload();
        lowest.expires_after(options_.write_timeout);
        co_await http::async_write(stream, res, kTuple);
      }
      break;
    }
    auto& req = parser.get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.authorization = std::string(req[http::field::authorization]);
    request.body = std::move(req.body());
    bool keep_alive = req.keep_alive();
    bool head = req.method() == http::verb::head;
    unsigned version = req.version();

    lowest.expires_never();  // the handler's time is not the peer's fault
    HttpResponse out = co_await handle(std::move(request));
    if (stopping_) break;

    http::response<http::string_body> res{static_cast<http::status>(out.status), version};
    res.set(http::field::server, "irwell");
    res.set(http::field::content_type, out.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : out.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = std::move(out.body);
    res.prepare_payload();
    if (head) res.body().clear();  // Content-Length stays that of the GET
    lowest.expires_after(options_.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (out.after_write) out.after_write();
    if (wec || !keep_alive) break;
  }
  close_stream(lowest);
}

template asio::awaitable<void> AdminServer::serve<beast::tcp_stream>(beast::tcp_stream&);
template asio::awaitable<void> AdminServer::serve<AdminServer::TlsStream>(TlsStream&);

}  // namespace irwell::admin
