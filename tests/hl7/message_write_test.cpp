// Writes for transforms: set/set_raw/set_null/clear, segment insert/remove, encode().
#include <catch2/catch.hpp>

#include "engine/hl7/message.h"
#include "tests/support/test_support.h"

using namespace irwell::hl7;
using irwell::testing::cr;

namespace {

Path path(const char* text) { return Path::parse(text).value(); }

Message parse_ok(const std::string& text) {
  auto m = Message::parse(text);
  if (!m) FAIL(m.error().to_string());
  return std::move(m).value();
}

const std::string kMsg =
    cr("MSH|^~\\&|PAS|RXX01|EPR|RXX01|20260301120000||ADT^A08|C1|P|2.4\n"
       "PID|1||K1^^^RXX01^MR~9990000018^^^NHS^NH||Tester^Alice\n"
       "PV1|1|I\n");

std::string line(const Message& m, size_t index) { return std::string(m.segment_text(index)); }

}  // namespace

TEST_CASE("set() replaces a whole field, escaping the value (E8)", "[hl7][write]") {
  auto m = parse_ok(kMsg);
  REQUIRE(m.set(path("PID-5"), "O'Neil|Smith^Jo"));
  CHECK(line(m, 1) == "PID|1||K1^^^RXX01^MR~9990000018^^^NHS^NH||O'Neil\\F\\Smith\\S\\Jo");
  CHECK(m.get(path("PID-5")) == "O'Neil|Smith^Jo");
  CHECK(m.modified());
  // With no repetition and no component, every repetition is replaced.
  REQUIRE(m.set(path("PID-3"), "NEW"));
  CHECK(m.get_raw(path("PID-3")) == "NEW");
  CHECK(m.repetition_count(path("PID-3")) == 1);
}

TEST_CASE("set() on a repetition, component or subcomponent pads as needed", "[hl7][write]") {
  auto m = parse_ok(kMsg);
  REQUIRE(m.set(path("PID-3[2].1"), "9990000026"));
  CHECK(m.get(path("PID-3[2]")) == "9990000026^^^NHS^NH");
  CHECK(m.get(path("PID-3[1]")) == "K1^^^RXX01^MR");  // other repetitions kept
  REQUIRE(m.set(path("PID-3[4].2"), "X"));
  CHECK(m.get_raw(path("PID-3")) == "K1^^^RXX01^MR");
  CHECK(m.field_raw(1, 3) == "K1^^^RXX01^MR~9990000026^^^NHS^NH~~^X");
  REQUIRE(m.set(path("PID-5.1.2"), "sub"));
  CHECK(m.field_raw(1, 5) == "Tester&sub^Alice");
  REQUIRE(m.set(path("PID-5.4"), "Jr"));  // component 1 of repetition 1 when no rep given
  CHECK(m.field_raw(1, 5) == "Tester&sub^Alice^^Jr");
  REQUIRE(m.set(path("PV1-7.2"), "Who"));  // a field past the end of the segment
  CHECK(line(m, 2) == "PV1|1|I|||||^Who");
  CHECK(m.encode() == cr("MSH|^~\\&|PAS|RXX01|EPR|RXX01|20260301120000||ADT^A08|C1|P|2.4\n"
                         "PID|1||K1^^^RXX01^MR~9990000026^^^NHS^NH~~^X||Tester&sub^Alice^^Jr\n"
                         "PV1|1|I|||||^Who\n"));
}

TEST_CASE("set_raw, set_null and clear", "[hl7][write][nulls]") {
  auto m = parse_ok(kMsg);
  REQUIRE(m.set_raw(path("PID-5"), "A\\T\\B^C"));
  CHECK(m.get(path("PID-5.1")) == "A&B");
  REQUIRE(m.set_null(path("PID-8")));
  CHECK(m.state(path("PID-8")) == ValueState::null);
  CHECK(line(m, 1) == "PID|1||K1^^^RXX01^MR~9990000018^^^NHS^NH||A\\T\\B^C|||\"\"");
  m.clear(path("PID-8"));  // the last field: trailing empty fields are dropped (D1)
  CHECK(line(m, 1) == "PID|1||K1^^^RXX01^MR~9990000018^^^NHS^NH||A\\T\\B^C");
  m.clear(path("PID-5.2"));
  CHECK(m.field_raw(1, 5) == "A\\T\\B");
  m.clear(path("PID-3[1]"));  // not the last repetition: kept as an empty one
  CHECK(m.field_raw(1, 3) == "~9990000018^^^NHS^NH");
  m.clear(path("PID-1"));
  CHECK(m.state(path("PID-1")) == ValueState::empty);
}

TEST_CASE("writes that cannot apply are errors and change nothing", "[hl7][write]") {
  auto m = parse_ok(kMsg);
  CHECK_FALSE(m.set(path("NK1-2"), "x"));
  CHECK_FALSE(m.set(path("PV1[2]-2"), "x"));
  CHECK_FALSE(m.set(path("MSH-1"), "#"));
  CHECK_FALSE(m.set(path("MSH-2"), "!@%*"));
  Path no_field;
  no_field.segment = "PID";
  CHECK_FALSE(m.set(no_field, "x"));
  CHECK_FALSE(m.modified());
  CHECK(m.encode() == kMsg);
}

