#include "channels/delivery/http_sender.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>

#include "channels/client/tls_client_context.h"
#include "channels/delivery/mllp_sender.h"
#include "engine/core/json.h"
#include "engine/hl7/message.h"
#include "engine/hl7/message_json.h"
#include "transforms/xml_encoding.h"

namespace irwell::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
}

Result<HttpUrl> parse_http_url(std::string_view url) {
  HttpUrl u;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    u.tls = true;
    u.port = 443;
  } else {
    return fail(fmt::format("not an http:// or https:// URL: {}", url));
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) u.target = std::string(rest.substr(slash));
  if (authority.empty()) return fail(fmt::format("no host in URL {}", url));
  size_t colon = std::string_view::npos;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(fmt::format("bad IPv6 host in {}", url));
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') colon = close + 1;
  } else {
    colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
  }
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return fail(fmt::format("bad port in URL {}", url));
    }
    u.port = static_cast<uint16_t>(value);
  }
  return u;
}

Result<HttpSenderOptions> HttpSenderOptions::from(const config::DestinationConfig& d) {
  HttpSenderOptions o;
  const config::Params& p = d.params;
  auto url = parse_http_url(p.at("url").text);
  if (!url) return fail(fmt::format("destination \"{}\": {}", d.name, url.error().message));
  o.url = std::move(*url);
  o.method = p.at("method").text;
  o.content_type = p.at("content_type").text;
  if (auto it = p.find("format"); it != p.end()) o.format = it->second.text;
  if (auto it = p.find("headers"); it != p.end()) o.headers = it->second.map;
  if (auto it = p.find("bearer_token"); it != p.end()) o.bearer_token = it->second.text;
  o.timeout = p.at("timeout").duration;
  if (o.url.tls) {
    client::TlsClientOptions t;
    if (auto it = p.find("tls"); it != p.end() && it->second.given) {
      const auto& m = it->second.map;
      auto get = [&](const char* key) {
        auto f = m.find(key);
        return f == m.end() ? std::string() : f->second;
      };
      t.ca = get("ca");
      t.cert = get("cert");
      t.key = get("key");
    }
    auto context = client::make_tls_client_context(t);
    if (!context) {
      return fail(fmt::format("destination \"{}\": {}", d.name, context.error().message));
    }
    o.tls = std::shared_ptr<asio::ssl::context>(std::move(*context));
  }
  return o;
}

Result<std::string> http_body(std::string_view payload, std::string_view format) {
  if (format == "er7" || format.empty()) return with_cr_segments(payload);
  auto message = hl7::Message::parse(payload);
  if (!message) return fail(fmt::format("the message does not parse: {}", message.error().message));
  if (format == "xml") return transforms::encode_xml(*message, false);
  json::Writer w;
  hl7::write_json(w, *message);
  return w.str();
}

struct HttpSender::Connection {
  explicit Connection(asio::any_io_executor ex) : tcp(ex) {}
  beast::tcp_stream tcp;
  std::shared_ptr<asio::ssl::context> context;  // the one `tls` was made with (outlives it)
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool open = false;
};

HttpSender::HttpSender(asio::any_io_executor executor, HttpSenderOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {}

HttpSender::~HttpSender() = default;

void HttpSender::close() {
  if (!connection_) return;
  beast::error_code ignored;
  auto& socket = connection_->tls ? beast::get_lowest_layer(*connection_->tls).socket()
                                  : connection_->tcp.socket();
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  connection_->open = false;
}

asio::awaitable<SendOutcome> HttpSender::send(const store::PendingDelivery& d) {
  auto body = http_body(d.payload, options_.format);
  if (!body) co_return SendOutcome::refused("error", body.error().message);
  const auto timeout =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.timeout);
  const std::string where = fmt::format("{}:{}", options_.url.host, options_.url.port);

  if (!connection_ || !connection_->open) {
    connection_ = std::make_unique<Connection>(executor_);
    tcp::resolver resolver(executor_);
    auto [rec, endpoints] = co_await resolver.async_resolve(
        options_.url.host, std::to_string(options_.url.port), kTuple);
    if (rec)
      co_return SendOutcome::failed("error",
                                    fmt::format("cannot resolve {}: {}", where, rec.message()));
    connection_->tcp.expires_after(timeout);
    auto [cec, ep] = co_await connection_->tcp.async_connect(endpoints, kTuple);
    if (cec) {
      co_return SendOutcome::failed(cec == beast::error::timeout ? "timeout" : "error",
                                    fmt::format("cannot connect to {}: {}", where, cec.message()));
    }
    if (options_.url.tls) {
      connection_->context = options_.tls_slot ? options_.tls_slot->get() : options_.tls;
      connection_->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(
          std::move(connection_->tcp), *connection_->context);
      auto& ssl = *connection_->tls;
      boost::system::error_code not_ip;
      (void)asio::ip::make_address(options_.url.host, not_ip);
      // SNI carries names only (RFC 6066); the certificate is checked against host either way.
      if (not_ip) SSL_set_tlsext_host_name(ssl.native_handle(), options_.url.host.c_str());
      ssl.set_verify_callback(asio::ssl::host_name_verification(options_.url.host));
      beast::get_lowest_layer(ssl).expires_after(timeout);
      auto [hec] = co_await ssl.async_handshake(asio::ssl::stream_base::client, kTuple);
      if (hec) {
        connection_.reset();
        co_return SendOutcome::failed(
            "error", fmt::format("TLS handshake with {} failed: {}", where, hec.message()));
      }
    }
    connection_->open = true;
  }

  http::request<http::string_body> request{
      options_.method == "PUT" ? http::verb::put : http::verb::post, options_.url.target, 11};
  request.set(http::field::host, options_.url.host);
  request.set(http::field::user_agent, "irwell");
  request.set(http::field::content_type, options_.content_type);
  if (!options_.bearer_token.empty()) {
    request.set(http::field::authorization, "Bearer " + options_.bearer_token);
  }
  for (const auto& [name, value] : options_.headers) request.set(name, value);
  request.set("X-Irwell-Control-Id", d.control_id);
  request.keep_alive(true);
  request.body() = std::move(*body);
  request.prepare_payload();

  http::response<http::string_body> response;
  beast::error_code ec;
  Connection& c = *connection_;
  if (c.tls) {
    beast::get_lowest_layer(*c.tls).expires_after(timeout);
    auto [wec, wn] = co_await http::async_write(*c.tls, request, kTuple);
    ec = wec;
    if (!ec) {
      auto [rec, rn] = co_await http::async_read(*c.tls, c.buffer, response, kTuple);
      ec = rec;
    }
  } else {
    c.tcp.expires_after(timeout);
    auto [wec, wn] = co_await http::async_write(c.tcp, request, kTuple);
    ec = wec;
    if (!ec) {
      auto [rec, rn] = co_await http::async_read(c.tcp, c.buffer, response, kTuple);
      ec = rec;
    }
  }
  if (ec) {
    close();
    co_return SendOutcome::failed(
        ec == beast::error::timeout ? "timeout" : "error",
        fmt::format("HTTP exchange with {} failed: {}", where, ec.message()));
  }
  if (!response.keep_alive()) close();
  const unsigned status = response.result_int();
  std::string status_line = fmt::format("HTTP/1.1 {} {}", status, std::string(response.reason()));
  if (status >= 200 && status < 300) co_return SendOutcome::delivered(std::move(status_line));
  if (status == 408 || status == 429 || status >= 500) {
    co_return SendOutcome::failed("nak", status_line, status_line);
  }
  co_return SendOutcome::refused("nak", status_line, status_line);
}

}  // namespace irwell::delivery
