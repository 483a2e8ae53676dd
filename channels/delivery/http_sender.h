#pragma once
// HttpSender: the `http` destination. Sends each delivery as one HTTP/1.1 request (POST or PUT)
// to the configured URL (http:// or https:// with certificate and host name verification),
// with the configured headers and optional bearer token, on a kept-alive connection.
// Body by `format`: er7 (the message, CR segment endings), xml (HL7 v2 XML encoding) or json
// (irwell's JSON view, as `irwell inspect` prints it); xml and json need a message that parses,
// otherwise the delivery is refused (dead-lettered: it will never parse).
// Verdict: 2xx delivered; 408, 429 and 5xx, timeouts and connection errors failed (retried);
// other 4xx refused (dead-lettered); 3xx refused (irwell does not follow redirects with patient
// data). The reply recorded is the status line.
// Thread-safety: the executor's thread only (see sender.h).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <string>

#include "channels/delivery/sender.h"
#include "channels/delivery/tls_slot.h"
#include "engine/config/config.h"
#include "engine/core/result.h"

namespace irwell::delivery {

struct HttpUrl {
  bool tls = false;
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query
};
Result<HttpUrl> parse_http_url(std::string_view url);

struct HttpSenderOptions {
  HttpUrl url;
  std::string method = "POST";
  std::string content_type = "x-application/hl7-v2+er7";
  std::string format = "er7";  // er7, xml, json
  std::map<std::string, std::string> headers;
  std::string bearer_token;
  Duration timeout = std::chrono::seconds(30);
  std::shared_ptr<boost::asio::ssl::context> tls;  // for https
  std::shared_ptr<TlsSlot> tls_slot;  // when set, new connections take its context instead

  static Result<HttpSenderOptions> from(const config::DestinationConfig& d);
};

class HttpSender final : public Sender {
 public:
  HttpSender(boost::asio::any_io_executor executor, HttpSenderOptions options);
  ~HttpSender() override;
  boost::asio::awaitable<SendOutcome> send(const store::PendingDelivery& d) override;
  void close() override;

 private:
  struct Connection;
  boost::asio::any_io_executor executor_;
  HttpSenderOptions options_;
  std::unique_ptr<Connection> connection_;
};

// The request body for one delivery in `format`; nullopt with a reason when it cannot be made.
Result<std::string> http_body(std::string_view payload, std::string_view format);

}  // namespace irwell::delivery
