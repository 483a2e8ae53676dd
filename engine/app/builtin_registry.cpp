#include "engine/app/builtin_registry.h"

#include "engine/config/registry.h"
#include "transforms/register.h"

namespace irwell::app {

config::Registry builtin_registry() {
  config::Registry registry;
  config::register_builtin_sources(registry);
  config::register_builtin_destinations(registry);
  transforms::register_builtin_transforms(registry);
  return registry;
}

}  // namespace irwell::app
