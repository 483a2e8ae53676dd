// The record_store destination's own keys (issue #7): defaults, values, and a bad opt-out path.
#include <catch2/catch.hpp>

#include "engine/config/load_config.h"
#include "tests/config/test_registry.h"

using namespace irwell;

namespace {

Result<config::Config, std::vector<config::Diagnostic>> load(const std::string& destination) {
  static const config::Registry registry = testing::config_test_registry();
  return config::load_config_text(
      "sources: {a: {type: mllp, port: 0}}\n"
      "destinations:\n  records:\n    type: record_store\n" +
          destination + "routes:\n  r: {sources: a, destinations: records}\n",
      "routes.yaml", "/srv/irwell", registry, testing::config_test_environment());
}

}  // namespace

TEST_CASE("record_store: defaults (file empty = records.db in the data dir, opt-out PD1-12 = Y)") {
  auto c = load("");
  REQUIRE(c.ok());
  const config::Params& p = c->find_destination("records")->params;
  CHECK(p.at("file").text.empty());
  CHECK_FALSE(p.at("file").given);
  CHECK(p.at("suppressed_clinics").list.empty());
  CHECK(p.at("suppressed_specialties").list.empty());
  CHECK(p.at("suppressed_codes").list.empty());
  CHECK(p.at("opt_out_field").text == "PD1-12");
  CHECK(p.at("opt_out_values").list == std::vector<std::string>{"Y"});
  CHECK(p.at("override_roles").list.empty());
}

TEST_CASE("record_store: every key decodes; a relative file resolves beside routes.yaml") {
  auto c = load(
      "    file: records/shared.db\n"
      "    suppressed_clinics: [GUM, SHC]\n"
      "    suppressed_specialties: PSYCH\n"
      "    suppressed_codes: [HIV, CHLAM]\n"
      "    opt_out_field: ZPI-3\n"
      "    opt_out_values: [DISSENT, OPTOUT]\n"
      "    override_roles: [clinician]\n");
  if (!c) {
    for (const auto& d : c.error()) UNSCOPED_INFO(d.to_string());
  }
  REQUIRE(c.ok());
  const config::Params& p = c->find_destination("records")->params;
  CHECK(p.at("file").text == "/srv/irwell/records/shared.db");
  CHECK(p.at("suppressed_clinics").list == std::vector<std::string>{"GUM", "SHC"});
  CHECK(p.at("suppressed_specialties").list == std::vector<std::string>{"PSYCH"});
  CHECK(p.at("suppressed_codes").list == std::vector<std::string>{"HIV", "CHLAM"});
  CHECK(p.at("opt_out_field").text == "ZPI-3");
  CHECK(p.at("opt_out_values").list == std::vector<std::string>{"DISSENT", "OPTOUT"});
  CHECK(p.at("override_roles").list == std::vector<std::string>{"clinician"});
}

TEST_CASE("record_store: an opt-out field that is not an HL7 path is a located error") {
  auto c = load("    opt_out_field: not-a-path\n");
  REQUIRE_FALSE(c.ok());
  REQUIRE(c.error().size() == 1);
  const std::string d = c.error()[0].to_string();
  CHECK(d.rfind("routes.yaml:5:", 0) == 0);
  CHECK(d.find("opt_out_field") != std::string::npos);
}
