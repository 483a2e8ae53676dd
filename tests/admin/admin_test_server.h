#pragma once
// A running AdminServer on 127.0.0.1 port 0 over a FakeAdminBackend with sample data, its
// io_context on a thread of its own; and request helpers over a real socket. Test code only.
//
// Tokens: "viewer-token" (viewer "vera"), "operator-token" (operator "otto", given as plain
// text) and "admin-token" (admin "ada", given as its SHA-256).
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "engine/admin/admin_client.h"
#include "engine/admin/admin_server.h"
#include "engine/admin/auth.h"
#include "tests/admin/fake_admin_backend.h"

namespace irwell::testing {

inline std::string hex(const admin::Sha256& d) {
  static constexpr char k[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : d) {
    s.push_back(k[c >> 4]);
    s.push_back(k[c & 15]);
  }
  return s;
}

inline std::vector<config::AdminToken> test_tokens() {
  return {{"vera", "viewer", "viewer-token", ""},
          {"otto", "operator", "operator-token", ""},
          {"ada", "admin", "", hex(admin::sha256("admin-token"))}};
}

// An invented patient (NHS number from the 999 test range, valid check digit).
inline constexpr std::string_view kNhs = "9990000018";

inline store::StoredMessage sample_message(int64_t id, std::string control_id,
                                           std::string source = "lab_in") {
  store::StoredMessage m;
  m.id = id;
  m.received_at = TimePoint(std::chrono::seconds(1'700'000'000 + id));
  m.source = source;
  m.peer = "127.0.0.1:40000";
  m.control_id = std::move(control_id);
  m.sending_application = "PAS";
  m.sending_facility = "RIVERMEAD";
  m.message_type = "ADT";
  m.trigger_event = "A01";
  m.version = "2.4";
  m.raw = "MSH|^~\\&|PAS|RIVERMEAD|||20261125||ADT^A01|" + m.control_id + "|P|2.4\rPID|||" +
          std::string(kNhs) + "^^^NHS^NH||TESTPATIENT^ALICE\r";
  m.ack = "MSH|^~\\&|||PAS|RIVERMEAD|20261125||ACK|1|P|2.4\rMSA|AA|" + m.control_id + "\r";
  m.ack_code = "AA";
  m.patients = {{std::string(kNhs), "NHS", "NH"}};
  store::StoredDelivery d;
  d.id = id * 10;
  d.destination = "subscriber";
  d.route = "adt_all";
  d.state = "sent";
  d.attempts = 2;
  d.attempt_log = {{m.received_at, m.received_at, "nak", "MSA|AE|x", "AE from subscriber"},
                   {m.received_at, m.received_at, "sent", "MSA|AA|x", ""}};
  m.deliveries = {d};
  return m;
}

// A dead-lettered ADT^A01 delivery after five attempts.
inline delivery::DeadLetter dead_letter(int64_t delivery_id, int64_t message_id,
                                        std::string destination, std::string control_id,
                                        std::string last_error) {
  delivery::DeadLetter dl;
  dl.delivery_id = delivery_id;
  dl.message_id = message_id;
  dl.destination = std::move(destination);
  dl.control_id = std::move(control_id);
  dl.message_type = "ADT";
  dl.trigger_event = "A01";
  dl.attempts = 5;
  dl.last_error = std::move(last_error);
  return dl;
}

class TestServer {
 public:
  explicit TestServer(admin::AdminServerOptions options = {}, config::AdminConfig cfg = {}) {
    backend.add_source({"lab_in", "mllp", "127.0.0.1", 2575, 10, 8, 1, 0, 1, 0, 2, 5});
    backend.add_route({"adt_all", 7});
    delivery::DestinationStatus d;
    d.name = "subscriber";
    d.type = "mllp";
    d.queued = 3;
    d.oldest_queued_at = clock.now() - std::chrono::seconds(90);
    d.sent = 42;
    d.failed_attempts = 2;
    d.last_error = "connection refused";
    backend.fake_delivery().add(d);
    backend.fake_delivery().add_dead(
        dead_letter(77, 1, "subscriber", "CTRL1", "AR from subscriber"));
    backend.fake_store().add(sample_message(1, "CTRL1"));
    backend.fake_store().add(sample_message(2, "CTRL2"));
    backend.fake_store().add(sample_message(3, "CTRL3", "ward_in"));
    backend.add_patient(std::string(kNhs), {R"({"name":"TESTPATIENT, ALICE"})", false});

    cfg.port = 0;
    server = std::make_unique<admin::AdminServer>(io, cfg, test_tokens(), backend, clock, options);
    auto bound = server->bind();
    if (!bound) throw std::runtime_error(bound.error().message);
    url.port = std::to_string(server->port());
    server->start();
    thread = std::thread([this] { io.run(); });
  }
  ~TestServer() {
    boost::asio::post(io, [this] { server->stop(); });
    thread.join();
  }

  admin::AdminReply request(std::string_view method, std::string_view target,
                            std::string_view token = "") {
    auto r = admin::admin_request(url, method, target, token);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r.value());
  }
  admin::AdminReply get(std::string_view target, std::string_view token = "") {
    return request("GET", target, token);
  }
  admin::AdminReply post(std::string_view target, std::string_view token = "") {
    return request("POST", target, token);
  }

  ManualClock clock{TimePoint(std::chrono::seconds(1'700'003'600))};
  FakeAdminBackend backend;
  boost::asio::io_context io;
  std::unique_ptr<admin::AdminServer> server;
  admin::AdminUrl url;
  std::thread thread;
};

}  // namespace irwell::testing
