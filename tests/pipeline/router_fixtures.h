#pragma once
// Fixtures shared by the router and behaviour-file tests: a Registry holding every built-in
// source, destination and transform type (as `irwell run` builds it), and the shipped
// routes.yaml loaded with an empty environment (every ${VAR:-default} takes its default) and
// built into a RouteTable. Both are built once, on first use, and never change.
#include <memory>

#include "engine/config/config.h"
#include "engine/config/load_config.h"
#include "engine/config/registry.h"
#include "engine/pipeline/router.h"
#include "tests/support/test_support.h"
#include "transforms/register.h"

namespace irwell::testing {

inline const config::Registry& builtin_registry() {
  static const config::Registry r = [] {
    config::Registry reg;
    config::register_builtin_sources(reg);
    config::register_builtin_destinations(reg);
    transforms::register_builtin_transforms(reg);
    return reg;
  }();
  return r;
}

struct ShippedRoutes {
  config::Config config;
  std::unique_ptr<pipeline::RouteTable> routes;  // null when the file does not build
  std::vector<std::string> problems;             // its diagnostics, when it does not
};

inline const ShippedRoutes& shipped_routes() {
  static const ShippedRoutes s = [] {
    ShippedRoutes out;
    auto loaded = config::load_config(source_dir() / "routes.yaml", builtin_registry(),
                                      config::fixed_environment({}));
    if (!loaded) {
      for (const auto& d : loaded.error()) out.problems.push_back(d.to_string());
      return out;
    }
    out.config = std::move(*loaded);
    auto built = pipeline::RouteTable::build(out.config, builtin_registry());
    if (!built) {
      for (const auto& d : built.error()) out.problems.push_back(d.to_string());
      return out;
    }
    out.routes = std::move(*built);
    return out;
  }();
  return s;
}

}  // namespace irwell::testing
