// salvage_header: the MSH prefix of any bytes, including messages the parser rejects
// (HL7-EDGE-CASES H7, B1, B3, B8, C1-C6, J1). Every patient is invented.
#include "engine/hl7/salvage.h"

#include "engine/hl7/ack.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/test_support.h"

using irwell::hl7::salvage_header;
using irwell::hl7::SalvagedHeader;
using irwell::testing::cr;

namespace {

const std::string kFull =
    cr("MSH|^~\\&|PAS^2.16.840.1.113883.19.3.2.1^ISO|RXH&1.2.3&ISO|EPR|RXH^^L|20261125103000+0000|"
       "SEC|ADT^A01^ADT_A01|MSG 0001 |P^T|2.5.1^GBR|42||AL|NE|GBR|UNICODE UTF-8~8859/1\n"
       "PID|1||9990000018^^^NHS^NH||TESTPATIENT^ALICE\n");

}  // namespace

TEST_CASE("H7: every MSH field is read raw", "[hl7][salvage]") {
  SalvagedHeader h = salvage_header(kFull);
  CHECK(h.found_msh);
  CHECK(h.field == '|');
  CHECK(h.encoding_chars == "^~\\&");
  CHECK_FALSE(h.encoding_chars_replaced);
  CHECK(h.sending_application == "PAS^2.16.840.1.113883.19.3.2.1^ISO");
  CHECK(h.sending_facility == "RXH&1.2.3&ISO");
  CHECK(h.receiving_application == "EPR");
  CHECK(h.receiving_facility == "RXH^^L");
  CHECK(h.datetime == "20261125103000+0000");
  CHECK(h.message_type == "ADT^A01^ADT_A01");
  CHECK(h.message_code == "ADT");
  CHECK(h.trigger_event == "A01");
  CHECK(h.control_id == "MSG 0001 ");  // H5: verbatim, spaces included
  CHECK(h.processing_id == "P^T");
  CHECK(h.version == "2.5.1^GBR");
  CHECK(h.sequence_number == "42");
  CHECK(h.accept_ack_type == "AL");
  CHECK(h.app_ack_type == "NE");
  CHECK(h.charset == "UNICODE UTF-8~8859/1");
}

TEST_CASE("B3: a BOM and leading blank lines are skipped", "[hl7][salvage]") {
  SalvagedHeader h = salvage_header("\xEF\xBB\xBF\r\n \tMSH|^~\\&|A|B|C|D|||ACK^A01|X1|P|2.3\r");
  CHECK(h.found_msh);
  CHECK(h.control_id == "X1");
  CHECK(h.version == "2.3");
}

TEST_CASE("B1: LF and CRLF end the MSH segment", "[hl7][salvage]") {
  CHECK(salvage_header("MSH|^~\\&|A|B|C|D|||ADT^A01|X1|P|2.4\nPID|1\n").version == "2.4");
  CHECK(salvage_header("MSH|^~\\&|A|B|C|D|||ADT^A01|X1|P|2.4\r\nPID|1").version == "2.4");
}

TEST_CASE("C4: an empty MSH-2 gets the default encoding characters", "[hl7][salvage]") {
  // Shape of corpus malformed/msh-missing-msh2.hl7: the field positions are unchanged.
  SalvagedHeader h = salvage_header(
      "MSH||Sender Application^sender.test^DNS|Sender Facility|Receiver|Facility|"
      "20260101010000-0000||ORM^O01^ORM_O01|111111|D|2.5.1\r");
  CHECK(h.found_msh);
  CHECK(h.encoding_chars == "^~\\&");
  CHECK(h.encoding_chars_replaced);
  CHECK(h.sending_application == "Sender Application^sender.test^DNS");
  CHECK(h.trigger_event == "O01");
  CHECK(h.control_id == "111111");
}

