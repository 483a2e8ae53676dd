#pragma once
// Segment IDs as the segment transforms accept them: three characters, an upper-case letter then
// upper-case letters or digits (B5), the rule hl7::Path uses too.
#include <string>
#include <string_view>

namespace irwell::transforms {

inline bool is_segment_id(std::string_view id) {
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return id.size() == 3 && upper(id[0]) && (upper(id[1]) || digit(id[1])) &&
         (upper(id[2]) || digit(id[2]));
}

// The sentence a builder reports for an ID that breaks the rule.
inline std::string segment_id_rule(std::string_view id) {
  return "\"" + std::string(id) +
         "\" is not a segment ID: three characters, an upper-case letter then letters or digits";
}

}  // namespace irwell::transforms
