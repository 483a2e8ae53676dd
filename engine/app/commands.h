#pragma once
// The `irwell` subcommands, each a function over the library so that tests can call them.
//
// Contract: args are the words after the subcommand name; out/err are where the command writes
// (stdout/stderr in main). The return value is the process exit code (0 success, 1 the checked
// thing is bad, 2 usage error). Commands never call exit().
#include <iosfwd>
#include <string>
#include <vector>

namespace irwell::app {

using Args = std::vector<std::string>;

int run_command(const Args& args, std::ostream& out, std::ostream& err);      // irwell run
int check_command(const Args& args, std::ostream& out, std::ostream& err);    // irwell check
int test_command(const Args& args, std::ostream& out, std::ostream& err);     // irwell test
int inspect_command(const Args& args, std::ostream& out, std::ostream& err);  // irwell inspect
int list_command(const Args& args, std::ostream& out, std::ostream& err);     // irwell list

}  // namespace irwell::app
