// Delivery to an MLLP subscriber over TLS (issue #9: "the sender verifies the subscriber's
// name"): certificates made at test time, a real engine, a TLS test subscriber. A subscriber
// whose certificate the destination cannot verify (wrong CA, wrong name) gets nothing and the
// delivery is retried with the certificate problem in its attempt error; mutual TLS works with
// the destination's cert and key and fails without them.
#include <catch2/catch.hpp>

#include "delivery_harness.h"
#include "tests/channels/test_certs.h"
#include "tls_test_subscriber.h"

using namespace irwell;
using namespace irwell::testing;

namespace {

struct Pki {
  TempDir dir;
  TestCa ca{"irwell delivery test CA"};
  TestCa stranger{"a CA nobody configured"};
  std::filesystem::path ca_file = ca.write_ca(dir.path(), "ca");
  std::filesystem::path stranger_file = stranger.write_ca(dir.path(), "stranger");
  // Carries IP 127.0.0.1 too (test_certs.h), so host 127.0.0.1 matches.
  CertFiles subscriber = ca.issue({"subscriber.test", {"subscriber.test"}}, dir.path(), "sub");
  CertFiles engine = ca.issue({"irwell.engine.test", {}}, dir.path(), "engine");
};

// The `mllp` destination on 127.0.0.1 (or `host`) with a `tls:` map of `tls_lines`.
std::string tls_destination(uint16_t port, const std::string& tls_lines,
                            const std::string& host = "127.0.0.1") {
  return fmt::format(
      "  sub:\n    type: mllp\n    host: {}\n    port: {}\n    retry_initial: 50ms\n"
      "    retry_max: 200ms\n    tls:\n{}",
      host, port, tls_lines);
}

std::string tls_line(const std::string& key, const std::filesystem::path& value) {
  return fmt::format("      {}: {}\n", key, value.string());
}

// Waits until the delivery of `id` failed at least twice (so it is being retried) and
// returns it.
store::StoredDelivery retried(DeliveryEngine& e, const std::string& id) {
  REQUIRE(e.eventually([&] {
    auto d = e.deliveries_of(id);
    return !d.empty() && d[0].attempts >= 2;
  }));
  auto d = e.deliveries_of(id);
  REQUIRE(d.size() == 1);
  return d[0];
}

}  // namespace

TEST_CASE("tls: a subscriber with a certificate from the configured CA gets the message",
          "[delivery][tls]") {
  Pki pki;
  TlsTestSubscriber sub(pki.subscriber.cert, pki.subscriber.key);
  DeliveryEngine e(tls_destination(sub.port(), tls_line("ca", pki.ca_file)), kRouteAllToSub);
  e.send({adt("TLS1"), adt("TLS2")});
  REQUIRE(sub.wait_received(2));
  CHECK(sub.received() == std::vector<std::string>{"TLS1", "TLS2"});
  REQUIRE(e.eventually([&] { return e.state_of("TLS2") == "sent"; }));
  CHECK(e.deliveries_of("TLS1")[0].attempts == 1);
  CHECK(sub.last_sni().empty());  // an IP literal is never sent as SNI (RFC 6066)
}

TEST_CASE("tls: server_name is verified instead of host and sent as SNI", "[delivery][tls]") {
  Pki pki;
  TlsTestSubscriber sub(pki.subscriber.cert, pki.subscriber.key);
  // "localhost" is not in the subscriber's certificate; server_name is.
  DeliveryEngine e(
      tls_destination(sub.port(),
                      tls_line("ca", pki.ca_file) + "      server_name: subscriber.test\n",
                      "localhost"),
      kRouteAllToSub);
  e.send({adt("SNI1")});
  REQUIRE(sub.wait_received(1));
  REQUIRE(e.eventually([&] { return e.state_of("SNI1") == "sent"; }));
  CHECK(sub.last_sni() == "subscriber.test");
}

TEST_CASE("tls: a certificate from another CA is refused and the delivery retried",
          "[delivery][tls]") {
  Pki pki;
  TlsTestSubscriber sub(pki.subscriber.cert, pki.subscriber.key);
  DeliveryEngine e(tls_destination(sub.port(), tls_line("ca", pki.stranger_file)), kRouteAllToSub);
  e.send({adt("BADCA1")});
  const auto d = retried(e, "BADCA1");
  CHECK(d.state != "sent");
  CHECK(d.state != "dead");
  CHECK(sub.received().empty());
  REQUIRE(!d.attempt_log.empty());
  CHECK(d.attempt_log.front().outcome == "error");
  CHECK_THAT(d.attempt_log.front().error, Catch::Contains("certificate"));
  CHECK_THAT(d.attempt_log.front().error, Catch::Contains("TLS handshake"));
}

