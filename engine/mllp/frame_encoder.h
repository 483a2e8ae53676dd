#pragma once
// Wraps HL7 payloads in MLLP frames: `0x0B payload 0x1C 0x0D` (HL7-EDGE-CASES A1).
//
// Contract: pure functions, thread-safe. The payload is written verbatim: the caller is
// responsible for it not containing 0x0B or 0x1C (A10; MLLP cannot carry them). HL7 payloads
// end with their last segment's CR, so a correct frame ends `...\r\x1C\r`.
#include <string>
#include <string_view>

#include "engine/mllp/protocol.h"

namespace irwell::mllp {

// Returns the framed payload.
std::string encode_frame(std::string_view payload);
// Appends the framed payload to `out` (for writing several frames in one buffer).
void append_frame(std::string& out, std::string_view payload);

}  // namespace irwell::mllp
