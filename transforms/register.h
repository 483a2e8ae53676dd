#pragma once
// register_builtin_transforms: adds every built-in transform type (its TypeSpec: name, doc and
// fields) to a config::Registry, so that the loader can check `transforms:` blocks and
// `irwell list` can print them (STYLE.md 5: explicit registration, no static self-registration).
// find_builtin_transform: the same list, for the router, which builds transform objects from the
// checked Params with the type's builder.
//
// Contract: register_builtin_transforms() is called once per Registry at start-up, before loading
// a config; not thread-safe against concurrent use of the same Registry. The list itself is
// immutable and find_builtin_transform() is thread-safe.
#include <string_view>
#include <vector>

#include "engine/config/registry.h"
#include "engine/pipeline/transform.h"

namespace irwell::transforms {

void register_builtin_transforms(config::Registry& registry);

// Every built-in transform type (spec and builder), in the order they are documented.
const std::vector<pipeline::TransformType>& builtin_transforms();
// The built-in type named `name`, or nullptr.
const pipeline::TransformType* find_builtin_transform(std::string_view name);

}  // namespace irwell::transforms
