// FrameDecoder against the synthetic MLLP vectors of HL7-EDGE-CASES section L (V1-V12, V15)
// and the framing cases A1-A12. M1 and M2 are invented messages (999-range NHS numbers).
#include "engine/mllp/frame_decoder.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/mllp/frame_encoder.h"
#include "tests/mllp/decode_helpers.h"
#include "tests/support/test_support.h"

using namespace irwell::mllp;
using irwell::mllp::testing::decode;
using irwell::mllp::testing::describe;
using irwell::mllp::testing::drain;
using Strings = std::vector<std::string>;

namespace {

const std::string M1 = irwell::testing::cr(
    "MSH|^~\\&|PAS|RXH|EPR|RXH|20261125103000+0000||ADT^A01^ADT_A01|M1-0001|P|2.5.1\n"
    "EVN|A01|20261125103000\n"
    "PID|1||9990000018^^^NHS^NH||TESTPATIENT^ALICE||19700101|F\n");
const std::string M2 = irwell::testing::cr(
    "MSH|^~\\&|LAB|RXH|EPR|RXH|20261125103100+0000||ORU^R01^ORU_R01|M2-0002|P|2.4\n"
    "PID|1||9990000026^^^NHS^NH||TESTPATIENT^BOB||19800202|M\n"
    "OBX|1|NM|POT^Potassium||4.1|mmol/L|3.5-5.3||||F\n");

std::string vt() { return std::string(1, kStartBlock); }
std::string fs() { return std::string(1, kEndBlock); }

FrameDecoderOptions strict() {
  FrameDecoderOptions o;
  o.strict_end = true;
  return o;
}

}  // namespace

TEST_CASE("V1 A1: one frame yields its payload", "[mllp][decoder]") {
  CHECK(describe(decode({encode_frame(M1)})) == Strings{"frame:" + M1});
}

TEST_CASE("V2 A2: whitespace before the start block is skipped and reported", "[mllp][decoder]") {
  std::string bytes = "\r\n " + encode_frame(M1);
  CHECK(describe(decode({bytes})) == Strings{"junk:3:ws", "frame:" + M1});
}

TEST_CASE("A2: junk that is not whitespace is reported once per run", "[mllp][decoder]") {
  std::string bytes = "hello" + encode_frame(M1) + "\n\n" + encode_frame(M2);
  CHECK(describe(decode({bytes})) == Strings{"junk:5", "frame:" + M1, "junk:2:ws", "frame:" + M2});
}

TEST_CASE("V3 A5: two frames in one read come out in order", "[mllp][decoder]") {
  CHECK(describe(decode({encode_frame(M1) + encode_frame(M2)})) ==
        Strings{"frame:" + M1, "frame:" + M2});
}

TEST_CASE("V4 A4: a read boundary between 0x1C and 0x0D", "[mllp][decoder]") {
  const std::string first = vt() + M1 + fs();
  SECTION("lenient: the frame is complete at 0x1C and the CR is swallowed") {
    FrameDecoder d;
    std::vector<DecoderEvent> events;
    d.feed(first);
    drain(d, events);
    CHECK(describe(events) == Strings{"frame:" + M1});
    d.feed("\r");
    drain(d, events);
    CHECK(events.size() == 1);
    CHECK_FALSE(d.in_frame());
  }
  SECTION("strict: the frame waits for the CR") {
    FrameDecoder d(strict());
    std::vector<DecoderEvent> events;
    d.feed(first);
    drain(d, events);
    CHECK(events.empty());
    CHECK(d.in_frame());
    d.feed("\r");
    drain(d, events);
    CHECK(describe(events) == Strings{"frame:" + M1});
  }
}

TEST_CASE("V5 A4: every split point and 1-byte reads of two frames", "[mllp][decoder]") {
  const std::string bytes = encode_frame(M1) + encode_frame(M2);
  const Strings want{"frame:" + M1, "frame:" + M2};
  for (bool strict_end : {false, true}) {
    FrameDecoderOptions o;
    o.strict_end = strict_end;
    for (size_t k = 0; k <= bytes.size(); ++k) {
      std::string_view all(bytes);
      INFO("strict " << strict_end << " split at " << k);
      REQUIRE(describe(decode({all.substr(0, k), all.substr(k)}, o)) == want);
    }
    std::vector<std::string_view> ones;
    for (size_t i = 0; i < bytes.size(); ++i) ones.push_back(std::string_view(bytes).substr(i, 1));
    CHECK(describe(decode(ones, o)) == want);
  }
}

