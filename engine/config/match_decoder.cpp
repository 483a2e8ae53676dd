// Decoding of a route's `match:` block into a MatchExpr (grammar in FORMAT.md "routes").
#include <algorithm>

#include "engine/config/decoders.h"

namespace irwell::config {
namespace {

// Shorthand keys: `sending_facility: RXA` means {field: MSH-4, equals: RXA}; a list means `in`.
struct Shorthand {
  const char* key;
  const char* path;
};
constexpr Shorthand kShorthands[] = {
    {"sending_application", "MSH-3"},   {"sending_facility", "MSH-4"},
    {"receiving_application", "MSH-5"}, {"receiving_facility", "MSH-6"},
    {"processing_id", "MSH-11"},        {"version", "MSH-12"},
};

const std::vector<std::string> kFieldKeys = {"field", "equals", "in", "regex", "present", "absent"};

class MatchDecoder {
 public:
  MatchDecoder(std::string context, DecodeContext& ctx) : context_(std::move(context)), ctx_(ctx) {}

  MatchExpr decode(const YamlNode& n) {
    MatchExpr e;
    e.mark = n.mark;
    if (n.is_null()) return e;
    if (!n.is_map()) {
      error(n.mark, std::string("expected a map of conditions, got ") + n.kind_name());
      return e;
    }
    bool field_form = std::any_of(n.pairs.begin(), n.pairs.end(), [](const auto& kv) {
      return kv.first->is_scalar() && kv.first->scalar == "field";
    });
    if (field_form) return decode_field(n);

    std::vector<std::string> allowed = {"type", "all", "any", "not", "field"};
    for (const auto& s : kShorthands) allowed.emplace_back(s.key);
    MapView view = MapView::read(n, context_, allowed, ctx_.diags);
    std::vector<MatchExpr> children;
    for (const auto& entry : view.entries()) {
      const YamlNode& v = *entry.value;
      if (entry.key == "type") {
        children.push_back(decode_type(v, entry.key_node->mark));
      } else if (entry.key == "all" || entry.key == "any") {
        children.push_back(decode_group(entry.key, v, entry.key_node->mark));
      } else if (entry.key == "not") {
        MatchExpr x;
        x.kind = MatchExpr::Kind::not_;
        x.mark = entry.key_node->mark;
        x.children.push_back(decode(v));
        children.push_back(std::move(x));
      } else {
        for (const auto& s : kShorthands) {
          if (entry.key == s.key) children.push_back(decode_shorthand(s, v, entry.key_node->mark));
        }
      }
    }
    if (children.empty()) return e;
    if (children.size() == 1) return std::move(children.front());
    e.kind = MatchExpr::Kind::all;
    e.children = std::move(children);
    return e;
  }

 private:
  void error(Mark at, const std::string& message) {
    ctx_.diags.error(at, in_context(context_, message));
  }

  // Scalars of a scalar-or-list value; reports anything else.
  std::vector<std::string> scalars(const YamlNode& v, const std::string& key) {
    std::vector<std::string> out;
    if (v.is_scalar()) {
      out.push_back(v.scalar);
    } else if (v.is_null()) {
      out.emplace_back();
    } else if (v.is_sequence()) {
      for (const auto& item : v.items) {
        if (item->is_scalar()) {
          out.push_back(item->scalar);
        } else {
          error(item->mark, key + ": expected a string, got " + item->kind_name());
        }
      }
    } else {
      error(v.mark, key + ": expected a value or a list of values, got " + v.kind_name());
    }
    return out;
  }

  MatchExpr decode_type(const YamlNode& v, Mark key_mark) {
    MatchExpr e;
    e.kind = MatchExpr::Kind::type;
    e.mark = key_mark;
    for (auto& p : scalars(v, "type")) {
      if (std::string why = check_type_pattern(p); !why.empty()) {
        error(v.mark, "type: " + why);
      } else {
        e.values.push_back(std::move(p));
      }
    }
    if (v.is_sequence() && v.items.empty()) error(v.mark, "type: expected at least one pattern");
    return e;
  }

  MatchExpr decode_group(const std::string& key, const YamlNode& v, Mark key_mark) {
    MatchExpr e;
    e.kind = key == "all" ? MatchExpr::Kind::all : MatchExpr::Kind::any;
    e.mark = key_mark;
    if (!v.is_sequence()) {
      error(v.mark, key + ": expected a list of conditions, got " + v.kind_name());
      return e;
    }
    for (const auto& item : v.items) e.children.push_back(decode(*item));
    return e;
  }

  MatchExpr decode_shorthand(const Shorthand& s, const YamlNode& v, Mark key_mark) {
    MatchExpr e;
    e.kind = MatchExpr::Kind::field;
    e.mark = key_mark;
    e.path = s.path;
    e.values = scalars(v, s.key);
    e.op = v.is_sequence() ? MatchExpr::Op::in : MatchExpr::Op::equals;
    return e;
  }

  MatchExpr decode_field(const YamlNode& n) {
    MatchExpr e;
    e.kind = MatchExpr::Kind::field;
    e.mark = n.mark;
    MapView view = MapView::read(n, context_, kFieldKeys, ctx_.diags);
    const MapView::Entry* field = view.get("field");
    if (field) {
      if (!field->value->is_scalar()) {
        error(field->value->mark,
              std::string("field: expected an HL7 path, got ") + field->value->kind_name());
      } else if (auto p = canonical_hl7_path(field->value->scalar); !p) {
        error(field->value->mark, "field: " + p.error().message);
      } else {
        e.path = *p;
      }
    }
    std::vector<const MapView::Entry*> ops;
    for (const auto& entry : view.entries()) {
      if (entry.key != "field") ops.push_back(&entry);
    }
    if (ops.size() != 1) {
      Mark at = ops.size() > 1 ? ops[1]->key_node->mark : n.mark;
      error(at, "a field condition needs exactly one of: equals, in, regex, present, absent");
      return e;
    }
    const MapView::Entry& op = *ops.front();
    const YamlNode& v = *op.value;
    if (op.key == "equals") {
      e.op = MatchExpr::Op::equals;
      if (!v.is_scalar() && !v.is_null()) {
        error(v.mark, std::string("equals: expected a value, got ") + v.kind_name() +
                          " (use \"in\" for a list)");
      } else {
        e.values.push_back(v.scalar);
      }
    } else if (op.key == "in") {
      e.op = MatchExpr::Op::in;
      e.values = scalars(v, "in");
    } else if (op.key == "regex") {
      e.op = MatchExpr::Op::regex;
      if (!v.is_scalar()) {
        error(v.mark, std::string("regex: expected a regular expression, got ") + v.kind_name());
        return e;
      }
      if (std::string why = regex_problem(v.scalar); !why.empty()) error(v.mark, "regex: " + why);
      e.values.push_back(v.scalar);
    } else {
      bool flag = v.is_scalar() && v.scalar == "true";
      if (!v.is_scalar() || (v.scalar != "true" && v.scalar != "false")) {
        error(v.mark, op.key + ": expected true or false, got " +
                          (v.is_scalar() ? quote(v.scalar) : std::string(v.kind_name())));
      }
      bool present = (op.key == "present") == flag;
      e.op = present ? MatchExpr::Op::present : MatchExpr::Op::absent;
    }
    return e;
  }

  std::string context_;
  DecodeContext& ctx_;
};

}  // namespace

MatchExpr decode_match(const YamlNode& node, std::string_view context, DecodeContext& ctx) {
  return MatchDecoder(std::string(context), ctx).decode(node);
}

}  // namespace irwell::config
