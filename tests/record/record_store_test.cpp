// The record store fed with invented patients, event by event (issue #7).
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/record/record_fixtures.h"

using namespace irwell::record;
using namespace irwell::record::testing;

namespace {

const Encounter& only_encounter(const PatientRecord& r) {
  REQUIRE(r.encounters.size() == 1);
  return r.encounters.front();
}

bool has_identifier(const PatientRecord& r, const std::string& authority, const std::string& id) {
  return std::any_of(r.identifiers.begin(), r.identifiers.end(),
                     [&](const Identifier& i) { return i.authority == authority && i.id == id; });
}

const std::string kWardA = "WARD A^BAY 1^BED 2^RXA";
const std::string kWardB = "WARD B^BAY 3^BED 4^RXA";

}  // namespace

TEST_CASE("A01 admission: identity, identifiers, PD1, NHS number status, encounter") {
  Feed feed;
  const std::string pd1 =
      segment("PD1", {{3, "THE SURGERY^^P81001"}, {4, "G1234567^WHO^JOHN^^^DR"}});
  auto out = feed.apply(adt("A01", "20261101093000",
                            {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA", {{32, "01"}}), pd1,
                             pv1("I", kWardA, "V1001", {{44, "20261101092500"}})}));
  CHECK(out.status == ApplyStatus::applied);
  CHECK(out.reason.empty());

  const PatientRecord r = feed.patient(kAdaNhs);
  CHECK(r.identity.nhs_number == kAdaNhs);
  CHECK(r.identity.nhs_number_status == "01");
  CHECK(r.identity.family_name == "LOVELACE");
  CHECK(r.identity.given_names == "ADA");
  CHECK(r.identity.title == "MX");
  CHECK(r.identity.birth_date == "19800101");
  CHECK(r.identity.sex == "F");
  CHECK(r.identity.address == std::vector<std::string>{"1 Test Street", "Testtown", "TT1 1TT"});
  CHECK(r.identity.phones == std::vector<std::string>{"01632 960001"});
  CHECK(r.identity.practice == CodedName{"P81001", "THE SURGERY"});
  CHECK(r.identity.gp == CodedName{"G1234567", "DR JOHN WHO"});
  CHECK(has_identifier(r, "RXA", "RXA1001"));
  CHECK(has_identifier(r, "NHS", kAdaNhs));

  const Encounter& e = only_encounter(r);
  CHECK(e.visit_number == "V1001");
  CHECK(e.kind == "inpatient");
  CHECK(e.status == "active");
  CHECK(e.admit_time == "20261101092500");
  CHECK(e.location == Location{"WARD A", "BAY 1", "BED 2", "RXA"});
  CHECK(e.consultant == CodedName{"C1234", "DR GREG HOUSE"});
  CHECK(e.hospital_service == "GMED");

  // Provenance: the facts cite message 1, described once.
  REQUIRE(r.sources.size() == 1);
  CHECK(r.sources[0].message_id == 1);
  CHECK(r.sources[0].message_type == "ADT^A01");
  CHECK(e.sources == std::vector<int64_t>{1});
  CHECK(r.identity.sources == std::vector<int64_t>{1});

  const std::string json = to_json(r, false);
  CHECK(json.find(R"("admit_time":"2026-11-01T09:25:00")") != std::string::npos);
  CHECK(json.find(R"("text":"number present and verified")") != std::string::npos);
}

TEST_CASE(
    "an NHS number failing modulus 11 is not taken; the local number still finds the record") {
  Feed feed;
  auto out =
      feed.apply(adt("A28", "20261101090000", {pid("RXA2001", "9990000019", "BAD", "NUMBER")}));
  CHECK(out.status == ApplyStatus::applied);
  CHECK_FALSE(feed.store().get_patient("9990000019").ok());  // not a valid NHS number
  auto r = feed.store().get_patient_by_identifier("RXA", "RXA2001");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->identity.nhs_number.empty());
  CHECK((*r)->identity.rejected_nhs_number == "9990000019");
  CHECK_FALSE(has_identifier(**r, "NHS", "9990000019"));
}

TEST_CASE("unknown patient: nullopt; an invalid NHS number: an error") {
  Feed feed;
  auto r = feed.store().get_patient(kBenNhs);
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
  CHECK_FALSE(feed.store().get_patient("12345").ok());
  CHECK_FALSE(feed.store().get_patient("9990000019").ok());
}

