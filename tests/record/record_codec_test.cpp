// The record's stored form, HL7 times, and the JSON view.
#include "engine/record/record_codec.h"

#include <catch2/catch.hpp>

#include "engine/record/hl7_time.h"
#include "engine/record/record_json.h"

using namespace irwell::record;

namespace {

PatientRecord sample() {
  PatientRecord r;
  r.identity.nhs_number = "9990000018";
  r.identity.family_name = "LOVELACE";
  r.identity.address = {"1 Test Street", "Testtown"};
  r.identity.stamp = Stamp{-5, 7};
  r.identity.sources = {1, 2};
  r.identifiers = {{"RXA1", "RXA", "MR"}};
  Encounter e;
  e.visit_number = "V1";
  e.status = "active";
  e.location = {"WARD A", "", "BED 1", "RXA"};
  Transfer t;
  t.to = e.location;
  t.cancelled = true;
  e.transfers.push_back(t);
  r.encounters.push_back(e);
  Order o;
  o.filler_order = "L1";
  Observation ob;
  ob.code = "K";
  ob.value = "4.2";
  ob.history.push_back(ObservationVersion{"6.1", "mmol/L", "", "H", "F", "", Stamp{1, 1}, 1});
  o.observations.push_back(ob);
  r.results.push_back(o);
  r.opted_out = true;
  r.sources.push_back(Source{1, "C1", "ADT^A01", "20261101", 1'800'000'000'000'000});
  return r;
}

}  // namespace

TEST_CASE("record codec: round trip, and corrupt or foreign bytes are errors") {
  const PatientRecord r = sample();
  const std::string bytes = encode_record(r);
  auto back = decode_record(bytes);
  REQUIRE(back.ok());
  CHECK(encode_record(*back) == bytes);
  CHECK(to_json(*back, true) == to_json(r, true));
  CHECK(back->identity.stamp == Stamp{-5, 7});
  CHECK(back->results[0].observations[0].history[0].value == "6.1");

  CHECK_FALSE(decode_record("").ok());
  CHECK_FALSE(decode_record(std::string(1, '\x09') + bytes.substr(1)).ok());
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    INFO(cut);
    CHECK_FALSE(decode_record(bytes.substr(0, cut)).ok());
  }
  CHECK_FALSE(decode_record(bytes + "x").ok());
  // A huge count must not allocate: it is corruption.
  CHECK_FALSE(decode_record(std::string("\x01\x01\x01\x02\xff\xff\xff\xff\x0f", 9)).ok());
}

TEST_CASE("HL7 times: precision, offsets, fractions; junk is not a time") {
  CHECK(parse_hl7_time("19700101000000") == 0);
  CHECK(parse_hl7_time("1970") == 0);
  CHECK(parse_hl7_time("19700101010000+0100") == 0);
  CHECK(parse_hl7_time("19700101000000-0030") == 30 * 60 * 1'000'000LL);
  CHECK(parse_hl7_time("19700101000001.25") == 1'250'000);
  CHECK(parse_hl7_time("202611011230") < parse_hl7_time("20261101123001"));
  for (const char* bad : {"", "2026110", "20261301", "20260230", "2026-11-01", "20261101x",
                          "20261101+01", "202611011.5"}) {
    INFO(bad);
    CHECK_FALSE(parse_hl7_time(bad).has_value());
  }
  CHECK(iso_time("20261101093000") == "2026-11-01T09:30:00");
  CHECK(iso_time("202611010930+0100") == "2026-11-01T09:30+01:00");
  CHECK(iso_time("2026110109") == "2026-11-01T09:00");
  CHECK(iso_time("20261101") == "2026-11-01");
  CHECK(iso_time("20261101093000.5-0400") == "2026-11-01T09:30:00.5-04:00");
  CHECK(iso_time("soon") == "soon");
}

TEST_CASE("JSON: withheld form, cancelled facts left out, stable text") {
  const PatientRecord r = sample();
  CHECK(
      to_json(r, false) ==
      R"({"nhs_number":"9990000018","withheld":true,"reason":"the patient has opted out of sharing their record"})");
  const std::string full = to_json(r, true);
  CHECK(full.rfind(R"({"withheld":false,"opted_out":true,"nhs_number":"9990000018")", 0) == 0);
  CHECK(full.find(R"("transfers":[])") != std::string::npos);
  CHECK(full.find(R"("received_at_us":1800000000000000)") != std::string::npos);
  CHECK(to_json(r, true, 2).find("\n  \"withheld\": false") != std::string::npos);
}
