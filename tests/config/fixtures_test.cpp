// Data-driven config tests (STYLE.md 15): every tests/data/config/broken/NAME.yaml must fail to
// load with exactly the diagnostics in NAME.expected (one per line, sorted by position), and every
// tests/data/config/good/NAME.yaml must load with none.
//
// To (re)write the .expected files after a deliberate wording change, run with
// IRWELL_UPDATE_EXPECTED=1 and review the diff before committing.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "engine/config/load_config.h"
#include "tests/config/test_registry.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace irwell;

namespace {

std::vector<fs::path> yaml_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Loads a fixture under its bare file name, so diagnostics read "NAME.yaml:L:C: ...".
Result<config::Config, std::vector<config::Diagnostic>> load_fixture(const fs::path& p) {
  static const config::Registry registry = testing::config_test_registry();
  return config::load_config_text(testing::read_file(p), p.filename().string(), p.parent_path(),
                                  registry, testing::config_test_environment());
}

}  // namespace

TEST_CASE("every broken config fixture gives exactly its expected diagnostics") {
  const fs::path dir = testing::data_dir() / "config" / "broken";
  const bool update = std::getenv("IRWELL_UPDATE_EXPECTED") != nullptr;
  auto files = yaml_files(dir);
  REQUIRE(files.size() >= 15);
  for (const auto& yaml : files) {
    SECTION(yaml.filename().string()) {
      auto loaded = load_fixture(yaml);
      REQUIRE_FALSE(loaded.ok());
      std::string actual;
      for (const auto& d : loaded.error()) actual += d.to_string() + "\n";
      fs::path expected_file = fs::path(yaml).replace_extension(".expected");
      if (update) testing::write_file(expected_file, actual);
      INFO("fixture " << yaml.filename().string() << " needs a sibling .expected file");
      REQUIRE(fs::exists(expected_file));
      CHECK(actual == testing::read_file(expected_file));
    }
  }
}

TEST_CASE("every good config fixture loads with no diagnostics") {
  const fs::path dir = testing::data_dir() / "config" / "good";
  auto files = yaml_files(dir);
  REQUIRE(files.size() >= 3);
  for (const auto& yaml : files) {
    SECTION(yaml.filename().string()) {
      auto loaded = load_fixture(yaml);
      std::string problems;
      if (!loaded) {
        for (const auto& d : loaded.error()) problems += d.to_string() + "\n";
      }
      INFO(problems);
      CHECK(loaded.ok());
    }
  }
}

TEST_CASE("the loader never throws: every prefix of every fixture gives a value or diagnostics") {
  // Truncated files are the cheapest malformed input there is: unclosed flows, keys without
  // values, half a ${VAR}. Each must come back as a Result, never as an exception or a crash.
  std::vector<fs::path> files;
  for (const char* dir : {"broken", "good"}) {
    auto more = yaml_files(testing::data_dir() / "config" / dir);
    files.insert(files.end(), more.begin(), more.end());
  }
  size_t loads = 0;
  for (const auto& yaml : files) {
    const std::string text = testing::read_file(yaml);
    for (size_t n = 0; n <= text.size(); n += 3) {
      INFO(yaml.filename().string() << " cut at byte " << n);
      REQUIRE_NOTHROW(config::load_config_text(std::string_view(text).substr(0, n), "t.yaml",
                                               yaml.parent_path(), testing::config_test_registry(),
                                               testing::config_test_environment()));
      ++loads;
    }
  }
  CHECK(loads > 1000);
}
