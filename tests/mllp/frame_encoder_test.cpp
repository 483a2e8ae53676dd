// encode_frame / append_frame and the MLLP2 commit blocks (HL7-EDGE-CASES A1, A11).
#include "engine/mllp/frame_encoder.h"

#include <catch2/catch.hpp>
#include <string>

#include "engine/mllp/protocol.h"

using namespace irwell::mllp;

TEST_CASE("A1: a frame is 0B payload 1C 0D", "[mllp][encoder]") {
  CHECK(encode_frame("MSH|^~\\&|A\r") == std::string("\x0BMSH|^~\\&|A\r\x1C\r"));
  CHECK(encode_frame("") == std::string("\x0B\x1C\r"));
  std::string out = "already";
  append_frame(out, "x");
  append_frame(out, "y");
  CHECK(out == std::string("already\x0Bx\x1C\r\x0By\x1C\r"));
}

TEST_CASE("A11: MLLP2 commit blocks", "[mllp][encoder]") {
  CHECK(commit_ack_block() == std::string("\x0B\x06\x1C\r"));
  CHECK(commit_nak_block() == std::string("\x0B\x15\x1C\r"));
  CHECK(is_commit_ack("\x06"));
  CHECK(is_commit_nak("\x15"));
  CHECK_FALSE(is_commit_ack("\x15"));
  CHECK_FALSE(is_commit_ack(""));
  CHECK_FALSE(is_commit_ack("\x06\x06"));
  CHECK_FALSE(is_commit_nak("MSA|AA|1\r"));
}
