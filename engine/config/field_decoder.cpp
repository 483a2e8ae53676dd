#include "engine/config/field_decoder.h"

#include <algorithm>
#include <charconv>
#include <regex>

#include "engine/config/value_parse.h"
#include "engine/hl7/path.h"

namespace irwell::config {

Result<std::string> canonical_hl7_path(std::string_view text) {
  auto p = hl7::Path::parse(text);
  if (!p) return fail(p.error().message);
  return p->to_string();
}

std::string regex_problem(std::string_view pattern) {
  // std::regex reports a bad pattern by throwing: caught here, at the edge.
  try {
    std::regex re{std::string(pattern), std::regex::ECMAScript};
  } catch (const std::regex_error& e) {
    return "invalid regular expression " + quote(pattern) + ": " + e.what();
  }
  return {};
}

std::filesystem::path resolve_file(const std::filesystem::path& base_dir, std::string_view text) {
  if (text.empty()) return {};
  std::filesystem::path p{std::string(text)};
  if (p.is_absolute()) return p.lexically_normal();
  return (base_dir / p).lexically_normal();
}

namespace {

bool is_string_like(FieldType t) {
  return t == FieldType::string || t == FieldType::path || t == FieldType::regex ||
         t == FieldType::file_path;
}
bool is_list(FieldType t) {
  return t == FieldType::string_list || t == FieldType::list || t == FieldType::path_list;
}

std::string integer_expectation(const FieldSpec& spec, const char* noun) {
  std::string s = noun;
  if (spec.min && spec.max) {
    s += " from " + std::to_string(*spec.min) + " to " + std::to_string(*spec.max);
  } else if (spec.min) {
    s += " of at least " + std::to_string(*spec.min);
  } else if (spec.max) {
    s += " of at most " + std::to_string(*spec.max);
  }
  return s;
}

// What a field of this spec should look like, for "expected ..." messages.
std::string expectation(const FieldSpec& spec) {
  switch (spec.type) {
    case FieldType::string:
      return "a string";
    case FieldType::integer:
      return integer_expectation(spec, "an integer");
    case FieldType::boolean:
      return "true or false";
    case FieldType::duration:
      return "a duration like 500ms, 30s, 5m, 24h or 7d";
    case FieldType::size:
      return "a size like 512KB, 16MiB or 10GB";
    case FieldType::port:
      return "a port number (" + std::to_string(spec.min.value_or(0)) + "-" +
             std::to_string(spec.max.value_or(65535)) + ")";
    case FieldType::path:
      return "an HL7 path like PID-3[2].1";
    case FieldType::string_list:
      return "a list of strings";
    case FieldType::map:
      return "a map of names to values";
    case FieldType::list:
      return "a list";
    case FieldType::enum_:
      return "one of: " + join(spec.allowed);
    case FieldType::regex:
      return "a regular expression";
    case FieldType::file_path:
      return "a file path";
    case FieldType::path_list:
      return "a list of HL7 paths like PID-3[2].1";
  }
  return "?";
}

std::optional<long long> parse_integer(std::string_view text) {
  long long v = 0;
  const char* b = text.data();
  const char* e = text.data() + text.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e || b == e) return std::nullopt;
  return v;
}

bool in_bounds(const FieldSpec& spec, long long v) {
  return (!spec.min || v >= *spec.min) && (!spec.max || v <= *spec.max);
}

// Decodes scalar text for a scalar-typed field. The error is the full problem description.
Result<Value> decode_text(const FieldSpec& spec, std::string_view text,
                          const std::filesystem::path& base_dir) {
  Value v;
  v.type = spec.type;
  v.text = std::string(text);
  auto wrong = [&] { return fail("expected " + expectation(spec) + ", got " + quote(text)); };
  switch (spec.type) {
    case FieldType::string:
      return v;
    case FieldType::integer:
    case FieldType::port: {
      auto n = parse_integer(text);
      FieldSpec bounded = spec;
      if (spec.type == FieldType::port) {
        bounded.min = spec.min.value_or(0);
        bounded.max = spec.max.value_or(65535);
      }
      if (!n || !in_bounds(bounded, *n)) return wrong();
      v.integer = *n;
      return v;
    }
    case FieldType::size: {
      auto n = parse_size(text);
      if (!n) return wrong();
      if (!in_bounds(spec, *n)) {
        return fail("expected " + integer_expectation(spec, "a size") + " bytes, got " +
                    quote(text));
      }
      v.integer = *n;
      return v;
    }
    case FieldType::boolean:
      if (text == "true" || text == "True" || text == "TRUE") {
        v.boolean = true;
      } else if (text == "false" || text == "False" || text == "FALSE") {
        v.boolean = false;
      } else {
        return wrong();
      }
      return v;
    case FieldType::duration: {
      auto d = parse_duration(text);
      if (!d) return wrong();
      v.duration = *d;
      return v;
    }
    case FieldType::path: {
      if (text.empty()) return v;
      auto p = canonical_hl7_path(text);
      if (!p) return fail(p.error().message);
      return v;
    }
    case FieldType::enum_:
      if (std::find(spec.allowed.begin(), spec.allowed.end(), text) == spec.allowed.end()) {
        return wrong();
      }
      return v;
    case FieldType::regex:
      if (std::string why = regex_problem(text); !why.empty()) return fail(why);
      return v;
    case FieldType::file_path:
      v.text = resolve_file(base_dir, text).string();
      return v;
    case FieldType::string_list:
    case FieldType::list:
    case FieldType::path_list:
    case FieldType::map:
      break;
  }
  return wrong();
}

}  // namespace

