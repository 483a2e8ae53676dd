// Message parsing and reading: structure (B1-B8), values and nulls (D1-D4), header, errors.
#include "engine/hl7/message.h"

#include <catch2/catch.hpp>

#include "tests/support/test_support.h"

using namespace irwell::hl7;
using irwell::testing::cr;

namespace {

Path path(const char* text) { return Path::parse(text).value(); }

Message parse_ok(const std::string& text, const ParseOptions& options = {}) {
  auto m = Message::parse(text, options);
  if (!m) FAIL(m.error().to_string());
  return std::move(m).value();
}

const std::string kAdt =
    cr("MSH|^~\\&|PAS|RXX01^1.2.3^ISO|EPR|RXX01|20260301120000||ADT^A01^ADT_A01|CTRL "
       "01|P|2.4|7||AL|NE\n"
       "EVN|A01|20260301120000\n"
       "PID|1||K1^^^RXX01^MR~9990000018^^^NHS^NH~~X9^^^&2.16.840.1.113883.2.1.4.1&ISO^PI||Tester^"
       "Alice||19800101|F\n"
       "PV1|1|I|WARD1^BED2\n"
       "OBX|1|NM|HB^Haemoglobin||135|g/L\n"
       "OBX|2|NM|WBC^White cells||\"\"|10*9/L\n"
       "OBX|3|TX|COMM||||\n");

}  // namespace

TEST_CASE("segments are indexed in order with their IDs", "[hl7][message]") {
  auto m = parse_ok(kAdt);
  REQUIRE(m.segment_count() == 7);
  CHECK(m.segment_id(0) == "MSH");
  CHECK(m.segment_id(2) == "PID");
  CHECK(m.segment_id(99).empty());
  CHECK(m.find_segment("OBX") == 4u);
  CHECK(m.find_segment("OBX", 3) == 6u);
  CHECK_FALSE(m.find_segment("OBX", 4));
  CHECK_FALSE(m.find_segment("NK1"));
  CHECK(m.segment_text(3) == "PV1|1|I|WARD1^BED2");
  CHECK(m.field_raw(3, 3) == "WARD1^BED2");
  CHECK_FALSE(m.field_raw(3, 4));
  CHECK(m.field_count(6) == 7);  // OBX-7 is present (empty) thanks to the trailing separators
  CHECK(m.encode() == kAdt);
  CHECK_FALSE(m.modified());
}

TEST_CASE("D1: absent, empty, null and value are told apart", "[hl7][message][nulls]") {
  auto m = parse_ok(kAdt);
  CHECK(m.state(path("OBX-5")) == ValueState::value);
  CHECK(m.state(path("OBX[2]-5")) == ValueState::null);
  CHECK(m.state(path("OBX[3]-5")) == ValueState::empty);
  CHECK(m.state(path("OBX[3]-8")) == ValueState::absent);
  CHECK(m.state(path("OBX[4]-1")) == ValueState::absent);
  CHECK(m.state(path("NK1-1")) == ValueState::absent);
  CHECK(m.get(path("OBX[2]-5")).empty());
  CHECK(m.get_raw(path("OBX[2]-5")) == "\"\"");
  CHECK(m.get_raw(path("OBX[3]-5")) == "");
  CHECK_FALSE(m.get_raw(path("OBX[3]-8")));
  // Components: in `A^B` component 3 is absent; in an empty field component 1 is empty.
  CHECK(m.state(path("PV1-3.2")) == ValueState::value);
  CHECK(m.state(path("PV1-3.3")) == ValueState::absent);
  CHECK(m.state(path("OBX[3]-5.1")) == ValueState::empty);
  CHECK(m.state(path("OBX[3]-5.2")) == ValueState::absent);
}

