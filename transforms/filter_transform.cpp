// `filter`: drops the message from this route when a condition holds (test messages from a
// trust, an event the receiver does not take). The condition is the same kind a route's `match:`
// holds, written flat: message types and/or one field test; `invert` keeps only what matches.
#include "engine/pipeline/matcher.h"
#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using config::MatchExpr;
using pipeline::TransformResult;

class FilterTransform final : public pipeline::Transform {
 public:
  FilterTransform(pipeline::Matcher condition, bool invert, std::string reason)
      : condition_(std::move(condition)), invert_(invert), reason_(std::move(reason)) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    if (condition_.matches(m) != invert_) return TransformResult::drop(reason_);
    return TransformResult::next();
  }

 private:
  pipeline::Matcher condition_;
  bool invert_;
  std::string reason_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  MatchExpr all;
  all.kind = MatchExpr::Kind::all;
  if (given(p, "types")) {
    MatchExpr types;
    types.kind = MatchExpr::Kind::type;
    types.values = param(p, "types").list;
    all.children.push_back(types);
  }
  // The field test: exactly one of equals / in / regex / present / absent, with `path`.
  std::vector<std::pair<const char*, MatchExpr::Op>> ops = {{"equals", MatchExpr::Op::equals},
                                                            {"in", MatchExpr::Op::in},
                                                            {"regex", MatchExpr::Op::regex},
                                                            {"present", MatchExpr::Op::present},
                                                            {"absent", MatchExpr::Op::absent}};
  const char* chosen = nullptr;
  MatchExpr test;
  test.kind = MatchExpr::Kind::field;
  for (const auto& [name, op] : ops) {
    const config::Value& v = param(p, name);
    bool on = v.type == FieldType::boolean ? v.boolean : v.given;
    if (!on) continue;
    if (chosen)
      return build_error(name, std::string("give one test: `") + chosen + "` is already given");
    chosen = name;
    test.op = op;
    if (op == MatchExpr::Op::equals || op == MatchExpr::Op::regex) test.values = {v.text};
    if (op == MatchExpr::Op::in) test.values = v.list;
  }
  if (chosen && !given(p, "path"))
    return build_error(chosen, std::string("`") + chosen + "` tests the field named by `path`");
  if (given(p, "path")) {
    if (!chosen)
      return build_error("path", "say how to test it: equals, in, regex, present or absent");
    auto path = path_param(p, "path");
    if (!path) return fail(path.error());
    test.path = path->to_string();
    all.children.push_back(test);
  }
  if (all.children.empty())
    return build_error("", "a filter needs `types`, or a `path` with a test, or both");
  auto matcher = pipeline::Matcher::compile(all);
  if (!matcher) return build_error(chosen ? chosen : "types", matcher.error().message);
  return built<FilterTransform>(std::move(*matcher), param(p, "invert").boolean, text(p, "reason"));
}

}  // namespace

pipeline::TransformType filter_transform_type() {
  return {{config::TypeKind::transform,
           "filter",
           "drop the message from this route when a condition holds (all given tests must hold)",
           {
               field("types", FieldType::string_list,
                     "message types, wildcards allowed (ADT^A08, SIU^*)"),
               field("path", FieldType::path, "the field to test (MSH-11.1)"),
               field("equals", FieldType::string, "the field equals this"),
               field("in", FieldType::string_list, "the field is one of these"),
               field("regex", FieldType::regex, "the field matches this regular expression"),
               field("present", FieldType::boolean, "the field has a value", "false"),
               field("absent", FieldType::boolean, "the field has no value", "false"),
               field("invert", FieldType::boolean,
                     "drop when the condition does NOT hold (keep only what matches)", "false"),
               field("reason", FieldType::string, "recorded with the dropped message", "filtered"),
           }},
          build};
}

}  // namespace irwell::transforms
