// Every corpus message framed and fed to FrameDecoder at every split point, in 1-byte reads, and
// three frames back to back at every split point (HL7-EDGE-CASES A1, A4, A5; V5).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/mllp/frame_decoder.h"
#include "engine/mllp/frame_encoder.h"
#include "tests/mllp/decode_helpers.h"
#include "tests/support/test_support.h"

using namespace irwell::mllp;
using irwell::mllp::testing::decode;

namespace {

struct CorpusMessage {
  std::string name;
  std::string payload;
};

std::vector<CorpusMessage> corpus_messages() {
  std::vector<CorpusMessage> out;
  for (const std::string& name : irwell::testing::corpus_files()) {
    out.push_back({name, irwell::testing::read_file(irwell::testing::corpus_dir() / name)});
  }
  return out;
}

// True when the events are exactly the payloads, in order (an empty payload is EmptyFrame).
bool yields(const std::vector<DecoderEvent>& events, const std::vector<std::string_view>& want) {
  if (events.size() != want.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].empty()) {
      if (!std::holds_alternative<EmptyFrame>(events[i])) return false;
    } else {
      const Frame* f = std::get_if<Frame>(&events[i]);
      if (!f || f->payload != want[i]) return false;
    }
  }
  return true;
}

// Feeds `bytes` split into two reads at every offset; returns the first offset that fails.
std::optional<size_t> first_failing_split(const std::string& bytes,
                                          const std::vector<std::string_view>& want,
                                          FrameDecoderOptions options = {}) {
  std::string_view all(bytes);
  for (size_t k = 0; k <= bytes.size(); ++k) {
    if (!yields(decode({all.substr(0, k), all.substr(k)}, options), want)) return k;
  }
  return std::nullopt;
}

bool one_byte_reads_yield(const std::string& bytes, const std::vector<std::string_view>& want,
                          FrameDecoderOptions options) {
  FrameDecoder d(options);
  std::vector<DecoderEvent> events;
  for (char c : bytes) {
    d.feed(std::string_view(&c, 1));
    irwell::mllp::testing::drain(d, events);
  }
  return yields(events, want);
}

}  // namespace

TEST_CASE("A1 A4: every corpus message at every split point and in 1-byte reads",
          "[mllp][decoder][corpus]") {
  auto messages = corpus_messages();
  if (messages.empty()) {
    WARN("IRWELL_CORPUS is not set: corpus framing test skipped");
    return;
  }
  FrameDecoderOptions strict;
  strict.strict_end = true;
  size_t used = 0, splits = 0;
  for (const auto& m : messages) {
    INFO(m.name);
    // MLLP cannot carry these bytes (A10); no corpus message has them, but say so if one does.
    REQUIRE(m.payload.find_first_of(std::string{kStartBlock, kEndBlock}) == std::string::npos);
    const std::string frame = encode_frame(m.payload);
    const std::vector<std::string_view> want{m.payload};
    auto bad = first_failing_split(frame, want);
    INFO("first failing split: " << (bad ? std::to_string(*bad) : "none"));
    CHECK_FALSE(bad);
    CHECK(one_byte_reads_yield(frame, want, {}));
    CHECK(one_byte_reads_yield(frame, want, strict));
    ++used;
    splits += frame.size() + 1;
  }
  WARN("corpus framing: " << used << " corpus files, " << splits << " split points");
}

TEST_CASE("A5 V5: three corpus frames back to back at every split point",
          "[mllp][decoder][corpus]") {
  auto messages = corpus_messages();
  if (messages.empty()) {
    WARN("IRWELL_CORPUS is not set: corpus framing test skipped");
    return;
  }
  // A few short messages, several triples, in both end-block modes.
  std::vector<const CorpusMessage*> small;
  for (const auto& m : messages) {
    if (!m.payload.empty() && m.payload.size() < 1500) small.push_back(&m);
  }
  REQUIRE(small.size() >= 6);
  size_t triples = 0;
  for (size_t i = 0; i + 2 < small.size() && triples < 4; i += small.size() / 4, ++triples) {
    const auto* a = small[i];
    const auto* b = small[i + 1];
    const auto* c = small[i + 2];
    INFO(a->name << " + " << b->name << " + " << c->name);
    std::string bytes =
        encode_frame(a->payload) + "\r\n" + encode_frame(b->payload) + encode_frame(c->payload);
    std::vector<std::string_view> want{a->payload, b->payload, c->payload};
    // Junk between frames (the CRLF) is reported as an event; compare frames only.
    for (bool strict_end : {false, true}) {
      FrameDecoderOptions o;
      o.strict_end = strict_end;
      std::string_view all(bytes);
      for (size_t k = 0; k <= bytes.size(); ++k) {
        std::vector<DecoderEvent> frames;
        for (auto& e : decode({all.substr(0, k), all.substr(k)}, o)) {
          if (!std::holds_alternative<JunkSkipped>(e)) frames.push_back(std::move(e));
        }
        INFO("strict " << strict_end << " split at " << k);
        REQUIRE(yields(frames, want));
      }
    }
  }
  WARN("back-to-back framing: " << triples << " triples of corpus messages");
}