TEST_CASE("MSH fields can be written; MSH-1/2 stay intact", "[hl7][write]") {
  auto m = parse_ok(kMsg);
  REQUIRE(m.set(path("MSH-10"), "C2"));
  REQUIRE(m.set(path("MSH-9.2"), "A31"));
  CHECK(line(m, 0) == "MSH|^~\\&|PAS|RXX01|EPR|RXX01|20260301120000||ADT^A31|C2|P|2.4");
  CHECK(m.header().control_id == "C2");
  CHECK(m.get(path("MSH-1")) == "|");
  m.clear(path("MSH-12"));
  m.clear(path("MSH-11"));
  m.clear(path("MSH-10"));
  CHECK(line(m, 0) == "MSH|^~\\&|PAS|RXX01|EPR|RXX01|20260301120000||ADT^A31");
}

TEST_CASE("segments can be inserted and removed", "[hl7][write]") {
  auto m = parse_ok(kMsg);
  m.insert_segment(1, "EVN|A08|20260301120000\r");
  m.insert_segment(99, "ZXT|1|x^y");
  REQUIRE(m.segment_count() == 5);
  CHECK(m.segment_id(1) == "EVN");
  CHECK(m.get(path("ZXT-2.2")) == "y");
  REQUIRE(m.set(path("ZXT-3"), "z"));
  CHECK(line(m, 4) == "ZXT|1|x^y|z");
  m.remove_segment(3);
  m.remove_segment(42);  // ignored
  CHECK(m.encode() == cr("MSH|^~\\&|PAS|RXX01|EPR|RXX01|20260301120000||ADT^A08|C1|P|2.4\n"
                         "EVN|A08|20260301120000\n"
                         "PID|1||K1^^^RXX01^MR~9990000018^^^NHS^NH||Tester^Alice\n"
                         "ZXT|1|x^y|z\n"));
  // The written message parses back to the same values.
  auto again = parse_ok(m.encode());
  CHECK(again.get(path("ZXT-3")) == "z");
  CHECK(again.get(path("PID-3[2].1")) == "9990000018");
}

TEST_CASE("writes use the message's own delimiters", "[hl7][write]") {
  auto m = parse_ok(cr("MSH#!@%*#A#B###1##ADT!A01#7#P#2.5\nPID#1##K1!!!X\n"));
  REQUIRE(m.set(path("PID-5.2"), "a#b!c"));
  CHECK(m.segment_text(1) == "PID#1##K1!!!X##!a%F%b%S%c");
  CHECK(m.get(path("PID-5.2")) == "a#b!c");
}

TEST_CASE("values are written in the message's character set", "[hl7][write][charset]") {
  auto latin = parse_ok("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4|||||GBR|8859/1\rPID|1\r");
  REQUIRE(latin.set(path("PID-5"), "Zo\xC3\xAB \xE2\x82\xAC"));  // "Zoë €": € is not in Latin-1
  CHECK(latin.field_raw(1, 5) == "Zo\xEB ?");
  CHECK(latin.get(path("PID-5")) == "Zo\xC3\xAB ?");
  auto utf8 = parse_ok("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4|||||GBR|UNICODE UTF-8\rPID|1\r");
  REQUIRE(utf8.set(path("PID-5"), "Zo\xC3\xAB"));
  CHECK(utf8.field_raw(1, 5) == "Zo\xC3\xAB");
}

TEST_CASE("E8, C3: encode() with other delimiters re-escapes every value", "[hl7][write][escape]") {
  auto m =
      parse_ok(cr("MSH|^~\\&|PAS|RXX01|||1||ADT^A01|C1|P|2.4\n"
                  "PID|1||K1^^^A&B^MR~K2||O\\T\\Neil#1^Jo\\.br\\!||\"\"\n"));
  Delimiters hash{'#', '!', '@', '%', '*'};
  std::string out = m.encode(hash);
  CHECK(out == cr("MSH#!@%*#PAS#RXX01###1##ADT!A01#C1#P#2.4\n"
                  "PID#1##K1!!!A*B!MR@K2##O&Neil%F%1!Jo%.br%%S%##\"\"\n"));
  auto back = parse_ok(out);
  CHECK(back.get(path("PID-5.1")) == "O&Neil#1");
  CHECK(back.get(path("PID-3[1].4.2")) == "B");
  CHECK(back.state(path("PID-7")) == ValueState::null);
  CHECK(back.encode(m.delimiters()) == m.encode());
  CHECK(m.encode(m.delimiters()) == m.encode());
  Delimiters bad{'|', '|', '~', '\\', '&'};
  CHECK(m.encode(bad) == m.encode());
}
