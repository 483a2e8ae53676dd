// The http destination over HTTPS (issues #6 and #9): the subscriber is Python's http.server
// behind its ssl module (a TLS stack that is not ours), run as a child process with a
// certificate made at test time. A subscriber the destination trusts gets the message; one
// signed by another CA gets nothing and the delivery is retried with the handshake failure in
// its attempt; a certificate reload (SIGHUP with routes.yaml unchanged) is used by the next
// connection.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>

#include "delivery_harness.h"
#include "engine/app/builtin_registry.h"
#include "tests/channels/test_certs.h"

using namespace irwell;
using namespace irwell::testing;
namespace fs = std::filesystem;

namespace {

constexpr const char* kServer = R"(import http.server, ssl, sys
cert, key, log = sys.argv[1], sys.argv[2], sys.argv[3]
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(log, 'ab') as f:
            f.write(body.split(b'\r')[0] + b'\n')
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
)";

// python3 serving HTTPS on 127.0.0.1 (port 0) until destroyed; every POST body's first
// segment is appended to `log`, one line each.
class PythonHttpsSubscriber {
 public:
  PythonHttpsSubscriber(const fs::path& cert, const fs::path& key, fs::path log)
      : log_(std::move(log)) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::execlp("python3", "python3", "-c", kServer, cert.c_str(), key.c_str(), log_.c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    REQUIRE(f);
    char line[32] = {};
    const bool got = std::fgets(line, sizeof line, f) != nullptr;  // blocks until it listens
    std::fclose(f);
    REQUIRE(got);
    port_ = static_cast<uint16_t>(std::stoi(line));
  }
  ~PythonHttpsSubscriber() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  uint16_t port() const { return port_; }
  // The MSH lines received, in order.
  std::vector<std::string> received() const {
    std::vector<std::string> lines;
    std::string text = fs::exists(log_) ? read_file(log_) : "";
    for (size_t at = 0; at < text.size();) {
      const size_t end = text.find('\n', at);
      lines.push_back(text.substr(at, end - at));
      at = end == std::string::npos ? text.size() : end + 1;
    }
    return lines;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

struct Pki {
  TempDir dir;
  TestCa ca{"irwell https test CA"};
  TestCa stranger{"a CA nobody configured"};
  fs::path ca_file = ca.write_ca(dir.path(), "ca");
  fs::path stranger_file = stranger.write_ca(dir.path(), "stranger");
  // Carries IP 127.0.0.1 too (test_certs.h), so https://127.0.0.1 matches.
  CertFiles good = ca.issue({"records.test", {"records.test"}}, dir.path(), "good");
  CertFiles strange = stranger.issue({"records.test", {"records.test"}}, dir.path(), "strange");
};

std::string https_destination(uint16_t port, const fs::path& ca) {
  return fmt::format(
      "  sub:\n    type: http\n    url: https://127.0.0.1:{}/hl7\n    retry_initial: 50ms\n"
      "    retry_max: 200ms\n    tls:\n      ca: {}\n",
      port, ca.string());
}

bool starts_msh_with(const std::string& line, const std::string& id) {
  return line.starts_with("MSH|") && line.find("|" + id + "|") != std::string::npos;
}

}  // namespace

TEST_CASE("https destination: a trusted subscriber gets the message", "[delivery][tls]") {
  Pki pki;
  PythonHttpsSubscriber sub(pki.good.cert, pki.good.key, pki.dir.path() / "received.log");
  DeliveryEngine e(https_destination(sub.port(), pki.ca_file), kRouteAllToSub);
  e.send({adt("HTTPS1")});
  REQUIRE(e.eventually([&] { return e.state_of("HTTPS1") == "sent"; }));
  const auto got = sub.received();
  REQUIRE(got.size() == 1);
  CHECK(starts_msh_with(got[0], "HTTPS1"));
}

TEST_CASE("https destination: a subscriber from another CA is refused, then a reload trusts it",
          "[delivery][tls]") {
  Pki pki;
  PythonHttpsSubscriber sub(pki.strange.cert, pki.strange.key, pki.dir.path() / "received.log");
  const fs::path trust = pki.dir.path() / "trust.pem";
  fs::copy_file(pki.ca_file, trust);
  DeliveryEngine e(https_destination(sub.port(), trust), kRouteAllToSub);
  e.send({adt("HTTPS2")});
  REQUIRE(e.eventually([&] {
    auto d = e.deliveries_of("HTTPS2");
    return !d.empty() && d[0].attempts >= 2;
  }));
  auto d = e.deliveries_of("HTTPS2");
  CHECK(d[0].state == "retry_wait");
  CHECK_THAT(d[0].last_error, Catch::Contains("TLS handshake"));
  CHECK(sub.received().empty());

  // The operator installs the subscriber's CA and sends SIGHUP (routes.yaml unchanged).
  fs::copy_file(pki.stranger_file, trust, fs::copy_options::overwrite_existing);
  auto config = config::load_config(e.dir.path() / "routes.yaml", app::builtin_registry());
  REQUIRE(config);
  e.engine->reload_tls(config.value());
  REQUIRE(e.eventually([&] { return e.state_of("HTTPS2") == "sent"; }));
  const auto got = sub.received();
  REQUIRE(got.size() == 1);
  CHECK(starts_msh_with(got[0], "HTTPS2"));
}
