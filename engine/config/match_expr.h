#pragma once
// MatchExpr: a route's `match:` condition, decoded and checked (paths parse, regexes compile).
//
// Contract: a plain tree of values. Meaning, for one message:
//   always        true (no `match:` given)
//   all / any     every / at least one child holds (an empty `any` never holds)
//   not_          children[0] does not hold
//   type          MSH-9 matches one of `values`, wildcard patterns (`*` any run, `?` one char)
//                 compared with "MSH-9.1^MSH-9.2" ("ADT^A01"); a pattern without `^` compares
//                 with MSH-9.1 alone ("ORU" == "ORU^*"). See wildcard.h.
//   field         `path` (an HL7 path, canonical form) compared by `op`:
//                 equals (values[0]), in (any of values), regex (values[0], ECMAScript,
//                 std::regex_search: anchor with ^...$), present (non-empty), absent (empty).
// mark is where the condition is written, for diagnostics and `irwell test` output.
#include <string>
#include <vector>

#include "engine/config/diagnostic.h"

namespace irwell::config {

struct MatchExpr {
  enum class Kind { always, all, any, not_, type, field } kind = Kind::always;
  std::vector<MatchExpr> children;
  std::string path;  // field
  enum class Op { equals, in, regex, present, absent } op = Op::equals;
  std::vector<std::string> values;  // equals/in values, type patterns, regex source
  Mark mark;
};

}  // namespace irwell::config
