#include "engine/record/hl7_time.h"

#include <fmt/format.h>

#include <chrono>

namespace irwell::record {
namespace {

// The parts of a TS; `digits` counts how many of YYYYMMDDHHMMSS were given.
struct TsParts {
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
  int digits = 0;
  bool has_offset = false;
  int offset_minutes = 0;  // east of UTC
  std::string_view fraction;
};

bool read_number(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

std::optional<TsParts> split_ts(std::string_view s) {
  TsParts p;
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits < 4 || digits > 14 || digits % 2 != 0) return std::nullopt;
  int* fields[] = {&p.month, &p.day, &p.hour, &p.minute, &p.second};
  if (!read_number(s, 0, 4, p.year)) return std::nullopt;
  for (size_t i = 4, f = 0; i < digits; i += 2, ++f) {
    if (!read_number(s, i, 2, *fields[f])) return std::nullopt;
  }
  p.digits = static_cast<int>(digits);
  size_t pos = digits;
  if (pos < s.size() && s[pos] == '.') {
    if (digits != 14) return std::nullopt;
    const size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    p.fraction = s.substr(start, pos - start);
    if (p.fraction.empty()) return std::nullopt;
    int64_t scale = 100000;
    for (size_t i = 0; i < p.fraction.size() && scale > 0; ++i, scale /= 10) {
      p.micros += (p.fraction[i] - '0') * scale;
    }
  }
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int hh = 0, mm = 0;
    if (pos + 5 != s.size() || !read_number(s, pos + 1, 2, hh) || !read_number(s, pos + 3, 2, mm)) {
      return std::nullopt;
    }
    p.has_offset = true;
    p.offset_minutes = (s[pos] == '-' ? -1 : 1) * (hh * 60 + mm);
    pos += 5;
  }
  if (pos != s.size()) return std::nullopt;
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31 || p.hour > 23 || p.minute > 59 ||
      p.second > 60) {
    return std::nullopt;
  }
  return p;
}

}  // namespace

std::optional<int64_t> parse_hl7_time(std::string_view ts) {
  auto p = split_ts(ts);
  if (!p) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{p->year}, month{static_cast<unsigned>(p->month)},
                           day{static_cast<unsigned>(p->day)}};
  if (!ymd.ok()) return std::nullopt;
  const int64_t days = sys_days(ymd).time_since_epoch().count();
  const int64_t seconds =
      days * 86400 + p->hour * 3600 + p->minute * 60 + p->second - int64_t{p->offset_minutes} * 60;
  return seconds * 1'000'000 + p->micros;
}

std::string iso_time(std::string_view ts) {
  auto p = split_ts(ts);
  if (!p) return std::string(ts);
  std::string out = fmt::format("{:04}", p->year);
  if (p->digits >= 6) out += fmt::format("-{:02}", p->month);
  if (p->digits >= 8) out += fmt::format("-{:02}", p->day);
  if (p->digits >= 10) out += fmt::format("T{:02}", p->hour);
  if (p->digits >= 12) out += fmt::format(":{:02}", p->minute);
  if (p->digits == 10) out += ":00";
  if (p->digits >= 14) out += fmt::format(":{:02}", p->second);
  if (!p->fraction.empty()) out += fmt::format(".{}", p->fraction);
  if (p->has_offset) {
    const int m = p->offset_minutes < 0 ? -p->offset_minutes : p->offset_minutes;
    out += fmt::format("{}{:02}:{:02}", p->offset_minutes < 0 ? '-' : '+', m / 60, m % 60);
  }
  return out;
}

}  // namespace irwell::record
