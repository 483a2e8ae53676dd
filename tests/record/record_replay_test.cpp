// A whole day's feed for several invented patients, applied, then replayed (issue #7:
// idempotent and order-tolerant).
#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/record/record_fixtures.h"

using namespace irwell::record;
using namespace irwell::record::testing;

namespace {

std::vector<std::string> day_feed() {
  const std::string ada = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  const std::string ben = pid("RXA3001", kBenNhs, "BABBAGE", "BEN", {{8, "M"}});
  const std::string ben_renamed = pid("RXA3001", kBenNhs, "BABBAGE", "BENJAMIN", {{8, "M"}});
  const std::string cara = pid("RXA5001", kCaraNhs, "HOPPER", "CARA");
  const std::string cara_dup = pid("RXA5999", "", "HOPPER", "C");
  const std::string dev = pid("RXA7001", kDevNhs, "TURING", "DEV", {{8, "M"}});
  const std::string ward_a = "WARD A^BAY 1^BED 2^RXA";
  const std::string ward_b = "WARD B^BAY 3^BED 4^RXA";
  const std::string fbc =
      segment("OBR", {{1, "1"}, {2, "O1"}, {3, "L1"}, {4, "FBC^Full blood count"}, {25, "F"}});
  return {
      adt("A04", "20261101001500", {ben, pv1("E", "ED^MAJORS^^RXA", "E1")}),
      adt("A01", "20261101030000",
          {ada, pv1("I", ward_a, "V1"),
           segment("AL1", {{1, "1"}, {2, "DA"}, {3, "PEN^PENICILLIN"}})}),
      adt("A02", "20261101043000", {ben, pv1("I", ward_b, "E1", {{6, "ED^MAJORS^^RXA"}})}),
      siu("S12", "20261101080000",
          {segment("SCH", {{1, "P1"}, {2, "F1"}, {11, "^^^20261215093000"}}), dev,
           segment("AIS", {{1, "1"}, {3, "DERM^Dermatology"}})}),
      oru("20261101090000", {ada, fbc,
                             segment("OBX", {{1, "1"},
                                             {2, "NM"},
                                             {3, "HB^Haemoglobin"},
                                             {5, "101"},
                                             {6, "g/L"},
                                             {8, "L"},
                                             {11, "F"}})}),
      adt("A02", "20261101100000", {ada, pv1("I", ward_b, "V1", {{6, ward_a}})}),
      adt("A12", "20261101101500", {ada, pv1("I", ward_a, "V1", {{6, ward_b}})}),
      adt("A04", "20261101110000", {cara_dup, pv1("E", "ED^MINORS^^RXA", "E2")}),
      adt("A28", "20261101113000",
          {cara, segment("NK1", {{1, "1"}, {2, "HOPPER^GRACE"}, {3, "MTH^Mother"}})}),
      siu("S12", "20261101120000",
          {segment("SCH", {{1, "P1"}, {2, "F1"}, {11, "^^^20261215093000"}}), dev}),
      adt("A40", "20261101130000", {cara, segment("MRG", {{1, "RXA5999^^^RXA^MR"}})}),
      adt("A03", "20261101140000", {cara_dup, pv1("E", "ED^MINORS^^RXA", "E2", {{36, "01"}})}),
      oru("20261101150000",
          {ada, fbc,
           segment(
               "OBX",
               {{1, "1"}, {2, "NM"}, {3, "HB^Haemoglobin"}, {5, "110"}, {6, "g/L"}, {11, "C"}})}),
      adt("A08", "20261101160000", {ben_renamed}),
      siu("S13", "20261101170000", {segment("SCH", {{2, "F1"}, {11, "^^^20261220093000"}}), dev}),
      adt("A03", "20261101180000", {ben_renamed, pv1("I", ward_b, "E1", {{36, "01"}})}),
      adt("A08", "20261101120000",
          {pid("RXA3001", kBenNhs, "BABBAGE", "BENNY", {{8, "M"}})}),  // late
      siu("S26", "20261101235900", {segment("SCH", {{1, "P9"}}), dev}),
  };
}

std::string all_json(Feed& feed) {
  std::string out;
  for (const char* nhs : {kAdaNhs, kBenNhs, kCaraNhs, kDevNhs}) out += feed.json(nhs) + "\n";
  return out;
}

}  // namespace

TEST_CASE("a whole day's feed replayed twice gives the same record") {
  Feed feed;
  const std::vector<std::string> day = day_feed();
  int applied = 0;
  for (size_t i = 0; i < day.size(); ++i) {
    const ApplyOutcome o = feed.apply(day[i], static_cast<int64_t>(i + 1));
    INFO("message " << i + 1 << ": " << o.reason);
    CHECK(o.status != ApplyStatus::failed);
    if (o.status == ApplyStatus::applied) ++applied;
  }
  CHECK(applied == static_cast<int>(day.size()) - 1);  // the late A08 is older than stored data
  const std::string first = all_json(feed);
  const RecordCounts counts = feed.store().counts();

  // The same messages (same message store ids) again, as a batch: nothing changes.
  std::vector<ApplyInput> batch;
  for (size_t i = 0; i < day.size(); ++i)
    batch.push_back(input(day[i], static_cast<int64_t>(i + 1)));
  auto out = feed.store().apply_batch(batch);
  REQUIRE(out.ok());
  for (const ApplyOutcome& o : *out) CHECK(o.status == ApplyStatus::ignored);
  CHECK(all_json(feed) == first);
  const RecordCounts again = feed.store().counts();
  CHECK(again.patients == counts.patients);
  CHECK(again.encounters == counts.encounters);
  CHECK(again.observations == counts.observations);

  // What the day says.
  CHECK(counts.patients == 4);
  CHECK(counts.merged_patients == 1);
  const PatientRecord ada = feed.patient(kAdaNhs);
  REQUIRE(ada.encounters.size() == 1);
  CHECK(ada.encounters[0].location.point_of_care == "WARD A");  // transfer cancelled
  CHECK(ada.results.at(0).observations.at(0).value == "110");
  CHECK(ada.results.at(0).observations.at(0).history.size() == 1);
  const PatientRecord ben = feed.patient(kBenNhs);
  CHECK(ben.identity.given_names == "BENJAMIN");
  CHECK(ben.encounters.at(0).status == "discharged");
  const PatientRecord cara = feed.patient(kCaraNhs);
  REQUIRE(cara.encounters.size() == 1);
  CHECK(cara.encounters[0].status == "discharged");
  CHECK(cara.contacts.size() == 1);
  const PatientRecord dev = feed.patient(kDevNhs);
  REQUIRE(dev.appointments.size() == 2);
  CHECK(dev.appointments[0].start_time == "20261220093000");
  CHECK(dev.appointments[1].status == "no_show");
}

TEST_CASE("the day's feed in two batches in another store gives the same record") {
  Feed one, two;
  const std::vector<std::string> day = day_feed();
  for (size_t i = 0; i < day.size(); ++i) one.apply(day[i], static_cast<int64_t>(i + 1));
  std::vector<ApplyInput> batch;
  for (size_t i = 0; i < day.size(); ++i)
    batch.push_back(input(day[i], static_cast<int64_t>(i + 1)));
  const size_t half = day.size() / 2;
  REQUIRE(two.store().apply_batch(std::span(batch).first(half)).ok());
  REQUIRE(two.store().apply_batch(std::span(batch).subspan(half)).ok());
  CHECK(all_json(one) == all_json(two));
}