TEST_CASE("A02 transfer then A03 discharge") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  feed.apply(adt("A01", "20261101093000", {p, pv1("I", kWardA, "V1001")}));
  CHECK(feed.apply(adt("A02", "20261101120000", {p, pv1("I", kWardB, "V1001", {{6, kWardA}})}))
            .status == ApplyStatus::applied);
  CHECK(feed.apply(adt("A03", "20261103150000",
                       {p, pv1("I", kWardB, "V1001",
                               {{36, "01"}, {37, "HOME"}, {45, "20261103143000"}})}))
            .status == ApplyStatus::applied);
  const Encounter e = only_encounter(feed.patient(kAdaNhs));
  CHECK(e.status == "discharged");
  CHECK(e.discharge_time == "20261103143000");
  CHECK(e.disposition == "01");
  CHECK(e.discharged_to == "HOME");
  CHECK(e.location.point_of_care == "WARD B");
  REQUIRE(e.transfers.size() == 1);
  CHECK(e.transfers[0].from.point_of_care == "WARD A");
  CHECK(e.transfers[0].to.point_of_care == "WARD B");
  CHECK(e.transfers[0].time == "20261101120000");
  CHECK(e.sources == std::vector<int64_t>{1, 2, 3});
}

TEST_CASE("A12 cancel transfer after a transfer: back to the old location, transfer undone") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  feed.apply(adt("A01", "20261101093000", {p, pv1("I", kWardA, "V1001")}));
  feed.apply(adt("A02", "20261101120000", {p, pv1("I", kWardB, "V1001", {{6, kWardA}})}));
  CHECK(feed.apply(adt("A12", "20261101121500", {p, pv1("I", kWardA, "V1001", {{6, kWardB}})}))
            .status == ApplyStatus::applied);
  const PatientRecord r = feed.patient(kAdaNhs);
  const Encounter& e = only_encounter(r);
  CHECK(e.location.point_of_care == "WARD A");
  REQUIRE(e.transfers.size() == 1);
  CHECK(e.transfers[0].cancelled);
  CHECK(to_json(r, false).find(R"("transfers":[])") != std::string::npos);
}

TEST_CASE("A11 cancel admission after a transfer: the admission disappears and stays cancelled") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  const std::string a01 = adt("A01", "20261101093000", {p, pv1("I", kWardA, "V1001")});
  feed.apply(a01);
  feed.apply(adt("A02", "20261101120000", {p, pv1("I", kWardB, "V1001", {{6, kWardA}})}));
  CHECK(feed.apply(adt("A11", "20261101130000", {p, pv1("I", kWardB, "V1001")})).status ==
        ApplyStatus::applied);
  CHECK(only_encounter(feed.patient(kAdaNhs)).status == "cancelled");
  CHECK(feed.json(kAdaNhs).find(R"("encounters":[])") != std::string::npos);
  // The admission replayed (older than the cancellation) does not bring it back.
  auto again = feed.apply(a01);
  CHECK(again.status == ApplyStatus::ignored);
  CHECK(again.reason == "older than stored data");
  CHECK(only_encounter(feed.patient(kAdaNhs)).status == "cancelled");
}

TEST_CASE("A13 cancel discharge; A21/A22 leave of absence") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  feed.apply(adt("A01", "20261101093000", {p, pv1("I", kWardA, "V1001")}));
  feed.apply(adt("A21", "20261102090000", {p, pv1("I", kWardA, "V1001")}));
  CHECK(only_encounter(feed.patient(kAdaNhs)).status == "on_leave");
  feed.apply(adt("A22", "20261102180000", {p, pv1("I", kWardA, "V1001")}));
  CHECK(only_encounter(feed.patient(kAdaNhs)).status == "active");
  feed.apply(adt("A03", "20261103100000", {p, pv1("I", kWardA, "V1001", {{36, "01"}})}));
  CHECK(only_encounter(feed.patient(kAdaNhs)).status == "discharged");
  feed.apply(adt("A13", "20261103101000", {p, pv1("I", kWardA, "V1001")}));
  const Encounter e = only_encounter(feed.patient(kAdaNhs));
  CHECK(e.status == "active");
  CHECK(e.discharge_time.empty());
  CHECK(e.disposition.empty());
}

