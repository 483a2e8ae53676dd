// build_ack, acknowledgement modes, timestamps and control IDs (HL7-EDGE-CASES H1-H10).
// Inbound messages are invented (999-range NHS numbers).
#include "engine/hl7/ack.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "engine/hl7/salvage.h"
#include "tests/support/test_support.h"

using namespace irwell::hl7;
using irwell::testing::cr;
using Strings = std::vector<std::string>;

namespace {

// The ACK's segments, split on CR (the ACK always uses CR and ends with one).
Strings segments(const std::string& ack) {
  REQUIRE(!ack.empty());
  REQUIRE(ack.back() == '\r');
  REQUIRE(ack.find('\n') == std::string::npos);
  Strings out;
  size_t start = 0;
  for (size_t at; (at = ack.find('\r', start)) != std::string::npos; start = at + 1) {
    out.push_back(ack.substr(start, at - start));
  }
  return out;
}

AckRequest request(AckCode code, std::vector<AckError> errors = {}) {
  AckRequest r;
  r.code = code;
  r.control_id = "IRW0001";
  r.timestamp = "20261125103001.000+0000";
  r.errors = std::move(errors);
  return r;
}

const std::string kAdtV251 =
    cr("MSH|^~\\&|PAS^2.16.840.1.113883.19.3.2.1^ISO|RXH&1.2.3&ISO|EPR|RXH^^L|20261125103000+0000||"
       "ADT^A01^ADT_A01|MSG 0001 |P|2.5.1|||AL|NE||UNICODE UTF-8\n"
       "PID|1||9990000018^^^NHS^NH||TESTPATIENT^ALICE\n");

}  // namespace

TEST_CASE("H4 H5: an AA for an ordinary v2.5.1 message", "[hl7][ack]") {
  const SalvagedHeader in = salvage_header(kAdtV251);
  const std::string ack = build_ack(in, request(AckCode::AA));
  CHECK(segments(ack) ==
        Strings{"MSH|^~\\&|EPR|RXH^^L|PAS^2.16.840.1.113883.19.3.2.1^ISO|RXH&1.2.3&ISO|"
                "20261125103001.000+0000||ACK^A01^ACK|IRW0001|P|2.5.1||||||UNICODE UTF-8",
                "MSA|AA|MSG 0001 "});
  // Field by field, read back with the same salvage rules a sender would use.
  const SalvagedHeader out = salvage_header(ack);
  CHECK(out.sending_application == in.receiving_application);
  CHECK(out.sending_facility == in.receiving_facility);
  CHECK(out.receiving_application == in.sending_application);  // whole HD, OID kept
  CHECK(out.receiving_facility == in.sending_facility);
  CHECK(out.message_type == "ACK^A01^ACK");
  CHECK(out.control_id == "IRW0001");
  CHECK(out.processing_id == "P");
  CHECK(out.version == "2.5.1");
  CHECK(out.accept_ack_type.empty());  // acknowledgements are not acknowledged
  CHECK(out.app_ack_type.empty());
  CHECK(out.charset == "UNICODE UTF-8");
}

TEST_CASE("H4: MSH-9.3 depends on the version and on add_structure", "[hl7][ack]") {
  auto msh9 = [](std::string version, bool add_structure) {
    AckRequest r = request(AckCode::AA);
    r.add_structure = add_structure;
    std::string ack =
        build_ack(salvage_header("MSH|^~\\&|A|B|C|D|||ADT^A08|1|P|" + version + "\r"), r);
    return salvage_header(ack).message_type;
  };
  CHECK(msh9("2.2", true) == "ACK^A08");
  CHECK(msh9("2.3", true) == "ACK^A08");
  CHECK(msh9("2.3.1", true) == "ACK^A08^ACK");
  CHECK(msh9("2.8", true) == "ACK^A08^ACK");
  CHECK(msh9("", true) == "ACK^A08^ACK");
  CHECK(msh9("2.5.1", false) == "ACK^A08");
}

