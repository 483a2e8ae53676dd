// The admin API over HTTPS (issue #9): certificates made at test time; a client that trusts the
// CA is served, a plain HTTP client and a client with the wrong CA are refused, and with
// client_cert: required a client without a certificate is refused. The HTTPS client is
// Python's ssl + http.client (a third-party TLS stack, not ours).
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "../channels/test_certs.h"
#include "../support/test_support.h"
#include "channels/client/tls_client_context.h"
#include "engine/admin/admin_client.h"
#include "engine/app/engine.h"
#include "tests/admin/irwellctl_runner.h"

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

TEST_CASE("admin over HTTPS: irwell's own client verifies the server", "[admin][tls]") {
  TlsAdmin a(config::TlsConfig::ClientCert::off);
  auto url = admin::parse_admin_url(fmt::format("https://127.0.0.1:{}/", a.port()));
  REQUIRE(url.ok());
  CHECK(url->tls);
  auto context_for = [](const std::string& ca) {
    auto made = client::make_tls_client_context({true, ca, "", ""});
    REQUIRE(made.ok());
    return std::move(*made);
  };
  auto trusted = context_for(a.ca_pem);
  auto reply =
      admin::admin_request(*url, "GET", "/healthz", "", std::chrono::seconds(10), trusted.get());
  REQUIRE(reply.ok());
  CHECK(reply->status == 200);
  auto stranger = context_for(a.other_pem);
  auto refused =
      admin::admin_request(*url, "GET", "/healthz", "", std::chrono::seconds(10), stranger.get());
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("TLS handshake"));
  // An https URL without a context is refused before connecting.
  CHECK_FALSE(admin::admin_request(*url, "GET", "/healthz", "").ok());
}

TEST_CASE("irwellctl over HTTPS: --ca, and --cert/--key for client_cert: required",
          "[admin][tls][irwellctl]") {
  TlsAdmin a(config::TlsConfig::ClientCert::required);
  const std::string url = fmt::format("https://127.0.0.1:{}", a.port());
  const std::vector<std::string> status = {"--url", url, "--token", "secret-token", "status"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), status.begin(), status.end());
    return testing::irwellctl(extra);
  };
  auto ok =
      with({"--ca", a.ca_pem, "--cert", a.client.cert.string(), "--key", a.client.key.string()});
  INFO(ok.err);
  CHECK(ok.rc == 0);
  CHECK(ok.out.find("SOURCE") != std::string::npos);
  auto no_cert = with({"--ca", a.ca_pem});
  CHECK(no_cert.rc == 3);  // the engine cannot be reached: the handshake is refused
  auto wrong_ca =
      with({"--ca", a.other_pem, "--cert", a.client.cert.string(), "--key", a.client.key.string()});
  CHECK(wrong_ca.rc == 3);
  CHECK(wrong_ca.err.find("TLS handshake") != std::string::npos);
  // The same settings from the environment.
  auto from_env = testing::irwellctl(
      status, "IRWELL_ADMIN_CA=" + testing::quote(a.ca_pem) +
                  " IRWELL_ADMIN_CERT=" + testing::quote(a.client.cert.string()) +
                  " IRWELL_ADMIN_KEY=" + testing::quote(a.client.key.string()));
  INFO(from_env.err);
  CHECK(from_env.rc == 0);
}
