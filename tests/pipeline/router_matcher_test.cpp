// Matcher: a route's `match:` (every op, all/any/not, wildcard type patterns) on parsed messages.
#include <catch2/catch.hpp>

#include "engine/hl7/message.h"
#include "engine/pipeline/matcher.h"
#include "tests/support/test_support.h"

using irwell::config::MatchExpr;
using irwell::hl7::Message;
using irwell::pipeline::Matcher;
using irwell::testing::cr;

namespace {

Message msg(const char* text) {
  auto m = Message::parse(cr(text));
  REQUIRE(m);
  return *m;
}

const Message& admission() {
  static const Message m = msg(
      "MSH|^~\\&|PAS|RIVERMEAD|HUB|REGION|20240301083000||ADT^A01^ADT_A01|RIV0001|P|2.4\n"
      "PID|1||RM100001^^^RIVERMEAD^MR~9990000018^^^NHS^NH||TESTPATIENT^ALICE||19800201|F||\"\"\n"
      "PV1|1|I|W12^BED 4^^RIVERMEAD\n");
  return m;
}

MatchExpr field(const char* path, MatchExpr::Op op, std::vector<std::string> values = {}) {
  MatchExpr e;
  e.kind = MatchExpr::Kind::field;
  e.path = path;
  e.op = op;
  e.values = std::move(values);
  return e;
}

MatchExpr type(std::vector<std::string> patterns) {
  MatchExpr e;
  e.kind = MatchExpr::Kind::type;
  e.values = std::move(patterns);
  return e;
}

MatchExpr group(MatchExpr::Kind kind, std::vector<MatchExpr> children) {
  MatchExpr e;
  e.kind = kind;
  e.children = std::move(children);
  return e;
}

bool holds(const MatchExpr& e, const Message& m = admission()) {
  auto matcher = Matcher::compile(e);
  REQUIRE(matcher);
  return matcher->matches(m);
}

using Op = MatchExpr::Op;
using Kind = MatchExpr::Kind;

}  // namespace

TEST_CASE("matcher: no match holds for every message") {
  CHECK(Matcher().matches(admission()));
  CHECK(holds(MatchExpr{}));
}

TEST_CASE("matcher: type patterns with wildcards") {
  CHECK(holds(type({"ADT^A01"})));
  CHECK(holds(type({"ADT^A0*"})));
  CHECK(holds(type({"ADT^A0?"})));
  CHECK(holds(type({"ADT"})));  // without ^: MSH-9.1 alone
  CHECK(holds(type({"ORU^R01", "ADT^*"})));
  CHECK_FALSE(holds(type({"ADT^A1*"})));
  CHECK_FALSE(holds(type({"ORU"})));
  CHECK_FALSE(holds(type({"adt^a01"})));  // HL7 codes are case-sensitive
  CHECK_FALSE(holds(type({})));
}

TEST_CASE("matcher: equals and in compare the decoded value") {
  CHECK(holds(field("MSH-4", Op::equals, {"RIVERMEAD"})));
  CHECK_FALSE(holds(field("MSH-4", Op::equals, {"NORTHGATE"})));
  CHECK(holds(field("PID-3[2].5", Op::equals, {"NH"})));
  CHECK(holds(field("PID-3.5", Op::equals, {"MR"})));  // no repetition: the first
  CHECK(holds(field("PV1-3.1", Op::in, {"W11", "W12"})));
  CHECK_FALSE(holds(field("PV1-3.1", Op::in, {"W11", "W13"})));
  // A missing value compares as "".
  CHECK(holds(field("PV2-1", Op::equals, {""})));
  CHECK(holds(field("PID-30", Op::in, {"", "N"})));
}

TEST_CASE("matcher: regex searches the value") {
  CHECK(holds(field("PID-5.1", Op::regex, {"PATIENT"})));
  CHECK(holds(field("PID-5.1", Op::regex, {"^TEST"})));
  CHECK_FALSE(holds(field("PID-5.1", Op::regex, {"^PATIENT$"})));
  CHECK(holds(field("PID-7", Op::regex, {"^19[0-9]{6}$"})));
}

TEST_CASE("matcher: present and absent; the HL7 null is no value (D1)") {
  CHECK(holds(field("PID-8", Op::present)));
  CHECK_FALSE(holds(field("PID-8", Op::absent)));
  CHECK(holds(field("PID-9", Op::absent)));   // empty
  CHECK(holds(field("PID-11", Op::absent)));  // ""
  CHECK_FALSE(holds(field("PID-11", Op::present)));
  CHECK(holds(field("PID-40", Op::absent)));  // past the last field
  CHECK(holds(field("ZPI-1", Op::absent)));   // no such segment
  CHECK(holds(field("PID-3[2]", Op::present)));
  CHECK(holds(field("PID-3[3]", Op::absent)));
}

TEST_CASE("matcher: all, any and not") {
  MatchExpr rivermead = field("MSH-4", Op::equals, {"RIVERMEAD"});
  MatchExpr northgate = field("MSH-4", Op::equals, {"NORTHGATE"});
  MatchExpr adt = type({"ADT^*"});
  CHECK(holds(group(Kind::all, {rivermead, adt})));
  CHECK_FALSE(holds(group(Kind::all, {northgate, adt})));
  CHECK(holds(group(Kind::all, {})));  // nothing to fail
  CHECK(holds(group(Kind::any, {northgate, adt})));
  CHECK_FALSE(holds(group(Kind::any, {northgate, type({"ORU"})})));
  CHECK_FALSE(holds(group(Kind::any, {})));  // an empty any never holds
  CHECK(holds(group(Kind::not_, {northgate})));
  CHECK_FALSE(holds(group(Kind::not_, {rivermead})));
  CHECK(holds(group(Kind::all, {group(Kind::not_, {group(Kind::any, {northgate})}), adt})));
}

TEST_CASE("matcher: compile refuses what the loader should have refused") {
  CHECK_FALSE(Matcher::compile(field("PID", Op::equals, {"x"})));
  auto bad_regex = Matcher::compile(field("PID-5", Op::regex, {"(unclosed"}));
  REQUIRE_FALSE(bad_regex);
  CHECK(bad_regex.error().message.starts_with("invalid regular expression \"(unclosed\""));
  CHECK_FALSE(Matcher::compile(field("PID-5", Op::equals, {})));
  CHECK_FALSE(Matcher::compile(group(Kind::not_, {})));
}

TEST_CASE("matcher: a compiled matcher is a value that can be copied and shared") {
  auto m =
      Matcher::compile(group(Kind::all, {field("PID-5.1", Op::regex, {"^TEST"}), type({"ADT"})}));
  REQUIRE(m);
  Matcher copy = *m;
  Matcher moved = std::move(*m);
  CHECK(copy.matches(admission()));
  CHECK(moved.matches(admission()));
}
