#pragma once
// A Registry for config tests: the built-in sources and destinations plus three small transform
// types declared here (set, lookup, replace), so the fixtures do not change whenever the real
// transforms (transforms/) gain a field.
//
// Contract: returns a fresh Registry each call; the fixture environment holds a fixed set of
// variables (IRWELL_TEST_HOST=receiver.example, IRWELL_TEST_PORT=2600, IRWELL_EMPTY="").
#include "engine/config/environment.h"
#include "engine/config/registry.h"

namespace irwell::testing {

config::Registry config_test_registry();
config::Environment config_test_environment();

}  // namespace irwell::testing
