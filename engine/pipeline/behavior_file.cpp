#include "engine/pipeline/behavior_file.h"

#include <fstream>
#include <set>
#include <sstream>

#include "engine/config/diagnostic_list.h"
#include "engine/config/field_decoder.h"
#include "engine/config/map_view.h"
#include "engine/config/yaml_tree.h"
#include "engine/hl7/path.h"

namespace irwell::pipeline {
namespace {

using config::DiagnosticList;
using config::MapView;
using config::Mark;
using config::YamlNode;

// Behaviour files are not substituted (`${...}` in a message is data): positions map 1:1.
config::SourceMap identity_map(std::string_view text) {
  config::SourceMap map;
  int line = 1, column = 1;
  for (char c : text) {
    if (c == '\n') {
      map.end_line(Mark{line, column});
      ++line;
      column = 1;
    } else {
      map.add_char(Mark{line, column});
      ++column;
    }
  }
  map.end_line(Mark{line, column});
  return map;
}

// HL7 wants CR between segments; YAML block scalars give LF. A trailing line end is dropped.
std::string hl7_text(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = '\r';
  }
  // CRLF became CR CR: fold the pairs.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\r') continue;
    out += text[i];
  }
  return out + '\r';
}

class Reader {
 public:
  Reader(std::string file, const config::Registry& registry, std::filesystem::path base_dir)
      : file_(std::move(file)),
        registry_(registry),
        diags_(file_),
        base_dir_(std::move(base_dir)) {}

  std::vector<BehaviorCase> read(const YamlNode& root) {
    std::vector<BehaviorCase> out;
    if (!root.is_map()) {
      diags_.error(root.mark, "expected a map with a `tests:` list");
      return out;
    }
    MapView top = MapView::read(root, "", std::vector<std::string>{"tests"}, diags_);
    const MapView::Entry* tests = top.get("tests");
    if (!tests || !tests->value->is_sequence()) {
      diags_.error(root.mark, "expected `tests:` with a list of test cases");
      return out;
    }
    std::set<std::string> names;
    for (const auto& item : tests->value->items) {
      auto c = read_case(*item);
      if (!c) continue;
      if (!names.insert(c->name).second)
        diags_.error(c->mark, "test \"" + c->name + "\" is defined twice in this file");
      out.push_back(std::move(*c));
    }
    return out;
  }

  DiagnosticList& diags() { return diags_; }

 private:
  std::optional<std::string> scalar(const MapView::Entry* e, std::string_view context) {
    if (!e) return std::nullopt;
    if (!e->value->is_scalar()) {
      diags_.error(e->value->mark, config::in_context(context, e->key + ": expected text, got " +
                                                                   e->value->kind_name()));
      return std::nullopt;
    }
    return e->value->scalar;
  }

  std::vector<std::string> names(const MapView::Entry* e, std::string_view context) {
    std::vector<std::string> out;
    if (!e) return out;
    for (auto& [n, m] : config::decode_names(*e->value, context, e->key, diags_)) out.push_back(n);
    return out;
  }

  std::optional<BehaviorCase> read_case(const YamlNode& node) {
    if (!node.is_map()) {
      diags_.error(node.mark, "a test case is a map (name, input, expect...)");
      return std::nullopt;
    }
    MapView v = MapView::read(
        node, "test",
        std::vector<std::string>{"name", "transforms", "route", "source", "input", "expect"},
        diags_);
    BehaviorCase c;
    c.file = file_;
    c.mark = node.mark;
    auto name = scalar(v.get("name"), "test");
    if (!name || name->empty()) {
      diags_.error(node.mark, "test: missing required key \"name\"");
      return std::nullopt;
    }
    c.name = *name;
    std::string context = "test \"" + c.name + "\"";
    int modes = 0;
    if (const auto* t = v.get("transforms")) {
      ++modes;
      c.mode = BehaviorCase::Mode::transforms;
      read_transforms(*t->value, context, c.transforms);
    }
    if (auto r = scalar(v.get("route"), context)) {
      ++modes;
      c.mode = BehaviorCase::Mode::route;
      c.target = *r;
    }
    if (auto s = scalar(v.get("source"), context)) {
      ++modes;
      c.mode = BehaviorCase::Mode::source;
      c.target = *s;
    }
    if (modes != 1)
      diags_.error(node.mark, context + ": give exactly one of `transforms`, `route` or `source`");
    auto input = scalar(v.get("input"), context);
    if (!input || input->empty())
      diags_.error(node.mark, context + ": missing required key \"input\" (an HL7 message)");
    else
      c.input = hl7_text(*input);
    if (const auto* e = v.get("expect")) read_expect(*e->value, context, c.expect);
    return c;
  }

