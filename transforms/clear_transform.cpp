// `clear`: empties a field, repetition, component or sub-component, or writes the HL7 null "".
#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

class ClearTransform final : public pipeline::Transform {
 public:
  ClearTransform(hl7::Path path, bool null) : path_(std::move(path)), null_(null) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    // Clearing what is not there is already done: a missing segment is not an error here.
    if (!m.find_segment(path_.segment, path_.occurrence)) return TransformResult::next();
    if (!null_) {
      if (m.state(path_) != hl7::ValueState::absent) m.clear(path_);
      return TransformResult::next();
    }
    if (auto s = m.set_null(path_); !s)
      return TransformResult::error("clear " + path_.to_string() + ": " + s.error().message);
    return TransformResult::next();
  }

 private:
  hl7::Path path_;
  bool null_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  auto path = path_param(p, "path");
  if (!path) return fail(path.error());
  if (path->segment == "MSH" && path->field <= 2)
    return build_error("path", "MSH-1 and MSH-2 are the delimiters; they cannot be cleared");
  return built<ClearTransform>(*path, param(p, "hl7_null").boolean);
}

}  // namespace

pipeline::TransformType clear_transform_type() {
  return {
      {config::TypeKind::transform,
       "clear",
       "empty a field, repetition, component or sub-component (nothing to do when absent)",
       {
           required_field("path", FieldType::path, "what to empty (PID-13, PID-11[2], PV1-7.2)"),
           field("hl7_null", FieldType::boolean,
                 "write the HL7 null \"\" instead, telling the receiver to delete its value",
                 "false"),
       }},
      build};
}

}  // namespace irwell::transforms
