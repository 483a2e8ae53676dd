#include "transforms/register.h"

#include "transforms/transform_types.h"

namespace irwell::transforms {

// The one list of built-in transform types (one file per type beside this one).
const std::vector<pipeline::TransformType>& builtin_transforms() {
  static const std::vector<pipeline::TransformType> types = {
      set_transform_type(),    copy_transform_type(),           move_transform_type(),
      clear_transform_type(),  delete_segment_transform_type(), add_segment_transform_type(),
      lookup_transform_type(), format_date_transform_type(),    nhs_number_transform_type(),
      filter_transform_type(), suppress_transform_type(),       set_msh_transform_type(),
      xml_transform_type(),
  };
  return types;
}

const pipeline::TransformType* find_builtin_transform(std::string_view name) {
  for (const auto& t : builtin_transforms()) {
    if (t.spec.name == name) return &t;
  }
  return nullptr;
}

void register_builtin_transforms(config::Registry& registry) {
  for (const auto& t : builtin_transforms()) registry.add(t.spec);
}

}  // namespace irwell::transforms
