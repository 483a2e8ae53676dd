#pragma once
// Helpers for the FrameDecoder tests: feed chunks, drain every event, describe events as text
// so a failing CHECK shows what the decoder produced.
#include <string>
#include <string_view>
#include <vector>

#include "engine/mllp/frame_decoder.h"

namespace irwell::mllp::testing {

// Calls next() until it returns nullopt.
inline void drain(FrameDecoder& d, std::vector<DecoderEvent>& out) {
  while (auto e = d.next()) out.push_back(std::move(*e));
}

// A fresh decoder fed each chunk in turn, drained after each.
inline std::vector<DecoderEvent> decode(const std::vector<std::string_view>& chunks,
                                        FrameDecoderOptions options = {}) {
  FrameDecoder d(options);
  std::vector<DecoderEvent> events;
  for (std::string_view c : chunks) {
    d.feed(c);
    drain(d, events);
  }
  return events;
}

// One short line per event: "frame:<payload>", "junk:3:ws", "aborted:12", "too_large:1001",
// "empty".
inline std::string describe(const DecoderEvent& e) {
  struct Visitor {
    std::string operator()(const Frame& f) const { return "frame:" + f.payload; }
    std::string operator()(const JunkSkipped& j) const {
      std::string s = "junk:" + std::to_string(j.bytes);
      if (j.whitespace_only) s += ":ws";
      if (j.looks_like_tls) s += ":tls";
      if (j.looks_like_http) s += ":http";
      if (j.continued) s += ":cont";
      return s;
    }
    std::string operator()(const FrameAborted& a) const {
      return "aborted:" + std::to_string(a.bytes);
    }
    std::string operator()(const FrameTooLarge& t) const {
      return "too_large:" + std::to_string(t.bytes);
    }
    std::string operator()(const EmptyFrame&) const { return "empty"; }
  };
  return std::visit(Visitor{}, e);
}

inline std::vector<std::string> describe(const std::vector<DecoderEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(describe(e));
  return out;
}

}  // namespace irwell::mllp::testing