TEST_CASE("A04 ED attendance, A05 pre-admission, A06 outpatient to inpatient") {
  Feed feed;
  const std::string p = pid("RXA3001", kBenNhs, "BABBAGE", "BEN", {{8, "M"}});
  feed.apply(adt("A04", "20261105020000", {p, pv1("E", "ED^MAJORS^CUBE 4^RXA", "E3001")}));
  feed.apply(adt("A05", "20261105030000", {p, pv1("P", "", "P3002")}));
  feed.apply(adt("A04", "20261106090000", {p, pv1("O", "OPD^ROOM 1^^RXA", "O3003")}));
  feed.apply(adt("A06", "20261106100000", {p, pv1("I", kWardA, "O3003")}));
  const PatientRecord r = feed.patient(kBenNhs);
  REQUIRE(r.encounters.size() == 3);
  CHECK(r.encounters[0].kind == "emergency");
  CHECK(r.encounters[0].status == "active");
  CHECK(r.encounters[0].location.point_of_care == "ED");
  CHECK(r.encounters[1].status == "planned");
  CHECK(r.encounters[1].kind == "preadmit");
  CHECK(r.encounters[2].kind == "inpatient");
  CHECK(r.encounters[2].patient_class == "I");
  CHECK(r.encounters[2].location.point_of_care == "WARD A");
}

TEST_CASE("out-of-order update: an older A08 does not overwrite a newer one") {
  Feed feed;
  feed.apply(adt("A28", "20261101090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA")}));
  CHECK(feed.apply(adt("A08", "20261110090000", {pid("RXA1001", kAdaNhs, "KING", "ADA")})).status ==
        ApplyStatus::applied);
  auto late = feed.apply(adt("A08", "20261105090000", {pid("RXA1001", kAdaNhs, "BYRON", "ADA")}));
  CHECK(late.status == ApplyStatus::ignored);
  CHECK(late.reason == "older than stored data");
  CHECK(feed.patient(kAdaNhs).identity.family_name == "KING");
  // A31 newer still: applied. HL7 null ("") clears a field; an empty field leaves it.
  feed.apply(adt("A31", "20261111090000",
                 {pid("RXA1001", kAdaNhs, "KING", "ADA", {{13, "\"\""}, {11, ""}})}));
  const PatientRecord r = feed.patient(kAdaNhs);
  CHECK(r.identity.phones.empty());
  CHECK(r.identity.address.size() == 3);
}

TEST_CASE("equal event times: the message store id breaks the tie, the later message wins") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  const std::string a01 = adt("A01", "20261101093000", {p, pv1("I", kWardA, "V1001")});
  feed.apply(a01);
  feed.apply(adt("A02", "20261101093000", {p, pv1("I", kWardB, "V1001")}));
  CHECK(feed.apply(a01, 1).status == ApplyStatus::ignored);  // message 1 again
  CHECK(only_encounter(feed.patient(kAdaNhs)).location.point_of_care == "WARD B");
}

TEST_CASE("the same message twice changes nothing") {
  Feed feed;
  const std::string m =
      adt("A01", "20261101093000",
          {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), pv1("I", kWardA, "V1001"),
           segment("AL1", {{1, "1"}, {2, "DA"}, {3, "PEN^PENICILLIN"}, {4, "SV"}})});
  CHECK(feed.apply(m, 7).status == ApplyStatus::applied);
  const std::string before = feed.json(kAdaNhs);
  const auto counts = feed.store().counts();
  auto again = feed.apply(m, 7);
  CHECK(again.status == ApplyStatus::ignored);
  CHECK(again.reason == "already applied");
  CHECK(feed.json(kAdaNhs) == before);
  CHECK(feed.store().counts().encounters == counts.encounters);
  CHECK(feed.store().counts().patients == 1);
}

