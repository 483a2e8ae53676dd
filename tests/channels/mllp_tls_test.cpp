// TLS and mutual TLS on the MLLP listener, end to end with certificates made at test time: a real
// Engine (or a bare MllpListener for the reload test) on 127.0.0.1:0, driven by the tools' TLS
// client. Refusals are checked from both sides: the client gets no ACK and nothing is stored, and
// the engine logs tls_handshake_failed with the reason.
#include <openssl/ssl.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "channels/mllp/mllp_listener.h"
#include "engine/app/builtin_registry.h"
#include "engine/config/load_config.h"
#include "engine/hl7/ack.h"
#include "engine/store/sqlite_store.h"
#include "tests/channels/mllp_test_client.h"
#include "tests/channels/test_certs.h"
#include "tests/channels/tls_test_client.h"
#include "tests/pipeline/ingest_fixtures.h"

using namespace irwell;
using irwell::testing::ack_field;
using irwell::testing::CertFiles;
using irwell::testing::LeafSpec;
using irwell::testing::LogWatcher;
using irwell::testing::MllpTestClient;
using irwell::testing::RunningEngine;
using irwell::testing::TestCa;
using irwell::testing::TestMessage;
using irwell::testing::TlsTestClient;
using ClientCert = config::TlsConfig::ClientCert;

namespace {

// A trust's PKI for one test: our CA (server and good clients), a CA nobody configured, and
// certificates for the cases under test.
struct Pki {
  testing::TempDir dir;
  TestCa ca{"irwell test CA"};
  TestCa stranger{"some other CA"};
  std::filesystem::path ca_file = ca.write_ca(dir.path(), "ca");
  CertFiles server = ca.issue({"irwell.test", {"localhost"}}, dir.path(), "server");
  CertFiles lims = ca.issue({"LIMS Trust A", {"lims.trust-a.example"}}, dir.path(), "lims");
  CertFiles pas = ca.issue({"pas.trust-b.example", {}}, dir.path(), "pas");
  CertFiles foreign = stranger.issue({"lims.trust-a.example", {}}, dir.path(), "foreign");
  CertFiles expired =
      ca.issue({"lims.trust-a.example", {}, std::chrono::hours(-48), std::chrono::hours(-1)},
               dir.path(), "expired");

  config::TlsConfig listener(ClientCert mode = ClientCert::required) const {
    config::TlsConfig t;
    t.enabled = true;
    t.cert = server.cert;
    t.key = server.key;
    t.ca = ca_file;
    t.client_cert = mode;
    t.verify_client = mode == ClientCert::required;
    return t;
  }
  client::TlsClientOptions client(const CertFiles* cert = nullptr) const {
    client::TlsClientOptions o;
    o.ca = ca_file.string();
    if (cert) {
      o.cert = cert->cert.string();
      o.key = cert->key.string();
    }
    return o;
  }
};

RunningEngine tls_engine(const config::TlsConfig& tls) {
  return RunningEngine(
      [&](config::Config& c, app::EngineOptions&) { c.sources[0].mllp.tls = tls; });
}

TestMessage numbered(int i) {
  TestMessage m;
  m.control_id = "TLS" + std::to_string(1000 + i);
  return m;
}

// Served: the message got its AA. Refused: connecting or the exchange failed (under TLS 1.3 a
// client learns that its certificate was refused only when it next reads).
bool served(TlsTestClient& c, uint16_t port, int i) {
  auto ack = c.send(port, numbered(i).text());
  if (!ack) return false;
  return ack_field(*ack, "MSA-1") == "AA" && ack_field(*ack, "MSA-2") == numbered(i).control_id;
}

}  // namespace

TEST_CASE("tls: a good client under mutual TLS is served with AA, the message stored") {
  LogWatcher logs;
  Pki pki;
  config::TlsConfig tls = pki.listener();
  tls.allowed_subjects = {"lims.trust-a.example", "pas.trust-b.example"};
  RunningEngine e = tls_engine(tls);
  TlsTestClient lims(pki.client(&pki.lims));  // allowed by its SAN DNS name
  CHECK(served(lims, e.port, 1));
  CHECK(served(lims, e.port, 2));           // same connection
  TlsTestClient pas(pki.client(&pki.pas));  // allowed by its CN
  CHECK(served(pas, e.port, 3));
  CHECK(e.counters().accepted == 3);
  CHECK(e.counters().tls_handshakes_failed == 0);
  CHECK(logs.count("tls_established", "client_subject=\"LIMS Trust A\"") == 1);
  CHECK(logs.count("tls_established", "client_subject=pas.trust-b.example") == 1);
}

