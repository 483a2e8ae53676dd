#pragma once
// split_batch: the HL7 batch/file protocol (HL7-EDGE-CASES J1-J5) and header-less
// multi-message files, cut into the bytes of each message.
//
// Contract: pure, never throws. A file is `[FHS] { [BHS] { MSH... } [BTS] } [FTS]` with every
// header and trailer optional, or simply several messages one after another (J5). Messages
// start at each line that begins with "MSH" followed by a non-alphanumeric character (the
// message's field separator, so `MSH^~|\&` works, C3); a message runs until the next MSH,
// BHS, BTS, FHS or FTS line. Line ends may be CR, LF or CRLF; blank lines are skipped (B2)
// and a UTF-8 BOM at the start is ignored (B3).
// `messages` hold each message's bytes exactly as in the file, from "MSH" to its last
// segment's terminator (trailing blank lines dropped). Headers/trailers are their wire text
// without terminator ("" when absent). With several BHS/BTS pairs, the first BHS and the last
// BTS are kept and every count is checked.
// Counts (J2): BTS-1 must equal the messages in its batch and FTS-1 the number of batches;
// a mismatch sets count_mismatch and adds a warning, it is not an error. Non-blank lines before
// the first MSH/FHS/BHS are skipped with a warning (B7 junk). Errors (code 100): a file
// with no MSH at all and no FHS/BHS (empty, whitespace, or only other segments).
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.h"
#include "engine/hl7/parse_error.h"

namespace irwell::hl7 {

struct Batch {
  std::string file_header, batch_header, batch_trailer, file_trailer;  // wire text, "" if absent
  std::vector<std::string> messages;                                   // each message's bytes
  std::vector<std::string> warnings;  // e.g. "BTS-1 says 5 messages, found 4"
  bool count_mismatch = false;
};

Result<Batch, ParseError> split_batch(std::string_view file_bytes);

}  // namespace irwell::hl7
