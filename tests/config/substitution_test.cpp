// ${VAR} substitution before YAML parsing, and the position map that keeps diagnostics pointing
// at the text the user wrote.
#include "engine/config/substitution.h"

#include <catch2/catch.hpp>

#include "engine/config/load_config.h"
#include "tests/config/test_registry.h"

using namespace irwell;
using config::Mark;

namespace {

struct Out {
  std::string text;
  config::SourceMap map;
  std::vector<config::Diagnostic> diags;
};

Out run(std::string_view text, std::map<std::string, std::string> vars = {}) {
  config::DiagnosticList diags("t.yaml");
  auto sub = config::substitute(text, config::fixed_environment(std::move(vars)), diags);
  return {sub.text, sub.map, std::move(diags).take()};
}

bool same(Mark a, Mark b) { return a.line == b.line && a.column == b.column; }

}  // namespace

TEST_CASE("substitution: the shell's forms") {
  std::map<std::string, std::string> env = {{"SET", "value"}, {"EMPTY", ""}};
  CHECK(run("a: ${SET}", env).text == "a: value");
  CHECK(run("a: ${UNSET}", env).text == "a: ");  // unset without default: empty, no error
  CHECK(run("a: ${UNSET:-dflt}", env).text == "a: dflt");
  CHECK(run("a: ${EMPTY:-dflt}", env).text == "a: dflt");
  CHECK(run("a: ${EMPTY-dflt}", env).text == "a: ");
  CHECK(run("a: ${UNSET-dflt}", env).text == "a: dflt");
  CHECK(run("a: ${SET:-dflt}", env).text == "a: value");
  CHECK(run("a: ${UNSET:-}", env).text == "a: ");
  CHECK(run("a: $${SET} $SET", env).text == "a: ${SET} $SET");
  CHECK(run("a: ${SET}${SET}", env).text == "a: valuevalue");
  CHECK(run("a: ${SET:?needed}", env).diags.empty());
  CHECK(run("a: ${EMPTY?needed}", env).diags.empty());
}

TEST_CASE("substitution: errors at the reference's own position") {
  auto unset = run("x: 1\nport: ${PORT:?give the MLLP port}\n");
  REQUIRE(unset.diags.size() == 1);
  CHECK(unset.diags[0].to_string() ==
        "t.yaml:2:7: error: environment variable \"PORT\" is not set: give the MLLP port");
  CHECK(unset.text == "x: 1\nport: \n");

  auto empty = run("a: ${E:?}", {{"E", ""}});
  REQUIRE(empty.diags.size() == 1);
  CHECK(empty.diags[0].message == "environment variable \"E\" is empty");

  auto bad = run("a: ${9X} ${} ${A B}");
  REQUIRE(bad.diags.size() == 3);
  CHECK(bad.diags[0].column == 4);
  CHECK(bad.diags[1].column == 10);
  CHECK(bad.diags[2].column == 14);

  auto open = run("a: ${X\nb: ${Y}\n", {{"Y", "y"}});
  REQUIRE(open.diags.size() == 1);
  CHECK(open.diags[0].line == 1);
  CHECK(open.text == "a: \nb: y\n");  // the next line is unaffected
}

TEST_CASE("substitution: comments are left alone, quotes are not comments") {
  auto c = run("# ${NOPE:?x}\na: 1 # ${NOPE:?x}\nb: \"# ${V}\"\nc: '# ${V}'\nd: it's ${V} # ${V}\n",
               {{"V", "v"}});
  CHECK(c.diags.empty());
  CHECK(c.text == "# ${NOPE:?x}\na: 1 # ${NOPE:?x}\nb: \"# v\"\nc: '# v'\nd: it's v # ${V}\n");
}

TEST_CASE("the position map: columns after a reference are those of the original line") {
  // Original:     "  port: ${P}, bind: x" ; P = "12345" (longer than "${P}", 4 chars)
  auto longer = run("a: 1\n  port: ${P}, bind: x\n", {{"P", "12345"}});
  REQUIRE(longer.text == "a: 1\n  port: 12345, bind: x\n");
  // "bind" is at 0-based column 15 of the substituted line and 1-based column 15 of the file.
  size_t at = longer.text.find("bind") - longer.text.find('\n') - 1;
  CHECK(same(longer.map.original(1, static_cast<int>(at)), Mark{2, 15}));
  // Every character of the value maps to the '$'.
  CHECK(same(longer.map.original(1, 8), Mark{2, 9}));
  CHECK(same(longer.map.original(1, 12), Mark{2, 9}));
  // Before the reference nothing moves; the first line is untouched.
  CHECK(same(longer.map.original(1, 2), Mark{2, 3}));
  CHECK(same(longer.map.original(0, 3), Mark{1, 4}));

  // A shorter value ("" for unset) shifts the other way.
  auto shorter = run("k: ${LONG_NAME_UNSET}x\n");
  REQUIRE(shorter.text == "k: x\n");
  CHECK(same(shorter.map.original(0, 3), Mark{1, 22}));

  // A value with a newline: the extra output line still maps to the '$'.
  auto multi = run("k: ${M}\nz: 1\n", {{"M", "a\nb"}});
  REQUIRE(multi.text == "k: a\nb\nz: 1\n");
  CHECK(same(multi.map.original(1, 0), Mark{1, 4}));
  CHECK(same(multi.map.original(2, 0), Mark{2, 1}));
}

TEST_CASE(
    "load_config_text: a diagnostic after a substituted variable points at the original "
    "column") {
  // "${IRWELL_TEST_HOST}" (19 characters) becomes "receiver.example" (16): the unknown key
  // "portt" sits 3 columns further left in the substituted text than in the file.
  const std::string text =
      "sources:\n"
      "  in: { type: mllp, bind: \"${IRWELL_TEST_HOST}\", portt: 1 }\n";
  auto loaded =
      config::load_config_text(text, "routes.yaml", "/tmp", testing::config_test_registry(),
                               testing::config_test_environment());
  REQUIRE_FALSE(loaded.ok());
  REQUIRE(loaded.error().size() == 1);
  const auto& d = loaded.error()[0];
  CHECK(d.line == 2);
  CHECK(d.column == static_cast<int>(text.find("portt") - text.find('\n')));
  CHECK(d.column == 50);
  CHECK(d.message.starts_with("source \"in\": unknown key \"portt\"; allowed: "));
}

TEST_CASE("load_config_text: a wrong value that came from a variable is reported at the ${") {
  auto loaded =
      config::load_config_text("admin:\n  port:   ${ADMIN_PORT:-eighty}\n", "r.yaml", "/tmp",
                               testing::config_test_registry(), testing::config_test_environment());
  REQUIRE_FALSE(loaded.ok());
  REQUIRE(loaded.error().size() == 1);
  CHECK(loaded.error()[0].to_string() ==
        "r.yaml:2:11: error: admin: port: expected a port number (0-65535), got \"eighty\"");

  // Unset and no default: the value is empty, reported where the reference is written.
  auto empty =
      config::load_config_text("admin:\n  port: ${NOT_SET_AT_ALL}\n", "r.yaml", "/tmp",
                               testing::config_test_registry(), testing::config_test_environment());
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error()[0].to_string() ==
        "r.yaml:2:9: error: admin: port: expected a port number (0-65535), got nothing");
}
