// `delete_segment`: removes every occurrence (or one) of a segment, Z-segments included.
#include "transforms/params.h"
#include "transforms/segment_id.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

class DeleteSegmentTransform final : public pipeline::Transform {
 public:
  DeleteSegmentTransform(std::string id, long long occurrence)
      : id_(std::move(id)), occurrence_(occurrence) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    if (occurrence_ > 0) {
      if (auto i = m.find_segment(id_, static_cast<int>(occurrence_))) m.remove_segment(*i);
      return TransformResult::next();
    }
    for (size_t i = m.segment_count(); i-- > 1;) {  // never index 0: that is MSH
      if (m.segment_id(i) == id_) m.remove_segment(i);
    }
    return TransformResult::next();
  }

 private:
  std::string id_;
  long long occurrence_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  const std::string& id = text(p, "segment");
  if (!is_segment_id(id)) return build_error("segment", segment_id_rule(id));
  if (id == "MSH") return build_error("segment", "MSH cannot be deleted");
  return built<DeleteSegmentTransform>(id, param(p, "occurrence").integer);
}

}  // namespace

pipeline::TransformType delete_segment_transform_type() {
  config::FieldSpec occurrence =
      field("occurrence", FieldType::integer,
            "which occurrence to delete (1 = the first); 0 = every occurrence", "0");
  occurrence.min = 0;
  return {{config::TypeKind::transform,
           "delete_segment",
           "remove a segment (every occurrence, or one), e.g. a trust's Z-segments",
           {
               required_field("segment", FieldType::string, "the segment ID (ZPI, NK1, OBX)"),
               occurrence,
           }},
          build};
}

}  // namespace irwell::transforms
