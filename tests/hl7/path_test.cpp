// Path syntax: SEG[n]-field[rep].component.subcomponent (SPEC.md).
#include "engine/hl7/path.h"

#include <catch2/catch.hpp>

using irwell::hl7::Path;

TEST_CASE("paths parse into their parts", "[hl7][path]") {
  auto p = Path::parse("PID-3[2].1");
  REQUIRE(p);
  CHECK(p->segment == "PID");
  CHECK(p->occurrence == 1);
  CHECK(p->field == 3);
  CHECK(p->repetition == 2);
  CHECK(p->component == 1);
  CHECK(p->subcomponent == 0);

  auto q = Path::parse("OBX[2]-5");
  REQUIRE(q);
  CHECK(q->occurrence == 2);
  CHECK(q->field == 5);
  CHECK(q->repetition == 0);

  auto r = Path::parse("PID-3.4.2");
  REQUIRE(r);
  CHECK(r->component == 4);
  CHECK(r->subcomponent == 2);

  CHECK(Path::parse("ZP1-12")->segment == "ZP1");
  CHECK(Path::parse("MSH-9.2")->component == 2);
}

TEST_CASE("to_string gives the canonical form and round-trips", "[hl7][path]") {
  for (const char* text :
       {"PID-3", "PID-3[2].1", "OBX[2]-5", "PID-3.4.2", "MSH-9.2", "ZPI[3]-1[4].5.6"}) {
    auto p = Path::parse(text);
    REQUIRE(p);
    CHECK(p->to_string() == text);
    CHECK(Path::parse(p->to_string()).value() == p.value());
  }
  CHECK(Path::parse("OBX[1]-5[1]")->to_string() == "OBX-5[1]");
}

TEST_CASE("bad paths explain what is wrong", "[hl7][path]") {
  struct Case {
    const char* text;
    const char* says;
  };
  for (auto [text, says] :
       {Case{"", "segment ID"}, Case{"pid-3", "segment ID"}, Case{"PI-3", "segment ID"},
        Case{"PID", "expected '-'"}, Case{"PID-", "field number"}, Case{"PID-0", "field number"},
        Case{"PID-3[", "repetition"}, Case{"PID-3[2", "']'"},
        Case{"PID[0]-3", "segment occurrence"}, Case{"PID-3.", "component"},
        Case{"PID-3.1.", "subcomponent"}, Case{"PID-3.1.2.3", "unexpected"},
        Case{"PID-3x", "unexpected"}, Case{"PID-99999999999", "field number"}}) {
    auto p = Path::parse(text);
    INFO(text);
    REQUIRE_FALSE(p);
    CHECK_THAT(p.error().message, Catch::Contains(says));
  }
}