TEST_CASE("A40 merge, then a late message about the merged identifier lands on the survivor") {
  Feed feed;
  // Two records of one person: RXA1001 (NHS number known) and RXA9001 (a duplicate).
  feed.apply(adt("A01", "20261101093000",
                 {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), pv1("I", kWardA, "V1001")}));
  feed.apply(adt("A04", "20261102093000",
                 {pid("RXA9001", kCaraNhs, "LOVELACE", "A"), pv1("E", "ED^^^RXA", "E9001"),
                  segment("NK1", {{1, "1"}, {2, "LOVELACE^ANNE"}, {3, "MTH^Mother"}})}));
  CHECK(feed.store().counts().patients == 2);

  auto merge = feed.apply(
      adt("A40", "20261103090000",
          {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), segment("MRG", {{1, "RXA9001^^^RXA^MR"}})}));
  CHECK(merge.status == ApplyStatus::applied);
  CHECK(feed.store().counts().patients == 1);
  CHECK(feed.store().counts().merged_patients == 1);
  CHECK(feed.store().counts().encounters == 2);

  PatientRecord r = feed.patient(kAdaNhs);
  CHECK(r.encounters.size() == 2);
  CHECK(r.contacts.size() == 1);
  CHECK(has_identifier(r, "RXA", "RXA9001"));
  CHECK(std::count(r.merged_identifiers.begin(), r.merged_identifiers.end(),
                   Identifier{"RXA9001", "RXA", "MR"}) == 1);
  // The merged record's NHS number answers with the survivor.
  CHECK(feed.patient(kCaraNhs).identity.nhs_number == kAdaNhs);

  // A late discharge about the merged identifier, and a late update older than the merge.
  CHECK(feed.apply(adt("A03", "20261103120000",
                       {pid("RXA9001", "", "LOVELACE", "A"), pv1("E", "ED^^^RXA", "E9001")}))
            .status == ApplyStatus::applied);
  feed.apply(adt("A08", "20261102100000", {pid("RXA9001", "", "OLDNAME", "A")}));
  r = feed.patient(kAdaNhs);
  CHECK(feed.store().counts().patients == 1);
  auto ed = std::find_if(r.encounters.begin(), r.encounters.end(),
                         [](const Encounter& e) { return e.visit_number == "E9001"; });
  REQUIRE(ed != r.encounters.end());
  CHECK(ed->status == "discharged");
  CHECK(r.identity.family_name == "LOVELACE");

  // The merge again: nothing to do.
  CHECK(feed.apply(adt("A40", "20261103090000",
                       {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"),
                        segment("MRG", {{1, "RXA9001^^^RXA^MR"}})}),
                   3)
            .status == ApplyStatus::ignored);
}

TEST_CASE("A34 merge of an identifier never seen: later messages about it land on the survivor") {
  Feed feed;
  feed.apply(adt("A28", "20261101090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA")}));
  CHECK(feed.apply(adt("A34", "20261101100000",
                       {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"),
                        segment("MRG", {{1, "OLD777^^^RXA^MR"}})}))
            .status == ApplyStatus::applied);
  feed.apply(
      adt("A01", "20261101110000", {pid("OLD777", "", "LOVELACE", "ADA"), pv1("I", kWardA, "V7")}));
  CHECK(feed.store().counts().patients == 1);
  CHECK(only_encounter(feed.patient(kAdaNhs)).visit_number == "V7");
}

TEST_CASE("SIU: S12 twice updates one appointment; S13 reschedules; S15 cancels; S26 no-show") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  auto sch = [](const std::string& start) {
    return segment("SCH", {{1, "PL100"},
                           {2, "FL200"},
                           {7, "^Follow up"},
                           {8, "^Routine"},
                           {9, "30"},
                           {10, "min"},
                           {11, "^^^" + start}});
  };
  const std::string ais = segment("AIS", {{1, "1"}, {3, "CARD^Cardiology clinic"}});
  const std::string ail = segment("AIL", {{1, "1"}, {3, "CARDOPD^ROOM 2^^RXA"}});
  const std::string aip = segment("AIP", {{1, "1"}, {3, "C55^HEART^HANNA^^^DR"}});
  feed.apply(siu("S12", "20261101090000", {sch("20261201100000"), p, ais, ail, aip}));
  feed.apply(siu("S12", "20261101090500", {sch("20261201100000"), p, ais, ail, aip}));
  PatientRecord r = feed.patient(kAdaNhs);
  REQUIRE(r.appointments.size() == 1);
  CHECK(r.appointments[0].status == "booked");
  CHECK(r.appointments[0].start_time == "20261201100000");
  CHECK(r.appointments[0].duration == "30 min");
  CHECK(r.appointments[0].reason == "Follow up");
  CHECK(r.appointments[0].service == CodedName{"CARD", "Cardiology clinic"});
  CHECK(r.appointments[0].clinic.point_of_care == "CARDOPD");
  CHECK(r.appointments[0].clinician == CodedName{"C55", "DR HANNA HEART"});
  CHECK(r.identity.family_name == "LOVELACE");  // SIU fills an identity no ADT has set

  // S13 with the filler ID only still finds it.
  feed.apply(
      siu("S13", "20261102090000", {segment("SCH", {{2, "FL200"}, {11, "^^^20261208100000"}}), p}));
  r = feed.patient(kAdaNhs);
  REQUIRE(r.appointments.size() == 1);
  CHECK(r.appointments[0].start_time == "20261208100000");
  CHECK(r.appointments[0].last_event == "S13");
  feed.apply(siu("S14", "20261102100000", {segment("SCH", {{1, "PL100"}, {7, "^Review"}}), p}));
  CHECK(feed.patient(kAdaNhs).appointments[0].reason == "Review");
  feed.apply(siu("S15", "20261103090000", {segment("SCH", {{1, "PL100"}, {2, "FL200"}}), p}));
  CHECK(feed.patient(kAdaNhs).appointments[0].status == "cancelled");

  feed.apply(
      siu("S12", "20261104090000", {segment("SCH", {{1, "PL101"}, {11, "^^^20261210"}}), p}));
  feed.apply(siu("S26", "20261210120000", {segment("SCH", {{1, "PL101"}}), p}));
  r = feed.patient(kAdaNhs);
  REQUIRE(r.appointments.size() == 2);
  CHECK(r.appointments[1].status == "no_show");
  CHECK(feed.store().counts().appointments == 2);
}

