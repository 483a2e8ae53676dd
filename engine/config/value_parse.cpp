#include "engine/config/value_parse.h"

#include <cctype>
#include <limits>

namespace irwell::config {
namespace {

// Reads the decimal digits at text[i...]; false when there are none or the number overflows.
bool read_number(std::string_view text, size_t& i, int64_t& out) {
  size_t start = i;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    int digit = text[i] - '0';
    if (n > (std::numeric_limits<int64_t>::max() - digit) / 10) return false;
    n = n * 10 + digit;
    ++i;
  }
  out = n;
  return i > start;
}

constexpr const char* kDurationHint = "expected a duration like 500ms, 30s, 5m, 24h or 7d";
constexpr const char* kSizeHint = "expected a size like 512KB, 16MiB or 10GB";

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration::zero();
  if (text.empty()) return fail(kDurationHint);
  using std::chrono::milliseconds;
  // Count in milliseconds; the largest unit (days) still leaves room for ~290 million years.
  int64_t total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    int64_t n = 0;
    if (!read_number(text, i, n)) return fail(kDurationHint);
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t scale = 0;
    if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60'000;
    else if (unit == "h")
      scale = 3'600'000;
    else if (unit == "d")
      scale = 86'400'000;
    else
      return fail(kDurationHint);
    if (n > (std::numeric_limits<int64_t>::max() / 1000 - total_ms) / scale) {
      return fail("duration too long");
    }
    total_ms += n * scale;
  }
  return std::chrono::duration_cast<Duration>(milliseconds(total_ms));
}

std::string format_duration(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms == 0) return "0s";
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& u : kUnits) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  }
  return std::to_string(ms) + "ms";
}

Result<int64_t> parse_size(std::string_view text) {
  size_t i = 0;
  int64_t n = 0;
  if (!read_number(text, i, n)) return fail(kSizeHint);
  std::string_view unit = text.substr(i);
  int64_t scale = 0;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "KB")
    scale = 1000;
  else if (unit == "MB")
    scale = 1000 * 1000;
  else if (unit == "GB")
    scale = 1000LL * 1000 * 1000;
  else if (unit == "TB")
    scale = 1000LL * 1000 * 1000 * 1000;
  else if (unit == "KiB")
    scale = 1024;
  else if (unit == "MiB")
    scale = 1024 * 1024;
  else if (unit == "GiB")
    scale = 1024LL * 1024 * 1024;
  else if (unit == "TiB")
    scale = 1024LL * 1024 * 1024 * 1024;
  else
    return fail(kSizeHint);
  if (n > std::numeric_limits<int64_t>::max() / scale) return fail("size too large");
  return n * scale;
}

}  // namespace irwell::config
