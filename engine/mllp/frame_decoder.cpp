#include "engine/mllp/frame_decoder.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace irwell::mllp {
namespace {

// How many bytes of a junk run are kept to guess what it is (the longest HTTP method + space).
constexpr size_t kJunkHeadBytes = 8;
// After a very large frame, give the buffer's memory back once it is mostly unused.
constexpr size_t kShrinkAboveBytes = 1024 * 1024;

bool is_whitespace(char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\t'; }

bool looks_like_tls(std::string_view head) {
  // A TLS record of type handshake (0x16) with protocol major version 3 (SSL 3.0 .. TLS 1.3).
  return head.size() >= 2 && head[0] == 0x16 && head[1] == 0x03;
}

bool looks_like_http(std::string_view head) {
  static constexpr std::array<std::string_view, 10> kMethods = {
      "GET ",     "POST ",  "PUT ",     "HEAD ",  "DELETE ",
      "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "PRI "};
  return std::any_of(kMethods.begin(), kMethods.end(),
                     [&](std::string_view m) { return head.starts_with(m); });
}

// The first 0x0B or 0x1C in [p, end), or nullptr. Two memchr passes, each bounded by the
// range, so scanning stays linear.
const char* find_block_byte(const char* p, const char* end) {
  auto* eb = static_cast<const char*>(std::memchr(p, kEndBlock, end - p));
  const char* limit = eb ? eb : end;
  auto* sb = static_cast<const char*>(std::memchr(p, kStartBlock, limit - p));
  return sb ? sb : eb;
}

}  // namespace

FrameDecoder::FrameDecoder(FrameDecoderOptions options) : options_(options) {}

void FrameDecoder::feed(std::string_view bytes) {
  // Compact only when the consumed prefix is at least as long as what remains: the bytes moved
  // are then paid for by the bytes dropped, so compaction is amortised O(1) per byte fed.
  if (pos_ > 0 && pos_ >= buf_.size() - pos_) {
    buf_.erase(0, pos_);
    pos_ = 0;
    if (buf_.capacity() > kShrinkAboveBytes && buf_.size() * 4 < buf_.capacity()) {
      buf_.shrink_to_fit();
    }
  }
  buf_.append(bytes);
}

bool FrameDecoder::in_frame() const { return state_ != State::seeking; }

size_t FrameDecoder::buffered_bytes() const { return available() + oversize_prefix_.size(); }

std::optional<DecoderEvent> FrameDecoder::next() {
  // Each step either returns an event, changes state (then the loop goes on), or leaves the
  // state as it was, which means it used every byte it could: more input is needed.
  for (;;) {
    const State before = state_;
    std::optional<DecoderEvent> event;
    switch (state_) {
      case State::seeking:
        event = next_seeking();
        break;
      case State::in_body:
        event = next_in_body();
        break;
      case State::skipping_oversize:
        event = next_skipping();
        break;
    }
    if (event || state_ == before) return event;
  }
}

std::optional<DecoderEvent> FrameDecoder::next_seeking() {
  if (swallow_cr_ && available() > 0) {
    swallow_cr_ = false;
    if (buf_[pos_] == kCarriageReturn) ++pos_;  // the CR of a `1C 0D` end block
  }
  if (available() == 0) return std::nullopt;

  const char* p = buf_.data() + pos_;
  const char* end = buf_.data() + buf_.size();
  auto* start = static_cast<const char*>(std::memchr(p, kStartBlock, end - p));
  const char* junk_end = start ? start : end;
  const size_t junk = junk_end - p;
  if (junk > 0) {
    junk_unreported_ += junk;
    if (junk_head_.size() < kJunkHeadBytes) {
      junk_head_.append(p, std::min(junk, kJunkHeadBytes - junk_head_.size()));
    }
    if (junk_whitespace_) junk_whitespace_ = std::all_of(p, junk_end, is_whitespace);
  }
  if (!start) {
    pos_ = buf_.size();
    return take_junk_report(/*run_ends=*/false);
  }
  pos_ += junk + 1;
  start_frame();
  if (junk_unreported_ > 0) return take_junk_report(/*run_ends=*/true);
  end_junk_run();
  return std::nullopt;
}

std::optional<DecoderEvent> FrameDecoder::take_junk_report(bool run_ends) {
  JunkSkipped report{.bytes = junk_unreported_,
                     .looks_like_tls = looks_like_tls(junk_head_),
                     .looks_like_http = looks_like_http(junk_head_),
                     .whitespace_only = junk_whitespace_,
                     .continued = junk_reported_};
  junk_unreported_ = 0;
  junk_reported_ = true;
  if (run_ends) end_junk_run();
  return report;
}

void FrameDecoder::end_junk_run() {
  junk_reported_ = false;
  junk_head_.clear();
  junk_whitespace_ = true;
}

void FrameDecoder::start_frame() {
  state_ = State::in_body;
  scanned_ = 0;
}

std::optional<DecoderEvent> FrameDecoder::next_in_body() {
  const char* base = buf_.data() + pos_;
  const size_t avail = available();
  const char* hit = find_block_byte(base + scanned_, base + avail);
  const size_t len = hit ? hit - base : avail;
  if (len > options_.max_frame_bytes) {
    // A9: from here on only the salvage prefix is kept; next_skipping() consumes the bytes.
    state_ = State::skipping_oversize;
    scanned_ = 0;
    return std::nullopt;
  }
  if (!hit) {
    scanned_ = avail;
    return std::nullopt;
  }
  if (*hit == kStartBlock) {
    // A6: the sender restarted mid-message. The partial frame is dropped, never processed.
    pos_ += len + 1;
    start_frame();
    return FrameAborted{len, "start block inside a frame"};
  }

  if (options_.strict_end) {
    if (len + 1 >= avail) {
      scanned_ = len;  // wait for the byte after 0x1C
      return std::nullopt;
    }
    if (base[len + 1] != kCarriageReturn) {
      // A3 strict: drop the frame; the byte after 0x1C is decoded afresh (it may be a 0x0B).
      pos_ += len + 1;
      state_ = State::seeking;
      return FrameAborted{len, "end block not followed by carriage return"};
    }
    pos_ += len + 2;
  } else {
    // A3 lenient: 0x1C ends the frame now, so a sender that never sends the CR is answered.
    pos_ += len + 1;
    swallow_cr_ = true;
  }
  state_ = State::seeking;
  if (len == 0) return EmptyFrame{};
  return Frame{std::string(base, len)};
}

std::optional<DecoderEvent> FrameDecoder::next_skipping() {
  const size_t avail = available();
  if (avail == 0) return std::nullopt;
  const char* base = buf_.data() + pos_;
  const char* hit = find_block_byte(base, base + avail);
  const size_t len = hit ? hit - base : avail;
  if (oversize_prefix_.size() < options_.salvage_prefix_bytes) {
    oversize_prefix_.append(base,
                            std::min(len, options_.salvage_prefix_bytes - oversize_prefix_.size()));
  }
  oversize_bytes_ += len;
  pos_ += len;
  if (!hit) return std::nullopt;

  ++pos_;  // the 0x0B or 0x1C
  const size_t total = oversize_bytes_;
  std::string prefix = std::move(oversize_prefix_);
  oversize_prefix_.clear();
  oversize_bytes_ = 0;
  if (*hit == kStartBlock) {
    start_frame();
    return FrameAborted{total, "start block inside an oversize frame"};
  }
  // The frame is refused whatever follows 0x1C, so strict_end does not matter here.
  swallow_cr_ = true;
  state_ = State::seeking;
  return FrameTooLarge{total, std::move(prefix)};
}

std::optional<FrameAborted> FrameDecoder::drop_partial(std::string reason) {
  if (state_ == State::seeking) return std::nullopt;
  const size_t lost = available() + oversize_bytes_;
  pos_ = buf_.size();
  scanned_ = 0;
  oversize_bytes_ = 0;
  oversize_prefix_.clear();
  state_ = State::seeking;
  return FrameAborted{lost, std::move(reason)};
}

}  // namespace irwell::mllp
