#include "channels/client/report_field.h"

#include "engine/core/json.h"

namespace irwell::client {

std::string report_field(std::string_view key, std::string_view value) {
  std::string out(key);
  out += '=';
  bool bare = !value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == 0x7f) {
      bare = false;
      break;
    }
  }
  if (bare) return out += value;
  json::append_string(out, value);
  return out;
}

}  // namespace irwell::client
