// The file and http destinations over the real engine: files appear whole with templated
// names; HTTP 2xx delivers, 5xx is retried, 4xx dead-lettered; bodies in ER7, XML or JSON.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "channels/delivery/file_sender.h"
#include "channels/delivery/http_sender.h"
#include "delivery_harness.h"

using namespace irwell;
using namespace irwell::testing;
namespace fs = std::filesystem;

namespace {

// A minimal HTTP/1.1 server: answers every request with `status`, records the requests.
class TestHttpServer {
 public:
  TestHttpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TestHttpServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::atomic<int> status{200};
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void run() {
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string buf;
      char chunk[65536];
      for (;;) {
        const size_t head_end = buf.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          size_t length = 0;
          const size_t cl = buf.find("Content-Length: ");
          if (cl != std::string::npos && cl < head_end) length = std::stoul(buf.substr(cl + 16));
          if (buf.size() >= head_end + 4 + length) {
            {
              std::lock_guard lock(mu_);
              requests_.push_back(buf.substr(0, head_end + 4 + length));
            }
            buf.erase(0, head_end + 4 + length);
            const int s = status;
            const std::string reply = fmt::format(
                "HTTP/1.1 {} X\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", s);
            ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
            continue;
          }
        }
        const ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
      }
      ::close(c);
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

}  // namespace

TEST_CASE("file destination: one whole file per message, named from its fields", "[delivery]") {
  TempDir out;
  DeliveryEngine e(fmt::format("  sub:\n    type: file\n    dir: {}\n"
                               "    filename: \"{{type}}_{{event}}_{{control_id}}.hl7\"\n"
                               "    line_ending: lf\n",
                               out.path().string()),
                   kRouteAllToSub);
  e.send({adt("F1"), adt("F/2")});
  REQUIRE(e.eventually([&] { return e.state_of("F/2") == "sent"; }));
  const std::string first = read_file(out.path() / "ADT_A01_F1.hl7");
  CHECK(first.starts_with("MSH|^~\\&|PAS|RIVERMEAD"));
  CHECK(first.find('\r') == std::string::npos);
  CHECK(first.find("\nPID|") != std::string::npos);
  // A control ID cannot name a path outside the directory.
  CHECK(fs::exists(out.path() / "ADT_A01_F_2.hl7"));
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(out.path())) {
    CHECK(entry.path().filename().string().front() != '.');  // no temporary file left
    ++files;
  }
  CHECK(files == 2);
  CHECK(e.deliveries_of("F1")[0].attempt_log[0].reply == "ADT_A01_F1.hl7");
}

TEST_CASE("file destination: a missing directory is retried until it exists", "[delivery]") {
  TempDir out;
  const fs::path dir = out.path() / "later";
  DeliveryEngine e(fmt::format("  sub:\n    type: file\n    dir: {}\n    retry_initial: 20ms\n"
                               "    retry_max: 50ms\n",
                               dir.string()),
                   kRouteAllToSub);
  e.send({adt("FL1")});
  REQUIRE(e.eventually([&] { return e.deliveries_of("FL1")[0].attempts >= 2; }));
  CHECK(e.state_of("FL1") == "retry_wait");
  fs::create_directories(dir);
  REQUIRE(e.eventually([&] { return e.state_of("FL1") == "sent"; }));
  CHECK(fs::exists(dir / "FL1.hl7"));
}

TEST_CASE("file_name_for replaces fields and keeps names inside the directory", "[delivery]") {
  store::PendingDelivery d;
  d.id = 7;
  d.message_id = 42;
  d.control_id = "../../etc/x";
  d.message_type = "ORU";
  d.trigger_event = "R01";
  CHECK(delivery::file_name_for("{id}-{delivery}-{type}^{event}.hl7", d) == "42-7-ORU^R01.hl7");
  CHECK(delivery::file_name_for("{control_id}", d) == ".._.._etc_x");
  CHECK(delivery::file_name_for("a/{unknown}", d) == "a_{unknown}");
}

TEST_CASE("http destination: 2xx delivered, 5xx retried, 4xx dead-lettered", "[delivery]") {
  TestHttpServer server;
  DeliveryEngine e(fmt::format("  sub:\n    type: http\n    url: http://127.0.0.1:{}/hl7/in\n"
                               "    bearer_token: s3cret\n    headers:\n      X-Feed: test\n"
                               "    retry_initial: 20ms\n    retry_max: 50ms\n",
                               server.port()),
                   kRouteAllToSub);
  e.send({adt("H1")});
  REQUIRE(e.eventually([&] { return e.state_of("H1") == "sent"; }));
  auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].starts_with("POST /hl7/in HTTP/1.1\r\n"));
  CHECK(requests[0].find("Authorization: Bearer s3cret\r\n") != std::string::npos);
  CHECK(requests[0].find("X-Feed: test\r\n") != std::string::npos);
  CHECK(requests[0].find("\r\n\r\nMSH|^~\\&|PAS|RIVERMEAD") != std::string::npos);
  CHECK(e.deliveries_of("H1")[0].attempt_log[0].reply.starts_with("HTTP/1.1 200"));

  server.status = 503;
  e.send({adt("H2")});
  REQUIRE(e.eventually([&] { return e.deliveries_of("H2")[0].attempts >= 2; }));
  server.status = 201;
  REQUIRE(e.eventually([&] { return e.state_of("H2") == "sent"; }));

  server.status = 400;
  e.send({adt("H3")});
  REQUIRE(e.eventually([&] { return e.state_of("H3") == "dead"; }));
  CHECK(e.deliveries_of("H3")[0].attempts == 1);
  CHECK(e.deliveries_of("H3")[0].last_error.starts_with("HTTP/1.1 400"));
}

TEST_CASE("http bodies: er7, xml and json", "[delivery]") {
  const std::string m = adt("B1");
  CHECK(delivery::http_body(m, "er7").value() == m);
  const std::string xml = delivery::http_body(m, "xml").value();
  CHECK(xml.find("<ADT_A01") != std::string::npos);
  CHECK(xml.find("<MSH.10>B1</MSH.10>") != std::string::npos);
  const std::string json = delivery::http_body(m, "json").value();
  CHECK(json.find("\"segments\"") != std::string::npos);
  CHECK_FALSE(delivery::http_body("not hl7", "json"));
}

TEST_CASE("parse_http_url", "[delivery]") {
  auto u = delivery::parse_http_url("https://records.example.nhs.uk:8443/api/v2?x=1").value();
  CHECK(u.tls);
  CHECK(u.host == "records.example.nhs.uk");
  CHECK(u.port == 8443);
  CHECK(u.target == "/api/v2?x=1");
  auto plain = delivery::parse_http_url("http://[::1]").value();
  CHECK(plain.host == "::1");
  CHECK(plain.port == 80);
  CHECK(plain.target == "/");
  CHECK_FALSE(delivery::parse_http_url("ftp://x"));
  CHECK_FALSE(delivery::parse_http_url("http://x:99999/"));
}
