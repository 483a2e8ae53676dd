// The record_store destination in the running engine: ADT, ORU and SIU reach the shared care
// record through the delivery queue, lanes apply in groups, a message the record cannot take is
// dead-lettered with its reason.
#include <catch2/catch.hpp>

#include "delivery_harness.h"
#include "engine/record/record_store.h"

using namespace irwell;
using namespace irwell::testing;

namespace {

const char* kRecordDestination =
    "  sub:\n    type: record_store\n    lane_key: PID-3.1\n    lanes: 4\n"
    "    retry_initial: 20ms\n    retry_max: 50ms\n";

std::string admit(const std::string& control_id, const std::string& nhs, const std::string& mrn) {
  return cr(fmt::format(
      "MSH|^~\\&|PAS|RIVERMEAD|HUB|REGION|20260301101500||ADT^A01|{}|P|2.5\n"
      "EVN|A01|20260301101500\n"
      "PID|1||{}^^^RIVERMEAD^MR~{}^^^NHS^NH||Tester^Alice||19800101|F\n"
      "PV1|1|I|WARD1^BED2^^RIVERMEAD|||||||GEN||||||||V{}|||||||||||||||||||||||||20260301101500\n",
      control_id, mrn, nhs, control_id));
}

}  // namespace

TEST_CASE("record_store destination: admissions reach the shared care record", "[delivery]") {
  DeliveryEngine e(kRecordDestination, kRouteAllToSub);
  // Invented patients with valid 999-range NHS numbers.
  const std::vector<std::pair<std::string, std::string>> patients = {
      {"9990000018", "K1"}, {"9990000026", "K2"}, {"9990000034", "K3"}};
  std::vector<std::string> messages;
  for (size_t i = 0; i < patients.size(); ++i) {
    messages.push_back(admit(fmt::format("R{}", i), patients[i].first, patients[i].second));
  }
  e.send(messages);
  for (size_t i = 0; i < patients.size(); ++i) {
    REQUIRE(e.eventually([&] { return e.state_of(fmt::format("R{}", i)) == "sent"; }));
  }
  record::RecordStore* records = e.engine->record_store();
  REQUIRE(records);
  for (const auto& [nhs, mrn] : patients) {
    auto p = records->get_patient(nhs);
    REQUIRE(p);
    REQUIRE(p->has_value());
    CHECK((*p)->encounters.size() == 1);
  }
  auto reply = e.deliveries_of("R0")[0].attempt_log[0].reply;
  CHECK(reply == "applied");
  // The same message again (a replay) changes nothing and is still delivered.
  REQUIRE(e.deliveries().replay_message(e.message_id("R0"), "", "tester"));
  REQUIRE(e.eventually([&] { return e.deliveries_of("R0").size() == 2 &&
                                  e.deliveries_of("R0")[1].state == "sent"; }));
  CHECK(e.deliveries_of("R0")[1].attempt_log[0].reply.starts_with("ignored"));
  CHECK(records->get_patient("9990000018").value()->encounters.size() == 1);
}

TEST_CASE("record_store destination: a message it can never apply is dead-lettered",
          "[delivery]") {
  DeliveryEngine e(kRecordDestination, kRouteAllToSub);
  // An ADT^A01 whose only identifier is empty: nothing to key a record on.
  e.send({cr("MSH|^~\\&|PAS|RIVERMEAD|HUB|REGION|20260301101500||ADT^A01|NOID|P|2.5\n"
             "EVN|A01|20260301101500\nPID|1||||Tester^Alice||19800101|F\nPV1|1|I|WARD1\n")});
  REQUIRE(e.eventually([&] { return e.state_of("NOID") == "dead"; }));
  auto d = e.deliveries_of("NOID")[0];
  CHECK(d.attempts == 1);
  CHECK_FALSE(d.last_error.empty());
}
