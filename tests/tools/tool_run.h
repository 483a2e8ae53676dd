#pragma once
// Running a tool's main function (send_main, bench_main) in a test and keeping what it printed.
//
// Contract: test code only; run_tool calls `main_fn(args, out, err)` with string streams and
// returns the exit code and both outputs.
#include <sstream>
#include <string>
#include <vector>

#include "engine/hl7/salvage.h"

namespace irwell::testing {

struct ToolRun {
  int rc = -1;
  std::string out, err;
};

template <class MainFn>
ToolRun run_tool(MainFn main_fn, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int rc = main_fn(args, out, err);
  return {rc, out.str(), err.str()};
}

// MSH-10 of a payload a test server received.
inline std::string control_id_of(const std::string& payload) {
  return hl7::salvage_header(payload).control_id;
}

}  // namespace irwell::testing
