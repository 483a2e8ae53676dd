// libFuzzer target: FrameDecoder, salvage_header, build_ack and read_ack on arbitrary bytes
// (HL7-EDGE-CASES K3). Run with tools/fuzz fuzz_mllp_decoder SECONDS.
//
// The whole input is the byte stream. The decoder options and the read sizes come from a hash
// of the input's last bytes, so a framed corpus message is a good seed as it is. Invariants
// checked (any violation aborts, which libFuzzer reports as a crash):
// 1. Frame payloads are non-empty, hold no 0x0B or 0x1C and fit max_frame_bytes;
//    FrameTooLarge is over the cap and its prefix is the first min(prefix cap, size) bytes.
// 2. After next() returns nullopt the decoder holds at most max_frame_bytes + one read +
//    salvage_prefix_bytes (A9: oversize frames are not buffered).
// 3. Read-size independence: the events of the chunked run equal those of feeding everything at
//    once (junk reports merged per run, since a run split over reads is reported in parts), and
//    so does what drop_partial() reports at the end.
// 4. For the input and every decoded payload: build_ack(salvage_header(x)) is CR-terminated
//    segments with no LF, one ERR per error, never a 0x0B/0x1C when x had none, and read_ack
//    gives back the code and MSA-2 = MSH-10 verbatim; salvaging the ACK gives the swapped header.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hl7/ack.h"
#include "engine/hl7/salvage.h"
#include "engine/mllp/frame_decoder.h"

using namespace irwell;

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_mllp_decoder: invariant broken: %s\n", what);
    std::abort();
  }
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t xorshift(uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

// Up to n bytes of s from pos (empty past the end).
std::string take(std::string_view s, size_t pos, size_t n) {
  return pos < s.size() ? std::string(s.substr(pos, n)) : std::string();
}

bool has_block_bytes(std::string_view s) {
  return s.find_first_of(std::string_view("\x0B\x1C", 2)) != std::string_view::npos;
}

// One event in a form that can be compared across runs; junk runs are merged.
struct Seen {
  int kind;
  size_t bytes;
  std::string text;  // payload, prefix or reason
  bool operator==(const Seen&) const = default;
};

void record(std::vector<Seen>& out, const mllp::DecoderEvent& e,
            const mllp::FrameDecoderOptions& o) {
  if (auto* f = std::get_if<mllp::Frame>(&e)) {
    require(!f->payload.empty(), "empty Frame payload");
    require(!has_block_bytes(f->payload), "0x0B or 0x1C inside a payload");
    require(f->payload.size() <= o.max_frame_bytes, "payload over max_frame_bytes");
    out.push_back({0, f->payload.size(), f->payload});
  } else if (auto* j = std::get_if<mllp::JunkSkipped>(&e)) {
    require(j->bytes > 0, "empty junk report");
    if (!out.empty() && out.back().kind == 1) {
      out.back().bytes += j->bytes;
      out.back().text = j->whitespace_only ? "ws" : "";
    } else {
      out.push_back({1, j->bytes, j->whitespace_only ? "ws" : ""});
    }
  } else if (auto* a = std::get_if<mllp::FrameAborted>(&e)) {
    out.push_back({2, a->bytes, a->reason});
  } else if (auto* t = std::get_if<mllp::FrameTooLarge>(&e)) {
    require(t->bytes > o.max_frame_bytes, "FrameTooLarge within the cap");
    require(t->prefix.size() == std::min(t->bytes, o.salvage_prefix_bytes), "prefix size");
    require(!has_block_bytes(t->prefix), "0x0B or 0x1C inside a prefix");
    out.push_back({3, t->bytes, t->prefix});
  } else {
    out.push_back({4, 0, {}});
  }
}

std::vector<Seen> run(std::string_view input, const mllp::FrameDecoderOptions& o, uint64_t seed,
                      size_t max_chunk) {
  mllp::FrameDecoder d(o);
  std::vector<Seen> seen;
  size_t at = 0;
  while (at < input.size()) {
    size_t n = max_chunk == 0 ? input.size() : 1 + xorshift(seed) % max_chunk;
    n = std::min(n, input.size() - at);
    d.feed(input.substr(at, n));
    at += n;
    while (auto e = d.next()) record(seen, *e, o);
    require(d.buffered_bytes() <= o.max_frame_bytes + n + o.salvage_prefix_bytes,
            "decoder buffers more than max frame + one read");
  }
  if (auto dropped = d.drop_partial("eof")) seen.push_back({5, dropped->bytes, {}});
  require(!d.in_frame(), "in a frame after drop_partial");
  return seen;
}

std::vector<std::string> segments_of(const std::string& ack) {
  require(!ack.empty() && ack.back() == '\r', "ACK not CR-terminated");
  require(ack.find('\n') == std::string::npos, "LF inside an ACK");
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (at = ack.find('\r', start)) != std::string::npos; start = at + 1) {
    out.push_back(ack.substr(start, at - start));
  }
  return out;
}

