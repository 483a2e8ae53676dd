#include "transforms/params.h"

namespace irwell::transforms {

config::FieldSpec field(std::string name, config::FieldType type, std::string doc,
                        std::string default_value, bool required,
                        std::vector<std::string> allowed) {
  config::FieldSpec f =
      config::field_spec(std::move(name), type, std::move(default_value), std::move(doc));
  if (required) f = config::required(std::move(f));
  if (!allowed.empty()) f = config::one_of(std::move(f), std::move(allowed));
  return f;
}

const config::Value& param(const config::Params& p, std::string_view name) {
  auto it = p.find(std::string(name));
  if (it == p.end()) invariant_broken("transform read a field its TypeSpec does not declare");
  return it->second;
}

Result<hl7::Path, pipeline::BuildError> path_param(const config::Params& p, std::string_view name) {
  auto path = hl7::Path::parse(text(p, name));
  if (!path) return fail(pipeline::BuildError{std::string(name), path.error().message});
  return *path;
}

Result<std::vector<hl7::Path>, pipeline::BuildError> path_list_param(const config::Params& p,
                                                                     std::string_view name) {
  std::vector<hl7::Path> out;
  for (const auto& t : param(p, name).list) {
    auto path = hl7::Path::parse(t);
    if (!path) return fail(pipeline::BuildError{std::string(name), path.error().message});
    out.push_back(*path);
  }
  return out;
}

config::FieldSpec missing_segment_field() {
  return field("missing_segment", config::FieldType::enum_,
               "when the path's segment is not in the message: error or skip", "error", false,
               {"error", "skip"});
}

bool skip_missing(const config::Params& p) { return text(p, "missing_segment") == "skip"; }

std::optional<pipeline::TransformResult> missing_segment(const hl7::Message& m, const hl7::Path& p,
                                                         bool skip, std::string_view type) {
  if (m.find_segment(p.segment, p.occurrence)) return std::nullopt;
  if (skip) return pipeline::TransformResult::next();
  std::string which =
      p.occurrence == 1 ? p.segment : p.segment + "[" + std::to_string(p.occurrence) + "]";
  return pipeline::TransformResult::error(std::string(type) + " " + p.to_string() +
                                          ": the message has no " + which + " segment");
}

std::string to_delimiters(std::string_view standard_wire, const hl7::Delimiters& d) {
  const hl7::Delimiters standard;
  if (d.field == standard.field && d.component == standard.component &&
      d.repetition == standard.repetition && d.escape == standard.escape &&
      d.subcomponent == standard.subcomponent) {
    return std::string(standard_wire);
  }
  std::string out(standard_wire);
  for (char& c : out) {
    if (c == standard.field)
      c = d.field;
    else if (c == standard.component)
      c = d.component;
    else if (c == standard.repetition)
      c = d.repetition;
    else if (c == standard.escape)
      c = d.escape;
    else if (c == standard.subcomponent)
      c = d.subcomponent;
  }
  return out;
}

}  // namespace irwell::transforms