TEST_CASE("tls: a plain MLLP client on a TLS port is refused and logged (V15 reversed)") {
  LogWatcher logs;
  Pki pki;
  RunningEngine e = tls_engine(pki.listener(ClientCert::off));
  MllpTestClient plain(e.port);
  REQUIRE(plain.connected());
  REQUIRE(plain.send_frame(numbered(1).text()));
  CHECK(plain.closed_by_peer());  // no ACK: the connection is closed
  CHECK(logs.wait_for("tls_handshake_failed", 1, "plain MLLP (not TLS) on a TLS port"));
  CHECK(e.counters().tls_handshakes_failed == 1);
  CHECK(e.counters().accepted == 0);
  // The port still serves TLS clients (no client certificate asked for here).
  TlsTestClient good(pki.client());
  CHECK(served(good, e.port, 2));
}

TEST_CASE("tls: under mutual TLS a client without a valid certificate is refused") {
  LogWatcher logs;
  Pki pki;
  RunningEngine e = tls_engine(pki.listener(ClientCert::required));
  struct Case {
    const char* what;
    const CertFiles* cert;
    const char* reason;  // in the engine's tls_handshake_failed line
  };
  const Case cases[] = {
      {"no certificate", nullptr, "peer did not return a certificate"},
      {"another CA", &pki.foreign, "client certificate: unable to get local issuer certificate"},
      {"expired", &pki.expired, "client certificate: certificate has expired"},
  };
  uint64_t refused = 0;
  for (const Case& c : cases) {
    SECTION(c.what) {
      TlsTestClient client(pki.client(c.cert));
      CHECK_FALSE(served(client, e.port, 1));
      CHECK(logs.wait_for("tls_handshake_failed", 1, c.reason));
      ++refused;
    }
  }
  CHECK(e.counters().accepted == 0);
  CHECK(e.counters().tls_handshakes_failed == refused);
}

TEST_CASE("tls: a client that does not trust the server's CA gives up (wrong CA, client side)") {
  LogWatcher logs;
  Pki pki;
  RunningEngine e = tls_engine(pki.listener(ClientCert::off));
  client::TlsClientOptions o;
  o.ca = pki.stranger.write_ca(pki.dir.path(), "stranger").string();
  TlsTestClient wary(o);
  auto c = wary.connect(e.port);
  REQUIRE_FALSE(c);
  CHECK(c.error().message.find("certificate") != std::string::npos);
  CHECK(logs.wait_for("tls_handshake_failed"));  // the server sees the client's alert
  CHECK(e.counters().accepted == 0);
}

TEST_CASE("tls: a client whose subject is not in allowed_subjects is refused") {
  LogWatcher logs;
  Pki pki;
  config::TlsConfig tls = pki.listener();
  tls.allowed_subjects = {"LIMS.TRUST-A.EXAMPLE"};  // compared without regard to case
  RunningEngine e = tls_engine(tls);
  TlsTestClient pas(pki.client(&pki.pas));
  CHECK_FALSE(served(pas, e.port, 1));
  CHECK(logs.wait_for("tls_handshake_failed", 1,
                      "client certificate subject not allowed (pas.trust-b.example)"));
  TlsTestClient lims(pki.client(&pki.lims));
  CHECK(served(lims, e.port, 2));
  CHECK(e.counters().accepted == 1);
}

TEST_CASE("tls: client_cert optional serves a client without one, still refuses a bad one") {
  LogWatcher logs;
  Pki pki;
  RunningEngine e = tls_engine(pki.listener(ClientCert::optional));
  TlsTestClient anonymous(pki.client());
  CHECK(served(anonymous, e.port, 1));
  TlsTestClient foreign(pki.client(&pki.foreign));
  CHECK_FALSE(served(foreign, e.port, 2));
  CHECK(logs.wait_for("tls_handshake_failed", 1, "client certificate:"));
  CHECK(e.counters().accepted == 1);
}

TEST_CASE("tls: min_version 1.3 refuses a TLS 1.2 client; the default floor accepts it") {
  LogWatcher logs;
  Pki pki;
  config::TlsConfig tls = pki.listener(ClientCert::off);
  {
    RunningEngine e = tls_engine(tls);
    TlsTestClient old(pki.client(), TLS1_2_VERSION);
    CHECK(served(old, e.port, 1));
    CHECK(logs.count("tls_established", "version=TLSv1.2") == 1);
  }
  tls.min_version = config::TlsConfig::MinVersion::tls1_3;
  RunningEngine e = tls_engine(tls);
  TlsTestClient old(pki.client(), TLS1_2_VERSION);
  CHECK_FALSE(served(old, e.port, 2));
  CHECK(logs.wait_for("tls_handshake_failed", 1, "unsupported protocol"));
  TlsTestClient current(pki.client());
  CHECK(served(current, e.port, 3));
}

