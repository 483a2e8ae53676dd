// read_ack on the corpus acknowledgements, and build_ack -> read_ack round trips on every corpus
// message (HL7-EDGE-CASES H5, H6, H7).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/hl7/ack.h"
#include "engine/hl7/salvage.h"
#include "tests/support/test_support.h"

using namespace irwell::hl7;
using Strings = std::vector<std::string>;

namespace {

std::string corpus(const std::string& name) {
  return irwell::testing::read_file(irwell::testing::corpus_dir() / name);
}

}  // namespace

TEST_CASE("H5 H6: read_ack on the corpus ack/ files", "[hl7][ack][corpus]") {
  if (irwell::testing::corpus_dir().empty()) {
    WARN("IRWELL_CORPUS is not set: corpus ACK test skipped");
    return;
  }
  size_t read = 0;
  for (const std::string& name : irwell::testing::corpus_files()) {
    if (name.rfind("ack/", 0) != 0) continue;
    INFO(name);
    auto reply = read_ack(corpus(name));
    REQUIRE(reply);
    CHECK((reply->code == "AA" || reply->code == "AE" || reply->code == "AR"));
    CHECK_FALSE(reply->control_id.empty());
    ++read;
  }
  CHECK(read >= 10);

  auto two = read_ack(corpus("ack/cdc-iis-ack-v04-ae-2err-v251.hl7"));
  REQUIRE(two);
  CHECK(two->code == "AE");
  CHECK(two->control_id == "9299381");
  CHECK(two->errors ==
        // The first ERR carries its text in ERR-9, one field too far: it is not read.
        Strings{"101 required field missing at PID-5",
                "100 required segment missing at PID: PID is required segment. Message rejected"});

  auto warning = read_ack(corpus("ack/cdc-iis-ack-v04-aa-warning-err-v251.hl7"));
  REQUIRE(warning);
  CHECK(warning->code == "AA");
  CHECK(warning->errors ==
        Strings{"at PID[2] (severity W): PID-2 is not supported -- data ignored"});

  auto rejected = read_ack(corpus("ack/cdc-iis-ack-v04-ar-err-203-v251.hl7"));
  REQUIRE(rejected);
  CHECK(rejected->code == "AR");
  REQUIRE(rejected->errors.size() == 1);
  CHECK(rejected->errors[0].rfind("203 unsupported version id at MSH-12: Unsupported", 0) == 0);

  auto pix = read_ack(corpus("ack/ihe-pix-ack-a04-v231.hl7"));
  REQUIRE(pix);
  CHECK(pix->code == "AA");
  CHECK(pix->control_id == "0851077658473390286");
  CHECK(pix->errors.empty());

  auto brace = read_ack(corpus("ack/hapi-ack-v21-nondefault-subcomp.hl7"));
  REQUIRE(brace);
  CHECK(brace->control_id == "msgCtrlId");
  WARN("read_ack: " << read << " corpus ACK files");
}

TEST_CASE("H7: build_ack then read_ack round-trips MSA-2 for every corpus message",
          "[hl7][ack][corpus]") {
  auto files = irwell::testing::corpus_files();
  if (files.empty()) {
    WARN("IRWELL_CORPUS is not set: corpus ACK test skipped");
    return;
  }
  ControlIdGenerator ids;
  for (const std::string& name : files) {
    INFO(name);
    const SalvagedHeader in = salvage_header(corpus(name));
    AckRequest req;
    req.code = AckCode::AR;
    req.control_id = ids.next(std::chrono::system_clock::now());
    req.timestamp = "20261125103000.000+0000";
    req.errors.push_back(ack_error(100, "bad | text", "MSH"));
    const std::string ack = build_ack(in, req);
    auto reply = read_ack(ack);
    REQUIRE(reply);
    CHECK(reply->code == "AR");
    CHECK(reply->control_id == in.control_id);
    REQUIRE(reply->errors.size() == 1);
    CHECK(reply->errors[0].find("bad | text") != std::string::npos);
    const SalvagedHeader out = salvage_header(ack);
    CHECK(out.field == in.field);
    CHECK(out.encoding_chars == in.encoding_chars);
    CHECK(out.receiving_application == in.sending_application);
    CHECK(out.sending_facility == in.receiving_facility);
    CHECK(out.control_id == req.control_id);
  }
}
