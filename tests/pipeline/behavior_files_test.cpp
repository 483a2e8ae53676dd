// The generic behaviour-file test (STYLE.md 15): every file under tests/behavior/ is run against
// the shipped routes.yaml, as `irwell test` runs them; plus proof that the runner FAILs a wrong
// expectation with the right field-level difference.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "engine/pipeline/behavior_file.h"
#include "engine/pipeline/behavior_runner.h"
#include "tests/pipeline/router_fixtures.h"

namespace fs = std::filesystem;
using namespace irwell;
using irwell::testing::source_dir;

namespace {

const config::Registry& registry() { return testing::builtin_registry(); }

// The shipped routes.yaml, built (the test stops here when it does not build).
const testing::ShippedRoutes& shipped() {
  const testing::ShippedRoutes& s = testing::shipped_routes();
  for (const auto& p : s.problems) UNSCOPED_INFO(p);
  REQUIRE(s.routes);
  return s;
}

std::vector<pipeline::BehaviorResult> run_text(const std::string& text) {
  auto cases = pipeline::read_behavior_text(text, "inline.yaml", registry());
  if (!cases) {
    for (const auto& d : cases.error()) UNSCOPED_INFO(d.to_string());
    FAIL("the behaviour text does not read");
  }
  pipeline::BehaviorRunner runner(&shipped().config, shipped().routes.get(), "");
  std::vector<pipeline::BehaviorResult> out;
  for (const auto& c : *cases) out.push_back(runner.run(c));
  return out;
}

constexpr const char* kAdmission = R"(
    input: |
      MSH|^~\&|PAS|RIVERMEAD|HUB|REGION|20240301083000||ADT^A01^ADT_A01|RIV0001|P|2.4
      PID|1||RM100001^^^RIVERMEAD^MR~999 000 0018^^^NHS^NHS||TESTPATIENT^ALICE||19800201|F
      PV1|1|I|W12^BED 4^^RIVERMEAD
      ZPI|1|PRIVATE NOTE
)";

}  // namespace

TEST_CASE("behaviour files: every case under tests/behavior passes") {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(source_dir() / "tests" / "behavior")) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 10);
  pipeline::BehaviorRunner runner(&shipped().config, shipped().routes.get(), "");
  int cases_run = 0;
  for (const auto& file : files) {
    std::string name = fs::relative(file, source_dir()).string();
    auto cases = pipeline::read_behavior_text(testing::read_file(file), name, registry());
    if (!cases) {
      std::string all;
      for (const auto& d : cases.error()) all += d.to_string() + "\n";
      FAIL_CHECK(name << " does not read:\n" << all);
      continue;
    }
    for (const auto& c : *cases) {
      pipeline::BehaviorResult r = runner.run(c);
      std::ostringstream text;
      pipeline::print_result(r, text);
      INFO(text.str());
      CHECK(r.passed());
      ++cases_run;
    }
  }
  CHECK(cases_run >= 80);
}