TEST_CASE("tls: a certificate for another name than host or server_name is refused",
          "[delivery][tls]") {
  Pki pki;
  TlsTestSubscriber sub(pki.subscriber.cert, pki.subscriber.key);
  SECTION("host") {
    DeliveryEngine e(tls_destination(sub.port(), tls_line("ca", pki.ca_file), "localhost"),
                     kRouteAllToSub);
    e.send({adt("NAME1")});
    const auto d = retried(e, "NAME1");
    CHECK(d.state != "sent");
    CHECK_THAT(d.attempt_log.front().error, Catch::Contains("TLS handshake"));
    CHECK_THAT(d.attempt_log.front().error, Catch::Contains("not issued for localhost"));
  }
  SECTION("server_name") {
    DeliveryEngine e(tls_destination(sub.port(), tls_line("ca", pki.ca_file) +
                                                     "      server_name: other.test\n"),
                     kRouteAllToSub);
    e.send({adt("NAME2")});
    const auto d = retried(e, "NAME2");
    CHECK(d.state != "sent");
    CHECK_THAT(d.attempt_log.front().error, Catch::Contains("TLS handshake"));
    CHECK_THAT(d.attempt_log.front().error, Catch::Contains("not issued for other.test"));
  }
  CHECK(sub.received().empty());
}

TEST_CASE("tls: mutual TLS delivers with the destination's cert and key, not without",
          "[delivery][tls]") {
  Pki pki;
  TlsTestSubscriber sub(pki.subscriber.cert, pki.subscriber.key, pki.ca_file);
  SECTION("with a client certificate") {
    DeliveryEngine e(tls_destination(sub.port(), tls_line("ca", pki.ca_file) +
                                                     tls_line("cert", pki.engine.cert) +
                                                     tls_line("key", pki.engine.key)),
                     kRouteAllToSub);
    e.send({adt("MTLS1")});
    REQUIRE(sub.wait_received(1));
    REQUIRE(e.eventually([&] { return e.state_of("MTLS1") == "sent"; }));
    CHECK(sub.handshake_failures() == 0);
  }
  SECTION("without one") {
    DeliveryEngine e(tls_destination(sub.port(), tls_line("ca", pki.ca_file)), kRouteAllToSub);
    e.send({adt("MTLS2")});
    // TLS 1.3: the client may finish its side of the handshake before the subscriber refuses
    // it, so the failure can show as a closed connection rather than a handshake error.
    const auto d = retried(e, "MTLS2");
    CHECK(d.state != "sent");
    CHECK(sub.wait_failures(2));
    CHECK(sub.received().empty());
  }
}

TEST_CASE("tls: verify: false on an mllp destination is refused by the loader", "[delivery][tls]") {
  Pki pki;
  const std::string yaml = fmt::format(
      "sources:\n  feed:\n    type: mllp\n    port: 0\ndestinations:\n{}routes:\n{}",
      tls_destination(2575, tls_line("ca", pki.ca_file) + "      verify: false\n"), kRouteAllToSub);
  write_file(pki.dir.path() / "routes.yaml", yaml);
  auto loaded = config::load_config(pki.dir.path() / "routes.yaml", app::builtin_registry());
  REQUIRE_FALSE(loaded);
  std::string text;
  for (const auto& d : loaded.error()) text += d.to_string() + "\n";
  CHECK_THAT(text, Catch::Contains("verify: false is not supported"));

  write_file(
      pki.dir.path() / "routes.yaml",
      fmt::format("sources:\n  feed:\n    type: mllp\n    port: 0\ndestinations:\n{}"
                  "routes:\n{}",
                  tls_destination(2575, tls_line("ca", pki.ca_file) + "      verify: true\n"),
                  kRouteAllToSub));
  CHECK(config::load_config(pki.dir.path() / "routes.yaml", app::builtin_registry()));
}

TEST_CASE("tls: a certificate reload (SIGHUP) is used by the next connection",
          "[delivery][tls]") {
  Pki pki;
  // The subscriber's certificate comes from a CA the destination does not trust yet.
  const CertFiles renewed = pki.stranger.issue({"subscriber.test", {}}, pki.dir.path(), "renewed");
  TlsTestSubscriber sub(renewed.cert, renewed.key);
  const std::filesystem::path trust = pki.dir.path() / "trust.pem";
  std::filesystem::copy_file(pki.ca_file, trust);
  DeliveryEngine e(tls_destination(sub.port(), tls_line("ca", trust)), kRouteAllToSub);
  e.send({adt("RELOAD1")});
  const store::StoredDelivery failing = retried(e, "RELOAD1");
  CHECK(failing.state == "retry_wait");
  // The operator puts the new CA bundle in place and sends SIGHUP (routes.yaml unchanged).
  std::filesystem::copy_file(pki.stranger_file, trust,
                             std::filesystem::copy_options::overwrite_existing);
  auto config = config::load_config(e.dir.path() / "routes.yaml", app::builtin_registry());
  REQUIRE(config);
  e.engine->reload_tls(config.value());
  REQUIRE(e.eventually([&] { return e.state_of("RELOAD1") == "sent"; }));
  CHECK(sub.received() == std::vector<std::string>{"RELOAD1"});
}