TEST_CASE("H6: ERR before 2.5 is ERR-1 with the text in MSA-3", "[hl7][ack]") {
  const SalvagedHeader in = salvage_header("MSH|^~\\&|A|B|C|D|||ADT^A01|C1|P|2.3\r");
  const std::string ack = build_ack(
      in, request(AckCode::AE,
                  {ack_error(101, "Required field missing", "PID", 5), ack_error(207, "")}));
  CHECK(segments(ack) == Strings{"MSH|^~\\&|C|D|A|B|20261125103001.000+0000||ACK^A01|IRW0001|P|2.3",
                                 "MSA|AE|C1|Required field missing",
                                 "ERR|PID^1^5^101&Required field missing&HL70357",
                                 "ERR|^^^207&Application internal error&HL70357"});
}

TEST_CASE("H6: ERR from 2.5 is ERR-2/3/4 (and ERR-8)", "[hl7][ack]") {
  const SalvagedHeader in = salvage_header("MSH|^~\\&|A|B|C|D|||ADT^A01|C1|P|2.5.1\r");
  AckError located = ack_error(102, "Data type error", "OBX", 5);
  located.sequence = 2;
  located.repetition = 1;
  located.component = 3;
  AckError warning = ack_error(0, "Field ignored", "PID", 2);
  warning.severity = 'W';
  warning.user_message = "PID-2 is not used";
  const std::string ack = build_ack(
      in,
      request(AckCode::AR, {ack_error(203, "", "MSH", 12), located, warning, ack_error(207, "")}));
  CHECK(segments(ack) ==
        Strings{"MSH|^~\\&|C|D|A|B|20261125103001.000+0000||ACK^A01^ACK|IRW0001|P|2.5.1",
                "MSA|AR|C1", "ERR||MSH^1^12|203^Unsupported version id^HL70357|E",
                "ERR||OBX^2^5^1^3|102^Data type error^HL70357|E",
                "ERR||PID^1^2|0^Field ignored^HL70357|W||||PID-2 is not used",
                "ERR|||207^Application internal error^HL70357|E"});
}

TEST_CASE("H6: a blank or unrecognised version gets the 2.5 ERR layout", "[hl7][ack]") {
  for (std::string v : {"", "1.0", "banana"}) {
    INFO(v);
    const std::string ack =
        build_ack(salvage_header("MSH|^~\\&|A|B|C|D|||ADT^A01|C1|P|" + v + "\r"),
                  request(AckCode::AR, {ack_error(203, "", "MSH", 12)}));
    CHECK(segments(ack).back() == "ERR||MSH^1^12|203^Unsupported version id^HL70357|E");
  }
}

TEST_CASE("H5 I2: an empty MSH-10 gives an empty MSA-2", "[hl7][ack]") {
  const std::string ack =
      build_ack(salvage_header("MSH|^~\\&|A|B|C|D|||ORL^O22||P|2.5.1\r"), request(AckCode::AA));
  CHECK(segments(ack)[1] == "MSA|AA");
  AckRequest r = request(AckCode::AE, {ack_error(101, "", "MSH", 10)});
  r.text = "control id missing";
  const std::string nak = build_ack(salvage_header("MSH|^~\\&|A|B|C|D|||ORL^O22||P|2.5.1\r"), r);
  CHECK(segments(nak)[1] == "MSA|AE||control id missing");
  auto reply = read_ack(nak);
  REQUIRE(reply);
  CHECK(reply->control_id.empty());
}

TEST_CASE("B8 H7: no MSH at all: default delimiters, empty MSA-2", "[hl7][ack]") {
  const std::string ack = build_ack(salvage_header("PID|1||9990000018^^^NHS^NH\r"),
                                    request(AckCode::AR, {ack_error(100, "", "")}));
  CHECK(segments(ack) == Strings{"MSH|^~\\&|||||20261125103001.000+0000||ACK^^ACK|IRW0001|P|2.5.1",
                                 "MSA|AR", "ERR|||100^Segment sequence error^HL70357|E"});
}

