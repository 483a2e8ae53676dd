// Delivery to an MLLP subscriber over real sockets: every answer a subscriber can give ends in
// the state it should (issue #6), order holds, nothing ACKed is lost across restarts.
#include <catch2/catch.hpp>
#include <future>

#include "delivery_harness.h"
#include "test_subscriber.h"

using namespace irwell;
using namespace irwell::testing;
using Mode = TestSubscriber::Mode;

namespace {

std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(fmt::format("{}{:05}", prefix, i));
  return ids;
}

std::vector<std::string> messages_for(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) out.push_back(adt(id));
  return out;
}

}  // namespace

TEST_CASE("AA: every message is delivered once, in order, with its ACK kept", "[delivery]") {
  TestSubscriber sub;
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  const auto ids = numbered("AA", 200);
  e.send(messages_for(ids));
  REQUIRE(sub.wait_received(ids.size()));
  CHECK(sub.received() == ids);
  // The subscriber got CR segment endings and the message as routed.
  CHECK(sub.payloads().front().find('\n') == std::string::npos);
  REQUIRE(e.eventually([&] { return e.state_of(ids.back()) == "sent"; }));
  auto d = e.deliveries_of(ids.front());
  REQUIRE(d.size() == 1);
  CHECK(d[0].state == "sent");
  CHECK(d[0].attempts == 1);
  REQUIRE(d[0].attempt_log.size() == 1);
  CHECK(d[0].attempt_log[0].outcome == "sent");
  CHECK(d[0].attempt_log[0].reply.find("MSA|AA|" + ids.front()) != std::string::npos);
  // One persistent connection served them all.
  CHECK(sub.connections_accepted() == 1);
  auto status = e.deliveries().destination("sub");
  REQUIRE(status);
  CHECK(status->sent == ids.size());
  CHECK(status->queued == 0);
}

TEST_CASE("AE is retried (on_ae: retry) and the queue waits behind it", "[delivery]") {
  TestSubscriber sub;
  sub.set_mode(Mode::ae);
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  e.send({adt("AE1"), adt("AE2")});
  // Several attempts at AE1, none at AE2 (head-of-line blocking keeps order).
  REQUIRE(sub.wait_received(3));
  for (const auto& id : sub.received()) CHECK(id == "AE1");
  sub.set_mode(Mode::aa);
  REQUIRE(e.eventually([&] { return e.state_of("AE2") == "sent"; }));
  auto d = e.deliveries_of("AE1");
  CHECK(d[0].state == "sent");
  CHECK(d[0].attempts >= 2);
  CHECK(d[0].attempt_log.front().outcome == "nak");
  CHECK(d[0].attempt_log.front().error.starts_with("AE"));
  CHECK(d[0].attempt_log.back().outcome == "sent");
  auto received = sub.received();
  CHECK(received.back() == "AE2");
}

TEST_CASE("AR is dead-lettered at once, the queue moves on, and replay delivers it",
          "[delivery]") {
  TestSubscriber sub;
  sub.set_mode(Mode::ar);
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  e.send({adt("AR1")});
  REQUIRE(e.eventually([&] { return e.state_of("AR1") == "dead"; }));
  auto d = e.deliveries_of("AR1");
  CHECK(d[0].attempts == 1);
  CHECK(d[0].last_error.starts_with("AR"));
  sub.set_mode(Mode::aa);
  e.send({adt("AR2")});
  REQUIRE(e.eventually([&] { return e.state_of("AR2") == "sent"; }));

  auto dead = e.deliveries().dead_letters("sub", 10, 0);
  REQUIRE(dead);
  REQUIRE(dead->size() == 1);
  CHECK(dead->front().control_id == "AR1");
  auto status = e.deliveries().destination("sub");
  CHECK(status->dead == 1);
  CHECK(status->dead_lettered == 1);

  auto replayed = e.deliveries().replay_dead("sub", "tester");
  REQUIRE(replayed);
  REQUIRE(replayed->size() == 1);
  REQUIRE(e.eventually([&] { return e.state_of("AR1") == "sent"; }));
  d = e.deliveries_of("AR1");
  REQUIRE(d.size() == 2);
  CHECK(d[0].state == "dead");
  CHECK(d[1].replay_of == d[0].id);
  CHECK(e.deliveries().dead_letters("sub", 10, 0)->empty());
  // The replay is in the audit log with who asked.
  store::AuditQuery q;
  q.action = "replay_dead";
  auto audit = e.store().audit_log(q);
  REQUIRE(audit);
  REQUIRE(audit->size() == 1);
  CHECK(audit->front().actor == "tester");
  CHECK(audit->front().target == "destination:sub");
}

