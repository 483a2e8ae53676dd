#pragma once
// Delimiters: the six separator characters of one HL7 v2 message (MSH-1 and MSH-2).
//
// Contract: a plain value. Every message carries its own delimiters (C3); the defaults are the
// standard `|^~\&`. `truncation` is the optional v2.7 5th MSH-2 character (C5), 0 when absent;
// it is never treated as a delimiter (a `#` in data is data). `validate()` applies C6: the
// field separator is not CR/LF/alphanumeric and the encoding characters are distinct printable
// non-alphanumeric characters different from the field separator. Thread-safe as any value.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irwell::hl7 {

struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
  char truncation = 0;  // 0 = none (v2.7 5th MSH-2 char)

  // MSH-2 as it is written on the wire: 4 characters, or 5 with the truncation character.
  std::string encoding_characters() const;
  // True when the delimiters satisfy C6 (see the file comment).
  bool valid() const;
  bool operator==(const Delimiters&) const = default;
};

// Splits wire text at every `sep` (no escape awareness is needed: an escape sequence never
// contains a literal delimiter). "" gives one empty piece. The views point into `text`.
std::vector<std::string_view> split(std::string_view text, char sep);

// The n-th (1-based) piece of `text` split at `sep`, without allocating; nullopt when `text` has
// fewer pieces. The view points into `text`.
std::optional<std::string_view> nth_piece(std::string_view text, char sep, int n);

}  // namespace irwell::hl7
