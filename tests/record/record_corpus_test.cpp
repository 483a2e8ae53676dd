// The corpus's ADT, ORU and SIU samples (IRWELL_CORPUS) through the record store: each applies,
// or is ignored or fails with a stated reason.
#include <catch2/catch.hpp>
#include <map>

#include "engine/hl7/batch.h"
#include "tests/record/record_fixtures.h"

using namespace irwell::record;
using namespace irwell::record::testing;

namespace {

// Corpus messages that do not apply, and why (anything else must be applied).
const std::map<std::string, std::string> kExpected = {
    {"adt/uclh-adt-a17-swap-zpd-v24.hl7", "ADT^A17 is not applied to the record"},
};

}  // namespace

TEST_CASE("corpus ADT, ORU and SIU samples apply, or say why not") {
  const auto dir = irwell::testing::corpus_dir();
  if (dir.empty()) {
    WARN("IRWELL_CORPUS is not set; corpus test skipped");
    return;
  }
  Feed feed;
  int applied = 0, files = 0;
  int64_t id = 1;
  for (const std::string& name : irwell::testing::corpus_files()) {
    if (name.rfind("adt/", 0) != 0 && name.rfind("oru/", 0) != 0 && name.rfind("siu/", 0) != 0) {
      continue;
    }
    ++files;
    auto batch = irwell::hl7::split_batch(irwell::testing::read_file(dir / name));
    REQUIRE(batch.ok());
    for (const std::string& raw : batch->messages) {
      const ApplyOutcome o = feed.apply(raw, id++);
      INFO(name << ": " << to_string(o.status) << " " << o.reason);
      auto expected = kExpected.find(name);
      if (expected != kExpected.end()) {
        CHECK(o.status != ApplyStatus::applied);
        CHECK(o.reason == expected->second);
      } else {
        CHECK(o.status == ApplyStatus::applied);
      }
      if (o.status == ApplyStatus::applied) ++applied;
    }
  }
  CHECK(files >= 40);
  CHECK(applied >= files - static_cast<int>(kExpected.size()));
  // The two UCLH samples about NHS number 9999999999 land on one record.
  auto r = feed.store().get_patient("9999999999");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK_FALSE(to_json(**r, true).empty());
}
