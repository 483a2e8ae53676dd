// Delimiters: MSH-1/MSH-2 per message (HL7-EDGE-CASES C1-C6).
#include <catch2/catch.hpp>

#include "engine/hl7/message.h"
#include "tests/support/test_support.h"

using namespace irwell::hl7;
using irwell::testing::cr;

namespace {

Message parse_ok(const std::string& text) {
  auto m = Message::parse(text);
  if (!m) FAIL(m.error().to_string());
  return std::move(m).value();
}

std::string get(const Message& m, const char* path) { return m.get(Path::parse(path).value()); }

}  // namespace

TEST_CASE("C1: MSH-1 is the field separator and MSH-3 the first real field", "[hl7][delimiters]") {
  auto m = parse_ok(cr("MSH|^~\\&|APP|FAC|||20260101||ADT^A01|1|P|2.4\nPID|1\n"));
  CHECK(get(m, "MSH-1") == "|");
  CHECK(get(m, "MSH-2") == "^~\\&");
  CHECK(get(m, "MSH-3") == "APP");
  CHECK(get(m, "MSH-9.2") == "A01");
  CHECK(m.field_count(0) == 12);  // MSH-1 .. MSH-12
  CHECK(m.field_count(1) == 1);   // PID-1
  CHECK(m.get_raw(Path::parse("MSH-1").value()) == "|");
}

TEST_CASE("C2: MSH-2 is never split or unescaped", "[hl7][delimiters]") {
  auto m = parse_ok(cr("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\n"));
  CHECK(m.state(Path::parse("MSH-2").value()) == ValueState::value);
  CHECK(get(m, "MSH-2.1") == "^~\\&");
  CHECK(m.state(Path::parse("MSH-2.2").value()) == ValueState::absent);
  CHECK(m.state(Path::parse("MSH-2[2]").value()) == ValueState::absent);
  CHECK(m.repetition_count(Path::parse("MSH-2").value()) == 1);
}

TEST_CASE("C3: non-default delimiters are read from each message", "[hl7][delimiters]") {
  auto m = parse_ok(cr("MSH#!@%*#APP!X#FAC###1##ADT!A01#7#P#2.5\nPID#1##12345!!!MRN@X*Y!MR\n"));
  const Delimiters& d = m.delimiters();
  CHECK(d.field == '#');
  CHECK(d.component == '!');
  CHECK(d.repetition == '@');
  CHECK(d.escape == '%');
  CHECK(d.subcomponent == '*');
  CHECK(get(m, "MSH-3.2") == "X");
  CHECK(get(m, "MSH-9.2") == "A01");
  CHECK(get(m, "PID-3[2].1") == "X*Y");
  CHECK(get(m, "PID-3[2].1.2") == "Y");
  CHECK(get(m, "PID-3[1].4") == "MRN");

  // Field separator `^`, component `~`, repetition `|` (corpus hapi-adt-a24 style).
  auto caret = parse_ok(cr("MSH^~|\\&^A^B^^^1^^ADT~A24^9^P^2.3\nPID^^^ONE~~~X|TWO~~~Y\n"));
  CHECK(get(caret, "MSH-9.2") == "A24");
  CHECK(get(caret, "PID-3[2].1") == "TWO");
  CHECK(caret.repetition_count(Path::parse("PID-3").value()) == 2);
}

TEST_CASE("C4: short legacy MSH-2 is filled with defaults; bad ones are rejected",
          "[hl7][delimiters]") {
  auto three = parse_ok(cr("MSH|^~\\|A|B|||1||ADT^A01|1|P|2.1\n"));
  CHECK(three.delimiters().subcomponent == '&');
  CHECK(three.delimiters().truncation == 0);

  auto legacy = parse_ok(cr("MSH|^~}|A|B|||1||ACK|1|P|2.1\n"));  // `}` is the escape here
  CHECK(legacy.delimiters().escape == '}');

  SECTION("doubled backslash from a source-code literal: a repeated delimiter") {
    auto m = Message::parse(cr("MSH|^~\\\\&|A|B|||1||ADT^A01|1|P|2.6\n"));
    REQUIRE_FALSE(m);
    CHECK(m.error().code == 102);
    CHECK(m.error().field == 2);
    CHECK(m.error().segment == 1);
    CHECK(m.error().offset == 4);
  }
  SECTION("six characters") {
    auto m = Message::parse(cr("MSH|^~\\&#!|A|B|||1||ADT^A01|1|P|2.6\n"));
    REQUIRE_FALSE(m);
    CHECK(m.error().code == 102);
  }
  SECTION("alphanumeric encoding character") {
    auto m = Message::parse(cr("MSH|^~\\A|A|B|||1||ADT^A01|1|P|2.6\n"));
    REQUIRE_FALSE(m);
    CHECK(m.error().code == 102);
  }
  SECTION("default fill that repeats a given character") {
    auto m = Message::parse(cr("MSH|&~|A|B|||1||ADT^A01|1|P|2.6\n"));
    REQUIRE_FALSE(m);
    CHECK(m.error().code == 102);
  }
}

TEST_CASE("C5: truncation character is the 5th MSH-2 character and stays data",
          "[hl7][delimiters]") {
  auto m = parse_ok(cr("MSH|^~\\&#|A|B|||1||ORU^R01|1|P|2.5.1\nOBX|1|ST|X||LONG VALU#\n"));
  CHECK(m.delimiters().truncation == '#');
  CHECK(m.delimiters().encoding_characters() == "^~\\&#");
  CHECK(get(m, "MSH-2") == "^~\\&#");
  CHECK(get(m, "OBX-5") == "LONG VALU#");
  CHECK(m.encode() == m.raw());
}

TEST_CASE("C6: field separator must be usable", "[hl7][delimiters]") {
  for (const char* bad : {"MSHA^~\\&|", "MSH ^~\\&|", "MSH\r"}) {
    auto m = Message::parse(std::string(bad) + "X\r");
    REQUIRE_FALSE(m);
    CHECK(m.error().code == 102);
    CHECK(m.error().field == 1);
  }
  Delimiters d;
  CHECK(d.valid());
  d.subcomponent = '^';
  CHECK_FALSE(d.valid());
}

TEST_CASE("split and nth_piece", "[hl7][delimiters]") {
  CHECK(split("", '^').size() == 1);
  auto parts = split("a^^c", '^');
  REQUIRE(parts.size() == 3);
  CHECK(parts[1].empty());
  CHECK(parts[2] == "c");
  CHECK(nth_piece("a^b^c", '^', 3) == "c");
  CHECK(nth_piece("a^b^c", '^', 1) == "a");
  CHECK_FALSE(nth_piece("a^b^c", '^', 4));
  CHECK_FALSE(nth_piece("a", '^', 0));
  CHECK(nth_piece("", '^', 1) == "");
}
