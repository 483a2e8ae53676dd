// `set`: writes a fixed value into a field, repetition, component or sub-component.
#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

class SetTransform final : public pipeline::Transform {
 public:
  SetTransform(hl7::Path path, std::string value, bool if_empty, bool skip)
      : path_(std::move(path)), value_(std::move(value)), if_empty_(if_empty), skip_(skip) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    if (auto missing = missing_segment(m, path_, skip_, "set")) return *missing;
    if (if_empty_ && m.state(path_) == hl7::ValueState::value) return TransformResult::next();
    if (auto s = m.set(path_, value_); !s)
      return TransformResult::error("set " + path_.to_string() + ": " + s.error().message);
    return TransformResult::next();
  }

 private:
  hl7::Path path_;
  std::string value_;
  bool if_empty_, skip_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  auto path = path_param(p, "path");
  if (!path) return fail(path.error());
  if (path->segment == "MSH" && path->field <= 2)
    return build_error("path", "MSH-1 and MSH-2 are the delimiters; they cannot be set");
  return built<SetTransform>(*path, text(p, "value"), param(p, "if_empty").boolean,
                             skip_missing(p));
}

}  // namespace

pipeline::TransformType set_transform_type() {
  return {{config::TypeKind::transform,
           "set",
           "write a fixed value into a field, repetition, component or sub-component",
           {
               required_field("path", FieldType::path,
                              "where to write (PV1-2, PV1-3.1, PID-3[2].4); a field without a "
                              "repetition has every repetition replaced"),
               required_field("value", FieldType::string,
                              "the text to write (escaped for the message's delimiters)"),
               field("if_empty", FieldType::boolean,
                     "only write when the target holds no value (a default)", "false"),
               missing_segment_field(),
           }},
          build};
}

}  // namespace irwell::transforms
