#include "engine/pipeline/matcher.h"

#include <algorithm>

#include "engine/config/wildcard.h"

namespace irwell::pipeline {
namespace {

const hl7::Path& type_path() {
  static const hl7::Path p{"MSH", 1, 9, 0, 1, 0};
  return p;
}
const hl7::Path& event_path() {
  static const hl7::Path p{"MSH", 1, 9, 0, 2, 0};
  return p;
}

}  // namespace

Matcher::Matcher() { nodes_.push_back(Node{}); }

Result<Matcher> Matcher::compile(const config::MatchExpr& expr) {
  Matcher m;
  m.nodes_.clear();
  auto root = m.add(expr);
  if (!root) return fail(root.error().message);
  return m;
}

Result<int> Matcher::add(const config::MatchExpr& e) {
  int index = static_cast<int>(nodes_.size());
  nodes_.push_back(Node{});
  Node n;
  n.kind = e.kind;
  n.op = e.op;
  n.values = e.values;
  if (e.kind == Kind::field) {
    auto p = hl7::Path::parse(e.path);
    if (!p) return fail(p.error().message);
    n.path = *p;
    if (e.op == Op::regex) {
      if (e.values.empty()) return fail("a regex condition needs a pattern");
      try {
        n.regex = std::make_shared<const std::regex>(e.values[0], std::regex::ECMAScript);
      } catch (const std::regex_error& err) {  // the library edge: converted here (STYLE 7)
        return fail("invalid regular expression \"" + e.values[0] + "\": " + err.what());
      }
    }
    if (e.op == Op::equals && e.values.empty()) return fail("an equals condition needs a value");
  }
  if (e.kind == Kind::not_ && e.children.size() != 1) return fail("not takes one condition");
  for (const auto& c : e.children) {
    auto child = add(c);
    if (!child) return child;
    n.children.push_back(*child);
  }
  nodes_[index] = std::move(n);
  return index;
}

bool Matcher::matches(const hl7::Message& m) const { return eval(0, m); }

bool Matcher::eval(int index, const hl7::Message& m) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case Kind::always:
      return true;
    case Kind::all:
      return std::all_of(n.children.begin(), n.children.end(), [&](int c) { return eval(c, m); });
    case Kind::any:
      return std::any_of(n.children.begin(), n.children.end(), [&](int c) { return eval(c, m); });
    case Kind::not_:
      return !eval(n.children[0], m);
    case Kind::type: {
      std::string code = m.get(type_path());
      std::string event = m.get(event_path());
      return std::any_of(n.values.begin(), n.values.end(), [&](const std::string& pattern) {
        return config::message_type_matches(pattern, code, event);
      });
    }
    case Kind::field:
      break;
  }
  switch (n.op) {
    case Op::present:
      return m.state(n.path) == hl7::ValueState::value;
    case Op::absent:
      return m.state(n.path) != hl7::ValueState::value;
    case Op::equals:
      return m.get(n.path) == n.values[0];
    case Op::in: {
      std::string v = m.get(n.path);
      return std::find(n.values.begin(), n.values.end(), v) != n.values.end();
    }
    case Op::regex:
      return std::regex_search(m.get(n.path), *n.regex);
  }
  return false;
}

}  // namespace irwell::pipeline