TEST_CASE("D3/D4: repetitions, components and subcomponents", "[hl7][message]") {
  auto m = parse_ok(kAdt);
  CHECK(m.repetition_count(path("PID-3")) == 4);  // including the empty third (D3)
  CHECK(m.repetition_count(path("PID-4")) == 0);  // present but empty
  CHECK(m.repetition_count(path("PID-99")) == 0);
  CHECK(m.get(path("PID-3")) == "K1^^^RXX01^MR");  // reads use repetition 1
  CHECK(m.get(path("PID-3[2].1")) == "9990000018");
  CHECK(m.state(path("PID-3[3]")) == ValueState::empty);
  CHECK(m.get(path("PID-3[4].4.2")) == "2.16.840.1.113883.2.1.4.1");
  CHECK(m.get(path("PID-3[4].4.1")).empty());
  CHECK(m.state(path("PID-3[5]")) == ValueState::absent);
  CHECK(m.get(path("PID-5.2")) == "Alice");
  CHECK(m.get(path("PID-5.1.1")) == "Tester");
  CHECK(m.state(path("PID-5.1.2")) == ValueState::absent);
}

TEST_CASE("header() summarises MSH", "[hl7][message]") {
  auto m = parse_ok(kAdt);
  Header h = m.header();
  CHECK(h.sending_application == "PAS");
  CHECK(h.sending_facility == "RXX01^1.2.3^ISO");  // whole field, wire text
  CHECK(h.receiving_application == "EPR");
  CHECK(h.message_time == "20260301120000");
  CHECK(h.message_type == "ADT");
  CHECK(h.trigger_event == "A01");
  CHECK(h.structure == "ADT_A01");
  CHECK(h.control_id == "CTRL 01");  // verbatim (H5)
  CHECK(h.processing_id == "P");
  CHECK(h.version == "2.4");
  CHECK(h.sequence_number == "7");
  CHECK(h.accept_ack_type == "AL");
  CHECK(h.app_ack_type == "NE");
  CHECK(h.charset.empty());
}

TEST_CASE("patient identifiers and the NHS number", "[hl7][message]") {
  auto m = parse_ok(kAdt);
  auto ids = m.patient_identifiers();
  REQUIRE(ids.size() == 3);  // the empty repetition has no identifier
  CHECK(ids[0] == PatientIdentifier{"K1", "RXX01", "MR"});
  CHECK(ids[1] == PatientIdentifier{"9990000018", "NHS", "NH"});
  CHECK(ids[2] == PatientIdentifier{"X9", "", "PI"});
  CHECK(m.nhs_number() == "9990000018");

  auto by_oid =
      parse_ok(cr("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\n"
                  "PID|1||999 000 0026^^^&2.16.840.1.113883.2.1.4.1&ISO\n"));
  CHECK(by_oid.nhs_number() == "9990000026");
  auto none = parse_ok(cr("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\nPID|1||K1^^^X^MR\n"));
  CHECK(none.nhs_number().empty());
  CHECK(is_valid_nhs_number("9990000018"));
  CHECK_FALSE(is_valid_nhs_number("9990000019"));
  CHECK_FALSE(is_valid_nhs_number("999000001"));
}

TEST_CASE("B1: CR, LF, CRLF and mixed terminators give the same segments", "[hl7][message]") {
  std::string lf = "MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\nPID|1||K1\nPV1|1|I\n";
  std::string crlf = "MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\r\nPID|1||K1\r\nPV1|1|I\r\n";
  std::string mixed = "MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\r\nPID|1||K1\nPV1|1|I";
  std::string canonical = cr(lf);
  for (const std::string& text : {lf, crlf, mixed}) {
    auto m = parse_ok(text);
    CHECK(m.segment_count() == 3);
    CHECK(m.get(path("PID-3")) == "K1");
    CHECK(m.get(path("PV1-2")) == "I");
    CHECK(m.encode() == canonical);  // normalised to CR
    CHECK(m.raw() == text);          // the original bytes are kept
  }
  CHECK(parse_ok(canonical).encode() == canonical);
}

