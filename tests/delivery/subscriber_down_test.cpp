// A subscriber down for a simulated day (issue #6): 10,000 messages queue behind the first,
// retries follow the backoff settings on the injected clock, and when the subscriber is back
// every message is delivered exactly once, in order.
#include <catch2/catch.hpp>

#include "delivery_harness.h"
#include "test_subscriber.h"

using namespace irwell;
using namespace irwell::testing;
using namespace std::chrono_literals;

TEST_CASE("a subscriber down for a day: 10,000 queue, then all arrive once, in order",
          "[delivery][slow]") {
  ManualClock clock;
  const TimePoint start = clock.now();
  TestSubscriber sub;
  sub.down();
  DeliveryEngine e(fmt::format("  sub:\n    type: mllp\n    host: 127.0.0.1\n    port: {}\n"
                               "    retry_initial: 1s\n    retry_max: 5m\n"
                               "    connect_timeout: 2s\n",
                               sub.port()),
                   kRouteAllToSub, &clock);
  std::vector<std::string> ids, messages;
  for (int i = 0; i < 10'000; ++i) {
    ids.push_back(fmt::format("DAY{:05}", i));
    messages.push_back(adt(ids.back(), fmt::format("K{}", i % 97)));
  }
  e.send(messages, 250);

  // The head is retried on the backoff schedule: 1s, 2s, 4s ... capped at 5m, each shortened
  // by at most the 20% jitter; nothing behind it is attempted.
  auto head = [&] {
    auto page = e.store().pending_deliveries("sub", 0, 1);
    REQUIRE(page);
    REQUIRE(page->size() == 1);
    return page->front();
  };
  int attempts = 0;
  Duration longest{};
  while (clock.now() - start < 24h) {
    ++attempts;
    REQUIRE(e.eventually([&] { return head().attempts == attempts; }));
    const store::PendingDelivery h = head();
    CHECK(h.control_id == "DAY00000");
    const Duration wait = h.next_attempt_at - clock.now();
    Duration base = 1s;
    for (int i = 1; i < attempts && base < 5min; ++i) base *= 2;
    base = std::min<Duration>(base, 5min);
    INFO("attempt " << attempts);
    CHECK(wait <= base);
    CHECK(wait >= base * 8 / 10);
    longest = std::max(longest, wait);
    clock.set(h.next_attempt_at);
    e.deliveries().wake_all();
  }
  CHECK(attempts > 280);  // ~9 doubling steps, then one every 4-5 minutes for the rest of a day
  CHECK(longest <= 5min);
  auto status = e.deliveries().destination("sub");
  REQUIRE(status);
  CHECK(status->queued == 10'000);
  CHECK(status->retrying <= 1);
  CHECK(*status->oldest_queued_at == start);
  CHECK(sub.received().empty());

  // The loop's last wake made one more attempt: wait until it is recorded, so its retry time
  // (not the one before) is what the clock moves to.
  REQUIRE(e.eventually([&] { return head().attempts == attempts + 1; }));
  sub.up();
  clock.set(head().next_attempt_at);
  e.deliveries().wake_all();
  REQUIRE(sub.wait_received(ids.size(), std::chrono::seconds(300)));
  REQUIRE(e.eventually([&] { return e.deliveries().destination("sub")->queued == 0; }, 120s));
  CHECK(sub.received() == ids);  // once each, in order
  CHECK(e.deliveries_of("DAY00000")[0].attempts == attempts + 2);
  CHECK(e.deliveries_of("DAY09999")[0].attempts == 1);
}
