// mllp-bench: MLLP throughput and ACK latency benchmark.
// A thin main: the logic is irwell::client::bench_main (channels/client/bench_command.h).
#include <iostream>
#include <string>
#include <vector>

#include "channels/client/bench_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return irwell::client::bench_main(args, std::cout, std::cerr);
}