TEST_CASE("C3 H4: custom delimiters are used throughout the ACK", "[hl7][ack]") {
  const SalvagedHeader in =
      salvage_header("MSH#!@%*#APP!1.2!ISO#FAC#RAPP#RFAC#20261125##ADT!A04!ADT_A01#C-9#P#2.5\r");
  const std::string ack =
      build_ack(in, request(AckCode::AE, {ack_error(102, "bad # ! @ % * | ^ & value", "PID", 7)}));
  CHECK(segments(ack) ==
        Strings{
            "MSH#!@%*#RAPP#RFAC#APP!1.2!ISO#FAC#20261125103001.000+0000##ACK!A04!ACK#IRW0001#P#2.5",
            "MSA#AE#C-9", "ERR##PID!1!7#102!bad %F% %S% %R% %E% %T% | ^ & value!HL70357#E"});
  auto reply = read_ack(ack);
  REQUIRE(reply);
  CHECK(reply->code == "AE");
  CHECK(reply->control_id == "C-9");
  CHECK(reply->errors == Strings{"102 bad # ! @ % * | ^ & value at PID-7"});
}

TEST_CASE("E1 E8: error text containing delimiters and CR is escaped", "[hl7][ack]") {
  const SalvagedHeader v25 = salvage_header("MSH|^~\\&|A|B|C|D|||ADT^A01|C1|P|2.5.1\r");
  AckRequest r = request(AckCode::AE, {ack_error(199, "bad |^&~\\ value\rnext line", "PID", 3)});
  r.text = "see ERR | here";
  const std::string ack = build_ack(v25, r);
  const Strings segs = segments(ack);
  CHECK(segs[1] == "MSA|AE|C1|see ERR \\F\\ here");
  CHECK(segs[2] ==
        "ERR||PID^1^3|199^bad \\F\\\\S\\\\T\\\\R\\\\E\\ value\\X0D\\next line^HL70357|E");
  SECTION("inside an ERR-1 subcomponent (v2.4)") {
    const std::string old = build_ack(salvage_header("MSH|^~\\&|A|B|C|D|||ADT^A01|C1|P|2.4\r"),
                                      request(AckCode::AE, {ack_error(199, "a&b^c", "PID", 3)}));
    CHECK(segments(old)[2] == "ERR|PID^1^3^199&a\\T\\b\\S\\c&HL70357");
  }
  SECTION("read_ack gives the text back") {
    auto reply = read_ack(ack);
    REQUIRE(reply);
    CHECK(reply->text == "see ERR | here");
    // \X0D\ stays as written (E2: hex escapes are decoded only with the message charset).
    CHECK(reply->errors == Strings{"199 bad |^&~\\ value\\X0D\\next line at PID-3"});
  }
}

TEST_CASE("H5: odd control IDs and processing IDs are echoed verbatim", "[hl7][ack]") {
  const SalvagedHeader in = salvage_header(
      "MSH|^~\\&|A|B|C|D|||ADT^A01|OpenPIXPDQ10.243.0.65.19767899354465|T^A|2.3.1\r");
  const std::string ack = build_ack(in, request(AckCode::CA));
  CHECK(segments(ack)[1] == "MSA|CA|OpenPIXPDQ10.243.0.65.19767899354465");
  CHECK(salvage_header(ack).processing_id == "T^A");
}

TEST_CASE("H1: acknowledgement mode and table 0155 conditions", "[hl7][ack]") {
  SalvagedHeader h;
  CHECK(ack_mode_of(h) == AckMode::original);
  h.accept_ack_type = " ";
  CHECK(ack_mode_of(h) == AckMode::original);
  h.app_ack_type = "NE";
  CHECK(ack_mode_of(h) == AckMode::enhanced);
  h = salvage_header(kAdtV251);
  CHECK(ack_mode_of(h) == AckMode::enhanced);

  CHECK(should_send_accept_ack("AL", true));
  CHECK(should_send_accept_ack("AL", false));
  CHECK_FALSE(should_send_accept_ack("NE", true));
  CHECK_FALSE(should_send_accept_ack("NE", false));
  CHECK_FALSE(should_send_accept_ack("ER", true));
  CHECK(should_send_accept_ack("ER", false));
  CHECK(should_send_accept_ack("SU", true));
  CHECK_FALSE(should_send_accept_ack("SU", false));
  CHECK(should_send_accept_ack("", true));
  CHECK(should_send_accept_ack("XX", false));  // invalid -> AL
  CHECK_FALSE(should_send_app_ack(" ne ", true));
  CHECK(should_send_app_ack("er", false));
}