TEST_CASE("tls: a client that never finishes its handshake blocks nobody and is timed out") {
  LogWatcher logs;
  Pki pki;
  config::TlsConfig tls = pki.listener(ClientCert::off);
  tls.handshake_timeout = std::chrono::seconds(1);
  RunningEngine e = tls_engine(tls);
  MllpTestClient silent(e.port);  // connects, sends nothing
  REQUIRE(silent.connected());
  MllpTestClient stalled(e.port);  // starts a TLS record, never completes it
  REQUIRE(stalled.connected());
  REQUIRE(stalled.send_raw(std::string("\x16\x03\x01", 3)));
  TlsTestClient good(pki.client());
  CHECK(served(good, e.port, 1));  // served while both are pending
  CHECK(silent.closed_by_peer());
  CHECK(stalled.closed_by_peer());
  CHECK(logs.wait_for("tls_handshake_failed", 2, "no TLS handshake within the handshake_timeout"));
  CHECK(e.counters().accepted == 1);
}

TEST_CASE("tls: a frame that stalls mid-way is dropped (A8) and the TLS connection carries on") {
  // The frame timeout cancels a pending TLS read; the next read on the same TLS session must
  // still work (nothing read before the cancel is lost, no record is cut).
  LogWatcher logs;
  Pki pki;
  RunningEngine e([&](config::Config& c, app::EngineOptions&) {
    c.sources[0].mllp.tls = pki.listener(ClientCert::off);
    c.sources[0].mllp.frame_timeout = std::chrono::milliseconds(200);
  });
  namespace asio = boost::asio;
  auto ctx = client::make_tls_client_context(pki.client());
  REQUIRE(ctx);
  asio::io_context io;
  asio::ssl::stream<asio::ip::tcp::socket> tls(io, **ctx);
  tls.next_layer().connect({asio::ip::make_address("127.0.0.1"), e.port});
  tls.handshake(asio::ssl::stream_base::client);
  const std::string stalled = "\x0b" + numbered(1).text().substr(0, 40);
  asio::write(tls, asio::buffer(stalled));
  REQUIRE(logs.wait_for("frame_timeout"));
  asio::write(tls, asio::buffer(mllp::encode_frame(numbered(2).text())));
  std::string reply;
  char buf[4096];
  while (reply.find("\x1c\r") == std::string::npos) {
    reply.append(buf, tls.read_some(asio::buffer(buf)));
  }
  const std::string ack = reply.substr(reply.find('\x0b') + 1, reply.find("\x1c\r") - 1);
  CHECK(ack_field(ack, "MSA-1") == "AA");
  CHECK(ack_field(ack, "MSA-2") == numbered(2).control_id);
  CHECK(e.counters().frames_aborted == 1);
  CHECK(e.counters().accepted == 1);
}

TEST_CASE("tls: a source whose certificate cannot be loaded refuses to start (never plain text)") {
  LogWatcher logs;
  Pki pki;
  testing::TempDir dir;
  config::Config c;
  c.storage.data_dir = dir.path();
  c.admin.enabled = false;
  config::SourceConfig s;
  s.name = "secure_in";
  s.type = "mllp";
  s.mllp.port = 0;
  s.mllp.tls = pki.listener();
  s.mllp.tls.key = pki.lims.key;  // not the server certificate's key
  c.sources.push_back(s);
  auto started = app::Engine::start(c);
  REQUIRE_FALSE(started);
  CHECK(started.error().message.find("secure_in") != std::string::npos);
  CHECK(started.error().message.find("cannot load TLS key") != std::string::npos);
  CHECK(started.error().message.find("key values mismatch") != std::string::npos);
}

