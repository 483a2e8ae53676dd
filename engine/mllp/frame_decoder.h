#pragma once
// FrameDecoder: the sans-I/O MLLP frame decoder of one connection (HL7-EDGE-CASES A1-A12,
// test vectors V1-V15 in section L).
//
// Use: after every read, `feed()` the bytes, then call `next()` until it returns nullopt
// ("need more bytes"). Each event is one of:
//   Frame         a complete payload (the bytes between 0x0B and 0x1C), never empty, never
//                 containing 0x0B or 0x1C, never longer than max_frame_bytes (A1, A4, A5).
//                 An MLLP2 commit block arrives as a one-byte Frame (see protocol.h, A11).
//   JunkSkipped   bytes outside any frame were discarded (A2, V2, V15): stray CR/LF between
//                 frames, keep-alives, a TLS ClientHello or an HTTP request on a plain port.
//                 A run of junk is reported when it ends (at the next 0x0B) or, so that a
//                 caller can close a TLS/HTTP peer at once, when the buffered bytes run out in
//                 the middle of it; a run spread over several reads may therefore be reported
//                 in parts (`continued` on the later parts). The flags describe the run's first
//                 bytes. Whitespace-only junk is harmless (`whitespace_only`).
//   FrameAborted  a started frame was dropped and must not be processed or acknowledged:
//                 a new 0x0B arrived inside it (A6, V6) or, with strict_end, 0x1C was followed
//                 by something other than 0x0D (A3, V10), or drop_partial() was called.
//                 `bytes` = bytes of the frame that were lost.
//   FrameTooLarge the payload exceeded max_frame_bytes (A9, V11). Reported once, when the
//                 frame's end block arrives; meanwhile the decoder keeps only the first
//                 salvage_prefix_bytes (in `prefix`, enough to read the MSH and NAK it, H7) and
//                 discards the rest as it arrives, so memory stays bounded by
//                 max_frame_bytes + one read. `bytes` = the whole payload size. An oversize
//                 frame cut short by a new 0x0B is reported as FrameAborted instead; strict_end
//                 does not apply to a frame that is refused anyway.
//   EmptyFrame    `0B 1C 0D` (A12): nothing to process and no MSH to acknowledge.
//
// End of frame: 0x1C followed by 0x0D. With strict_end = false (the default, A3 lenient) a 0x1C
// alone also ends the frame, and the frame is returned as soon as the 0x1C is seen; a 0x0D that
// follows later is swallowed silently. With strict_end = true the decoder waits for the byte
// after 0x1C and aborts the frame unless it is 0x0D (that byte is then decoded afresh, so a
// following 0x0B still starts the next frame).
//
// Timeouts and EOF are the caller's (A7, A8): on a frame-completion timeout or on EOF call
// `drop_partial()` after draining `next()`; it discards the partial frame and reports it. Bytes
// that arrive after a dropped frame are junk until the next 0x0B (V8).
//
// Cost: linear in the bytes fed, whatever the read sizes (each byte is scanned a constant
// number of times with memchr; consumed bytes are compacted away in amortised O(1)).
// Thread-safety: none; one decoder per connection, used from one thread at a time.
// Errors are events, never exceptions: the decoder accepts any byte sequence.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "engine/mllp/protocol.h"

namespace irwell::mllp {

struct FrameDecoderOptions {
  size_t max_frame_bytes = 64 * 1024 * 1024;
  bool strict_end = false;  // false: 0x1C not followed by 0x0D still ends a frame (A3 lenient)
  size_t salvage_prefix_bytes = 4096;
};

struct Frame {
  std::string payload;  // between 0x0B and 0x1C
};
struct JunkSkipped {
  size_t bytes = 0;
  bool looks_like_tls = false;   // run starts 16 03 (TLS handshake record)
  bool looks_like_http = false;  // run starts with an HTTP method and a space ("GET ", "POST ")
  bool whitespace_only = false;  // only CR, LF, space, tab: harmless
  bool continued = false;        // continues a run already reported in part
};
struct FrameAborted {
  size_t bytes = 0;
  std::string reason;
};
struct FrameTooLarge {
  size_t bytes = 0;
  std::string prefix;  // first salvage_prefix_bytes of the payload
};
struct EmptyFrame {};

using DecoderEvent = std::variant<Frame, JunkSkipped, FrameAborted, FrameTooLarge, EmptyFrame>;

class FrameDecoder {
 public:
  explicit FrameDecoder(FrameDecoderOptions options = {});

  // Appends bytes received. Call next() until nullopt afterwards.
  void feed(std::string_view bytes);
  // The next event, or nullopt when more bytes are needed.
  std::optional<DecoderEvent> next();
  // A frame has started (0x0B seen) and not yet ended.
  bool in_frame() const;
  // Bytes held by the decoder (unconsumed input plus a kept oversize prefix).
  size_t buffered_bytes() const;
  // Frame-completion timeout (A8) or EOF (A7): drops the frame in progress, if any, and
  // reports it. Call after next() returned nullopt; the decoder then seeks the next 0x0B.
  std::optional<FrameAborted> drop_partial(std::string reason);

  const FrameDecoderOptions& options() const { return options_; }

 private:
  enum class State { seeking, in_body, skipping_oversize };

  std::optional<DecoderEvent> next_seeking();
  std::optional<DecoderEvent> next_in_body();
  std::optional<DecoderEvent> next_skipping();
  std::optional<DecoderEvent> take_junk_report(bool run_ends);
  void end_junk_run();
  void start_frame();
  size_t available() const { return buf_.size() - pos_; }

  FrameDecoderOptions options_;
  State state_ = State::seeking;
  std::string buf_;          // bytes fed; [0, pos_) is consumed and compacted away lazily
  size_t pos_ = 0;           // first unconsumed byte; in a frame, the first payload byte
  size_t scanned_ = 0;       // in_body: payload bytes [pos_, pos_ + scanned_) hold no 0x0B/0x1C
  bool swallow_cr_ = false;  // a lenient frame ended at 0x1C: a following 0x0D is framing

  // Junk run bookkeeping (seeking state).
  size_t junk_unreported_ = 0;
  bool junk_reported_ = false;  // part of the current run was reported already
  std::string junk_head_;       // first bytes of the run, for the TLS/HTTP guess
  bool junk_whitespace_ = true;

  // Oversize frame bookkeeping (skipping_oversize state).
  size_t oversize_bytes_ = 0;
  std::string oversize_prefix_;
};

}  // namespace irwell::mllp
