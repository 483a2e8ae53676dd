#pragma once
// ParseError: why a message (or a batch file) could not be parsed, and where.
//
// Contract: a plain value. `code` is from HL7 table 0357 so an ACK can carry it in ERR-3:
//   100 segment sequence error  (no MSH as the first segment, B8; no message in a file)
//   101 required field missing  (MSH-2 or MSH-9 absent/empty)
//   102 data type error         (unusable delimiters in MSH-1/MSH-2, C4/C6)
//   199 other                   (too many segments, message larger than 4 GiB)
// `segment` is 1-based among the message's non-blank segments (0 = none, e.g. an empty input),
// `field` is the HL7 field number (0 = none) and `offset` the byte offset in the input given to
// parse() (for split_batch(), in the file).
#include <cstddef>
#include <string>

namespace irwell::hl7 {

namespace error_code {
inline constexpr int segment_sequence = 100;
inline constexpr int required_field_missing = 101;
inline constexpr int data_type = 102;
inline constexpr int other = 199;
}  // namespace error_code

struct ParseError {
  int code = error_code::other;
  std::string message;
  size_t segment = 0;  // 1-based, 0 none
  std::string segment_id;
  int field = 0;
  size_t offset = 0;  // byte offset

  // e.g. "segment 1 (MSH) field 2, byte 3: MSH-2 repeats a delimiter (code 102)"
  std::string to_string() const;
};

}  // namespace irwell::hl7