  void read_transforms(const YamlNode& list, const std::string& context,
                       std::vector<config::TransformConfig>& out) {
    if (!list.is_sequence()) {
      diags_.error(list.mark, context + ": transforms: expected a list of steps");
      return;
    }
    config::DecodeContext ctx{diags_, base_dir_};
    for (size_t i = 0; i < list.items.size(); ++i) {
      const YamlNode& step = *list.items[i];
      std::string where = context + ": transform " + std::to_string(i + 1);
      if (!step.is_map()) {
        diags_.error(step.mark, where + ": expected a map with `type:`");
        continue;
      }
      const YamlNode* type = nullptr;
      for (const auto& [k, val] : step.pairs) {
        if (k->is_scalar() && k->scalar == "type") type = val.get();
      }
      if (!type || !type->is_scalar()) {
        diags_.error(step.mark, where + ": missing required key \"type\"");
        continue;
      }
      const config::TypeSpec* spec = registry_.find(config::TypeKind::transform, type->scalar);
      if (!spec) {
        std::vector<std::string> known;
        for (const auto* s : registry_.list(config::TypeKind::transform)) known.push_back(s->name);
        diags_.error(type->mark, where + ": unknown transform type \"" + type->scalar +
                                     "\"; known: " + config::join(known));
        continue;
      }
      config::TransformConfig t;
      t.type = type->scalar;
      t.mark = step.mark;
      t.params = config::decode_fields(step, spec->fields, where + " (" + t.type + ")", step.mark,
                                       {"type"}, ctx);
      out.push_back(std::move(t));
    }
  }

  void read_output(const MapView& v, const std::string& context, OutputExpectation& out) {
    if (const auto* f = v.get("fields")) {
      if (!f->value->is_map()) {
        diags_.error(f->value->mark, context + ": fields: expected a map of path: value");
      } else {
        for (const auto& [k, val] : f->value->pairs) {
          auto p = hl7::Path::parse(k->scalar);
          if (!p) {
            diags_.error(k->mark, context + ": fields: " + p.error().message);
            continue;
          }
          if (val->is_null()) {
            out.fields.emplace_back(k->scalar, std::nullopt);
          } else if (val->is_scalar()) {
            out.fields.emplace_back(k->scalar, val->scalar);
          } else {
            diags_.error(val->mark, context + ": fields: " + k->scalar +
                                        ": expected a value or null, got " + val->kind_name());
          }
        }
      }
    }
    if (auto m = scalar(v.get("message"), context)) out.message = hl7_text(*m);
    if (auto u = scalar(v.get("unchanged"), context)) {
      if (*u != "true" && *u != "false")
        diags_.error(v.get("unchanged")->value->mark,
                     context + ": unchanged: expected true or false");
      else
        out.unchanged = *u == "true";
    }
    out.contains = names(v.get("contains"), context);
  }

  void read_expect(const YamlNode& node, const std::string& context, BehaviorExpectation& e) {
    if (!node.is_map()) {
      diags_.error(node.mark, context + ": expect: expected a map");
      return;
    }
    std::string where = context + ": expect";
    MapView v =
        MapView::read(node, where,
                      std::vector<std::string>{"outcome", "reason", "destinations", "fields",
                                               "message", "unchanged", "contains", "deliveries"},
                      diags_);
    if (auto o = scalar(v.get("outcome"), where)) {
      if (*o != "delivered" && *o != "dropped" && *o != "unrouted" && *o != "error")
        diags_.error(v.get("outcome")->value->mark,
                     where + ": outcome: expected delivered, dropped, unrouted or error, got \"" +
                         *o + "\"");
      e.outcome = *o;
    }
    if (auto r = scalar(v.get("reason"), where)) e.reason = *r;
    if (const auto* d = v.get("destinations")) e.destinations = names(d, where);
    read_output(v, where, e.output);
    if (const auto* d = v.get("deliveries")) {
      if (!d->value->is_map()) {
        diags_.error(d->value->mark, where + ": deliveries: expected a map of destination: {...}");
        return;
      }
      for (const auto& [k, val] : d->value->pairs) {
        std::string dest_where = where + ": deliveries: " + k->scalar;
        if (!val->is_map()) {
          diags_.error(val->mark, dest_where + ": expected a map (fields, message...)");
          continue;
        }
        MapView dv = MapView::read(
            *val, dest_where,
            std::vector<std::string>{"fields", "message", "unchanged", "contains"}, diags_);
        read_output(dv, dest_where, e.deliveries[k->scalar]);
      }
    }
  }

  std::string file_;
  const config::Registry& registry_;
  DiagnosticList diags_;
  std::filesystem::path base_dir_;
};

}  // namespace

std::string BehaviorCase::title() const {
  return file + ":" + std::to_string(mark.line) + ": " + name;
}

Result<std::vector<BehaviorCase>, std::vector<config::Diagnostic>> read_behavior_text(
    std::string_view text, const std::string& file_name, const config::Registry& registry) {
  Reader reader(file_name, registry, std::filesystem::path(file_name).parent_path());
  auto root = config::parse_yaml(text, identity_map(text), reader.diags());
  std::vector<BehaviorCase> cases;
  if (root) cases = reader.read(**root);
  if (!reader.diags().empty()) {
    auto diags = std::move(reader.diags()).take();
    config::sort_diagnostics(diags);
    return fail(std::move(diags));
  }
  return cases;
}

Result<std::vector<BehaviorCase>, std::vector<config::Diagnostic>> read_behavior_file(
    const std::filesystem::path& file, const config::Registry& registry) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return fail(std::vector<config::Diagnostic>{
        config::Diagnostic{file.string(), 0, 0, "cannot read the file"}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return read_behavior_text(text.str(), file.string(), registry);
}

}  // namespace irwell::pipeline