TEST_CASE("version_at_least reads MSH-12 forms", "[hl7][ack]") {
  CHECK(version_at_least("2.5", 2, 5) == true);
  CHECK(version_at_least("2.5.1", 2, 5) == true);
  CHECK(version_at_least("2.4", 2, 5) == false);
  CHECK(version_at_least("2.3", 2, 3, 1) == false);
  CHECK(version_at_least("2.3.1", 2, 3, 1) == true);
  CHECK(version_at_least("2.10", 2, 5) == true);
  CHECK(version_at_least("2.5^DEU&&HL70399", 2, 5) == true);
  CHECK(version_at_least(" 2.4 ", 2, 5) == false);
  CHECK_FALSE(version_at_least("", 2, 5).has_value());
  CHECK_FALSE(version_at_least("1.0", 2, 5).has_value());
  CHECK_FALSE(version_at_least("2", 2, 5).has_value());
  CHECK_FALSE(version_at_least("v2.5", 2, 5).has_value());
}

TEST_CASE("D7: HL7 timestamps always carry an offset", "[hl7][ack]") {
  using namespace std::chrono;
  const sys_days day = year{2026} / November / 25;
  const auto t = day + 10h + 30min + 0s + 123ms;
  CHECK(format_hl7_timestamp(t) == "20261125103000.123+0000");
  CHECK(format_hl7_timestamp(t, 60) == "20261125113000.123+0100");
  CHECK(format_hl7_timestamp(t, -300) == "20261125053000.123-0500");
  CHECK(format_hl7_timestamp(t, -30) == "20261125100000.123-0030");
  CHECK(format_hl7_timestamp(t, 14 * 60) == "20261126003000.123+1400");
  const sys_days epoch = year{1970} / January / 1;
  CHECK(format_hl7_timestamp(epoch - 500ms) == "19691231235959.500+0000");
}

TEST_CASE("H4 I1: control IDs are unique over 100k calls", "[hl7][ack]") {
  using namespace std::chrono;
  const system_clock::time_point t0 = sys_days(year{2026} / November / 25) + 10h;
  SECTION("all in one millisecond") {
    ControlIdGenerator gen;
    std::unordered_set<std::string> seen;
    std::string previous;
    for (int i = 0; i < 100000; ++i) {
      std::string id = gen.next(t0);
      REQUIRE(id.size() == 13);
      REQUIRE(id.rfind("IRW", 0) == 0);
      REQUIRE(id > previous);  // fixed width: text order is issue order
      REQUIRE(seen.insert(id).second);
      previous = std::move(id);
    }
  }
  SECTION("with a clock that moves and steps back") {
    ControlIdGenerator gen("X");
    std::set<std::string> seen;
    for (int i = 0; i < 100000; ++i) {
      auto now = t0 + milliseconds((i * 7919) % 5000);  // jumps back and forth
      REQUIRE(seen.insert(gen.next(now)).second);
    }
  }
  SECTION("from several threads") {
    ControlIdGenerator gen;
    std::vector<Strings> per_thread(4);
    std::vector<std::thread> threads;
    for (auto& out : per_thread) {
      threads.emplace_back([&gen, &out, t0] {
        for (int i = 0; i < 25000; ++i) out.push_back(gen.next(t0 + milliseconds(i / 1000)));
      });
    }
    for (auto& t : threads) t.join();
    std::unordered_set<std::string> seen;
    for (const auto& out : per_thread) {
      for (const auto& id : out) REQUIRE(seen.insert(id).second);
    }
    CHECK(seen.size() == 100000);
  }
  SECTION("a restart later in time does not repeat the previous run's IDs") {
    std::unordered_set<std::string> seen;
    ControlIdGenerator first;
    for (int i = 0; i < 1000; ++i) seen.insert(first.next(t0));
    ControlIdGenerator second;
    for (int i = 0; i < 1000; ++i) REQUIRE(seen.insert(second.next(t0 + 1s)).second);
  }
}

TEST_CASE("to_string and error_code_text", "[hl7][ack]") {
  CHECK(to_string(AckCode::AA) == "AA");
  CHECK(to_string(AckCode::CR) == "CR");
  CHECK(error_code_text(101) == "Required field missing");
  CHECK(error_code_text(203) == "Unsupported version id");
  CHECK(error_code_text(9999) == "Application internal error");
}
