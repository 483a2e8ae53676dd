#pragma once
// Matcher: a route's `match:` condition (config::MatchExpr) compiled for fast evaluation against
// parsed messages; also used by the `filter` transform.
//
// Contract
// - compile() turns a checked MatchExpr into a Matcher: HL7 paths are parsed and regexes compiled
//   once. It fails (with a sentence) only on a path or regex the loader should already have
//   refused, so a Config from load_config() always compiles.
// - matches() evaluates the condition (meaning as in match_expr.h) on a message, reading values
//   with Message::get (unescaped, repetition 1 and segment occurrence 1 unless the path says
//   otherwise). `present` holds when the value's state is ValueState::value; `absent` when it is
//   absent or empty, or an HL7 null `""` (a null carries no value). equals / in / regex compare
//   the decoded value; a missing value compares as "".
// - Type patterns (`ADT^A0*`) are compared with MSH-9.1 and MSH-9.2 as config::wildcard.h says.
// Thread-safety: an immutable value after compile(); matches() may run concurrently.
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "engine/config/match_expr.h"
#include "engine/core/result.h"
#include "engine/hl7/message.h"
#include "engine/hl7/path.h"

namespace irwell::pipeline {

class Matcher {
 public:
  // A matcher that always holds (no `match:`).
  Matcher();
  static Result<Matcher> compile(const config::MatchExpr& expr);
  bool matches(const hl7::Message& m) const;

 private:
  using Kind = config::MatchExpr::Kind;
  using Op = config::MatchExpr::Op;
  struct Node {
    Kind kind = Kind::always;
    std::vector<int> children;  // indexes into nodes_
    hl7::Path path;
    Op op = Op::equals;
    std::vector<std::string> values;
    std::shared_ptr<const std::regex> regex;  // Op::regex; shared so Matcher stays copyable
  };

  Result<int> add(const config::MatchExpr& e);
  bool eval(int node, const hl7::Message& m) const;

  std::vector<Node> nodes_;  // nodes_[0] is the root
};

}  // namespace irwell::pipeline
