// A reload that changes destinations replaces the delivery side only (Engine::reconfigure):
// the sender's connection stays open and keeps getting AAs, the queue
// built up under the old settings goes out under the new ones, in order, once each; pause
// flags and retry times carry over; what cannot be swapped in place is refused untouched.
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>

#include "channels/mllp/mllp_listener.h"
#include "delivery_harness.h"
#include "test_subscriber.h"
#include "tests/pipeline/ingest_fixtures.h"

using namespace irwell;
using namespace irwell::testing;

namespace {

std::string aa_of(MllpTestClient& client, const std::string& control_id) {
  auto ack = client.round_trip(adt(control_id));
  REQUIRE(ack);
  return ack_field(*ack, "MSA-1");
}

size_t files_in(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.is_regular_file();
  return n;
}

}  // namespace

TEST_CASE("a destination moved to another host gets its queue there; the feed stays connected",
          "[delivery]") {
  TestSubscriber old_host, new_host;
  LogWatcher logs;
  DeliveryEngine e(mllp_destination(old_host.port()), kRouteAllToSub);
  MllpTestClient feed(e.port());  // one connection for the whole test, as a trust keeps it
  REQUIRE(feed.connected());

  CHECK(aa_of(feed, "MV1") == "AA");
  REQUIRE(old_host.wait_received(1));
  // The old host goes away: the next two are acknowledged and wait in the queue (retrying).
  old_host.down();
  CHECK(aa_of(feed, "MV2") == "AA");
  CHECK(aa_of(feed, "MV3") == "AA");
  REQUIRE(e.eventually([&] { return e.deliveries_of("MV2").at(0).attempts >= 1; }));

  REQUIRE(e.reconfigure(mllp_destination(new_host.port()), kRouteAllToSub));
  CHECK(logs.count("deliveries_restarted") == 1);
  CHECK(logs.count("engine_stopping") == 0);

  CHECK(aa_of(feed, "MV4") == "AA");  // the same connection, still served
  REQUIRE(new_host.wait_received(3));
  REQUIRE(e.eventually([&] { return e.state_of("MV4") == "sent"; }));
  CHECK(new_host.received() == std::vector<std::string>{"MV2", "MV3", "MV4"});
  CHECK(old_host.received() == std::vector<std::string>{"MV1"});
  // MV2's failed attempts at the old host are kept with the one that succeeded.
  auto mv2 = e.deliveries_of("MV2");
  REQUIRE(mv2.size() == 1);
  CHECK(mv2[0].state == "sent");
  CHECK(mv2[0].attempts >= 2);
  CHECK(mv2[0].attempt_log.back().outcome == "sent");
  auto status = e.deliveries().destination("sub");
  REQUIRE(status);
  CHECK(status->queued == 0);
}

TEST_CASE("a paused destination stays paused across the swap; an added one gets new messages",
          "[delivery]") {
  TestSubscriber sub;
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  REQUIRE(e.deliveries().pause("sub", "ops"));
  MllpTestClient feed(e.port());
  REQUIRE(feed.connected());
  CHECK(aa_of(feed, "PS1") == "AA");

  const auto archive = e.dir.path() / "archive";
  std::filesystem::create_directories(archive);
  REQUIRE(
      e.reconfigure(mllp_destination(sub.port()) +
                        fmt::format("  archive:\n    type: file\n    dir: {}\n", archive.string()),
                    "  all:\n    sources: [feed]\n    destinations: [sub, archive]\n"));
  auto status = e.deliveries().destination("sub");
  REQUIRE(status);
  CHECK(status->paused);
  CHECK(status->queued == 1);

  CHECK(aa_of(feed, "PS2") == "AA");
  REQUIRE(e.eventually([&] { return e.deliveries_of("PS2").size() == 2; }));
  REQUIRE(e.eventually([&] {
    for (const auto& d : e.deliveries_of("PS2")) {
      if (d.destination == "archive" && d.state == "sent") return true;
    }
    return false;
  }));
  CHECK(files_in(archive) == 1);  // PS2 only: PS1 was routed before the archive existed
  CHECK(sub.received().empty());  // still paused

  REQUIRE(e.deliveries().resume("sub", "ops"));
  REQUIRE(sub.wait_received(2));
  CHECK(sub.received() == std::vector<std::string>{"PS1", "PS2"});
}

TEST_CASE("a record_store change needs a restart; the running delivery side carries on",
          "[delivery]") {
  TestSubscriber sub;
  LogWatcher logs;
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  auto refused = e.reconfigure(
      mllp_destination(sub.port()) + "  records:\n    type: record_store\n", kRouteAllToSub);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == app::Engine::ReconfigureFailure::Kind::restart_needed);
  CHECK(refused.error().message.find("record_store") != std::string::npos);
  CHECK(logs.count("deliveries_restarted") == 0);
  e.send({adt("RS1")});
  REQUIRE(sub.wait_received(1));
  CHECK(sub.received() == std::vector<std::string>{"RS1"});
}

TEST_CASE("a destination that cannot be built is refused before anything stops", "[delivery]") {
  TestSubscriber sub;
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  // Checked by the loader but unusable at build time: a CA bundle that is not a certificate.
  const auto bogus = e.dir.path() / "bogus-ca.pem";
  write_file(bogus, "not a certificate\n");
  auto refused = e.reconfigure(
      mllp_destination(sub.port(), fmt::format("    tls:\n      ca: {}\n", bogus.string())),
      kRouteAllToSub);
  REQUIRE_FALSE(refused);
  INFO(refused.error().message);
  CHECK(refused.error().kind == app::Engine::ReconfigureFailure::Kind::refused);
  CHECK(refused.error().message.find(bogus.string()) != std::string::npos);
  e.send({adt("TB1")});
  REQUIRE(sub.wait_received(1));
  CHECK(sub.received() == std::vector<std::string>{"TB1"});
}