TEST_CASE("on_ar: retry and on_ae: dead_letter are honoured", "[delivery]") {
  TestSubscriber sub;
  sub.set_mode(Mode::ae);
  DeliveryEngine e(mllp_destination(sub.port(), "    on_ae: dead_letter\n    on_ar: retry\n"),
                   kRouteAllToSub);
  e.send({adt("AEDEAD")});
  REQUIRE(e.eventually([&] { return e.state_of("AEDEAD") == "dead"; }));
  sub.set_mode(Mode::ar);
  e.send({adt("ARRETRY")});
  REQUIRE(sub.wait_received(3));
  sub.set_mode(Mode::aa);
  REQUIRE(e.eventually([&] { return e.state_of("ARRETRY") == "sent"; }));
  CHECK(e.deliveries_of("ARRETRY")[0].attempts >= 2);
}

TEST_CASE("an ACK for another control ID (H5) is a failure; the connection is renewed",
          "[delivery]") {
  TestSubscriber sub;
  sub.set_mode(Mode::wrong_id);
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  e.send({adt("WRONG1")});
  REQUIRE(sub.wait_received(2));
  sub.set_mode(Mode::aa);
  REQUIRE(e.eventually([&] { return e.state_of("WRONG1") == "sent"; }));
  auto d = e.deliveries_of("WRONG1");
  CHECK(d[0].attempt_log.front().outcome == "error");
  CHECK(d[0].attempt_log.front().error.find("WRONG1X") != std::string::npos);
  CHECK(sub.connections_accepted() >= 2);
}

TEST_CASE("a subscriber that never answers times out (ack_timeout) and is retried",
          "[delivery]") {
  TestSubscriber sub;
  sub.set_mode(Mode::hang);
  DeliveryEngine e(mllp_destination(sub.port(), "    ack_timeout: 200ms\n"), kRouteAllToSub);
  e.send({adt("HANG1")});
  REQUIRE(sub.wait_received(2));
  sub.set_mode(Mode::aa);
  REQUIRE(e.eventually([&] { return e.state_of("HANG1") == "sent"; }));
  auto d = e.deliveries_of("HANG1");
  CHECK(d[0].attempt_log.front().outcome == "timeout");
}

TEST_CASE("a subscriber that closes the connection on a message is retried", "[delivery]") {
  TestSubscriber sub;
  sub.set_mode(Mode::close);
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  e.send({adt("CLOSE1")});
  REQUIRE(sub.wait_received(2));
  sub.set_mode(Mode::aa);
  REQUIRE(e.eventually([&] { return e.state_of("CLOSE1") == "sent"; }));
  CHECK(e.deliveries_of("CLOSE1")[0].attempt_log.front().outcome == "error");
}

TEST_CASE("max_attempts dead-letters a delivery that keeps failing", "[delivery]") {
  TestSubscriber sub;
  sub.down();
  DeliveryEngine e(mllp_destination(sub.port(), "    max_attempts: 3\n    connect_timeout: 1s\n"),
                   kRouteAllToSub);
  e.send({adt("MAX1")});
  REQUIRE(e.eventually([&] { return e.state_of("MAX1") == "dead"; }));
  auto d = e.deliveries_of("MAX1");
  CHECK(d[0].attempts == 3);
  CHECK(d[0].attempt_log.size() == 3);
  CHECK(d[0].last_error.find("max_attempts") != std::string::npos);
}

TEST_CASE("queued deliveries survive a restart and go out in order", "[delivery]") {
  TestSubscriber sub;
  sub.down();
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  const auto ids = numbered("RS", 50);
  e.send(messages_for(ids));
  e.stop();
  sub.up();
  e.start();
  REQUIRE(sub.wait_received(ids.size()));
  REQUIRE(e.eventually([&] { return e.state_of(ids.back()) == "sent"; }));
  CHECK(sub.received() == ids);
}

TEST_CASE("a stop waits for the answer to a send in flight, so it is not sent again",
          "[delivery]") {
  TestSubscriber sub;
  LogWatcher logs;
  sub.hold_replies();
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);  // shutdown grace 2 s
  e.send({adt("DRAIN1")});
  REQUIRE(sub.wait_received(1));  // in flight: the subscriber has it and holds its answer
  // The subscriber answers once the stop is draining, i.e. while the stop waits for it.
  auto answered = std::async(std::launch::async, [&] {
    const bool draining = logs.wait_for("dispatcher_draining", 1, "in_flight=1");
    sub.release_replies();
    return draining;
  });
  e.stop();  // planned stop (SIGTERM): the answer is awaited and recorded
  CHECK(answered.get());
  e.start();
  auto d = e.deliveries_of("DRAIN1");
  REQUIRE(d.size() == 1);
  CHECK(d[0].state == "sent");
  CHECK(d[0].attempts == 1);
  REQUIRE(d[0].attempt_log.size() == 1);
  CHECK(d[0].attempt_log[0].outcome == "sent");
  // Nothing went out twice: the next message follows DRAIN1 directly.
  e.send({adt("DRAIN2")});
  REQUIRE(sub.wait_received(2));
  REQUIRE(e.eventually([&] { return e.state_of("DRAIN2") == "sent"; }));
  CHECK(sub.received() == std::vector<std::string>{"DRAIN1", "DRAIN2"});
}

