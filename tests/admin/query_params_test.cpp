// Query strings and times of the admin API.
#include "engine/admin/query_params.h"

#include <catch2/catch.hpp>

using namespace irwell;
using namespace irwell::admin;

TEST_CASE("query: percent-decoding and splitting", "[admin][query]") {
  CHECK(url_decode("a%5Eb+c") == "a^b c");
  CHECK_FALSE(url_decode("%4"));
  CHECK_FALSE(url_decode("%G1"));
  auto q = parse_query("a=1&b=x%20y&&c&a=2");
  REQUIRE(q);
  CHECK(q->at("a") == "2");
  CHECK(q->at("b") == "x y");
  CHECK(q->at("c").empty());
  CHECK_FALSE(parse_query("a=%"));
}

TEST_CASE("query: times as ISO 8601 or epoch milliseconds", "[admin][query]") {
  using std::chrono::seconds;
  auto epoch = [](long long s) { return TimePoint(seconds(s)); };
  CHECK(parse_time("1700000000000") == epoch(1700000000));
  CHECK(parse_time("2023-11-14T22:13:20Z") == epoch(1700000000));
  CHECK(parse_time("2023-11-14T22:13:20") == epoch(1700000000));
  CHECK(parse_time("2023-11-14T23:13:20+01:00") == epoch(1700000000));
  CHECK(parse_time("2023-11-14T21:13:20-0100") == epoch(1700000000));
  CHECK(parse_time("2023-11-14T22:13Z") == epoch(1700000000 - 20));
  CHECK(parse_time("2023-11-14") == epoch(1700000000 - 22 * 3600 - 13 * 60 - 20));
  CHECK(parse_time("2023-11-14T22:13:20.250Z") ==
        epoch(1700000000) + std::chrono::milliseconds(250));
  for (const char* bad : {"", "yesterday", "2023-02-30", "2023-13-01", "2023-11-14T25:00",
                          "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20.Z", "12ab"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad));
  }
  CHECK(format_time(epoch(1700000000) + std::chrono::milliseconds(7)) ==
        "2023-11-14T22:13:20.007Z");
  CHECK(parse_time(format_time(epoch(1234567890))) == epoch(1234567890));
}

TEST_CASE("query: message search parameters", "[admin][query]") {
  auto q = parse_message_query({{"control_id", "C1"},
                                {"patient", "9990000018"},
                                {"type", "ORU^R01"},
                                {"status", "rejected"}});
  REQUIRE(q);
  CHECK(q->control_id == "C1");
  CHECK(q->patient == "9990000018");
  CHECK(q->message_type == "ORU");
  CHECK(q->trigger_event == "R01");
  CHECK(q->status == store::MessageStatus::rejected);
  CHECK(q->limit == 50);
  CHECK(q->before_id == 0);
  auto bad = parse_message_query({{"limit", "0"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("limit") != std::string::npos);
  CHECK_FALSE(parse_message_query({{"type", "ADT^A01^X"}}));
  CHECK_FALSE(parse_message_query({{"cursor", "0"}}));
}

TEST_CASE("query: audit parameters", "[admin][query]") {
  auto q = parse_audit_query({{"actor", "otto"}, {"since", "2023-11-14"}, {"limit", "10"}});
  REQUIRE(q);
  CHECK(q->actor == "otto");
  CHECK(q->since.has_value());
  CHECK(q->limit == 10);
  CHECK_FALSE(parse_audit_query({{"control_id", "x"}}));
}
