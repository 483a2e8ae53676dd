#pragma once
// AdminClient: a small blocking HTTP/1.1 client for the admin API (irwellctl and the tests).
//
// Contract: one request per call on a fresh connection (Connection: close), bearer token sent
// when non-empty, the whole exchange bounded by `timeout`. An https URL needs `tls` (a client
// context, e.g. from client::make_tls_client_context): the server's certificate is verified
// against it and must name the URL's host (SNI sent for names, not IP literals). Transport failures
// (refused, reset, timeout, a malformed reply) are Err values naming the URL; any HTTP status is a
// reply. Thread-safety: each call owns its own io_context; calls may run on different threads.
#include <string>
#include <string_view>

#include "engine/core/clock.h"

namespace boost::asio::ssl {
class context;
}
#include "engine/core/result.h"

namespace irwell::admin {

struct AdminUrl {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  bool tls = false;  // https
  std::string text() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

// "http://HOST:PORT" or "https://HOST:PORT" (a trailing '/' allowed; port 80 or 443 when
// omitted). Err says what is wrong.
Result<AdminUrl> parse_admin_url(std::string_view url);

struct AdminReply {
  unsigned status = 0;
  std::string content_type;
  std::string www_authenticate;
  std::string body;
};

Result<AdminReply> admin_request(const AdminUrl& url, std::string_view method,
                                 std::string_view target, std::string_view token,
                                 Duration timeout = std::chrono::seconds(30),
                                 boost::asio::ssl::context* tls = nullptr);

}  // namespace irwell::admin