TEST_CASE("C4: short, doubled and truncation-char MSH-2 values", "[hl7][salvage]") {
  SECTION("a legacy 3-character MSH-2 is completed with defaults") {
    SalvagedHeader h = salvage_header("MSH|^~}|A\r");
    CHECK(h.encoding_chars == "^~}&");
    CHECK(h.encoding_chars_replaced);
  }
  SECTION("a doubled backslash has duplicate characters: defaults") {
    SalvagedHeader h = salvage_header("MSH|^~\\\\&|A|B|C|D|||ADT^A01|1|P|2.3\r");
    CHECK(h.encoding_chars == "^~\\&");
    CHECK(h.encoding_chars_replaced);
    CHECK(h.sending_application == "A");
  }
  SECTION("C5: the v2.7 truncation character is kept") {
    SalvagedHeader h = salvage_header("MSH|^~\\&#|A|B|C|D|||ORU^R01|1|P|2.5.1\r");
    CHECK(h.encoding_chars == "^~\\&#");
    CHECK_FALSE(h.encoding_chars_replaced);
    CHECK(h.trigger_event == "R01");
  }
  SECTION("letters in MSH-2: defaults") {
    CHECK(salvage_header("MSH|ABCD|A\r").encoding_chars == "^~\\&");
  }
  SECTION("an invalid MSH-2 after field separator ^: defaults that do not clash with it") {
    SalvagedHeader h = salvage_header("MSH^~|\\&xyz^A^B\r");
    CHECK(h.encoding_chars == "|~\\&");
    CHECK(h.encoding_chars_replaced);
    CHECK(h.delimiters().valid());
    CHECK(h.sending_application == "A");
  }
  SECTION("C3: the v2.1 subcomponent brace") {
    SalvagedHeader h = salvage_header("MSH|^~\\}|RADIOLOGY|MIR1|ADMISSION|ADT1|||ACK^|5|P|2.1\r");
    CHECK(h.subcomponent() == '}');
    CHECK(h.message_code == "ACK");
    CHECK(h.trigger_event == "");
  }
}

TEST_CASE("C3: custom delimiters are honoured", "[hl7][salvage]") {
  SalvagedHeader h =
      salvage_header("MSH#!@%*#APP!1.2!ISO#FAC#RAPP#RFAC#20261125##ADT!A04!ADT_A01#C-9#P#2.4\r");
  CHECK(h.found_msh);
  CHECK(h.field == '#');
  CHECK(h.encoding_chars == "!@%*");
  CHECK(h.component() == '!');
  CHECK(h.repetition() == '@');
  CHECK(h.escape() == '%');
  CHECK(h.subcomponent() == '*');
  CHECK(h.sending_application == "APP!1.2!ISO");
  CHECK(h.message_code == "ADT");
  CHECK(h.trigger_event == "A04");
  CHECK(h.control_id == "C-9");
  SECTION("field separator ^ with component ~ (corpus hapi-adt-a24)") {
    SalvagedHeader g = salvage_header("MSH^~|\\&^A^B^C^D^^^ADT~A24^7^P^2.3\r");
    CHECK(g.field == '^');
    CHECK(g.encoding_chars == "~|\\&");
    CHECK(g.trigger_event == "A24");
    CHECK(g.control_id == "7");
  }
}

TEST_CASE("B8: no MSH leaves the defaults", "[hl7][salvage]") {
  for (std::string bytes : {std::string(), std::string("PID|1||9990000018\r"), std::string("MSH"),
                            std::string("MSHA|x"), std::string("MSH\x01^~\\&"),
                            std::string("\r\n\r\n"), std::string("MSH |^~\\&")}) {
    INFO(bytes);
    SalvagedHeader h = salvage_header(bytes);
    CHECK_FALSE(h.found_msh);
    CHECK(h.field == '|');
    CHECK(h.encoding_chars == "^~\\&");
    CHECK(h.control_id.empty());
  }
}

TEST_CASE("H7: a truncated MSH is read as far as it goes", "[hl7][salvage]") {
  SalvagedHeader h = salvage_header("MSH|^~\\&|APP|FAC|RAPP|RFAC|2026||ADT^A0");
  CHECK(h.found_msh);
  CHECK(h.message_code == "ADT");
  CHECK(h.trigger_event == "A0");
  CHECK(h.control_id.empty());
  SalvagedHeader only = salvage_header("MSH|");
  CHECK(only.found_msh);
  CHECK(only.encoding_chars == "^~\\&");
  CHECK(only.sending_application.empty());
}

