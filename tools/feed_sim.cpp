// feed-sim: generates realistic synthetic acute-trust HL7 v2 feeds, to files or over MLLP.
// A thin main: the logic is irwell::feed::feed_sim_main (channels/feed/feed_sim_command.h).
#include <iostream>
#include <string>
#include <vector>

#include "channels/feed/feed_sim_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return irwell::feed::feed_sim_main(args, std::cout, std::cerr);
}