TEST_CASE("a send unanswered when the grace ends is cut off, not counted, and sent again",
          "[delivery]") {
  TestSubscriber sub;
  sub.set_mode(Mode::hang);
  // The ACK timeout is far beyond the test's run: only the grace (2 s) can end the stop.
  DeliveryEngine e(mllp_destination(sub.port(), "    ack_timeout: 1h\n"), kRouteAllToSub);
  e.send({adt("CUT1")});
  REQUIRE(sub.wait_received(1));
  e.stop();
  sub.set_mode(Mode::aa);
  e.start();
  REQUIRE(sub.wait_received(2));
  REQUIRE(e.eventually([&] { return e.state_of("CUT1") == "sent"; }));
  auto d = e.deliveries_of("CUT1");
  CHECK(d[0].attempts == 1);  // the send the stop cut short is not an attempt
  CHECK(d[0].attempt_log.size() == 1);
  CHECK(sub.received() == std::vector<std::string>{"CUT1", "CUT1"});
}

TEST_CASE("pause holds a destination's queue, survives a restart, resume sends it",
          "[delivery]") {
  TestSubscriber sub;
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  REQUIRE(e.deliveries().pause("sub", "ops"));
  e.send({adt("P1"), adt("P2")});
  auto status = e.deliveries().destination("sub");
  CHECK(status->paused);
  CHECK(status->queued == 2);
  CHECK(status->oldest_queued_at.has_value());
  e.restart();
  CHECK(e.deliveries().destination("sub")->paused);
  CHECK(sub.received().empty());
  REQUIRE(e.deliveries().resume("sub", "ops"));
  REQUIRE(sub.wait_received(2));
  CHECK(sub.received() == std::vector<std::string>{"P1", "P2"});
  CHECK_FALSE(e.deliveries().pause("nope", "ops"));
  CHECK(e.deliveries().pause("nope", "ops").error().kind == delivery::ControlError::not_found);
}

TEST_CASE("replay of one message sends it again and is audited", "[delivery]") {
  TestSubscriber sub;
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  e.send({adt("RP1")});
  REQUIRE(e.eventually([&] { return e.state_of("RP1") == "sent"; }));
  const int64_t id = e.message_id("RP1");
  auto replayed = e.deliveries().replay_message(id, "", "alice");
  REQUIRE(replayed);
  REQUIRE(sub.wait_received(2));
  CHECK(sub.received() == std::vector<std::string>{"RP1", "RP1"});
  CHECK_FALSE(e.deliveries().replay_message(999999, "", "alice"));
  store::AuditQuery q;
  q.actor = "alice";
  auto audit = e.store().audit_log(q);
  REQUIRE(audit);
  REQUIRE(audit->size() == 1);
  CHECK(audit->front().action == "replay");
  CHECK(audit->front().target == fmt::format("message:{}", id));
}

TEST_CASE("lanes keep each key's order while keys overtake each other", "[delivery]") {
  TestSubscriber sub;
  DeliveryEngine e(mllp_destination(sub.port(), "    lane_key: PID-3.1\n    lanes: 4\n"),
                   kRouteAllToSub);
  std::vector<std::string> messages;
  std::map<std::string, std::vector<std::string>> per_key;
  for (int i = 0; i < 200; ++i) {
    const std::string key = fmt::format("K{}", i % 7);
    const std::string id = fmt::format("LN{:04}", i);
    messages.push_back(adt(id, key));
    per_key[key].push_back(id);
  }
  e.send(messages);
  REQUIRE(sub.wait_received(messages.size()));
  std::map<std::string, std::vector<std::string>> seen;
  for (const std::string& payload : sub.payloads()) {
    const size_t pid = payload.find("PID|1||");
    const std::string key = payload.substr(pid + 7, payload.find('^', pid) - pid - 7);
    seen[key].push_back(hl7::salvage_header(payload).control_id);
  }
  CHECK(seen == per_key);
  CHECK(sub.connections_accepted() >= 2);  // lanes have their own connections
}
