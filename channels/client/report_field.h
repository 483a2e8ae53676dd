#pragma once
// report_field: one `key=value` of the tools' result lines, quoted like the engine's logfmt so
// that scripts can split the lines.
//
// Contract: the value is written bare when it is non-empty and has no space, control
// character, '"' or '='; otherwise as a JSON string (double quotes, '"' '\' and control
// characters escaped; see engine/core/json.h). Pure.
#include <string>
#include <string_view>

namespace irwell::client {

std::string report_field(std::string_view key, std::string_view value);

}  // namespace irwell::client
