// irwell check: load routes.yaml exactly as `irwell run` would, without opening ports or the
// store; print every problem in compiler form and exit 1, or print nothing and exit 0.
#include <ostream>

#include "engine/app/builtin_registry.h"
#include "engine/app/commands.h"
#include "engine/config/load_config.h"
#include "engine/config/registry.h"
#include "engine/pipeline/router.h"
#include "transforms/register.h"

namespace irwell::app {
namespace {

constexpr const char* kCheckUsage = R"(usage: irwell check [-c routes.yaml]

Checks the whole configuration without opening ports or the store: YAML syntax, unknown and
duplicate keys, value types and ranges, ${VAR} references, names and references between
sources, routes, destinations, transforms and lookups, HL7 paths, regular expressions, lookup
files, port clashes and routes that can never match.

Prints every problem as FILE:LINE:COL: error: MESSAGE on stderr and exits 1; prints nothing and
exits 0 when the configuration is good.

options:
  -c, --config FILE   the configuration to check (default: ./routes.yaml)
  -h, --help          show this help
)";

}  // namespace

int check_command(const Args& args, std::ostream& out, std::ostream& err) {
  std::string file = "routes.yaml";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out << kCheckUsage;
      return 0;
    }
    if ((a == "-c" || a == "--config") && i + 1 < args.size()) {
      file = args[++i];
    } else if (a.starts_with("--config=")) {
      file = a.substr(9);
    } else {
      err << "irwell check: unexpected argument \"" << a << "\"\n" << kCheckUsage;
      return 2;
    }
  }
  const config::Registry registry = builtin_registry();
  auto loaded = config::load_config(file, registry);
  if (!loaded) {
    for (const auto& d : loaded.error()) err << d.to_string() << "\n";
    return 1;
  }
  // Building the router (as `irwell run` does) catches what only a transform's builder can
  // refuse (a lookup given both `table` and `values`, an unknown date directive...).
  auto router = pipeline::build_router(*loaded, registry);
  if (router) return 0;
  for (const auto& d : router.error()) err << d.to_string() << "\n";
  return 1;
}

}  // namespace irwell::app
