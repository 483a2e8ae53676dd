#pragma once
// Runs the built irwellctl as a subprocess (tests): exit code, stdout and stderr.
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace irwell::testing {

struct Run {
  int rc = -1;
  std::string out, err;
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q.push_back(c);
    }
  }
  return q + "'";
}

// Runs BUILD_DIR/irwellctl with `args` (and `env`, e.g. "IRWELL_ADMIN_TOKEN=x").
inline Run irwellctl(const std::vector<std::string>& args, const std::string& env = "") {
  const char* build = std::getenv("IRWELL_BUILD_DIR");
  std::filesystem::path dir = build ? build : testing::build_dir();
  testing::TempDir tmp;
  std::string cmd =
      "env -u IRWELL_ADMIN_TOKEN -u IRWELL_ADMIN_URL -u IRWELL_ADMIN_CA -u IRWELL_ADMIN_CERT "
      "-u IRWELL_ADMIN_KEY " +
      env + " " + quote((dir / "irwellctl").string());
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + quote((tmp / "out").string()) + " 2>" + quote((tmp / "err").string());
  int status = std::system(cmd.c_str());
  Run r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = testing::read_file(tmp / "out");
  r.err = testing::read_file(tmp / "err");
  return r;
}

}  // namespace irwell::testing
