#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/core/log.h"
#include "engine/core/result.h"

using namespace irwell;

TEST_CASE("log lines are logfmt with quoted values", "[core][log]") {
  std::vector<std::string> lines;
  log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
  log::info("frame_dropped", {{"source", "lab in"}, {"bytes", 12}});
  log::debug("hidden_at_info");
  log::set_sink(nullptr);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(" level=info event=frame_dropped source=\"lab in\" bytes=12") !=
        std::string::npos);
}

TEST_CASE("Result carries a value or an error", "[core]") {
  Result<int> good = 3;
  Result<int> bad = fail("nope");
  CHECK(good.ok());
  CHECK(*good == 3);
  CHECK_FALSE(bad.ok());
  CHECK(bad.error().message == "nope");
}