TEST_CASE("ORU: results, then a corrected result replaces the value and keeps the history") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  const std::string obr = segment("OBR", {{1, "1"},
                                          {2, "ORD1"},
                                          {3, "LAB1"},
                                          {4, "UE^Urea and electrolytes"},
                                          {7, "20261101080000"},
                                          {22, "20261101100000"},
                                          {25, "F"}});
  auto obx = [](int set, const std::string& code, const std::string& value, const std::string& flag,
                const std::string& status) {
    return segment("OBX", {{1, std::to_string(set)},
                           {2, "NM"},
                           {3, code},
                           {5, value},
                           {6, "mmol/L"},
                           {7, "3.5-5.3"},
                           {8, flag},
                           {11, status}});
  };
  const std::string first = oru("20261101100000", {p, obr, obx(1, "K^Potassium", "6.1", "H", "F"),
                                                   obx(2, "NA^Sodium", "140", "N", "F")});
  CHECK(feed.apply(first).status == ApplyStatus::applied);
  CHECK(
      feed.apply(oru("20261101140000", {p, obr, obx(1, "K^Potassium", "4.2", "N", "C")})).status ==
      ApplyStatus::applied);
  PatientRecord r = feed.patient(kAdaNhs);
  REQUIRE(r.results.size() == 1);
  REQUIRE(r.results[0].observations.size() == 2);
  const Observation& k = r.results[0].observations[0];
  CHECK(k.value == "4.2");
  CHECK(k.status == "C");
  CHECK(k.abnormal_flags == "N");
  REQUIRE(k.history.size() == 1);
  CHECK(k.history[0].value == "6.1");
  CHECK(k.history[0].status == "F");
  CHECK(k.history[0].message_id == 1);
  CHECK(r.results[0].observations[1].value == "140");
  CHECK(feed.store().counts().observations == 2);
  // The original replayed after the correction: older, ignored.
  auto replay = feed.apply(first, 1);
  CHECK(replay.status == ApplyStatus::ignored);
  CHECK(feed.patient(kAdaNhs).results[0].observations[0].value == "4.2");
  const std::string json = feed.json(kAdaNhs);
  CHECK(json.find(R"("history":[{"value":"6.1")") != std::string::npos);
}

TEST_CASE("ORU: report text sent line by line under one code is kept as one value") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  auto line = [](const std::string& text) {
    return segment("OBX", {{1, "1"}, {2, "TX"}, {3, "REP^Report"}, {5, text}, {11, "F"}});
  };
  feed.apply(
      oru("20261101100000", {p, segment("OBR", {{1, "1"}, {3, "XR1"}, {4, "CXR^Chest X-ray"}}),
                             line("No focal consolidation."), line("Heart size normal.")}));
  const PatientRecord r = feed.patient(kAdaNhs);
  REQUIRE(r.results.size() == 1);
  REQUIRE(r.results[0].observations.size() == 1);
  CHECK(r.results[0].observations[0].value == "No focal consolidation.\nHeart size normal.");
}