void check_ack(std::string_view message, uint64_t h) {
  const hl7::SalvagedHeader in = hl7::salvage_header(message);
  hl7::AckRequest req;
  req.code = (h >> 50) & 1 ? hl7::AckCode::AE : hl7::AckCode::CR;
  req.control_id = "IRW0000000000";
  req.timestamp = "20261125103000.000+0000";
  req.text = take(message, 0, 40);
  req.add_structure = (h >> 51) & 1;
  const size_t n_errors = (h >> 52) % 3;
  for (size_t i = 0; i < n_errors; ++i) {
    hl7::AckError e;
    e.code = static_cast<int>((h >> 56) % 300);
    e.text = take(message, i * 7, 30);
    e.segment = (h >> 54) & 1 ? "MSH" : "";
    e.field = static_cast<int>(i);
    e.user_message = take(message, 0, 10);
    req.errors.push_back(e);
  }
  const std::string ack = hl7::build_ack(in, req);
  require(segments_of(ack).size() == 2 + n_errors, "ACK segment count");
  if (!has_block_bytes(message)) require(!has_block_bytes(ack), "framing byte inside an ACK");

  auto reply = hl7::read_ack(ack);
  require(reply.has_value(), "read_ack found no MSA in our own ACK");
  require(reply->code == hl7::to_string(req.code), "MSA-1 round trip");
  require(reply->control_id == in.control_id, "MSA-2 is not MSH-10 verbatim");
  require(reply->errors.size() == n_errors, "one error line per ERR");

  const hl7::SalvagedHeader out = hl7::salvage_header(ack);
  require(out.found_msh, "our ACK has no MSH");
  require(out.field == in.field && out.encoding_chars == in.encoding_chars, "ACK delimiters");
  require(out.receiving_application == in.sending_application &&
              out.receiving_facility == in.sending_facility &&
              out.sending_application == in.receiving_application &&
              out.sending_facility == in.receiving_facility,
          "MSH-3..6 swap");
  require(out.control_id == req.control_id, "ACK MSH-10");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint64_t h = fnv1a(input.substr(size > 8 ? size - 8 : 0));

  mllp::FrameDecoderOptions o;
  o.strict_end = h & 1;
  if ((h >> 1) & 1) o.max_frame_bytes = 1 + (h >> 8) % 2048;
  o.salvage_prefix_bytes = (h >> 20) % 600;
  const size_t max_chunk = size_t{1} << ((h >> 32) % 12);  // 1 .. 2048 bytes per read

  const std::vector<Seen> chunked = run(input, o, h | 1, max_chunk);
  const std::vector<Seen> whole = run(input, o, 1, 0);
  require(chunked == whole, "events depend on read sizes");

  check_ack(input, h);
  for (const Seen& s : whole) {
    if (s.kind == 0 || s.kind == 3) check_ack(s.text, h);
  }
  return 0;
}
