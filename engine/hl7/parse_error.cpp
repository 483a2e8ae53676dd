#include "engine/hl7/parse_error.h"

namespace irwell::hl7 {

std::string ParseError::to_string() const {
  std::string s;
  if (segment > 0) {
    s += "segment " + std::to_string(segment);
    if (!segment_id.empty()) s += " (" + segment_id + ")";
    if (field > 0) s += " field " + std::to_string(field);
    s += ", ";
  }
  s += "byte " + std::to_string(offset) + ": " + message + " (code " + std::to_string(code) + ")";
  return s;
}

}  // namespace irwell::hl7
