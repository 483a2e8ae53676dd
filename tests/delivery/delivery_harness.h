#pragma once
// A running engine for delivery tests: one MLLP source "feed" on port 0, the destinations and
// routes given as YAML, a TempDir data directory, an optional injected clock, and helpers to
// send messages and to wait for conditions (with a failure guard, never as timing).
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "../channels/mllp_test_client.h"
#include "../support/test_support.h"
#include "channels/delivery/delivery_service.h"
#include "engine/app/builtin_registry.h"
#include "engine/app/engine.h"
#include "engine/config/load_config.h"
#include "engine/pipeline/router.h"

namespace irwell::testing {

inline std::string adt(const std::string& control_id, const std::string& mrn = "K100") {
  return cr(fmt::format(
      "MSH|^~\\&|PAS|RIVERMEAD|HUB|REGION|20260301101500||ADT^A01|{}|P|2.5\n"
      "EVN|A01|20260301101500\n"
      "PID|1||{}^^^RIVERMEAD^MR~9990000018^^^NHS^NH||Tester^Alice||19800101|F\n"
      "PV1|1|I|WARD1^BED2\n",
      control_id, mrn));
}

class DeliveryEngine {
 public:
  // `destinations` and `routes`: YAML blocks (indented two spaces under their keys).
  DeliveryEngine(std::string destinations, std::string routes, const Clock* clock = nullptr)
      : destinations_(std::move(destinations)), routes_(std::move(routes)), clock_(clock) {
    start();
  }
  ~DeliveryEngine() { stop(); }

  void start() {
    started_port_ = port_;
    config::Config loaded = load(port_);
    auto router = pipeline::build_router(loaded, app::builtin_registry());
    REQUIRE(router);
    app::EngineOptions options;
    options.router = std::move(router).value();
    options.clock = clock_;
    options.shutdown_grace = std::chrono::seconds(2);
    auto started = app::Engine::start(loaded, std::move(options));
    if (!started) FAIL("engine: " << started.error().message);
    engine = std::move(started).value();
    port_ = engine->port("feed").value_or(0);
  }
  void stop() {
    if (engine) engine->stop();
    engine.reset();
  }
  void restart() {
    stop();
    start();
  }
  // The running engine reconfigured in place for new `destinations` and `routes` (a reload
  // that changes them): the delivery side is rebuilt, the listener and its connections kept
  // unless `feed_settings` (YAML lines under the feed source) change it.
  Status<app::Engine::ReconfigureFailure> reconfigure(std::string destinations, std::string routes,
                                                      std::string feed_settings = "") {
    destinations_ = std::move(destinations);
    routes_ = std::move(routes);
    feed_settings_ = std::move(feed_settings);
    config::Config loaded = load(started_port_);  // the listener's settings as running
    auto router = pipeline::build_router(loaded, app::builtin_registry());
    REQUIRE(router);
    std::unique_ptr<pipeline::Router> r = std::move(router).value();
    return engine->reconfigure(loaded, r);
  }

  uint16_t port() const { return port_; }

  // Waits until `cond` holds; false after `guard`. Every state a delivery test waits for
  // (messages, delivery outcomes) reaches the store through the engine's writer, so `cond` is
  // checked again after each transaction the writer finishes: an event, not a poll.
  bool eventually(const std::function<bool()>& cond,
                  std::chrono::seconds guard = std::chrono::seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + guard;
    for (;;) {
      const uint64_t seen = engine->commits_finished();
      if (cond()) return true;
      const auto left = until - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      engine->wait_for_commit(seen, std::chrono::duration_cast<Duration>(left));
    }
  }
  store::MessageStore& store() { return engine->store(); }
  delivery::DeliveryService& deliveries() { return engine->deliveries(); }

  // Sends the messages over one connection, pipelined in chunks, and checks every ACK is AA.
  void send(const std::vector<std::string>& messages, size_t chunk = 100) {
    MllpTestClient client(port_);
    REQUIRE(client.connected());
    for (size_t at = 0; at < messages.size(); at += chunk) {
      const size_t end = std::min(messages.size(), at + chunk);
      for (size_t i = at; i < end; ++i) REQUIRE(client.send_frame(messages[i]));
      for (size_t i = at; i < end; ++i) {
        auto ack = client.read_frame();
        REQUIRE(ack);
        REQUIRE(ack->find("MSA|AA|") != std::string::npos);
      }
    }
  }

  // The delivery states of the message with this control ID, in delivery order.
  std::vector<store::StoredDelivery> deliveries_of(const std::string& control_id) {
    store::MessageQuery q;
    q.control_id = control_id;
    auto found = store().search(q);
    REQUIRE(found);
    REQUIRE(found->size() == 1);
    auto m = store().get_message(found->front().id);
    REQUIRE(m);
    REQUIRE(*m);
    return (*m)->deliveries;
  }
  int64_t message_id(const std::string& control_id) {
    store::MessageQuery q;
    q.control_id = control_id;
    auto found = store().search(q);
    REQUIRE(found);
    REQUIRE(found->size() == 1);
    return found->front().id;
  }
  std::string state_of(const std::string& control_id) {
    auto d = deliveries_of(control_id);
    return d.empty() ? "" : d.back().state;
  }

  TempDir dir;
  std::unique_ptr<app::Engine> engine;

 private:
  // routes.yaml written from the current blocks with the listener on `port`, loaded.
  config::Config load(uint16_t port) {
    const std::string yaml = fmt::format(
        "storage:\n  data_dir: {}\nadmin:\n  enabled: false\nsources:\n  feed:\n    type: mllp\n"
        "    port: {}\n{}destinations:\n{}routes:\n{}",
        (dir.path() / "data").string(), port, feed_settings_, destinations_, routes_);
    write_file(dir.path() / "routes.yaml", yaml);
    auto loaded = config::load_config(dir.path() / "routes.yaml", app::builtin_registry());
    if (!loaded) {
      std::string text;
      for (const auto& d : loaded.error()) text += d.to_string() + "\n";
      FAIL("config: " << text);
    }
    return std::move(loaded).value();
  }

  std::string destinations_, routes_, feed_settings_;
  const Clock* clock_;
  uint16_t port_ = 0;          // the listener's port (0 until the first start picks one)
  uint16_t started_port_ = 0;  // the port the running engine's config gave (0 the first time)
};

inline std::string mllp_destination(uint16_t port, const std::string& extra = "") {
  return fmt::format(
      "  sub:\n    type: mllp\n    host: 127.0.0.1\n    port: {}\n    retry_initial: 50ms\n"
      "    retry_max: 200ms\n{}",
      port, extra);
}
inline const char* kRouteAllToSub = "  all:\n    sources: [feed]\n    destinations: [sub]\n";

}  // namespace irwell::testing
