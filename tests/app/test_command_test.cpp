// irwell test: PASS/FAIL lines with field-level differences, a summary, and the exit code.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "engine/app/commands.h"
#include "tests/support/test_support.h"

using irwell::app::test_command;
using irwell::testing::source_dir;
using irwell::testing::TempDir;

namespace {

struct Run {
  int code = 0;
  std::string out, err;
};

// Writes a file, creating its directories.
void write_file(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  irwell::testing::write_file(p, content);
}

Run run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Run r;
  r.code = test_command(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

constexpr const char* kConfig = R"(sources:
  feed: {type: mllp, port: 0}
destinations:
  store: {type: record_store}
routes:
  adt:
    sources: [feed]
    match: {type: ADT^*}
    transforms:
      - {type: set, path: MSH-5, value: STORE}
    destinations: [store]
)";

constexpr const char* kCases = R"(tests:
  - name: sets the receiver
    route: adt
    input: |
      MSH|^~\&|PAS|RIVERMEAD|HUB|HUB|20240301083000||ADT^A01|RIV0001|P|2.4
      PID|1||RM100001^^^RIVERMEAD^MR||TESTPATIENT^ALICE||19800201|F
    expect:
      destinations: [store]
      fields:
        MSH-5: STORE
  - name: results are unrouted
    source: feed
    input: |
      MSH|^~\&|LIMS|RIVERMEAD|HUB|HUB|20240301083000||ORU^R01|RIV0002|P|2.4
      PID|1||RM100001^^^RIVERMEAD^MR||TESTPATIENT^ALICE||19800201|F
    expect:
      outcome: unrouted
)";

constexpr const char* kWrong = R"(tests:
  - name: expects the wrong sex
    transforms:
      - {type: set, path: PID-8, value: U}
    input: |
      MSH|^~\&|PAS|RIVERMEAD|HUB|HUB|20240301083000||ADT^A01|RIV0001|P|2.4
      PID|1||RM100001^^^RIVERMEAD^MR||TESTPATIENT^ALICE||19800201|F
    expect:
      fields:
        PID-8: M
)";

}  // namespace

TEST_CASE("irwell test: passing cases print PASS and a summary, exit 0") {
  TempDir dir;
  write_file(dir / "routes.yaml", kConfig);
  write_file(dir / "cases" / "adt.yaml", kCases);
  auto r = run({"-c", (dir / "routes.yaml").string(), (dir / "cases").string()});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  std::string file = (dir / "cases" / "adt.yaml").string();
  CHECK(r.out == "PASS " + file + ":2: sets the receiver\nPASS " + file +
                     ":11: results are unrouted\n2 passed, 0 failed\n");
}

TEST_CASE("irwell test: a failing case prints FAIL with the differing field, exit 1") {
  TempDir dir;
  write_file(dir / "routes.yaml", kConfig);
  write_file(dir / "cases" / "a.yaml", kCases);
  write_file(dir / "cases" / "b.yaml", kWrong);
  write_file(dir / "cases" / "notes.txt", "not a behaviour file");
  auto r = run({"--config", (dir / "routes.yaml").string(), (dir / "cases").string()});
  CHECK(r.code == 1);
  std::string file = (dir / "cases" / "b.yaml").string();
  CHECK(r.out.find("FAIL " + file +
                   ":2: expects the wrong sex\n"
                   "    PID-8: expected \"M\", got \"U\"\n") != std::string::npos);
  CHECK(r.out.ends_with("2 passed, 1 failed\n"));
}

TEST_CASE("irwell test: without DIR it runs tests/behavior beside the config") {
  TempDir dir;
  write_file(dir / "routes.yaml", kConfig);
  write_file(dir / "tests" / "behavior" / "adt.yaml", kCases);
  auto r = run({"-c", (dir / "routes.yaml").string()});
  CHECK(r.code == 0);
  CHECK(r.out.ends_with("2 passed, 0 failed\n"));
}

TEST_CASE("irwell test: a broken config fails the cases that need it, not the others") {
  TempDir dir;
  write_file(dir / "routes.yaml", "routes:\n  adt: {sources: [nowhere]}\n");
  write_file(dir / "cases" / "a.yaml", kCases);
  write_file(dir / "cases" / "b.yaml", kWrong);
  auto r = run({"-c", (dir / "routes.yaml").string(), (dir / "cases").string()});
  CHECK(r.code == 1);
  CHECK(r.err.find("routes.yaml:2:") != std::string::npos);
  CHECK(r.out.find("    needs a config: " + (dir / "routes.yaml").string() +
                   " has errors (printed above)\n") != std::string::npos);
  CHECK(r.out.ends_with("0 passed, 3 failed\n"));
}

TEST_CASE("irwell test: a file with errors is reported on stderr and fails the run") {
  TempDir dir;
  write_file(dir / "bad.yaml", "tests:\n  - name: x\n    inptu: y\n");
  auto r = run({"-c", (dir / "none.yaml").string(), (dir / "bad.yaml").string()});
  CHECK(r.code == 1);
  CHECK(r.err.find((dir / "bad.yaml").string() + ":3:5: error: test: unknown key \"inptu\"") !=
        std::string::npos);
  CHECK(r.out.ends_with("0 passed, 0 failed, 1 file(s) with errors\n"));
}

TEST_CASE("irwell test: usage") {
  CHECK(run({"--help"}).code == 0);
  CHECK(run({"--help"}).out.starts_with("usage: irwell test"));
  auto unknown = run({"--frobnicate"});
  CHECK(unknown.code == 2);
  CHECK(unknown.err.starts_with("irwell test: unknown option \"--frobnicate\""));
  TempDir dir;
  auto missing = run({"-c", (dir / "none.yaml").string(), (dir / "nothing-here").string()});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("no such file or directory") != std::string::npos);
}

TEST_CASE("irwell test: the shipped routes.yaml passes its own behaviour files") {
  auto r = run({"-c", (source_dir() / "routes.yaml").string(),
                (source_dir() / "tests" / "behavior").string()});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.find("FAIL") == std::string::npos);
  CHECK(r.out.ends_with(" 0 failed\n"));
}
