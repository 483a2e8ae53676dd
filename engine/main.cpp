// irwell: the engine's thin main. Parses the subcommand and hands over to engine/app.
#include <cstring>
#include <iostream>
#include <string>

#include "engine/app/commands.h"

namespace {

constexpr const char* kUsage = R"(usage: irwell <command> [options]

commands:
  run      [-c routes.yaml]            run the engine until SIGINT/SIGTERM (SIGHUP reloads)
  check    [-c routes.yaml]            check the configuration; print every problem, exit 1 if any
  test     [-c routes.yaml] [DIR...]   run route and transform behaviour files
  inspect  [--path PATH]... FILE...    parse HL7 v2 files and print them as JSON or path values
  list                                 list every source, destination and transform type
  version                              print the version

Run `irwell <command> --help` for the options of one command.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  irwell::app::Args args(argv + 2, argv + argc);
  if (cmd == "version" || cmd == "--version") {
    std::cout << "irwell " << IRWELL_VERSION << "\n";
    return 0;
  }
  if (cmd == "run") return irwell::app::run_command(args, std::cout, std::cerr);
  if (cmd == "check") return irwell::app::check_command(args, std::cout, std::cerr);
  if (cmd == "test") return irwell::app::test_command(args, std::cout, std::cerr);
  if (cmd == "inspect") return irwell::app::inspect_command(args, std::cout, std::cerr);
  if (cmd == "list") return irwell::app::list_command(args, std::cout, std::cerr);
  std::cerr << "irwell: unknown command \"" << cmd << "\"\n" << kUsage;
  return 2;
}