TEST_CASE("a reload awaits the answer to a send in flight, so the subscriber gets it once",
          "[delivery]") {
  TestSubscriber sub;
  LogWatcher logs;
  sub.hold_replies();
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  MllpTestClient feed(e.port());
  REQUIRE(feed.connected());
  CHECK(aa_of(feed, "RL1") == "AA");
  REQUIRE(sub.wait_received(1));  // RL1 is in flight: the subscriber holds its answer
  // The subscriber answers once the reload is draining, i.e. while the reload waits for it.
  auto answered = std::async(std::launch::async, [&] {
    const bool draining = logs.wait_for("dispatcher_draining", 1, "in_flight=1");
    sub.release_replies();
    return draining;
  });
  // A changed setting of the destination restarts the delivery side meanwhile.
  REQUIRE(e.reconfigure(mllp_destination(sub.port(), "    max_attempts: 50\n"), kRouteAllToSub));
  CHECK(answered.get());
  CHECK(aa_of(feed, "RL2") == "AA");
  REQUIRE(sub.wait_received(2));
  REQUIRE(e.eventually([&] { return e.state_of("RL2") == "sent"; }));
  CHECK(sub.received() == std::vector<std::string>{"RL1", "RL2"});
  auto d = e.deliveries_of("RL1");
  CHECK(d[0].state == "sent");
  CHECK(d[0].attempts == 1);
}

TEST_CASE("a reload restarts only the destination that changed; the others keep running",
          "[delivery]") {
  TestSubscriber steady, moved, moved_to;
  LogWatcher logs;
  auto destinations = [](uint16_t steady_port, uint16_t moving_port) {
    return fmt::format(
        "  steady:\n    type: mllp\n    host: 127.0.0.1\n    port: {}\n"
        "  moving:\n    type: mllp\n    host: 127.0.0.1\n    port: {}\n",
        steady_port, moving_port);
  };
  const char* routes = "  all:\n    sources: [feed]\n    destinations: [steady, moving]\n";
  DeliveryEngine e(destinations(steady.port(), moved.port()), routes);
  MllpTestClient feed(e.port());
  REQUIRE(feed.connected());
  CHECK(aa_of(feed, "KEEP1") == "AA");
  REQUIRE(steady.wait_received(1));
  REQUIRE(moved.wait_received(1));
  // steady holds its answer to KEEP2 while `moving` moves host: the reload neither cuts nor
  // waits for steady's send, and its connection stays.
  steady.hold_replies();
  CHECK(aa_of(feed, "KEEP2") == "AA");
  REQUIRE(steady.wait_received(2));
  REQUIRE(moved.wait_received(2));

  REQUIRE(e.reconfigure(destinations(steady.port(), moved_to.port()), routes));
  CHECK(logs.count("deliveries_restarted", "restarted=moving kept=1") == 1);
  CHECK(logs.count("dispatcher_draining", "destination=steady") == 0);
  CHECK(logs.count("dispatcher_started", "destination=moving") == 2);
  CHECK(logs.count("dispatcher_started", "destination=steady") == 1);

  steady.release_replies();
  CHECK(aa_of(feed, "KEEP3") == "AA");
  REQUIRE(steady.wait_received(3));
  REQUIRE(moved_to.wait_received(1));
  REQUIRE(e.eventually([&] {
    auto d = e.deliveries_of("KEEP3");
    return d.size() == 2 && d[0].state == "sent" && d[1].state == "sent";
  }));
  CHECK(steady.received() == std::vector<std::string>{"KEEP1", "KEEP2", "KEEP3"});
  CHECK(steady.connections_accepted() == 1);  // one connection throughout
  CHECK(moved.received() == std::vector<std::string>{"KEEP1", "KEEP2"});
  CHECK(moved_to.received() == std::vector<std::string>{"KEEP3"});
  // The admin view serves the kept dispatcher from the new side.
  auto status = e.deliveries().destination("steady");
  REQUIRE(status);
  CHECK(status->sent == 3);
}

TEST_CASE("a source restarted by a reload keeps its counts", "[delivery]") {
  TestSubscriber sub;
  DeliveryEngine e(mllp_destination(sub.port()), kRouteAllToSub);
  {
    MllpTestClient feed(e.port());
    REQUIRE(feed.connected());
    CHECK(aa_of(feed, "CNT1") == "AA");
    CHECK(aa_of(feed, "CNT2") == "AA");
  }
  const auto* before = e.engine->counters("feed");
  REQUIRE(before);
  CHECK(before->accepted == 2);
  // The feed's own settings change: its listener is replaced (as at a stop and start).
  REQUIRE(e.reconfigure(mllp_destination(sub.port()), kRouteAllToSub, "    ack_mode: enhanced\n"));
  MllpTestClient feed(e.engine->port("feed").value_or(0));  // port 0 again: a new one
  REQUIRE(feed.connected());
  CHECK(aa_of(feed, "CNT3") == "CA");  // the new listener, with its new settings
  const auto* after = e.engine->counters("feed");
  REQUIRE(after);
  CHECK(after != before);
  CHECK(after->accepted == 3);
  CHECK(after->connections_accepted == 2);
  // The first two ACKs' latencies came along (the third may still be on its way in).
  CHECK(after->ack_latency.snapshot().count >= 2);
}
