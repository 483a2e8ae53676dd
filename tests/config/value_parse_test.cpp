// Durations, sizes and wildcard patterns as routes.yaml writes them.
#include "engine/config/value_parse.h"

#include <catch2/catch.hpp>

#include "engine/config/wildcard.h"

using namespace irwell;
using namespace std::chrono_literals;

TEST_CASE("durations: each unit, sums, zero, and what is refused") {
  CHECK(*config::parse_duration("500ms") == 500ms);
  CHECK(*config::parse_duration("30s") == 30s);
  CHECK(*config::parse_duration("5m") == 5min);
  CHECK(*config::parse_duration("24h") == 24h);
  CHECK(*config::parse_duration("7d") == 168h);
  CHECK(*config::parse_duration("1h30m") == 90min);
  CHECK(*config::parse_duration("0") == Duration::zero());
  for (const char* bad : {"", "10", "5 m", "5min", "m", "1.5h", "-1s", "99999999999999999999d"}) {
    INFO(bad);
    CHECK_FALSE(config::parse_duration(bad).ok());
  }
  CHECK(config::parse_duration("10").error().message ==
        "expected a duration like 500ms, 30s, 5m, 24h or 7d");
}

TEST_CASE("format_duration gives the largest exact unit") {
  CHECK(config::format_duration(90s) == "90s");
  CHECK(config::format_duration(3600s) == "1h");
  CHECK(config::format_duration(1500ms) == "1500ms");
  CHECK(config::format_duration(Duration::zero()) == "0s");
  CHECK(*config::parse_duration(config::format_duration(26h)) == 26h);
}

TEST_CASE("sizes: decimal and binary units") {
  CHECK(*config::parse_size("512") == 512);
  CHECK(*config::parse_size("512B") == 512);
  CHECK(*config::parse_size("64KB") == 64'000);
  CHECK(*config::parse_size("16MiB") == 16 * 1024 * 1024);
  CHECK(*config::parse_size("10GB") == 10'000'000'000LL);
  CHECK(*config::parse_size("1TiB") == 1024LL * 1024 * 1024 * 1024);
  for (const char* bad : {"", "GB", "10 GB", "10gb", "1.5GB", "-1", "99999999999TiB"}) {
    INFO(bad);
    CHECK_FALSE(config::parse_size(bad).ok());
  }
}

TEST_CASE("wildcard_match: * any run, ? one character, case-sensitive") {
  CHECK(config::wildcard_match("ADT^A0*", "ADT^A01"));
  CHECK(config::wildcard_match("ADT^A0*", "ADT^A0"));
  CHECK_FALSE(config::wildcard_match("ADT^A0*", "ADT^A11"));
  CHECK(config::wildcard_match("SIU^S1?", "SIU^S12"));
  CHECK_FALSE(config::wildcard_match("SIU^S1?", "SIU^S1"));
  CHECK(config::wildcard_match("*", ""));
  CHECK(config::wildcard_match("*A*B*", "xxAyyBzz"));
  CHECK_FALSE(config::wildcard_match("*A*B*", "xxByyAzz"));
  CHECK_FALSE(config::wildcard_match("adt^*", "ADT^A01"));
}

TEST_CASE("message_type_matches: a pattern without ^ compares with the message code alone") {
  CHECK(config::message_type_matches("ADT^A0*", "ADT", "A04"));
  CHECK(config::message_type_matches("ORU", "ORU", "R01"));
  CHECK_FALSE(config::message_type_matches("ORU", "ORM", "O01"));
  CHECK_FALSE(config::message_type_matches("ADT^A01", "ADT", "A02"));
  CHECK(config::message_type_matches("*^R01", "ORU", "R01"));
}

TEST_CASE("wildcards_intersect: whether one text can match both patterns") {
  CHECK(config::wildcards_intersect("ADT^A0*", "ADT^*"));
  CHECK(config::wildcards_intersect("ADT^A0*", "ADT^??1"));
  CHECK_FALSE(config::wildcards_intersect("ADT^A0*", "ADT^?1"));
  CHECK(config::wildcards_intersect("*1", "A*"));
  CHECK(config::wildcards_intersect("ORU^R01", "ORU^R01"));
  CHECK_FALSE(config::wildcards_intersect("ORU^R01", "ADT^*"));
  CHECK_FALSE(config::wildcards_intersect("ADT^A0*", "ADT^A1*"));
  CHECK_FALSE(config::wildcards_intersect("???", "????"));
  CHECK(config::wildcards_intersect("?*?", "ab"));
  CHECK_FALSE(config::wildcards_intersect("*x", "*y"));
}
