// `lookup`: maps a value through a table (a `lookups:` table of routes.yaml, inline or read from a
// CSV file beside it, or `values` given in the step itself), e.g. a trust's local ward codes to
// the shared record's codes.
#include <map>

#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

enum class OnMiss { error, keep, clear, drop };

class LookupTransform final : public pipeline::Transform {
 public:
  LookupTransform(hl7::Path from, hl7::Path to, std::string table_name,
                  std::map<std::string, std::string> values, std::optional<std::string> fallback,
                  OnMiss on_miss, bool skip)
      : from_(std::move(from)),
        to_(std::move(to)),
        table_name_(std::move(table_name)),
        values_(std::move(values)),
        default_(std::move(fallback)),
        on_miss_(on_miss),
        skip_(skip) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    if (m.state(from_) != hl7::ValueState::value) return TransformResult::next();  // no key
    if (auto missing = missing_segment(m, to_, skip_, "lookup")) return *missing;
    std::string key = m.get(from_);
    auto it = values_.find(key);
    const std::string* mapped = it != values_.end() ? &it->second : default_ ? &*default_ : nullptr;
    if (!mapped) {
      switch (on_miss_) {
        case OnMiss::keep:
          return TransformResult::next();
        case OnMiss::clear:
          m.clear(to_);
          return TransformResult::next();
        case OnMiss::drop:
          return TransformResult::drop("lookup " + from_.to_string() + ": value not in table " +
                                       table_name_);
        case OnMiss::error:
          return TransformResult::error("lookup " + from_.to_string() + ": value not in table " +
                                        table_name_ + " and no default");
      }
    }
    if (to_ == from_ && *mapped == key) return TransformResult::next();  // keep the bytes
    if (auto s = m.set(to_, *mapped); !s)
      return TransformResult::error("lookup " + to_.to_string() + ": " + s.error().message);
    return TransformResult::next();
  }

 private:
  hl7::Path from_, to_;
  std::string table_name_;
  std::map<std::string, std::string> values_;
  std::optional<std::string> default_;
  OnMiss on_miss_;
  bool skip_;
};

Built build(const config::Params& p, const pipeline::BuildContext& ctx) {
  auto from = path_param(p, "path");
  if (!from) return fail(from.error());
  hl7::Path to = *from;
  if (given(p, "to")) {
    auto t = path_param(p, "to");
    if (!t) return fail(t.error());
    to = *t;
  }
  if (to.segment == "MSH" && to.field <= 2)
    return build_error("to", "MSH-1 and MSH-2 are the delimiters; they cannot be written");
  const std::string& table = text(p, "table");
  bool inline_values = given(p, "values");
  if (table.empty() == !inline_values)
    return build_error("table", "give a `table` name or inline `values`, exactly one of them");
  std::map<std::string, std::string> values;
  std::optional<std::string> fallback;
  std::string name;
  if (!table.empty()) {
    const config::LookupTable* t = ctx.config ? ctx.config->find_lookup(table) : nullptr;
    if (!t) return build_error("table", "no lookup table named \"" + table + "\"");
    values = t->values;
    fallback = t->default_value;
    name = "\"" + table + "\"";
  } else {
    values = param(p, "values").map;
    name = "(inline values)";
  }
  if (given(p, "default")) fallback = text(p, "default");
  static const std::map<std::string, OnMiss> kOnMiss = {{"error", OnMiss::error},
                                                        {"keep", OnMiss::keep},
                                                        {"clear", OnMiss::clear},
                                                        {"drop", OnMiss::drop}};
  return built<LookupTransform>(*from, to, name, std::move(values), std::move(fallback),
                                kOnMiss.at(text(p, "on_miss")), skip_missing(p));
}

}  // namespace

pipeline::TransformType lookup_transform_type() {
  config::FieldSpec table = field("table", FieldType::string,
                                  "the name of a table under `lookups:` (inline or a CSV file)");
  table.refers_to = config::Reference::lookup;
  return {{config::TypeKind::transform,
           "lookup",
           "map a value through a lookup table, with a default or a failure when it is missing",
           {
               required_field("path", FieldType::path, "the value to look up (PV1-3.1)"),
               field("to", FieldType::path, "where to write the mapped value; default: `path`"),
               table,
               field("values", FieldType::map, "an inline table (key: value) instead of `table`"),
               field("default", FieldType::string,
                     "the value for a key not in the table (overrides the table's default)"),
               field("on_miss", FieldType::enum_,
                     "a key not in the table and no default: error, keep (leave it), clear or "
                     "drop (the message, for this route)",
                     "error", false, {"error", "keep", "clear", "drop"}),
               missing_segment_field(),
           }},
          build};
}

}  // namespace irwell::transforms
