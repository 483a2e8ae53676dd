#pragma once
// HL7 v2 escape sequences (HL7-EDGE-CASES E1-E8), against a message's own delimiters.
//
// Contract: pure functions on bytes, never throw. unescape() decodes the delimiter escapes
// \F\ \S\ \T\ \R\ \E\ (written with d.escape) and keeps every other sequence verbatim:
// \H\ \N\ \.br\ \.sp..\ \Xhh..\ \Zxx\ \Cxxyy\ \Mxxyyzz\ and malformed ones (unknown letter,
// unterminated, empty `\\`) are returned exactly as written (E2-E6), so nothing is lost; call
// it on a leaf value (after splitting, E1). escape() writes each delimiter character and the
// escape character in `text` as its escape sequence, CR as \X0D\ and LF as \X0A\ (E8); the
// truncation character is data and is not escaped (C5). unescape(escape(t)) == t for any t
// without CR or LF (unescape() keeps \X0D\ as written, E2).
#include <string>
#include <string_view>

#include "engine/hl7/delimiters.h"

namespace irwell::hl7 {

std::string unescape(std::string_view wire, const Delimiters& d);
std::string escape(std::string_view text, const Delimiters& d);

// Rewrites escaped wire text from delimiters `from` to `to` (E8, C3): delimiter escapes are
// decoded and written again against `to`, other sequences (\.br\, \X..\, malformed...) keep
// their text with `to`'s escape character, and data characters that are delimiters in `to`
// are escaped. A lone (unterminated) escape character is data.
std::string reescape(std::string_view wire, const Delimiters& from, const Delimiters& to);

// True when `wire` contains the escape character (a fast check before unescape()).
inline bool needs_unescape(std::string_view wire, const Delimiters& d) {
  return wire.find(d.escape) != std::string_view::npos;
}

}  // namespace irwell::hl7
