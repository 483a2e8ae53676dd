// `set_msh`: sets the header fields for the outbound hop (who is sending now, to whom, in which
// processing mode and version), leaving every field that is not given as it came in.
#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

struct HeaderField {
  const char* name;
  int field;  // MSH field number
  const char* doc;
};

constexpr HeaderField kFields[] = {
    {"sending_application", 3, "MSH-3, e.g. IRWELL or IRWELL^2.16.840.1.113883.2.1.3.99^ISO"},
    {"sending_facility", 4, "MSH-4"},
    {"receiving_application", 5, "MSH-5"},
    {"receiving_facility", 6, "MSH-6"},
    {"processing_id", 11, "MSH-11 (P production, T training, D debugging)"},
    {"version", 12, "MSH-12, e.g. 2.4"},
};

class SetMshTransform final : public pipeline::Transform {
 public:
  SetMshTransform(std::vector<std::pair<int, std::string>> values, std::string control_id_prefix)
      : values_(std::move(values)), prefix_(std::move(control_id_prefix)) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    for (const auto& [number, wire] : values_) {
      hl7::Path p{"MSH", 1, number, 0, 0, 0};
      std::string text = to_delimiters(wire, m.delimiters());
      if (m.get_raw(p) == std::optional<std::string_view>(text)) continue;  // already so
      if (auto s = m.set_raw(p, text); !s)
        return TransformResult::error("set_msh " + p.to_string() + ": " + s.error().message);
    }
    if (!prefix_.empty()) {
      hl7::Path p{"MSH", 1, 10, 0, 0, 0};
      std::string id(m.get_raw(p).value_or(std::string_view()));
      if (auto s = m.set_raw(p, to_delimiters(prefix_, m.delimiters()) + id); !s)
        return TransformResult::error("set_msh MSH-10: " + s.error().message);
    }
    return TransformResult::next();
  }

 private:
  std::vector<std::pair<int, std::string>> values_;  // (MSH field, wire text) to write
  std::string prefix_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  std::vector<std::pair<int, std::string>> values;
  for (const auto& f : kFields) {
    const std::string& v = text(p, f.name);
    if (v.find_first_of("|\r\n") != std::string::npos)
      return build_error(f.name, "a header field cannot hold | or a line break");
    if (!v.empty()) values.emplace_back(f.field, v);
  }
  const std::string& prefix = text(p, "control_id_prefix");
  if (prefix.find_first_of("|^~\\&\r\n") != std::string::npos)
    return build_error("control_id_prefix", "the prefix cannot hold delimiters or line breaks");
  if (values.empty() && prefix.empty())
    return build_error("", "give at least one header field to set");
  return built<SetMshTransform>(std::move(values), prefix);
}

}  // namespace

pipeline::TransformType set_msh_transform_type() {
  std::vector<config::FieldSpec> fields;
  for (const auto& f : kFields) {
    fields.push_back(field(f.name, FieldType::string,
                           std::string(f.doc) + "; wire text with ^ & for components, "
                                                "empty = unchanged"));
  }
  fields.push_back(field("control_id_prefix", FieldType::string,
                         "prepended to MSH-10, so the outbound hop's control IDs stay unique"));
  return {{config::TypeKind::transform, "set_msh",
           "set MSH fields for the outbound hop (sender, receiver, processing ID, version)",
           std::move(fields)},
          build};
}

}  // namespace irwell::transforms
