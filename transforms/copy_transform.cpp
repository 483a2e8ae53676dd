// `copy`: copies the wire text at one path to another. `move` (move_transform.cpp) is the same
// step followed by emptying the source, so it is built here too.
#include "transforms/copy_transform.h"

#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

// The wire text at `p`; a path without repetition and component means the whole field, every
// repetition included. nullopt when absent.
std::optional<std::string> read_wire(const hl7::Message& m, const hl7::Path& p) {
  if (p.repetition == 0 && p.component == 0) {
    auto index = m.find_segment(p.segment, p.occurrence);
    if (!index) return std::nullopt;
    auto raw = m.field_raw(*index, p.field);
    if (!raw) return std::nullopt;
    return std::string(*raw);
  }
  auto raw = m.get_raw(p);
  if (!raw) return std::nullopt;
  return std::string(*raw);
}

class CopyTransform final : public pipeline::Transform {
 public:
  CopyTransform(hl7::Path from, hl7::Path to, bool skip, bool move)
      : from_(std::move(from)), to_(std::move(to)), skip_(skip), move_(move) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    const char* type = move_ ? "move" : "copy";
    if (auto missing = missing_segment(m, to_, skip_, type)) return *missing;
    std::optional<std::string> wire = read_wire(m, from_);
    if (auto s = m.set_raw(to_, wire.value_or(std::string())); !s)
      return TransformResult::error(std::string(type) + " to " + to_.to_string() + ": " +
                                    s.error().message);
    if (move_ && wire) m.clear(from_);
    return TransformResult::next();
  }

 private:
  hl7::Path from_, to_;
  bool skip_, move_;
};

}  // namespace

Built build_copy_like(const config::Params& p, bool move) {
  auto from = path_param(p, "from");
  if (!from) return fail(from.error());
  auto to = path_param(p, "to");
  if (!to) return fail(to.error());
  for (const auto* f : {&*from, &*to}) {
    if (f->segment == "MSH" && f->field <= 2 && (move || f == &*to))
      return build_error(f == &*from ? "from" : "to",
                         "MSH-1 and MSH-2 are the delimiters; they cannot be written");
  }
  if (*from == *to) return build_error("to", "`from` and `to` are the same path");
  return built<CopyTransform>(*from, *to, skip_missing(p), move);
}

std::vector<config::FieldSpec> copy_like_fields(const char* verb) {
  return {
      required_field("from", FieldType::path,
                     std::string("where to ") + verb +
                         " from; a field without a repetition means every repetition"),
      required_field("to", FieldType::path,
                     "where to write the wire text as it is (same level as `from`: field to "
                     "field, component to component); an absent source makes it empty"),
      missing_segment_field(),
  };
}

pipeline::TransformType copy_transform_type() {
  return {
      {config::TypeKind::transform, "copy",
       "copy the value at one path to another, sub-structure included", copy_like_fields("copy")},
      [](const config::Params& p, const pipeline::BuildContext&) {
        return build_copy_like(p, false);
      }};
}

}  // namespace irwell::transforms