TEST_CASE("AL1 allergies and NK1 contacts upsert; death from PID-29/30") {
  Feed feed;
  const std::string al1 =
      segment("AL1", {{1, "1"}, {2, "DA"}, {3, "PEN^PENICILLIN"}, {4, "MO"}, {5, "RASH"}});
  const std::string nk1 =
      segment("NK1", {{1, "1"}, {2, "LOVELACE^BYRON"}, {3, "FTH^Father"}, {5, "01632 960002"}});
  feed.apply(adt("A08", "20261101090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), al1, nk1}));
  const std::string al1b =
      segment("AL1", {{1, "1"}, {2, "DA"}, {3, "PEN^PENICILLIN"}, {4, "SV"}, {5, "ANAPHYLAXIS"}});
  const std::string al1c = segment("AL1", {{1, "2"}, {2, "FA"}, {3, "NUT^PEANUT"}, {4, "SV"}});
  feed.apply(
      adt("A08", "20261102090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), al1b, al1c, nk1}));
  PatientRecord r = feed.patient(kAdaNhs);
  REQUIRE(r.allergies.size() == 2);
  CHECK(r.allergies[0].severity == "SV");
  CHECK(r.allergies[0].reaction == "ANAPHYLAXIS");
  CHECK(r.allergies[1].allergen == CodedName{"NUT", "PEANUT"});
  REQUIRE(r.contacts.size() == 1);
  CHECK(r.contacts[0].name == "BYRON LOVELACE");
  CHECK(r.contacts[0].relationship == "Father");
  CHECK(r.contacts[0].phones == std::vector<std::string>{"01632 960002"});
  CHECK_FALSE(r.identity.deceased);

  feed.apply(
      adt("A08", "20261120090000",
          {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA", {{29, "20261119230000"}, {30, "Y"}})}));
  r = feed.patient(kAdaNhs);
  CHECK(r.identity.deceased);
  CHECK(r.identity.death_time == "20261119230000");
}

TEST_CASE("opt-out (PD1-12 by default): withheld unless an override role; opting back in") {
  SharingPolicy sharing;
  sharing.override_roles = {"clinician_override"};
  Feed feed(sharing);
  feed.apply(adt("A28", "20261101090000",
                 {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), segment("PD1", {{12, "Y"}})}));
  PatientRecord r = feed.patient(kAdaNhs);
  CHECK(r.opted_out);
  CHECK(feed.store().counts().opted_out == 1);
  const std::string withheld = to_json(r, false);
  CHECK(withheld.find(R"("withheld":true)") != std::string::npos);
  CHECK(withheld.find("LOVELACE") == std::string::npos);
  CHECK(to_json(r, true).find("LOVELACE") != std::string::npos);
  CHECK(feed.store().sharing().may_override("clinician_override"));
  CHECK_FALSE(feed.store().sharing().may_override("viewer"));
  CHECK_FALSE(feed.store().sharing().may_override(""));

  // An empty PD1-12 changes nothing; N opts back in.
  feed.apply(
      adt("A31", "20261102090000",
          {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), segment("PD1", {{3, "SURGERY^^P1"}})}));
  CHECK(feed.patient(kAdaNhs).opted_out);
  feed.apply(adt("A31", "20261103090000",
                 {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), segment("PD1", {{12, "N"}})}));
  CHECK_FALSE(feed.patient(kAdaNhs).opted_out);
  CHECK(feed.store().counts().opted_out == 0);
}

TEST_CASE("opt-out on a configured field and values (a Z-segment)") {
  SharingPolicy sharing;
  sharing.opt_out_field = "ZPI-2";
  sharing.opt_out_values = {"DISSENT", "OPTOUT"};
  Feed feed(sharing);
  feed.apply(adt("A28", "20261101090000",
                 {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), segment("ZPI", {{2, "OPTOUT"}})}));
  CHECK(feed.patient(kAdaNhs).opted_out);
}

TEST_CASE("a bad opt-out path is refused at open") {
  irwell::testing::TempDir dir;
  RecordStoreOptions o;
  o.path = dir / "records.db";
  o.sharing.opt_out_field = "not a path";
  CHECK_FALSE(RecordStore::open(o).ok());
}

TEST_CASE("sensitivity: suppressed clinics, specialties and codes stay out of the shared view") {
  SharingPolicy sharing;
  sharing.suppressed_clinics = {"GUM"};
  sharing.suppressed_specialties = {"PSYCH"};
  sharing.suppressed_codes = {"HIV", "CHLAM"};
  Feed feed(sharing);
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  feed.apply(adt("A04", "20261101090000", {p, pv1("O", "GUM^ROOM 1^^RXA", "G1")}));
  feed.apply(adt("A01", "20261102090000", {p, pv1("I", "WARD 9^^^RXA", "P1", {{10, "PSYCH"}})}));
  feed.apply(adt("A01", "20261103090000", {p, pv1("I", kWardA, "M1")}));
  feed.apply(oru(
      "20261104090000",
      {p, segment("OBR", {{1, "1"}, {3, "L1"}, {4, "HIV^HIV screen"}}),
       segment("OBX", {{1, "1"}, {2, "ST"}, {3, "HIVAB^HIV antibody"}, {5, "Negative"}, {11, "F"}}),
       segment("OBR", {{1, "2"}, {3, "L2"}, {4, "FBC^Full blood count"}}),
       segment("OBX", {{1, "1"}, {2, "NM"}, {3, "HB^Haemoglobin"}, {5, "130"}, {11, "F"}}),
       segment("OBX", {{1, "2"}, {2, "ST"}, {3, "CHLAM^Chlamydia"}, {5, "Detected"}, {11, "F"}})}));
  feed.apply(siu("S12", "20261105090000",
                 {segment("SCH", {{1, "A1"}}), p, segment("AIL", {{1, "1"}, {3, "GUM^^^RXA"}})}));
  const PatientRecord r = feed.patient(kAdaNhs);
  REQUIRE(r.encounters.size() == 3);
  CHECK(r.encounters[0].suppressed);
  CHECK(r.encounters[1].suppressed);
  CHECK_FALSE(r.encounters[2].suppressed);
  REQUIRE(r.results.size() == 2);
  CHECK(r.results[0].suppressed);
  CHECK_FALSE(r.results[1].suppressed);
  CHECK(r.results[1].observations[1].suppressed);
  CHECK(r.appointments.at(0).suppressed);
  const std::string json = to_json(r, true);
  for (const char* hidden : {"GUM", "PSYCH", "HIV", "CHLAM", "Chlamydia", "Detected"}) {
    INFO(hidden);
    CHECK(json.find(hidden) == std::string::npos);
  }
  CHECK(json.find("Haemoglobin") != std::string::npos);
  CHECK(json.find("WARD A") != std::string::npos);
}

TEST_CASE("not patient events and unhandled events are ignored with a reason") {
  Feed feed;
  auto ack = feed.apply(cr("MSH|^~\\&|A|B|C|D|20261101||ACK^A01|X1|P|2.4\nMSA|AA|Y1\n"));
  CHECK(ack.status == ApplyStatus::ignored);
  CHECK(ack.reason == "not a patient event (ACK^A01)");
  auto a17 = feed.apply(adt("A17", "20261101090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA")}));
  CHECK(a17.status == ApplyStatus::ignored);
  CHECK(a17.reason == "ADT^A17 is not applied to the record");
  CHECK(feed.store().counts().patients == 0);
}

TEST_CASE("a batch: one bad message fails alone, the others are applied, outcomes in order") {
  Feed feed;
  const std::string good1 =
      adt("A28", "20261101090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA")});
  const std::string no_pid = adt("A01", "20261101090000", {pv1("I", kWardA, "V1")});
  const std::string no_id =
      adt("A01", "20261101090000", {segment("PID", {{1, "1"}, {5, "NOBODY"}})});
  const std::string garbage = "this is not HL7";
  const std::string good2 =
      adt("A28", "20261101090000", {pid("RXA3001", kBenNhs, "BABBAGE", "BEN")});
  std::vector<ApplyInput> batch(5);
  const std::string* texts[] = {&good1, &no_pid, &no_id, &garbage, &good2};
  for (int i = 0; i < 5; ++i) {
    batch[i].raw = *texts[i];
    batch[i].provenance.message_id = 100 + i;
  }
  auto parsed = irwell::hl7::Message::parse(good2);
  REQUIRE(parsed.ok());
  batch[4].message = &*parsed;  // a parsed message is used as is
  batch[4].raw = {};
  auto out = feed.store().apply_batch(batch);
  REQUIRE(out.ok());
  REQUIRE(out->size() == 5);
  CHECK((*out)[0].status == ApplyStatus::applied);
  CHECK((*out)[1].status == ApplyStatus::failed);
  CHECK((*out)[1].reason == "ADT^A01 has no PID segment");
  CHECK((*out)[2].status == ApplyStatus::failed);
  CHECK((*out)[2].reason == "ADT^A01: PID-3 has no usable patient identifier");
  CHECK((*out)[3].status == ApplyStatus::failed);
  CHECK((*out)[3].reason.rfind("cannot parse the message", 0) == 0);
  CHECK((*out)[4].status == ApplyStatus::applied);
  CHECK(feed.store().counts().patients == 2);
  CHECK(std::string(to_string(ApplyStatus::ignored)) == "ignored");
}

