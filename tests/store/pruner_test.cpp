// Retention (issue #6): content and records pruned by age per source, in small transactions,
// never a message whose delivery is unfinished.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "engine/store/pruner.h"
#include "tests/store/store_fixtures.h"

using namespace irwell;
using namespace irwell::store;
using namespace irwell::store::test;
using namespace std::chrono_literals;

namespace {

StoredMessage load(MessageStore& s, int64_t id) {
  auto m = s.get_message(id);
  REQUIRE(m);
  REQUIRE(*m);
  return std::move(**m);
}

// Marks delivery `id` sent through the writer path the dispatchers use.
void mark_sent(MessageStore& s, int64_t delivery_id, TimePoint at) {
  DeliveryResult r;
  r.delivery_id = delivery_id;
  r.next = DeliveryNext::sent;
  r.attempts = 1;
  r.attempt = StoredAttempt{at, at, "sent", "MSH|...ACK", ""};
  REQUIRE(s.write({}, std::nullopt, std::span<const DeliveryResult>(&r, 1)));
}

}  // namespace

TEST_CASE("pruner erases content, then deletes records, by age and source", "[store][retention]") {
  irwell::testing::TempDir dir;
  auto store = open_store(dir.path() / "s.db");
  ManualClock clock(t0());
  // Ten days of messages from two sources, one a day; all delivered except day 0 of pas_in.
  std::vector<int64_t> ids;
  for (int day = 0; day < 10; ++day) {
    for (const char* source : {"pas_in", "lab_in"}) {
      NewMessage m = make_message(fmt::format("{}-{}", source, day), t0() + day * 24h);
      m.source = source;
      m.deliveries[0].payload = "transformed";
      const int64_t id = commit_ok(*store, {m}).front().message_id;
      ids.push_back(id);
      if (!(day == 0 && std::string(source) == "pas_in")) {
        mark_sent(*store, load(*store, id).deliveries[0].id, t0() + day * 24h);
      }
    }
  }
  clock.set(t0() + 10 * 24h);
  PrunerOptions o;
  o.batch = 2;  // many small transactions
  o.pause = 0ms;
  o.sources = {{"pas_in", 3 * 24h, 6 * 24h}, {"lab_in", std::nullopt, std::nullopt}};
  Pruner pruner(*store, clock, o);
  auto totals = pruner.run_once();
  REQUIRE(totals);
  // pas_in: days 0-3 are older than 6 days -> deleted, except day 0 (its delivery is queued);
  // days 4-6 are older than 3 days -> content erased.
  CHECK(totals->deleted == 3);
  CHECK(totals->content_erased == 3);
  const StoredMessage unfinished = load(*store, ids[0]);
  CHECK(unfinished.raw.size() > 0);
  CHECK(unfinished.deliveries[0].state == "queued");
  CHECK_FALSE(store->get_message(ids[2]).value().has_value());  // pas_in day 1: gone
  const StoredMessage erased = load(*store, ids[12]);              // pas_in day 6
  CHECK(erased.raw.empty());
  CHECK(erased.ack.empty());
  CHECK(erased.deliveries[0].payload.empty());
  CHECK(erased.deliveries[0].attempt_log[0].reply.empty());
  CHECK(erased.control_id == "pas_in-6");  // metadata kept
  CHECK(erased.patients.size() == 2);
  CHECK(load(*store, ids[16]).raw.size() > 0);  // pas_in day 8: young enough
  for (int day = 0; day < 10; ++day) CHECK(load(*store, ids[day * 2 + 1]).raw.size() > 0);
  // Searches no longer find deleted messages by patient either.
  MessageQuery q;
  q.patient = "9990000018";
  q.source = "pas_in";
  CHECK(store->search(q).value().size() == 7);

  // A second pass finds nothing new; a day later one more of each.
  auto again = pruner.run_once();
  REQUIRE(again);
  CHECK(again->deleted == 0);
  CHECK(again->content_erased == 0);
  clock.advance(24h);
  auto later = pruner.run_once();
  REQUIRE(later);
  CHECK(later->deleted == 1);
  CHECK(later->content_erased == 1);
}
