// `irwell check` and `irwell list` through their command functions: exit codes and output.
#include <catch2/catch.hpp>
#include <sstream>

#include "engine/app/commands.h"
#include "tests/support/test_support.h"

using namespace irwell;

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run check(const app::Args& args) {
  std::ostringstream out, err;
  int code = app::check_command(args, out, err);
  return {code, out.str(), err.str()};
}

Run list(const app::Args& args) {
  std::ostringstream out, err;
  int code = app::list_command(args, out, err);
  return {code, out.str(), err.str()};
}

constexpr const char* kGood = R"(storage:
  data_dir: ./data
admin:
  port: 0
sources:
  acute_feeds: { type: mllp, port: 0, allowed_types: ["ADT^*"] }
destinations:
  subscriber: { type: mllp, host: 127.0.0.1, port: 2576 }
routes:
  adt:
    sources: [acute_feeds]
    match: { type: ADT^A0* }
    destinations: [subscriber]
)";

}  // namespace

TEST_CASE("irwell check: a good config prints nothing and exits 0") {
  testing::TempDir tmp;
  testing::write_file(tmp / "routes.yaml", kGood);
  Run r = check({"-c", (tmp / "routes.yaml").string()});
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  // Checking opened nothing: no store directory was created.
  CHECK_FALSE(std::filesystem::exists(tmp / "data"));
}

TEST_CASE("irwell check: every problem, in compiler form, FILE as given, exit 1") {
  testing::TempDir tmp;
  std::string bad = kGood;
  bad.replace(bad.find("port: 2576"), 10, "port: abc");
  bad.replace(bad.find("[subscriber]"), 12, "[subscriber, archive]");
  testing::write_file(tmp / "routes.yaml", bad);
  const std::string file = (tmp / "routes.yaml").string();
  Run r = check({"--config", file});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == file +
                     ":8:52: error: destination \"subscriber\": port: expected a port number "
                     "(1-65535), got \"abc\"\n" +
                     file +
                     ":13:32: error: route \"adt\": unknown destination \"archive\"; "
                     "defined: subscriber\n");
}

TEST_CASE("irwell check: the brief's example config passes with the real built-in registry") {
  // tests/data/config/good/example.yaml uses the real `set` and `lookup` transforms.
  Run r = check({"-c", (testing::data_dir() / "config" / "good" / "example.yaml").string()});
  CHECK(r.err.empty());
  CHECK(r.code == 0);
}

TEST_CASE("irwell check: the default file is ./routes.yaml; a missing file exits 1") {
  testing::TempDir tmp;
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(tmp.path());
  Run missing = check({});
  testing::write_file(tmp / "routes.yaml", kGood);
  Run good = check({});
  std::filesystem::current_path(cwd);
  CHECK(missing.code == 1);
  CHECK(missing.err ==
        "routes.yaml: error: cannot read: no such file (give another with -c FILE)\n");
  CHECK(good.code == 0);
  CHECK(good.err.empty());
}

TEST_CASE("irwell check: --help and usage errors") {
  Run help = check({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("usage: irwell check [-c routes.yaml]") == 0);
  Run bad = check({"--frobnicate"});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("unexpected argument \"--frobnicate\"") != std::string::npos);
  Run dangling = check({"-c"});
  CHECK(dangling.code == 2);
}

TEST_CASE("irwell list: every built-in source and destination type with fields and defaults") {
  Run r = list({});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  for (const char* s :
       {"sources:\n", "destinations:\n", "transforms:\n", "  mllp: receives", "  directory: reads",
        "  mllp: sends", "  file: writes", "  http: POSTs", "  record_store: applies"}) {
    INFO(s);
    CHECK(r.out.find(s) != std::string::npos);
  }
  // One field line: name, type, default, doc.
  CHECK(r.out.find("    max_frame_bytes") != std::string::npos);
  CHECK(r.out.find("16MiB") != std::string::npos);
  CHECK(r.out.find("enum (auto|original|enhanced)") != std::string::npos);
  CHECK(r.out.find("required") != std::string::npos);  // host/port of the MLLP destination
  // Sources come before destinations before transforms.
  CHECK(r.out.find("sources:") < r.out.find("destinations:"));
  CHECK(r.out.find("destinations:") < r.out.find("transforms:"));
}

TEST_CASE("irwell list --markdown prints reference tables; --help; bad arguments") {
  Run md = list({"--markdown"});
  CHECK(md.code == 0);
  CHECK(md.out.find("### source `mllp`") != std::string::npos);
  CHECK(md.out.find("| `port` | port | `2575` |") != std::string::npos);
  CHECK(list({"--help"}).out.find("usage: irwell list") == 0);
  CHECK(list({"extra"}).code == 2);
}