TEST_CASE("records and counts survive reopening; another application's file is refused") {
  irwell::testing::TempDir dir;
  RecordStoreOptions o;
  o.path = dir / "records.db";
  {
    auto s = RecordStore::open(o);
    REQUIRE(s.ok());
    ApplyInput in;
    const std::string m = adt("A01", "20261101093000",
                              {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), pv1("I", kWardA, "V1")});
    in.raw = m;
    in.provenance.message_id = 1;
    REQUIRE((*s)->apply(in).ok());
  }
  auto s = RecordStore::open(o);
  REQUIRE(s.ok());
  CHECK((*s)->counts().patients == 1);
  CHECK((*s)->counts().encounters == 1);
  auto r = (*s)->get_patient(kAdaNhs);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->identity.family_name == "LOVELACE");

  RecordStoreOptions other;
  other.path = dir / "other.db";
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(other.path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA application_id = 1234; CREATE TABLE t(x)", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto refused = RecordStore::open(other);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("another application") != std::string::npos);
}

TEST_CASE("get_patient runs on its own connection while batches are applied") {
  Feed feed;
  feed.apply(adt("A28", "20261101090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA")}));
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done) {
      auto r = feed.store().get_patient(kAdaNhs);
      if (!r.ok() || !r->has_value() || (*r)->identity.family_name != "LOVELACE") ++bad;
    }
  });
  for (int i = 0; i < 50; ++i) {
    const std::string visit = "V" + std::to_string(i);
    feed.apply(adt("A01", "202611020900" + std::to_string(10 + i),
                   {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"), pv1("I", kWardA, visit)}));
  }
  done = true;
  reader.join();
  CHECK(bad == 0);
  CHECK(feed.patient(kAdaNhs).encounters.size() == 50);
}

TEST_CASE("order tolerance: a discharge that overtakes its admission stays a discharge") {
  Feed feed;
  const std::string p = pid("RXA1001", kAdaNhs, "LOVELACE", "ADA");
  feed.apply(adt("A03", "20261103100000", {p, pv1("I", kWardB, "V1001", {{36, "01"}})}));
  auto late = feed.apply(adt("A01", "20261101093000", {p, pv1("I", kWardA, "V1001")}));
  CHECK(late.status == ApplyStatus::ignored);
  CHECK(late.reason == "older than stored data");
  const Encounter e = only_encounter(feed.patient(kAdaNhs));
  CHECK(e.status == "discharged");
  CHECK(e.location.point_of_care == "WARD B");
  // A transfer that arrives after the discharge still goes into the history, in time order,
  // but does not move the patient.
  CHECK(feed.apply(adt("A02", "20261102120000", {p, pv1("I", kWardB, "V1001", {{6, kWardA}})}))
            .status == ApplyStatus::applied);
  const Encounter after = only_encounter(feed.patient(kAdaNhs));
  REQUIRE(after.transfers.size() == 1);
  CHECK(after.transfers[0].to.point_of_care == "WARD B");
  CHECK(after.status == "discharged");
}

TEST_CASE("ORU: an embedded document (OBX-2 ED) is not copied into the record") {
  Feed feed;
  const std::string pdf = "^application^pdf^Base64^" + std::string(5000, 'A');
  feed.apply(oru("20261101100000",
                 {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA"),
                  segment("OBR", {{1, "1"}, {3, "D1"}, {4, "DISCH^Discharge letter"}}),
                  segment("OBX", {{1, "1"}, {2, "ED"}, {3, "PDF^Letter"}, {5, pdf}, {11, "F"}})}),
             42);
  const Observation o = feed.patient(kAdaNhs).results.at(0).observations.at(0);
  CHECK(o.value_type == "ED");
  CHECK(o.value.rfind("[not kept in the record: ", 0) == 0);
  CHECK(o.value.find("see message 42") != std::string::npos);
}

TEST_CASE("a stored record that cannot be read fails its message alone") {
  Feed feed;
  feed.apply(adt("A28", "20261101090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA")}));
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((feed.dir() / "records.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE patients SET record = x'01ff'", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string a08 =
      adt("A08", "20261102090000", {pid("RXA1001", kAdaNhs, "LOVELACE", "ADA")});
  const std::string a28 = adt("A28", "20261102090000", {pid("RXA3001", kBenNhs, "BABBAGE", "BEN")});
  std::vector<ApplyInput> batch = {input(a08, 2), input(a28, 3)};
  auto out = feed.store().apply_batch(batch);
  REQUIRE(out.ok());
  CHECK((*out)[0].status == ApplyStatus::failed);
  CHECK((*out)[0].reason == "record: stored patient record is corrupt");
  CHECK((*out)[1].status == ApplyStatus::applied);
  CHECK_FALSE(feed.store().get_patient(kAdaNhs).ok());
  CHECK(feed.patient(kBenNhs).identity.family_name == "BABBAGE");
}