namespace {

// One TLS MllpListener on its own io_context thread, with a store in a TempDir: the reload test
// needs the listener itself (the Engine does not expose it).
struct ListenerRig {
  testing::TempDir dir;
  config::SourceConfig source;
  testing::FakeRouter router;
  std::unique_ptr<store::MessageStore> store;
  std::unique_ptr<pipeline::Ingest> ingest;
  std::unique_ptr<store::CommitQueue> commits;
  boost::asio::io_context io{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::unique_ptr<channels::MllpListener> listener;
  std::thread thread;

  explicit ListenerRig(const config::TlsConfig& tls) {
    source.name = "lab_in";
    source.type = "mllp";
    source.mllp.port = 0;
    source.mllp.tls = tls;
    store::SqliteOptions o;
    o.path = dir.path() / "irwell.db";
    auto opened = store::open_sqlite_store(o);
    REQUIRE(opened);
    store = std::move(opened).value();
    ingest = std::make_unique<pipeline::Ingest>(source.name, source.mllp, SystemClock::instance(),
                                                router);
    commits = std::make_unique<store::CommitQueue>(*store, SystemClock::instance());
    listener = std::make_unique<channels::MllpListener>(io, source, *ingest, *commits);
    auto bound = listener->bind();
    REQUIRE(bound);
    commits->start();
    listener->start();
    work.emplace(io.get_executor());
    thread = std::thread([this] { io.run(); });
  }
  ~ListenerRig() {
    boost::asio::post(io, [this] { listener->stop(std::chrono::seconds(5)); });
    work.reset();
    thread.join();
    commits->stop();
  }
};

}  // namespace

TEST_CASE("tls: reload_tls keeps established connections and gives new ones the new certificate") {
  LogWatcher logs;
  Pki pki;
  TestCa next_ca("irwell test CA 2026");
  const auto next_ca_file = next_ca.write_ca(pki.dir.path(), "next-ca");
  const CertFiles next_server = next_ca.issue({"irwell.test", {}}, pki.dir.path(), "next-server");

  ListenerRig rig(pki.listener(ClientCert::off));
  const uint16_t port = rig.listener->port();
  TlsTestClient established(pki.client());
  REQUIRE(served(established, port, 1));

  config::TlsConfig next = pki.listener(ClientCert::off);
  next.cert = next_server.cert;
  next.key = next_server.key;
  REQUIRE(rig.listener->reload_tls(next));
  CHECK(logs.count("tls_reloaded") == 1);

  // The connection made before the reload carries on with its session.
  CHECK(served(established, port, 2));
  // New connections get the new certificate: a client trusting only the old CA now fails, one
  // trusting only the new CA is served.
  TlsTestClient old_trust(pki.client());
  CHECK_FALSE(old_trust.connect(port));
  client::TlsClientOptions o;
  o.ca = next_ca_file.string();
  TlsTestClient new_trust(o);
  CHECK(served(new_trust, port, 3));
  CHECK(served(established, port, 4));
  CHECK(rig.listener->counters().accepted == 4);

  // A reload that cannot be used changes nothing.
  config::TlsConfig broken = next;
  broken.key = pki.lims.key;
  auto refused = rig.listener->reload_tls(broken);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("key values mismatch") != std::string::npos);
  TlsTestClient still_new(o);
  CHECK(served(still_new, port, 5));
}

TEST_CASE("tls config: listener keys decode, relative paths resolve, mistakes are located") {
  Pki pki;
  const config::Registry registry = app::builtin_registry();
  const auto env = config::fixed_environment({});
  const std::string good = R"(sources:
  lab_in:
    type: mllp
    port: 0
    tls:
      cert: server.pem
      key: server.key
      ca: ca.pem
      client_cert: required
      allowed_subjects: "lims.trust-a.example, pas.trust-b.example"
      min_version: "1.3"
      handshake_timeout: 5s
)";
  auto loaded = config::load_config_text(good, "routes.yaml", pki.dir.path(), registry, env);
  REQUIRE(loaded);
  const config::TlsConfig& t = loaded->sources.at(0).mllp.tls;
  CHECK(t.enabled);
  CHECK(t.cert == pki.server.cert);
  CHECK(t.client_cert == ClientCert::required);
  CHECK(t.verify_client);
  CHECK(t.allowed_subjects ==
        std::vector<std::string>{"lims.trust-a.example", "pas.trust-b.example"});
  CHECK(t.min_version == config::TlsConfig::MinVersion::tls1_3);
  CHECK(t.handshake_timeout == std::chrono::seconds(5));

  const std::string bad = R"(sources:
  lab_in:
    type: mllp
    port: 0
    tls: { cert: server.pem, key: server.key, client_cert: sometimes, min_version: "1.1", handshake_timeout: soon }
  pas_in:
    type: mllp
    port: 0
    tls: { cert: server.pem, key: server.key, allowed_subjects: a.example }
)";
  auto refused = config::load_config_text(bad, "routes.yaml", pki.dir.path(), registry, env);
  REQUIRE_FALSE(refused);
  std::string all;
  for (const auto& d : refused.error()) all += d.to_string() + "\n";
  CHECK(all.find("routes.yaml:5:10: error: source \"lab_in\": tls: client_cert: expected off, "
                 "optional or required, got \"sometimes\"") != std::string::npos);
  CHECK(all.find("tls: min_version: expected 1.2 or 1.3, got \"1.1\"") != std::string::npos);
  CHECK(all.find("tls: handshake_timeout: expected a duration") != std::string::npos);
  CHECK(all.find("source \"pas_in\": tls: allowed_subjects needs client_cert") !=
        std::string::npos);
}