TEST_CASE("B2/B3: blank lines, a BOM and leading whitespace are skipped", "[hl7][message]") {
  std::string text = "\xEF\xBB\xBF\r\n  MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\r\r  \rPID|1||K1\r\r\r";
  auto m = parse_ok(text);
  REQUIRE(m.segment_count() == 2);
  CHECK(m.segment_id(1) == "PID");
  CHECK(m.encode() == cr("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\nPID|1||K1\n"));
  CHECK(m.raw() == text);
}

TEST_CASE("B4-B7: trailing spaces, odd segment IDs and junk are kept (D2)", "[hl7][message]") {
  std::string text =
      cr("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\nPIDX|1\nPV|1\nPID|1||K1||NAME^ONE |\njunk line\n");
  auto m = parse_ok(text);
  REQUIRE(m.segment_count() == 5);
  CHECK(m.segment_id(1) == "PIDX");
  CHECK(m.segment_id(2) == "PV");
  CHECK(m.segment_id(4) == "junk line");
  CHECK(m.get(path("PID-5.2")) == "ONE ");
  CHECK(m.encode() == text);
}

TEST_CASE("parse errors carry a table 0357 code and a position", "[hl7][message][errors]") {
  struct Case {
    std::string text;
    int code;
    size_t segment;
    int field;
    size_t offset;
  };
  for (const Case& c : {
           Case{"", 100, 0, 0, 0}, Case{"\r\n \r\n", 100, 0, 0, 5},
           Case{cr("PID|1\nMSH|^~\\&|A\n"), 100, 1, 0, 0},           // B8
           Case{cr("FHS|^~\\&\nMSH|^~\\&|A\n"), 100, 1, 0, 0},       // a batch
           Case{cr("MSH|\n"), 101, 1, 2, 4},                         // no MSH-2
           Case{cr("MSH||A|B\n"), 101, 1, 2, 4},                     // empty MSH-2
           Case{cr("MSH|^~\\&|A|B|||1||\n"), 101, 1, 9, 18},         // empty MSH-9
           Case{cr("MSH|^~\\&|A|B|||1\nPID|1\n"), 101, 1, 9, 16},    // no MSH-9
           Case{cr("MSH|^~\\&&|A|B|||1||ADT^A01\n"), 102, 1, 2, 4},  // repeated delimiter
           Case{"MSH", 102, 1, 1, 3},                                // no MSH-1
       }) {
    auto m = Message::parse(c.text);
    INFO(c.text);
    REQUIRE_FALSE(m);
    CHECK(m.error().code == c.code);
    CHECK(m.error().segment == c.segment);
    CHECK(m.error().field == c.field);
    CHECK(m.error().offset == c.offset);
  }
  auto e = Message::parse(cr("MSH|^~\\&&|A\n")).error();
  CHECK(e.segment_id == "MSH");
  CHECK_THAT(e.to_string(), Catch::StartsWith("segment 1 (MSH) field 2, byte 4: "));
  CHECK_THAT(e.to_string(), Catch::EndsWith("(code 102)"));
  CHECK(Message::parse("").error().to_string() ==
        "byte 0: no segments: the message is empty (code 100)");
}

TEST_CASE("K1: max_segments caps the segment count", "[hl7][message][errors]") {
  std::string text = cr("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\nNTE|1\nNTE|2\nNTE|3\n");
  ParseOptions options;
  options.max_segments = 3;
  auto m = Message::parse(text, options);
  REQUIRE_FALSE(m);
  CHECK(m.error().code == 199);
  CHECK(m.error().segment == 4);
  options.max_segments = 4;
  CHECK(Message::parse(text, options));
}

TEST_CASE("G1-G3, D7: odd MSH-7/11/12 values do not stop parsing", "[hl7][message]") {
  auto m = parse_ok(cr("MSH|^~\\&|A|B|||||BAR^P01|1|BAR^A01|1.0\n"));
  CHECK(m.header().message_time.empty());
  CHECK(m.header().processing_id == "BAR");
  CHECK(m.header().version == "1.0");
}
