#pragma once
// Environment: where `${VAR}` references in routes.yaml get their values, injected so tests do
// not depend on the process environment.
//
// Contract: an Environment answers a variable's value or nullopt when it is unset (an empty
// value is set, and differs from unset for `${VAR-default}`). process_environment() reads
// getenv() at call time; safe to call from one thread at a time (getenv is not synchronised
// against setenv).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace irwell::config {

using Environment = std::function<std::optional<std::string>(std::string_view name)>;

Environment process_environment();

// An environment holding exactly these variables (tests, `irwell test`).
Environment fixed_environment(std::map<std::string, std::string> variables);

}  // namespace irwell::config
