#pragma once
// TestMllpServer: a tiny MLLP server for the client tools' tests, on 127.0.0.1 port 0, plain or
// TLS, on its own thread.
//
// Contract: each frame received is recorded (payloads(), in arrival order) and passed to the
// Responder, which returns the reply payload, or nullopt to send nothing (the client then
// times out), or kClose to close the connection without replying. Ready when the constructor
// returns; the destructor stops the thread. Thread-safe accessors. Test code only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace irwell::testing {

struct TestTls {
  std::string cert, key;  // server certificate chain and key (PEM files)
  std::string client_ca;  // when set, clients must present a certificate signed by it
};

class TestMllpServer {
 public:
  using Responder = std::function<std::optional<std::string>(const std::string& payload)>;
  static const std::string kClose;

  explicit TestMllpServer(Responder responder, std::optional<TestTls> tls = std::nullopt);
  ~TestMllpServer();
  TestMllpServer(const TestMllpServer&) = delete;
  TestMllpServer& operator=(const TestMllpServer&) = delete;

  std::uint16_t port() const;
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port()); }
  std::vector<std::string> payloads() const;
  int connections() const;  // accepted so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A minimal ACK: MSH with ACK^A01, then `MSA|<code>|<control_id>` and MSA-3 `text` when given.
std::string make_ack(const std::string& code, const std::string& control_id,
                     const std::string& text = "");

// Certificates made with the openssl CLI in `dir`: a CA, a server certificate for localhost
// and 127.0.0.1, a client certificate, and an unrelated second CA ("wrong" CA).
struct TestCerts {
  std::string ca, server_cert, server_key, client_cert, client_key, other_ca;
};
TestCerts make_test_certs(const std::string& dir);

}  // namespace irwell::testing
