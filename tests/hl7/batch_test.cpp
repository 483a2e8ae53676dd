// Batch and multi-message files (HL7-EDGE-CASES J1-J5).
#include "engine/hl7/batch.h"

#include <catch2/catch.hpp>

#include "engine/hl7/message.h"
#include "tests/support/test_support.h"

using namespace irwell::hl7;
using irwell::testing::cr;

TEST_CASE("J1: FHS/BHS/BTS/FTS batch", "[hl7][batch]") {
  std::string file =
      cr("FHS|^~\\&|PAS|RXX01\nBHS|^~\\&|PAS|RXX01\n"
         "MSH|^~\\&|PAS|RXX01|||1||ADT^A01|1|P|2.4\nPID|1\n"
         "MSH|^~\\&|PAS|RXX01|||1||ADT^A08|2|P|2.4\nPID|2\nPV1|1\n"
         "BTS|2\nFTS|1\n");
  auto b = split_batch(file);
  REQUIRE(b);
  CHECK(b->file_header == "FHS|^~\\&|PAS|RXX01");
  CHECK(b->batch_header == "BHS|^~\\&|PAS|RXX01");
  CHECK(b->batch_trailer == "BTS|2");
  CHECK(b->file_trailer == "FTS|1");
  REQUIRE(b->messages.size() == 2);
  CHECK(b->messages[0] == cr("MSH|^~\\&|PAS|RXX01|||1||ADT^A01|1|P|2.4\nPID|1\n"));
  CHECK(b->messages[1] == cr("MSH|^~\\&|PAS|RXX01|||1||ADT^A08|2|P|2.4\nPID|2\nPV1|1\n"));
  CHECK(b->warnings.empty());
  CHECK_FALSE(b->count_mismatch);
}

TEST_CASE("J2: count mismatches and missing trailers", "[hl7][batch]") {
  auto b = split_batch(cr("BHS|^~\\&\nMSH|^~\\&|A|B|||1||ADT^A01|1\nBTS|5\nFTS|2\n"));
  REQUIRE(b);
  CHECK(b->count_mismatch);
  REQUIRE(b->warnings.size() == 2);
  CHECK(b->warnings[0] == "BTS-1 says 5 messages, found 1");
  CHECK(b->warnings[1] == "FTS-1 says 2 batches, found 1");

  auto no_trailers = split_batch(cr("FHS|^~\\&\nBHS|^~\\&\nMSH|^~\\&|A|B|||1||ADT^A01|1\n"));
  REQUIRE(no_trailers);
  CHECK(no_trailers->messages.size() == 1);
  CHECK(no_trailers->batch_trailer.empty());
  CHECK(no_trailers->warnings.empty());

  auto bad_count = split_batch(cr("MSH|^~\\&|A|B|||1||ADT^A01|1\nBTS|many\n"));
  REQUIRE(bad_count);
  CHECK(bad_count->warnings.at(0) == "BTS-1 is not a number: \"many\"");
}

TEST_CASE("J3: an empty batch is legal", "[hl7][batch]") {
  auto b = split_batch(cr("FHS|^~\\&\nBHS|^~\\&\nBTS|0\nFTS|1\n"));
  REQUIRE(b);
  CHECK(b->messages.empty());
  CHECK_FALSE(b->count_mismatch);
}

TEST_CASE("J5: header-less files split at MSH, blank lines skipped", "[hl7][batch]") {
  std::string file =
      "\xEF\xBB\xBFMSH|^~\\&|A|B|||1||ADT^A01|1\r\nPID|1\r\n\r\n\r\n"
      "MSH^~|\\&^A^B^^^1^^ADT~A24^2\nPID^1\n  \n"
      "MSH|^~\\&|A|B|||1||ADT^A03|3\rPID|3";
  auto b = split_batch(file);
  REQUIRE(b);
  REQUIRE(b->messages.size() == 3);
  CHECK(b->messages[0] == "MSH|^~\\&|A|B|||1||ADT^A01|1\r\nPID|1\r\n");
  CHECK(b->messages[1] == "MSH^~|\\&^A^B^^^1^^ADT~A24^2\nPID^1\n");
  CHECK(b->messages[2] == "MSH|^~\\&|A|B|||1||ADT^A03|3\rPID|3");
  for (const std::string& m : b->messages) CHECK(Message::parse(m));
  CHECK(b->file_header.empty());
  // A segment that merely starts with MSH letters is not a message start.
  auto z = split_batch(cr("MSH|^~\\&|A|B|||1||ADT^A01|1\nMSHX|1\n"));
  REQUIRE(z);
  CHECK(z->messages.size() == 1);
}

TEST_CASE("B7: junk before the first message is skipped with a warning", "[hl7][batch]") {
  auto b = split_batch(cr("junk\njunk\nMSH|^~\\&|A|B|||1||ADT^A01|1\nPID|1\n"));
  REQUIRE(b);
  REQUIRE(b->messages.size() == 1);
  CHECK(b->warnings.at(0) == "skipped 2 line(s) outside any message (first at byte 0)");
}

TEST_CASE("files without any message are errors (code 100)", "[hl7][batch][errors]") {
  auto empty = split_batch("");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == 100);
  CHECK(empty.error().segment == 0);
  auto blank = split_batch("\r\n\r\n   ");
  REQUIRE_FALSE(blank);
  CHECK(blank.error().code == 100);
  auto no_msh = split_batch(cr("\nPID|1\nPV1|1\n"));
  REQUIRE_FALSE(no_msh);
  CHECK(no_msh.error().code == 100);
  CHECK(no_msh.error().segment == 1);
  CHECK(no_msh.error().segment_id == "PID");
  CHECK(no_msh.error().offset == 1);
}

TEST_CASE("the batch fixture splits into three parseable messages", "[hl7][batch]") {
  auto file = irwell::testing::read_file(irwell::testing::data_dir() / "hl7" / "batch_3msg.hl7");
  auto b = split_batch(file);
  REQUIRE(b);
  REQUIRE(b->messages.size() == 3);
  CHECK_FALSE(b->count_mismatch);
  CHECK(Message::parse(b->messages[1]).value().header().control_id == "ADT000002");
  CHECK(Message::parse(b->messages[2]).value().header().message_type == "ORU");
}