TEST_CASE("J1: FHS and BHS before the first MSH are skipped", "[hl7][salvage]") {
  SalvagedHeader h =
      salvage_header(cr("FHS|^~\\&|A|B\nBHS|^~\\&|A|B\nMSH|^~\\&|A|B|C|D|||VXU^V04|FIRST|P|2.5.1\n"
                        "MSH|^~\\&|A|B|C|D|||VXU^V04|SECOND|P|2.5.1\n"));
  CHECK(h.found_msh);
  CHECK(h.control_id == "FIRST");
}

TEST_CASE("H7: subcomponents and repetitions in MSH-9 are stripped from code and event",
          "[hl7][salvage]") {
  SalvagedHeader h = salvage_header("MSH|^~\\&|A|B|C|D|||ADT&X^A01&Y~ORU^R01|1|P|2.5\r");
  CHECK(h.message_code == "ADT");
  CHECK(h.trigger_event == "A01");
}

TEST_CASE("H7: salvage on every corpus file", "[hl7][salvage][corpus]") {
  auto files = irwell::testing::corpus_files();
  if (files.empty()) {
    WARN("IRWELL_CORPUS is not set: corpus salvage test skipped");
    return;
  }
  size_t with_msh = 0;
  for (const std::string& name : files) {
    INFO(name);
    std::string bytes = irwell::testing::read_file(irwell::testing::corpus_dir() / name);
    SalvagedHeader h = salvage_header(bytes);
    const bool msh_first = bytes.find("MSH|") != std::string::npos &&
                           bytes.find_first_not_of("\xEF\xBB\xBF\r\n \t") == bytes.find("MSH|");
    if (msh_first) CHECK(h.found_msh);
    if (h.found_msh) ++with_msh;
    CHECK(h.encoding_chars.size() >= 4);
  }
  // The named malformed files (B8, C4).
  auto salvage_named = [](const char* name) {
    return salvage_header(irwell::testing::read_file(irwell::testing::corpus_dir() / name));
  };
  CHECK_FALSE(salvage_named("malformed/no-msh-segment.hl7").found_msh);
  CHECK_FALSE(salvage_named("malformed/empty-file.hl7").found_msh);
  CHECK(salvage_named("malformed/msh-only-no-fields.hl7").found_msh);
  CHECK(salvage_named("malformed/msh-missing-msh2.hl7").control_id == "111111");
  WARN("salvage: " << files.size() << " corpus files, " << with_msh << " with an MSH");
}

// Found by fuzz_mllp_decoder: MSH-2 `^~\&` followed by a NUL. The NUL is no truncation
// character, so the salvaged encoding characters are the canonical four, the ACK built from
// them says so, and salvaging that ACK gives the same delimiters back (C4, H4).
TEST_CASE("C4: a NUL after MSH-2's four characters is not echoed into the ACK (fuzz finding)",
          "[hl7][salvage][fuzz]") {
  const std::string input = irwell::testing::read_file(
      irwell::testing::data_dir() / "fuzz" / "mllp-ack-nul-truncation-char.bin");
  const std::string payload = input.substr(input.find("MSH|"));
  SalvagedHeader in = salvage_header(payload);
  REQUIRE(in.found_msh);
  CHECK(in.encoding_chars == "^~\\&");
  CHECK(in.encoding_chars_replaced);
  irwell::hl7::AckRequest req;
  req.code = irwell::hl7::AckCode::AR;
  req.control_id = "ACK1";
  req.timestamp = "20261125000000+0000";
  SalvagedHeader out = salvage_header(irwell::hl7::build_ack(in, req));
  REQUIRE(out.found_msh);
  CHECK(out.field == in.field);
  CHECK(out.encoding_chars == in.encoding_chars);
}
