#include "engine/admin/admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

namespace irwell::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<AdminUrl> parse_admin_url(std::string_view url) {
  AdminUrl out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return fail("the URL must start with http:// or https://: " + std::string(url));
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) {
    return fail("the URL must be http(s)://HOST:PORT with no path: " + std::string(url));
  }
  size_t colon = rest.rfind(':');
  if (rest.starts_with('[')) {  // [::1]:8080
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return fail("bad IPv6 address in " + std::string(url));
    out.host = std::string(rest.substr(1, close - 1));
    colon = rest.size() > close + 1 && rest[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    out.host = std::string(rest.substr(0, colon));
  }
  if (colon != std::string_view::npos) {
    out.port = std::string(rest.substr(colon + 1));
    if (out.port.empty() || out.port.find_first_not_of("0123456789") != std::string::npos) {
      return fail("bad port in " + std::string(url));
    }
  } else {
    out.port = out.tls ? "443" : "80";
  }
  if (out.host.empty()) return fail("no host in " + std::string(url));
  return out;
}

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What went wrong and at which step; empty `failure` = the exchange completed.
struct Outcome {
  beast::error_code failure;
  std::string step;
  void set(beast::error_code ec, std::string what) {
    failure = ec;
    step = std::move(what);
  }
};

// Sends the request and reads the reply on a connected (and, for TLS, handshaken) stream.
template <class Stream>
void exchange(Stream& stream, Request& req, beast::flat_buffer& buffer, Response& res,
              Outcome& out) {
  http::async_write(stream, req, [&](beast::error_code ec, size_t) {
    if (ec) return out.set(ec, "send");
    http::async_read(stream, buffer, res, [&](beast::error_code ec, size_t) {
      if (ec) out.set(ec, "read the reply");
    });
  });
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<AdminReply> admin_request(const AdminUrl& url, std::string_view method,
                                 std::string_view target, std::string_view token, Duration timeout,
                                 asio::ssl::context* tls) {
  if (url.tls && !tls) return fail("https needs a TLS client context (" + url.text() + ")");
  asio::io_context io;
  beast::flat_buffer buffer;
  Response res;
  Outcome out;

  Request req{http::string_to_verb(method), std::string(target), 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "irwellctl");
  req.set(http::field::connection, "close");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
  req.prepare_payload();

  // The whole exchange runs on this call's own io_context; the stream's deadline bounds it.
  beast::tcp_stream plain(io);
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  if (url.tls) {
    secure.emplace(io, *tls);
    // The server must present a certificate for the URL's host (SNI only for names).
    if (!is_ip_literal(url.host))
      SSL_set_tlsext_host_name(secure->native_handle(), url.host.c_str());
    secure->set_verify_mode(asio::ssl::verify_peer);
    secure->set_verify_callback(asio::ssl::host_name_verification(url.host));
  }
  beast::tcp_stream& tcp = secure ? beast::get_lowest_layer(*secure) : plain;
  tcp.expires_after(timeout);
  asio::ip::tcp::resolver resolver(io);
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, auto results) {
    if (ec) return out.set(ec, "resolve");
    tcp.async_connect(results, [&](beast::error_code ec, auto) {
      if (ec) return out.set(ec, "connect");
      if (!secure) return exchange(plain, req, buffer, res, out);
      secure->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code ec) {
        if (ec) return out.set(ec, "complete the TLS handshake");
        exchange(*secure, req, buffer, res, out);
      });
    });
  });
  io.run();
  if (out.failure) {
    return fail("cannot " + out.step + " (" + url.text() + "): " + out.failure.message());
  }
  beast::error_code ignored;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);

  AdminReply reply;
  reply.status = res.result_int();
  reply.content_type = std::string(res[http::field::content_type]);
  reply.www_authenticate = std::string(res[http::field::www_authenticate]);
  reply.body = std::move(res.body());
  return reply;
}

}  // namespace irwell::admin
