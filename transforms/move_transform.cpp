// `move`: copies the wire text at one path to another, then empties the source.
#include "transforms/copy_transform.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {

pipeline::TransformType move_transform_type() {
  return {{config::TypeKind::transform, "move",
           "move the value at one path to another (the source is left empty)",
           copy_like_fields("move")},
          [](const config::Params& p, const pipeline::BuildContext&) {
            return build_copy_like(p, true);
          }};
}

}  // namespace irwell::transforms
