#include <ostream>

#include "engine/app/commands.h"

namespace irwell::app {

int list_command(const Args&, std::ostream&, std::ostream& err) {
  err << "irwell list: not implemented yet\n";
  return 2;
}

}  // namespace irwell::app
