#pragma once
// register_builtin_transforms: adds every built-in transform type (its TypeSpec: name, doc and
// fields) to a config::Registry, so that the loader can check `transforms:` blocks and
// `irwell list` can print them (STYLE.md 5: explicit registration, no static self-registration).
//
// Contract: call once per Registry at start-up, before loading a config; not thread-safe against
// concurrent use of the same Registry.
#include "engine/config/registry.h"

namespace irwell::transforms {

void register_builtin_transforms(config::Registry& registry);

}  // namespace irwell::transforms
