// The admin API over HTTPS (issue #9): certificates made at test time; a client that trusts the
// CA is served, a plain HTTP client and a client with the wrong CA are refused, and with
// client_cert: required a client without a certificate is refused. The HTTPS client is
// Python's ssl + http.client (a third-party TLS stack, not ours).
#include <catch2/catch.hpp>
#include <cstdio>
#include <fmt/format.h>

#include "../channels/test_certs.h"
#include "../support/test_support.h"
#include "engine/app/engine.h"

using namespace irwell;
using irwell::testing::TempDir;

namespace {

// Runs python3 to GET https://127.0.0.1:PORT/healthz; returns its output: the status code, or
// "ERR <reason>".
std::string https_get(uint16_t port, const std::string& ca, const std::string& cert = "",
                      const std::string& key = "", bool plain = false) {
  const std::string script = fmt::format(
      "import http.client, ssl, sys\n"
      "try:\n"
      "    if {plain}:\n"
      "        c = http.client.HTTPConnection('127.0.0.1', {port}, timeout=10)\n"
      "    else:\n"
      "        ctx = ssl.create_default_context(cafile='{ca}')\n"
      "        if '{cert}': ctx.load_cert_chain('{cert}', '{key}')\n"
      "        c = http.client.HTTPSConnection('127.0.0.1', {port}, context=ctx, timeout=10)\n"
      "    c.request('GET', '/healthz')\n"
      "    print(c.getresponse().status)\n"
      "except Exception as e:\n"
      "    print('ERR', type(e).__name__)\n",
      fmt::arg("plain", plain ? "True" : "False"), fmt::arg("port", port), fmt::arg("ca", ca),
      fmt::arg("cert", cert), fmt::arg("key", key));
  const std::string cmd = "python3 -c \"$IRWELL_PY\"";
  setenv("IRWELL_PY", script.c_str(), 1);
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

struct TlsAdmin {
  TempDir dir;
  testing::TestCa ca{"Irwell Test Admin CA"};
  testing::TestCa other{"Some Other CA"};
  std::unique_ptr<app::Engine> engine;
  std::string ca_pem, other_pem;
  testing::CertFiles client;

  explicit TlsAdmin(config::TlsConfig::ClientCert mode) {
    ca_pem = ca.write_ca(dir.path(), "ca").string();
    other_pem = other.write_ca(dir.path(), "other").string();
    const testing::CertFiles server = ca.issue({"localhost", {"localhost"}}, dir.path(), "server");
    client = ca.issue({"ops-console", {}}, dir.path(), "client");
    config::Config c;
    c.storage.data_dir = dir.path() / "data";
    c.admin.enabled = true;
    c.admin.port = 0;
    c.admin.tokens.push_back({"ops", "operator", "secret-token", ""});
    c.admin.tls.enabled = true;
    c.admin.tls.cert = server.cert;
    c.admin.tls.key = server.key;
    c.admin.tls.ca = ca_pem;
    c.admin.tls.client_cert = mode;
    auto started = app::Engine::start(c);
    if (!started) FAIL(started.error().message);
    engine = std::move(started).value();
  }
  uint16_t port() const { return engine->admin_port().value(); }
};

}  // namespace

TEST_CASE("admin over HTTPS: trusted clients served, plain and wrong-CA clients refused",
          "[admin][tls]") {
  TlsAdmin a(config::TlsConfig::ClientCert::off);
  CHECK(https_get(a.port(), a.ca_pem) == "200");
  CHECK(https_get(a.port(), a.other_pem).starts_with("ERR"));  // server not trusted
  CHECK(https_get(a.port(), a.ca_pem, "", "", /*plain=*/true).starts_with("ERR"));
  // The server is still serving after the refused handshakes.
  CHECK(https_get(a.port(), a.ca_pem) == "200");
}

TEST_CASE("admin over HTTPS with client_cert: required refuses a client without one",
          "[admin][tls]") {
  TlsAdmin a(config::TlsConfig::ClientCert::required);
  CHECK(https_get(a.port(), a.ca_pem).starts_with("ERR"));
  CHECK(https_get(a.port(), a.ca_pem, a.client.cert.string(), a.client.key.string()) == "200");
}

TEST_CASE("admin over HTTPS: a certificate reload takes effect for new connections",
          "[admin][tls]") {
  TlsAdmin a(config::TlsConfig::ClientCert::off);
  CHECK(https_get(a.port(), a.ca_pem) == "200");
  // A certificate from another CA, as if renewed on disk, then the reload SIGHUP triggers.
  const testing::CertFiles renewed =
      a.other.issue({"localhost", {"localhost"}}, a.dir.path(), "renewed");
  config::Config next;
  next.admin.enabled = true;
  next.admin.tls.enabled = true;
  next.admin.tls.cert = renewed.cert;
  next.admin.tls.key = renewed.key;
  a.engine->reload_tls(next);
  CHECK(https_get(a.port(), a.other_pem) == "200");
  CHECK(https_get(a.port(), a.ca_pem).starts_with("ERR"));
}
