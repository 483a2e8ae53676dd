#include <ostream>

#include "engine/app/commands.h"

namespace irwell::app {

int test_command(const Args&, std::ostream&, std::ostream& err) {
  err << "irwell test: not implemented yet\n";
  return 2;
}

}  // namespace irwell::app
