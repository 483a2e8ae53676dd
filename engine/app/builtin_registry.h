#pragma once
// The registry of every built-in source, destination and transform type: the one place the
// `irwell` subcommands get it from (STYLE.md 5: explicit registration, no static
// self-registration). Returns a fresh Registry by value; cheap (a few dozen specs).
#include "engine/config/registry.h"

namespace irwell::app {

config::Registry builtin_registry();

}  // namespace irwell::app
