#include "transforms/register.h"

namespace irwell::transforms {

// The transform types are registered here as they are written (one file per type beside this).
void register_builtin_transforms(config::Registry&) {}

}  // namespace irwell::transforms