TEST_CASE("V6 A6: a start block inside a frame aborts the partial frame", "[mllp][decoder]") {
  const std::string half = M1.substr(0, M1.size() / 2);
  const std::string bytes = vt() + half + encode_frame(M2);
  CHECK(describe(decode({bytes})) ==
        Strings{"aborted:" + std::to_string(half.size()), "frame:" + M2});
}

TEST_CASE("V7 A7: EOF mid-frame drops the partial frame", "[mllp][decoder]") {
  const std::string half = M1.substr(0, M1.size() / 2);
  FrameDecoder d;
  std::vector<DecoderEvent> events;
  d.feed(vt() + half);
  drain(d, events);
  CHECK(events.empty());
  CHECK(d.in_frame());
  CHECK(d.buffered_bytes() == half.size());
  auto dropped = d.drop_partial("eof");
  REQUIRE(dropped);
  CHECK(dropped->bytes == half.size());
  CHECK(dropped->reason == "eof");
  CHECK_FALSE(d.in_frame());
  CHECK(d.buffered_bytes() == 0);
  CHECK_FALSE(d.drop_partial("again"));
}

TEST_CASE("V8 A8: after a frame-completion timeout the rest is junk", "[mllp][decoder]") {
  const size_t cut = M1.size() / 2;
  FrameDecoder d;
  std::vector<DecoderEvent> events;
  d.feed(vt() + M1.substr(0, cut));
  drain(d, events);
  REQUIRE(d.drop_partial("frame timeout"));
  d.feed(M1.substr(cut) + fs() + "\r");
  drain(d, events);
  d.feed(encode_frame(M2));
  drain(d, events);
  CHECK(describe(events) == Strings{"junk:" + std::to_string(M1.size() - cut + 2), "frame:" + M2});
}

TEST_CASE("V9 A12: an empty frame is its own event", "[mllp][decoder]") {
  CHECK(describe(decode({encode_frame("") + encode_frame(M1)})) == Strings{"empty", "frame:" + M1});
  CHECK(describe(decode({encode_frame("")}, strict())) == Strings{"empty"});
}

TEST_CASE("V10 A3: end block followed by LF", "[mllp][decoder]") {
  const std::string bytes = vt() + M1 + fs() + "\n" + encode_frame(M2);
  SECTION("lenient accepts the frame; the LF is harmless junk") {
    CHECK(describe(decode({bytes})) == Strings{"frame:" + M1, "junk:1:ws", "frame:" + M2});
  }
  SECTION("strict aborts the frame and still decodes the next one") {
    CHECK(describe(decode({bytes}, strict())) ==
          Strings{"aborted:" + std::to_string(M1.size()), "junk:1:ws", "frame:" + M2});
  }
  SECTION("strict: 0x1C directly followed by the next start block") {
    CHECK(describe(decode({vt() + M1 + fs() + encode_frame(M2)}, strict())) ==
          Strings{"aborted:" + std::to_string(M1.size()), "frame:" + M2});
  }
  SECTION("lenient: 0x1C then the next frame, without CR") {
    CHECK(describe(decode({vt() + M1 + fs() + encode_frame(M2)})) ==
          Strings{"frame:" + M1, "frame:" + M2});
  }
}

TEST_CASE("V11 A9: an oversize frame is refused and the next frame decodes", "[mllp][decoder]") {
  FrameDecoderOptions o;
  o.max_frame_bytes = 1000;
  o.salvage_prefix_bytes = 64;
  const std::string big = M1 + std::string(1001 - M1.size(), 'x');
  REQUIRE(big.size() == o.max_frame_bytes + 1);
  const std::string bytes = encode_frame(big) + encode_frame(M2);

  SECTION("in one read") {
    auto events = decode({bytes}, o);
    REQUIRE(describe(events) == Strings{"too_large:1001", "frame:" + M2});
    CHECK(std::get<FrameTooLarge>(events[0]).prefix == big.substr(0, 64));
  }
  SECTION("at every split point") {
    for (size_t k = 0; k <= bytes.size(); ++k) {
      std::string_view all(bytes);
      INFO("split at " << k);
      REQUIRE(describe(decode({all.substr(0, k), all.substr(k)}, o)) ==
              Strings{"too_large:1001", "frame:" + M2});
    }
  }
  SECTION("exactly the cap is accepted") {
    const std::string fits = big.substr(0, 1000);
    CHECK(describe(decode({encode_frame(fits)}, o)) == Strings{"frame:" + fits});
  }
}

