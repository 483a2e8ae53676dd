#pragma once
// Wildcard patterns as used by `match: type:` and a source's `allowed_types`:
// `*` matches any run of characters (also none), `?` exactly one, everything else itself
// (case-sensitive, as HL7 codes are).
//
// Contract: pure functions, no allocation beyond the call, thread-safe.
#include <string_view>

namespace irwell::config {

bool wildcard_match(std::string_view pattern, std::string_view text);

// Whether a message type pattern matches a message of MSH-9.1 `code` and MSH-9.2 `event`:
// "ADT^A0*" is compared with "code^event"; a pattern without `^` with `code` alone.
bool message_type_matches(std::string_view pattern, std::string_view code, std::string_view event);

// Whether some text matches both wildcard patterns (used to find routes that can never match).
bool wildcards_intersect(std::string_view a, std::string_view b);

}  // namespace irwell::config
