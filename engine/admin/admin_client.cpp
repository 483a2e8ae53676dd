#include "engine/admin/admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace irwell::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<AdminUrl> parse_admin_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://")) return fail("https is not supported yet: " + std::string(url));
  if (!url.starts_with(kScheme))
    return fail("the URL must start with http://: " + std::string(url));
  std::string_view rest = url.substr(kScheme.size());
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) {
    return fail("the URL must be http://HOST:PORT with no path: " + std::string(url));
  }
  AdminUrl out;
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
    out.port = "80";
  }
  if (out.host.empty()) return fail("no host in " + std::string(url));
  return out;
}

Result<AdminReply> admin_request(const AdminUrl& url, std::string_view method,
                                 std::string_view target, std::string_view token,
                                 Duration timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code failure;
  std::string step;

  http::request<http::string_body> req{http::string_to_verb(method), std::string(target), 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "irwellctl");
  req.set(http::field::connection, "close");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
  req.prepare_payload();

  // The whole exchange runs on this call's own io_context; the stream's deadline bounds it.
  stream.expires_after(timeout);
  asio::ip::tcp::resolver resolver(io);
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, auto results) {
    if (ec) {
      failure = ec;
      step = "resolve";
      return;
    }
    stream.async_connect(results, [&](beast::error_code ec, auto) {
      if (ec) {
        failure = ec;
        step = "connect";
        return;
      }
      http::async_write(stream, req, [&](beast::error_code ec, size_t) {
        if (ec) {
          failure = ec;
          step = "send";
          return;
        }
        http::async_read(stream, buffer, res, [&](beast::error_code ec, size_t) {
          if (ec) {
            failure = ec;
            step = "read the reply";
          }
        });
      });
    });
  });
  io.run();
  if (failure) {
    return fail("cannot " + step + " (" + url.text() + "): " + failure.message());
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);

  AdminReply reply;
  reply.status = res.result_int();
  reply.content_type = std::string(res[http::field::content_type]);
  reply.www_authenticate = std::string(res[http::field::www_authenticate]);
  reply.body = std::move(res.body());
  return reply;
}

}  // namespace irwell::admin