std::optional<Value> decode_value(const YamlNode& node, const FieldSpec& spec,
                                  std::string_view context, DecodeContext& ctx) {
  const std::string where = in_context(context, spec.name);
  auto report = [&](Mark at, const std::string& problem) {
    ctx.diags.error(at, in_context(where, problem));
  };
  Value v;
  v.type = spec.type;
  v.mark = node.mark;
  v.given = true;

  if (is_list(spec.type)) {
    std::vector<const YamlNode*> items;
    if (node.is_sequence()) {
      for (const auto& i : node.items) items.push_back(i.get());
    } else if (node.is_scalar() && spec.type != FieldType::list) {
      items.push_back(&node);
    } else if (!node.is_null()) {
      report(node.mark, "expected " + expectation(spec) + ", got " + node.kind_name());
      return std::nullopt;
    }
    bool good = true;
    for (size_t i = 0; i < items.size(); ++i) {
      const YamlNode& item = *items[i];
      if (!item.is_scalar()) {
        report(item.mark,
               "item " + std::to_string(i + 1) + ": expected a string, got " + item.kind_name());
        good = false;
        continue;
      }
      if (spec.type == FieldType::path_list) {
        auto p = canonical_hl7_path(item.scalar);
        if (!p) {
          report(item.mark, p.error().message);
          good = false;
          continue;
        }
      }
      v.list.push_back(item.scalar);
    }
    if (!good) return std::nullopt;
    return v;
  }

  if (spec.type == FieldType::map) {
    if (node.is_null()) return v;
    if (!node.is_map()) {
      report(node.mark, "expected " + expectation(spec) + ", got " + node.kind_name());
      return std::nullopt;
    }
    std::optional<std::vector<std::string>> allowed;
    if (!spec.allowed.empty()) allowed = spec.allowed;
    size_t before = ctx.diags.size();
    MapView view = MapView::read(node, where, allowed, ctx.diags);
    for (const auto& e : view.entries()) {
      if (e.value->is_null()) {
        v.map[e.key] = "";
      } else if (!e.value->is_scalar()) {
        report(e.value->mark, e.key + ": expected a string, got " + e.value->kind_name());
      } else {
        v.map[e.key] = e.value->scalar;
      }
    }
    if (ctx.diags.size() != before) return std::nullopt;
    return v;
  }

  // Scalar types.
  if (node.is_null()) {
    if (is_string_like(spec.type)) return v;
    report(node.mark, "expected " + expectation(spec) + ", got nothing");
    return std::nullopt;
  }
  if (!node.is_scalar()) {
    report(node.mark, "expected " + expectation(spec) + ", got " + node.kind_name());
    return std::nullopt;
  }
  auto decoded = decode_text(spec, node.scalar, ctx.base_dir);
  if (!decoded) {
    report(node.mark, decoded.error().message);
    return std::nullopt;
  }
  decoded->mark = node.mark;
  decoded->given = true;
  return std::move(decoded).value();
}

