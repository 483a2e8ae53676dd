// mllp-send: sends the HL7 v2 messages in files over MLLP and reports each ACK.
// A thin main: the logic is irwell::client::send_main (channels/client/send_command.h).
#include <iostream>
#include <string>
#include <vector>

#include "channels/client/send_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return irwell::client::send_main(args, std::cout, std::cerr);
}
