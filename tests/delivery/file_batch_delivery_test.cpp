// The file destination's batch mode (issue #6: "batch files per period, written atomically"):
// each period's messages are appended to one hidden file, which appears under its final name
// only once the period is over (on a timer, even when no message follows); a hidden batch
// survives a restart and is picked up again.
// Time is an injected ManualClock.
#include <catch2/catch.hpp>
#include <filesystem>

#include "delivery_harness.h"

using namespace irwell;
using namespace irwell::testing;
namespace fs = std::filesystem;

namespace {

// 2026-03-01 10:15:00 UTC: inside the hour that starts at 10:00.
const TimePoint kStart{std::chrono::seconds(1772360100)};

std::string batch_destination(const fs::path& dir) {
  return fmt::format(
      "  sub:\n    type: file\n    dir: {}\n    filename: \"adt_{{period}}.hl7\"\n"
      "    batch_period: 1h\n",
      dir.string());
}

struct Listing {
  std::vector<std::string> visible;  // sorted
  std::vector<fs::path> hidden;
};

Listing list(const fs::path& dir) {
  Listing out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.front() == '.') {
      out.hidden.push_back(entry.path());
    } else {
      out.visible.push_back(name);
    }
  }
  std::sort(out.visible.begin(), out.visible.end());
  return out;
}

void send_and_wait(DeliveryEngine& e, const std::vector<std::string>& ids) {
  std::vector<std::string> messages;
  for (const auto& id : ids) messages.push_back(adt(id));
  e.send(messages);
  for (const auto& id : ids) REQUIRE(e.eventually([&] { return e.state_of(id) == "sent"; }));
}

}  // namespace

TEST_CASE("file batch: a period's messages appear as one file once the period is over",
          "[delivery][file]") {
  TempDir out;
  ManualClock clock(kStart);
  DeliveryEngine e(batch_destination(out.path()), kRouteAllToSub, &clock);
  send_and_wait(e, {"B1", "B2", "B3"});

  // Delivered (fsynced) into the hidden batch file; nothing visible yet.
  Listing during = list(out.path());
  CHECK(during.visible.empty());
  REQUIRE(during.hidden.size() == 1);
  CHECK(during.hidden[0].filename().string().starts_with(".sub.batch."));
  CHECK(read_file(during.hidden[0]) == adt("B1") + adt("B2") + adt("B3"));

  // The next period's first message finishes the previous batch.
  clock.advance(std::chrono::hours(1));
  send_and_wait(e, {"B4"});
  Listing after = list(out.path());
  REQUIRE(after.visible == std::vector<std::string>{"adt_20260301100000.hl7"});
  CHECK(read_file(out.path() / "adt_20260301100000.hl7") == adt("B1") + adt("B2") + adt("B3"));
  REQUIRE(after.hidden.size() == 1);
  CHECK(read_file(after.hidden[0]) == adt("B4"));

  // Stopping after that period ended finishes it too.
  clock.advance(std::chrono::hours(1));
  e.stop();
  Listing stopped = list(out.path());
  CHECK(stopped.visible ==
        std::vector<std::string>{"adt_20260301100000.hl7", "adt_20260301110000.hl7"});
  CHECK(stopped.hidden.empty());
  CHECK(read_file(out.path() / "adt_20260301110000.hl7") == adt("B4"));
}

TEST_CASE("file batch: a quiet feed's batch appears when its period ends, with no new message",
          "[delivery][file]") {
  TempDir out;
  ManualClock clock(kStart);
  DeliveryEngine e(batch_destination(out.path()), kRouteAllToSub, &clock);
  send_and_wait(e, {"Q1", "Q2"});
  CHECK(list(out.path()).visible.empty());
  // Within the period the service's timer finds nothing to finish.
  clock.advance(std::chrono::minutes(30));  // 10:45
  e.deliveries().wake_all();
  // 11:00 passes and the feed stays silent: the batch is finished on the timer, not by a message.
  // Waits on the timer's passes (each a finish_if_due() completed), not on the store.
  clock.advance(std::chrono::minutes(16));  // 11:01
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  uint64_t seen = e.deliveries().batch_passes();
  e.deliveries().wake_all();
  while (list(out.path()).visible.empty() && std::chrono::steady_clock::now() < until) {
    seen = e.deliveries().wait_batch_pass(seen, std::chrono::seconds(5));
  }
  Listing after = list(out.path());
  CHECK(after.visible == std::vector<std::string>{"adt_20260301100000.hl7"});
  CHECK(after.hidden.empty());
  CHECK(read_file(out.path() / "adt_20260301100000.hl7") == adt("Q1") + adt("Q2"));
}

TEST_CASE("file batch: a hidden batch is picked up again after a restart", "[delivery][file]") {
  TempDir out;
  ManualClock clock(kStart);
  DeliveryEngine e(batch_destination(out.path()), kRouteAllToSub, &clock);
  send_and_wait(e, {"R1", "R2"});

  SECTION("in the same period: appended to") {
    e.restart();  // the period is not over: the batch stays hidden across the stop
    REQUIRE(list(out.path()).hidden.size() == 1);
    send_and_wait(e, {"R3"});
    Listing l = list(out.path());
    CHECK(l.visible.empty());
    REQUIRE(l.hidden.size() == 1);
    CHECK(read_file(l.hidden[0]) == adt("R1") + adt("R2") + adt("R3"));
  }
  SECTION("in a later period: finished under its own period's name") {
    e.stop();
    clock.advance(std::chrono::minutes(30));  // 10:45: the stop did not finish it
    e.start();
    clock.advance(std::chrono::minutes(30));  // 11:15: the next message finds it over
    send_and_wait(e, {"R3"});
    Listing l = list(out.path());
    REQUIRE(l.visible == std::vector<std::string>{"adt_20260301100000.hl7"});
    CHECK(read_file(out.path() / "adt_20260301100000.hl7") == adt("R1") + adt("R2"));
    REQUIRE(l.hidden.size() == 1);
    CHECK(read_file(l.hidden[0]) == adt("R3"));
  }
}

TEST_CASE("file batch: without batch_period every message is its own file", "[delivery][file]") {
  TempDir out;
  ManualClock clock(kStart);
  DeliveryEngine e(fmt::format("  sub:\n    type: file\n    dir: {}\n", out.path().string()),
                   kRouteAllToSub, &clock);
  send_and_wait(e, {"S1", "S2"});
  Listing l = list(out.path());
  CHECK(l.visible == std::vector<std::string>{"S1.hl7", "S2.hl7"});
  CHECK(l.hidden.empty());
}