TEST_CASE("behaviour runner: a wrong field value FAILs with path, expected and got") {
  auto results = run_text(std::string(R"(tests:
  - name: wrong
    transforms:
      - type: nhs_number
)") + kAdmission + R"(    expect:
      fields:
        PID-3[2].1: "9990000026"
        PID-3[2].5: NH
        ZPI-1: null
)");
  REQUIRE(results.size() == 1);
  CHECK_FALSE(results[0].passed());
  CHECK(results[0].title == "inline.yaml:2: wrong");
  CHECK(results[0].problems ==
        std::vector<std::string>{R"(PID-3[2].1: expected "9990000026", got "9990000018")",
                                 R"(ZPI-1: expected no value, got "1")"});
}

TEST_CASE("behaviour runner: a wrong outcome FAILs and says why it came out as it did") {
  auto results = run_text(std::string(R"(tests:
  - name: expects delivery of a training message
    transforms:
      - type: filter
        path: MSH-11.1
        equals: P
        reason: production
)") + kAdmission + R"(    expect:
      outcome: delivered
)");
  REQUIRE(results.size() == 1);
  REQUIRE(results[0].problems.size() == 1);
  CHECK(results[0].problems[0] ==
        "outcome: expected delivered, got dropped (transform 1 (filter, inline.yaml:4:9): "
        "production)");
}

TEST_CASE("behaviour runner: a whole-message mismatch lists each differing field") {
  auto results = run_text(std::string(R"(tests:
  - name: whole message
    transforms:
      - type: delete_segment
        segment: ZPI
)") + kAdmission + R"(    expect:
      message: |
        MSH|^~\&|PAS|RIVERMEAD|HUB|REGION|20240301083000||ADT^A01^ADT_A01|RIV0001|P|2.4
        PID|1||RM100001^^^RIVERMEAD^MR~9990000018^^^NHS^NH||TESTPATIENT^ALICE||19800201|M
        PV1|1|I|W12^BED 4^^RIVERMEAD
        NTE|1
)");
  REQUIRE(results.size() == 1);
  CHECK(results[0].problems ==
        std::vector<std::string>{
            R"(PID-3: expected "RM100001^^^RIVERMEAD^MR~9990000018^^^NHS^NH", got )"
            R"("RM100001^^^RIVERMEAD^MR~999 000 0018^^^NHS^NHS")",
            R"(PID-8: expected "M", got "F")", "segment 4 (NTE): expected, but missing"});
}

TEST_CASE("behaviour runner: unchanged, contains and destinations are checked") {
  auto results = run_text(std::string(R"(tests:
  - name: claims unchanged
    transforms:
      - type: set
        path: PID-8
        value: U
)") + kAdmission + R"(    expect:
      unchanged: true
      contains: [NOT THERE]
  - name: wrong destinations
    source: trusts
)" + kAdmission + R"(    expect:
      destinations: [subscriber]
  - name: destinations of inline steps
    transforms: []
)" + kAdmission + R"(    expect:
      destinations: [subscriber]
)");
  REQUIRE(results.size() == 3);
  CHECK(results[0].problems ==
        std::vector<std::string>{
            "unchanged: expected the input forwarded as received, but it was changed:",
            R"(  PID-8: expected "F", got "U")",
            R"(contains: expected the output to contain "NOT THERE")"});
  CHECK(results[1].problems == std::vector<std::string>{"destinations: expected [subscriber], "
                                                        "got [shared_record, subscriber]"});
  CHECK(results[2].problems ==
        std::vector<std::string>{"destinations: only a route or source test has destinations"});
}

TEST_CASE("behaviour runner: unknown routes and sources, unparsable input and bad steps FAIL") {
  auto results = run_text(std::string(R"(tests:
  - name: no such route
    route: nowhere
)") + kAdmission + R"(
  - name: no such source
    source: nowhere
)" + kAdmission + R"(
  - name: bad input
    transforms: []
    input: |
      PID|1||X
  - name: a step that cannot be built
    transforms:
      - type: copy
        from: PID-3
        to: PID-3
)" + kAdmission);
  REQUIRE(results.size() == 4);
  CHECK(results[0].problems[0].starts_with("no route named \"nowhere\""));
  CHECK(results[1].problems[0].starts_with("no source named \"nowhere\""));
  CHECK(results[2].problems[0].starts_with("input: cannot be parsed"));
  REQUIRE(results[3].problems.size() == 1);
  CHECK(results[3].problems[0] ==
        "inline.yaml:28:13: error: test: transform 1 (copy): to: `from` and `to` are the same "
        "path");
}

TEST_CASE("behaviour files: problems in a file are located diagnostics") {
  auto cases = pipeline::read_behavior_text(R"(tests:
  - name: a
    transforms:
      - type: no_such_transform
    input: "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.4"
    expect:
      outcome: maybe
      fields:
        PID-x: 1
  - name: a
    route: r
    source: s
    input: "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.4"
    colour: blue
)",
                                            "bad.yaml", registry());
  REQUIRE_FALSE(cases);
  std::vector<std::string> lines;
  for (const auto& d : cases.error()) lines.push_back(d.to_string());
  REQUIRE(lines.size() == 6);
  CHECK(
      lines[0].starts_with("bad.yaml:4:15: error: test \"a\": transform 1: unknown transform "
                           "type \"no_such_transform\"; known: "));
  CHECK(
      lines[1].starts_with("bad.yaml:7:16: error: test \"a\": expect: outcome: expected "
                           "delivered, dropped, unrouted or error"));
  CHECK(lines[2].starts_with("bad.yaml:9:9: error: test \"a\": expect: fields: invalid path"));
  CHECK(lines[3] ==
        "bad.yaml:10:5: error: test \"a\": give exactly one of `transforms`, `route` "
        "or `source`");
  CHECK(lines[4] == "bad.yaml:10:5: error: test \"a\" is defined twice in this file");
  CHECK(lines[5].starts_with("bad.yaml:14:5: error: test: unknown key \"colour\"; allowed: "));
}
