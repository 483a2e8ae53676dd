#pragma once
// Test helper: a blocking TLS MLLP client over the tools' MllpClient and TLS client context
// (channels/client), so the TLS tests use the same client code as mllp-send and mllp-bench.
//
// Contract: test-only. connect() and exchange() run the client's coroutine on a private
// io_context until it completes; the client's own timeout (kGuard) is a failure guard, never
// synchronisation. `max_version` lets a test play an old client (TLS 1.2 only).
#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "channels/client/mllp_client.h"
#include "channels/client/tls_client_context.h"
#include "tests/channels/mllp_test_client.h"

namespace irwell::testing {

class TlsTestClient {
 public:
  explicit TlsTestClient(client::TlsClientOptions options, int max_version = 0) {
    options.enabled = true;
    auto ctx = client::make_tls_client_context(options);
    if (!ctx) throw std::runtime_error("TLS client context: " + ctx.error().message);
    ctx_ = std::move(ctx).value();
    if (max_version) SSL_CTX_set_max_proto_version(ctx_->native_handle(), max_version);
    client_.emplace(io_.get_executor(), ctx_.get(), kGuard);
  }

  Status<client::ClientError> connect(uint16_t port) {
    return run(client_->connect(client::Endpoint{"127.0.0.1", port}));
  }
  Result<std::string, client::ClientError> exchange(const std::string& payload) {
    return run(client_->exchange(payload));
  }
  // Connects (if not yet connected) and exchanges one message: the ACK, or why not.
  Result<std::string, client::ClientError> send(uint16_t port, const std::string& payload) {
    if (!client_->is_open()) {
      if (auto c = connect(port); !c) return fail(c.error());
    }
    return exchange(payload);
  }

 private:
  template <class T>
  static boost::asio::awaitable<void> keep(boost::asio::awaitable<T> op, std::optional<T>* out) {
    out->emplace(co_await std::move(op));
  }
  template <class T>
  T run(boost::asio::awaitable<T> op) {
    std::optional<T> out;
    boost::asio::co_spawn(io_, keep(std::move(op), &out), boost::asio::detached);
    // run_one, not run(): the client's watchdog keeps the io_context busy while connected.
    io_.restart();
    while (!out) io_.run_one();
    return std::move(*out);
  }

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  std::optional<client::MllpClient> client_;
};

}  // namespace irwell::testing
