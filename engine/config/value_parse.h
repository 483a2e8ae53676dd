#pragma once
// Parsing of the scalar forms routes.yaml uses for durations and sizes, shared by the loader and
// by anything else that reads such text (admin API query parameters, `irwell test` files).
//
// Contract: pure functions; on bad input they return an Error whose message says what was
// expected ("expected a duration like 500ms, 30s, 5m, 24h or 7d"). Never throw.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/clock.h"
#include "engine/core/result.h"

namespace irwell::config {

// "500ms", "30s", "5m", "24h", "7d", or a sum without spaces like "1h30m"; "0" alone is zero.
Result<Duration> parse_duration(std::string_view text);
// The shortest exact form: 90s -> "90s", 3600s -> "1h", 1500ms -> "1500ms".
std::string format_duration(Duration d);
// "512", "512B", "64KB" (x1000), "16MB", "10GB", "1TB", "64KiB" (x1024), "16MiB", "1GiB", "1TiB".
Result<int64_t> parse_size(std::string_view text);

}  // namespace irwell::config
