#pragma once
// Path: the address of a value in a message, SPEC.md's `SEG[n]-field[rep].component.subcomponent`
// (`PID-3[2].1`, `MSH-9.2`, `OBX[2]-5`, `PID-3.4.2`). Indexes are 1-based; [n] and [rep] are
// optional.
//
// Contract: a plain value; parse() never throws and explains what is wrong in Error.message.
// Segment IDs are three characters, an upper-case letter then upper-case letters or digits
// (`PID`, `ZPI`, `OBX`). to_string() gives the canonical form (occurrence/repetition written
// only when given and not 1 for the occurrence; components only when non-zero), and
// Path::parse(p.to_string()) == p.
#include <string>
#include <string_view>

#include "engine/core/result.h"

namespace irwell::hl7 {

struct Path {
  std::string segment;   // "PID", "OBX", "ZPI", "MSH"
  int occurrence = 1;    // OBX[2]-5 -> 2
  int field = 0;         // required, >= 1
  int repetition = 0;    // 0 = not given (reads use 1; writes replace the whole field)
  int component = 0;     // 0 = whole
  int subcomponent = 0;  // 0 = whole

  static Result<Path> parse(std::string_view text);  // Error.message explains what is wrong
  std::string to_string() const;
  bool operator==(const Path&) const = default;
};

}  // namespace irwell::hl7
