#pragma once
// Character sets (HL7-EDGE-CASES F1-F5): MSH-18 names (table 0211) and decoding to UTF-8.
//
// Contract: pure functions, never throw, never fail: undecodable input is decoded by a stated
// fallback instead. Supported names (case-insensitive, surrounding spaces ignored):
//   "", "ASCII" and names we do not decode (JIS, GB, KS, BIG-5, UTF-16/32 which MLLP cannot
//                                      carry, A10) -> ASCII as is; otherwise valid UTF-8 is
//                                      passed through and anything else is read as 8859/1;
//   "8859/1" (Latin-1)              -> each byte is its code point;
//   "8859/15" (Latin-9)             -> Latin-1 with the eight 8859-15 differences;
//   "WINDOWS-1252" / "CP1252"       -> Latin-1 with 0x80-0x9F mapped as Windows-1252;
//   "UNICODE UTF-8", "UTF-8", "UNICODE" -> UTF-8: passed through; invalid bytes become U+FFFD.
// resolve_charset() is the rule the parser uses (documented in message.h, F2/F3).
#include <string>
#include <string_view>

namespace irwell::hl7 {

std::string to_utf8(std::string_view bytes, std::string_view charset);
// The reverse, for writing UTF-8 text into a message: for the single-byte sets above
// (8859/1, 8859/15, Windows-1252) each character becomes its byte, or '?' when the set has no
// such character; for every other name the UTF-8 bytes are returned unchanged.
std::string from_utf8(std::string_view text, std::string_view charset);
bool is_valid_utf8(std::string_view bytes);
bool is_ascii(std::string_view bytes);

// Canonical charset names returned by resolve_charset() and Message::charset().
inline constexpr std::string_view kAscii = "ASCII";
inline constexpr std::string_view kLatin1 = "8859/1";
inline constexpr std::string_view kUtf8 = "UNICODE UTF-8";

// The character set to decode a message with, from its MSH-18 repetition 1 (`declared`), the
// listener's default (`fallback`, may be "") and the message bytes:
//  - declared non-empty: the declared name (trimmed, upper-cased; UTF-8 aliases -> kUtf8,
//    Latin-1 aliases -> kLatin1), EXCEPT that a single-byte declaration (ASCII, 8859/1, 8859/15,
//    Windows-1252) over bytes that are valid UTF-8 with at least one multi-byte sequence
//    resolves to kUtf8 (F3: MSH-18 lies; real Latin-1 text is practically never valid
//    multi-byte UTF-8), and "ASCII" over other non-ASCII bytes resolves to kLatin1;
//  - declared empty, fallback non-empty: the same rule applied to `fallback`;
//  - both empty: pure ASCII -> kAscii, valid UTF-8 -> kUtf8, otherwise kLatin1 (F2).
std::string resolve_charset(std::string_view declared, std::string_view fallback,
                            std::string_view bytes);

}  // namespace irwell::hl7
