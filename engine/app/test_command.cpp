// irwell test: runs route and transform behaviour files (engine/pipeline/behavior_file.h) and
// prints PASS/FAIL per case with field-level differences; exits 1 when any case fails.
#include <algorithm>
#include <filesystem>
#include <ostream>
#include <system_error>

#include "engine/app/builtin_registry.h"
#include "engine/app/commands.h"
#include "engine/config/load_config.h"
#include "engine/config/registry.h"
#include "engine/pipeline/behavior_file.h"
#include "engine/pipeline/behavior_runner.h"
#include "engine/pipeline/router.h"
#include "transforms/register.h"

namespace irwell::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTestUsage = R"(usage: irwell test [-c routes.yaml] [DIR|FILE...]

Runs behaviour files: each case gives an input message, what to run it through (an inline list
of transforms, one route of the config, or the whole router for a source) and what must come
out (fields, the whole message, the destinations, or the outcome: delivered, dropped, unrouted,
error). Prints PASS or FAIL per case, with every field that differs, then a summary.

DIR is searched recursively for *.yaml and *.yml files. Without DIR, the tests/behavior
directory beside the configuration file is used. The file format is described in
engine/pipeline/behavior_file.h and the README.

Exits 0 when every case passes, 1 when any fails (or a file cannot be read), 2 on a usage error.

options:
  -c, --config FILE   the configuration whose routes and lookups the cases use
                      (default: ./routes.yaml; cases with inline transforms need none)
  -h, --help          show this help
)";

bool is_behavior_file(const fs::path& p) {
  return p.extension() == ".yaml" || p.extension() == ".yml";
}

// Every behaviour file under the given paths, sorted within each directory.
std::vector<fs::path> collect(const std::vector<std::string>& paths, std::ostream& err, bool& bad) {
  std::vector<fs::path> files;
  for (const auto& given : paths) {
    std::error_code ec;
    if (fs::is_regular_file(given, ec)) {
      files.emplace_back(given);
      continue;
    }
    if (!fs::is_directory(given, ec)) {
      err << "irwell test: " << given << ": no such file or directory\n";
      bad = true;
      continue;
    }
    std::vector<fs::path> found;
    for (auto it = fs::recursive_directory_iterator(given, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && is_behavior_file(it->path())) found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace

int test_command(const Args& args, std::ostream& out, std::ostream& err) {
  std::string config_file = "routes.yaml";
  bool config_given = false;
  std::vector<std::string> paths;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out << kTestUsage;
      return 0;
    }
    if ((a == "-c" || a == "--config") && i + 1 < args.size()) {
      config_file = args[++i];
      config_given = true;
    } else if (a.starts_with("--config=")) {
      config_file = a.substr(9);
      config_given = true;
    } else if (a.starts_with("-")) {
      err << "irwell test: unknown option \"" << a << "\"\n" << kTestUsage;
      return 2;
    } else {
      paths.push_back(a);
    }
  }

  const config::Registry registry = builtin_registry();

  // The config is optional: cases with inline transforms run without one. When it is given (or
  // ./routes.yaml exists) but broken, its problems are printed and the cases that need it fail.
  std::optional<config::Config> config;
  std::unique_ptr<pipeline::RouteTable> routes;
  std::string no_config = "no configuration: " + config_file + " does not exist";
  std::error_code ec;
  if (config_given || fs::exists(config_file, ec)) {
    auto loaded = config::load_config(config_file, registry);
    if (!loaded) {
      for (const auto& d : loaded.error()) err << d.to_string() << "\n";
      no_config = config_file + " has errors (printed above)";
    } else {
      config = std::move(*loaded);
      auto built = pipeline::RouteTable::build(*config, registry);
      if (!built) {
        for (const auto& d : built.error()) err << d.to_string() << "\n";
        no_config = config_file + " has errors (printed above)";
      } else {
        routes = std::move(*built);
      }
    }
  }

  if (paths.empty()) {
    fs::path dir = fs::path(config_file).parent_path() / "tests" / "behavior";
    paths.push_back(dir.string());
  }
  bool bad = false;
  std::vector<fs::path> files = collect(paths, err, bad);

  pipeline::BehaviorRunner runner(config ? &*config : nullptr, routes.get(), no_config);
  int passed = 0, failed = 0, broken_files = 0;
  for (const auto& file : files) {
    auto cases = pipeline::read_behavior_file(file, registry);
    if (!cases) {
      for (const auto& d : cases.error()) err << d.to_string() << "\n";
      out << "FAIL " << file.string() << ": the file has errors (printed on stderr)\n";
      ++broken_files;
      continue;
    }
    for (const auto& c : *cases) {
      pipeline::BehaviorResult r = runner.run(c);
      pipeline::print_result(r, out);
      (r.passed() ? passed : failed)++;
    }
  }
  out << passed << " passed, " << failed << " failed";
  if (broken_files) out << ", " << broken_files << " file(s) with errors";
  out << "\n";
  if (files.empty()) err << "irwell test: no behaviour files found\n";
  return failed || broken_files || bad || files.empty() ? 1 : 0;
}

}  // namespace irwell::app