Value default_value(const FieldSpec& spec, Mark at, const std::filesystem::path& base_dir) {
  Value v;
  v.type = spec.type;
  v.mark = at;
  if (spec.default_value.empty()) return v;
  if (is_list(spec.type)) {
    // List defaults are written comma-separated in the spec.
    std::string_view rest = spec.default_value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      v.list.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return v;
  }
  auto decoded = decode_text(spec, spec.default_value, base_dir);
  // A default that does not decode is a mistake in a TypeSpec, not in the user's file.
  if (!decoded) invariant_broken("config: a FieldSpec's default_value does not decode");
  decoded->mark = at;
  decoded->given = false;
  return std::move(decoded).value();
}

Params decode_fields(const YamlNode& block, const std::vector<FieldSpec>& fields,
                     std::string_view context, Mark block_mark,
                     const std::vector<std::string>& extra_keys, DecodeContext& ctx,
                     MapView* view_out) {
  std::vector<std::string> allowed = extra_keys;
  for (const auto& f : fields) allowed.push_back(f.name);
  static const YamlNode kEmpty;
  const YamlNode& map = block.is_map() ? block : kEmpty;
  MapView view = MapView::read(map, context, allowed, ctx.diags);
  Params params;
  for (const auto& f : fields) {
    const MapView::Entry* e = view.get(f.name);
    if (!e) {
      if (f.required) {
        ctx.diags.error(block_mark, in_context(context, "missing required key " + quote(f.name)));
      }
      params[f.name] = default_value(f, block_mark, ctx.base_dir);
      continue;
    }
    std::optional<Value> v = decode_value(*e->value, f, context, ctx);
    if (!v) continue;  // reported; left out so later checks do not build on a guessed value
    bool empty = (is_string_like(f.type) && v->text.empty()) ||
                 (is_list(f.type) && v->list.empty()) ||
                 (f.type == FieldType::map && v->map.empty());
    if (f.required && empty) {
      ctx.diags.error(e->value->mark, in_context(context, quote(f.name) + " must not be empty"));
    }
    params[f.name] = std::move(*v);
  }
  if (view_out) *view_out = std::move(view);
  return params;
}

std::vector<std::pair<std::string, Mark>> decode_names(const YamlNode& node,
                                                       std::string_view context,
                                                       std::string_view field,
                                                       DiagnosticList& diags) {
  std::vector<std::pair<std::string, Mark>> out;
  const std::string where = in_context(context, field);
  if (node.is_scalar()) {
    out.emplace_back(node.scalar, node.mark);
  } else if (node.is_sequence()) {
    for (size_t i = 0; i < node.items.size(); ++i) {
      const YamlNode& item = *node.items[i];
      if (item.is_scalar()) {
        out.emplace_back(item.scalar, item.mark);
      } else {
        diags.error(item.mark, in_context(where, "item " + std::to_string(i + 1) +
                                                     ": expected a name, got " + item.kind_name()));
      }
    }
  } else if (!node.is_null()) {
    diags.error(node.mark, in_context(where, std::string("expected a list of names, got ") +
                                                 node.kind_name()));
  }
  return out;
}

}  // namespace irwell::config