TEST_CASE("A9: a large oversize frame is skipped without buffering it", "[mllp][decoder]") {
  FrameDecoderOptions o;
  o.max_frame_bytes = 1 << 20;
  const size_t chunk = 64 * 1024;
  const std::string body = M1 + std::string(4 * o.max_frame_bytes, 'A');
  const std::string bytes = encode_frame(body) + encode_frame(M2);

  FrameDecoder d(o);
  std::vector<DecoderEvent> events;
  size_t peak = 0;
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    d.feed(std::string_view(bytes).substr(at, chunk));
    drain(d, events);
    peak = std::max(peak, d.buffered_bytes());
  }
  CHECK(peak <= o.max_frame_bytes + chunk + o.salvage_prefix_bytes);
  REQUIRE(describe(events) == Strings{"too_large:" + std::to_string(body.size()), "frame:" + M2});
  CHECK(std::get<FrameTooLarge>(events[0]).prefix == body.substr(0, o.salvage_prefix_bytes));
}

TEST_CASE("A9: an oversize frame cut by a new start block is aborted", "[mllp][decoder]") {
  FrameDecoderOptions o;
  o.max_frame_bytes = 400;
  FrameDecoder d(o);
  std::vector<DecoderEvent> events;
  d.feed(vt() + std::string(450, 'x'));
  drain(d, events);
  CHECK(d.in_frame());
  d.feed(std::string(50, 'y') + encode_frame(M2));
  drain(d, events);
  CHECK(describe(events) == Strings{"aborted:500", "frame:" + M2});
}

TEST_CASE("A9: drop_partial during an oversize frame reports every byte", "[mllp][decoder]") {
  FrameDecoderOptions o;
  o.max_frame_bytes = 100;
  FrameDecoder d(o);
  std::vector<DecoderEvent> events;
  d.feed(vt() + std::string(150, 'x'));
  drain(d, events);
  d.feed(std::string(30, 'x'));
  drain(d, events);
  CHECK(events.empty());
  auto dropped = d.drop_partial("eof");
  REQUIRE(dropped);
  CHECK(dropped->bytes == 180);
  CHECK(d.buffered_bytes() == 0);
}

TEST_CASE("A4: a 16 MB frame fed in 64 KB chunks decodes intact", "[mllp][decoder]") {
  std::string body = M1;
  while (body.size() < 16 * 1024 * 1024) body += "OBX|1|ED|PDF^Report||^AP^PDF^Base64^QUJD\r";
  const std::string bytes = encode_frame(body);
  FrameDecoder d;
  std::vector<DecoderEvent> events;
  for (size_t at = 0; at < bytes.size(); at += 64 * 1024) {
    d.feed(std::string_view(bytes).substr(at, 64 * 1024));
    drain(d, events);
  }
  REQUIRE(events.size() == 1);
  CHECK(std::get<Frame>(events[0]).payload == body);
  CHECK(d.buffered_bytes() == 0);
}

TEST_CASE("V12 A4 F2: a split inside a UTF-8 character", "[mllp][decoder]") {
  const std::string msg = irwell::testing::cr(
      "MSH|^~\\&|PAS|RXH|EPR|RXH|20261125103000+0000||ADT^A08|U-1|P|2.5.1\n"
      "PID|1||9990000034^^^NHS^NH||MÜLLER^ZOË||19700101|F\n");
  const std::string frame = encode_frame(msg);
  const size_t u = frame.find("\xC3\x9C");  // Ü
  REQUIRE(u != std::string::npos);
  std::string_view all(frame);
  for (size_t k : {u + 1, frame.find("\xC3\x8B") + 1}) {
    CHECK(describe(decode({all.substr(0, k), all.substr(k)})) == Strings{"frame:" + msg});
  }
}

TEST_CASE("V15 A2: a TLS ClientHello or HTTP request on a plain port is recognised",
          "[mllp][decoder]") {
  const std::string tls("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11);
  CHECK(describe(decode({tls})) == Strings{"junk:11:tls"});
  const std::string http = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK(describe(decode({http})) == Strings{"junk:" + std::to_string(http.size()) + ":http"});
  SECTION("a run split over reads is reported in parts, classified as it grows") {
    CHECK(describe(decode({"GE", "T / HTTP/1.1\r\n"})) == Strings{"junk:2", "junk:14:http:cont"});
  }
  SECTION("the frame that follows junk still decodes") {
    CHECK(describe(decode({tls + encode_frame(M1)})) == Strings{"junk:11:tls", "frame:" + M1});
  }
}

TEST_CASE("A11 V13: an MLLP2 commit block decodes as a one-byte frame", "[mllp][decoder]") {
  auto events = decode({commit_ack_block() + commit_nak_block()});
  REQUIRE(events.size() == 2);
  CHECK(is_commit_ack(std::get<Frame>(events[0]).payload));
  CHECK(is_commit_nak(std::get<Frame>(events[1]).payload));
  CHECK_FALSE(is_commit_ack(std::get<Frame>(events[1]).payload));
  CHECK_FALSE(is_commit_ack(M1));
}
