#include "transforms/date_time.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace irwell::transforms {
namespace {

using P = DateTime::Precision;

constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A cursor over the text being read.
struct Reader {
  std::string_view s;
  size_t i = 0;

  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  // Reads between min and max digits (greedy); false when fewer than min are there.
  bool digits(int min, int max, int& out) {
    int n = 0, v = 0;
    while (n < max && !done() && is_digit(s[i])) {
      v = v * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    out = v;
    return n >= min;
  }
  bool literal(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
};

// Reads an offset: Z, +hh, +hhmm or +hh:mm (and the same with -).
bool read_offset(Reader& r, DateTime& dt) {
  if (r.literal('Z') || r.literal('z')) {
    dt.has_offset = true;
    dt.offset_minutes = 0;
    return true;
  }
  char sign = r.peek();
  if (sign != '+' && sign != '-') return false;
  ++r.i;
  int hh = 0, mm = 0;
  if (!r.digits(2, 2, hh)) return false;
  if (r.literal(':')) {
    if (!r.digits(2, 2, mm)) return false;
  } else if (is_digit(r.peek())) {
    if (!r.digits(2, 2, mm)) return false;
  }
  if (hh > 23 || mm > 59) return false;
  dt.has_offset = true;
  dt.offset_minutes = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
  return true;
}

Status<> check_calendar(const DateTime& dt) {
  if (dt.precision >= P::month && (dt.month < 1 || dt.month > 12))
    return fail("the month is not between 1 and 12");
  if (dt.precision >= P::day && (dt.day < 1 || dt.day > days_in_month(dt.year, dt.month)))
    return fail("the day does not exist in that month");
  if (dt.precision >= P::hour && dt.hour > 23) return fail("the hour is not below 24");
  if (dt.precision >= P::minute && dt.minute > 59) return fail("the minute is not below 60");
  if (dt.precision >= P::second && dt.second > 59) return fail("the second is not below 60");
  return ok();
}

// HL7 DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
Result<DateTime> read_hl7(std::string_view text) {
  DateTime dt;
  Reader r{text};
  if (!r.digits(4, 4, dt.year)) return fail("not an HL7 date/time (YYYYMMDD...)");
  dt.precision = P::year;
  int* parts[] = {&dt.month, &dt.day, &dt.hour, &dt.minute, &dt.second};
  P precisions[] = {P::month, P::day, P::hour, P::minute, P::second};
  for (int k = 0; k < 5 && is_digit(r.peek()); ++k) {
    if (!r.digits(2, 2, *parts[k])) return fail("an HL7 date/time part has one digit, not two");
    dt.precision = precisions[k];
  }
  if (dt.precision == P::second && r.literal('.')) {
    while (is_digit(r.peek()) && dt.fraction.size() < 4) dt.fraction += r.s[r.i++];
    if (dt.fraction.empty()) return fail("no digits after the decimal point");
    dt.precision = P::fraction;
  }
  if (!r.done() && !read_offset(r, dt)) return fail("unexpected text after the HL7 date/time");
  if (!r.done()) return fail("unexpected text after the HL7 date/time");
  return dt;
}

// ISO 8601: YYYY[-MM[-DD[THH:MM[:SS[.fff]]]]][Z|+hh:mm].
Result<DateTime> read_iso(std::string_view text) {
  DateTime dt;
  Reader r{text};
  auto bad = [] { return fail("not an ISO 8601 date/time (YYYY-MM-DDTHH:MM:SS)"); };
  if (!r.digits(4, 4, dt.year)) return bad();
  dt.precision = P::year;
  if (r.literal('-')) {
    if (!r.digits(2, 2, dt.month)) return bad();
    dt.precision = P::month;
    if (r.literal('-')) {
      if (!r.digits(2, 2, dt.day)) return bad();
      dt.precision = P::day;
      if (r.literal('T') || r.literal(' ')) {
        if (!r.digits(2, 2, dt.hour) || !r.literal(':') || !r.digits(2, 2, dt.minute)) return bad();
        dt.precision = P::minute;
        if (r.literal(':')) {
          if (!r.digits(2, 2, dt.second)) return bad();
          dt.precision = P::second;
          if (r.literal('.') || r.literal(',')) {
            while (is_digit(r.peek())) dt.fraction += r.s[r.i++];
            if (dt.fraction.empty()) return bad();
            dt.precision = P::fraction;
          }
        }
      }
    }
  }
  if (!r.done() && dt.precision >= P::minute && !read_offset(r, dt)) return bad();
  if (!r.done()) return bad();
  return dt;
}

Result<DateTime> read_pattern(std::string_view text, std::string_view pattern) {
  DateTime dt;
  Reader r{text};
  // Which parts the pattern read; the precision is the finest one read.
  bool seen[7] = {};
  auto mark = [&](P p) { seen[static_cast<int>(p)] = true; };
  for (size_t k = 0; k < pattern.size(); ++k) {
    char c = pattern[k];
    if (c != '%' || k + 1 == pattern.size()) {
      if (!r.literal(c)) return fail("the value does not have the pattern's layout");
      continue;
    }
    char d = pattern[++k];
    if (d == ':' && k + 1 < pattern.size() && pattern[k + 1] == 'z') d = pattern[++k];  // %:z
    bool good = true;
    switch (d) {
      case 'Y':
        good = r.digits(4, 4, dt.year);
        mark(P::year);
        break;
      case 'y': {
        int yy = 0;
        good = r.digits(2, 2, yy);
        dt.year = yy < 69 ? 2000 + yy : 1900 + yy;
        mark(P::year);
        break;
      }
      case 'm':
        good = r.digits(1, 2, dt.month);
        mark(P::month);
        break;
      case 'd':
        good = r.digits(1, 2, dt.day);
        mark(P::day);
        break;
      case 'H':
        good = r.digits(1, 2, dt.hour);
        mark(P::hour);
        break;
      case 'M':
        good = r.digits(1, 2, dt.minute);
        mark(P::minute);
        break;
      case 'S':
        good = r.digits(1, 2, dt.second);
        mark(P::second);
        break;
      case 'f':
        while (is_digit(r.peek())) dt.fraction += r.s[r.i++];
        good = !dt.fraction.empty();
        mark(P::fraction);
        break;
      case 'b':
      case 'B': {
        good = false;
        for (size_t m = 0; m < kMonths.size() && !good; ++m) {
          std::string_view name = d == 'b' ? kMonths[m].substr(0, 3) : kMonths[m];
          if (iequal(r.s.substr(r.i, name.size()), name)) {
            r.i += name.size();
            dt.month = static_cast<int>(m) + 1;
            good = true;
          }
        }
        mark(P::month);
        break;
      }
      case 'z':
        good = read_offset(r, dt);
        break;
      case '%':
        good = r.literal('%');
        break;
      default:
        return fail("unknown pattern directive");
    }
    if (!good) return fail("the value does not have the pattern's layout");
  }
  if (!r.done()) return fail("unexpected text after the date/time");
  if (!seen[static_cast<int>(P::year)]) return fail("the pattern reads no year");
  dt.precision = P::year;
  for (int p = static_cast<int>(P::month); p <= static_cast<int>(P::fraction); ++p) {
    if (!seen[p]) break;
    dt.precision = static_cast<P>(p);
  }
  // A pattern that skips a coarser part (reads a time but no day) is rejected at check time; a
  // finer part read past a gap is kept but the precision stops at the gap.
  return dt;
}

void append2(std::string& out, int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  out += buf;
}

void append_offset(std::string& out, const DateTime& dt, bool colon) {
  if (!dt.has_offset) return;
  int m = dt.offset_minutes;
  out += m < 0 ? '-' : '+';
  if (m < 0) m = -m;
  append2(out, m / 60);
  if (colon) out += ':';
  append2(out, m % 60);
}

std::string write_hl7(const DateTime& dt) {
  std::string out;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04d", dt.year);
  out += buf;
  if (dt.precision >= P::month) append2(out, dt.month);
  if (dt.precision >= P::day) append2(out, dt.day);
  if (dt.precision >= P::hour) append2(out, dt.hour);
  if (dt.precision >= P::minute) append2(out, dt.minute);
  if (dt.precision >= P::second) append2(out, dt.second);
  if (dt.precision >= P::fraction) out += "." + dt.fraction.substr(0, 4);
  append_offset(out, dt, false);
  return out;
}

std::string write_iso(const DateTime& dt) {
  std::string out;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04d", dt.year);
  out += buf;
  if (dt.precision >= P::month) (out += '-', append2(out, dt.month));
  if (dt.precision >= P::day) (out += '-', append2(out, dt.day));
  // ISO 8601 has no hour-only time: an hour-precision value is written with minute 00.
  if (dt.precision >= P::hour) (out += 'T', append2(out, dt.hour), out += ':');
  if (dt.precision >= P::hour) append2(out, dt.minute);
  if (dt.precision >= P::second) (out += ':', append2(out, dt.second));
  if (dt.precision >= P::fraction) out += "." + dt.fraction;
  if (dt.precision >= P::hour) append_offset(out, dt, true);
  return out;
}

// Which part a directive needs, or -1 for none.
int needs(char d) {
  switch (d) {
    case 'Y':
    case 'y':
      return static_cast<int>(P::year);
    case 'm':
    case 'b':
    case 'B':
      return static_cast<int>(P::month);
    case 'd':
      return static_cast<int>(P::day);
    case 'H':
      return static_cast<int>(P::hour);
    case 'M':
      return static_cast<int>(P::minute);
    case 'S':
      return static_cast<int>(P::second);
    case 'f':
      return static_cast<int>(P::fraction);
    default:
      return -1;
  }
}

constexpr std::string_view kPartNames[] = {"year",   "month",  "day",     "hour",
                                           "minute", "second", "fraction"};

}  // namespace

Result<DateTime> DateTime::read(std::string_view text, std::string_view pattern) {
  text = trim(text);
  Result<DateTime> dt = pattern == "hl7"       ? read_hl7(text)
                        : pattern == "iso8601" ? read_iso(text)
                                               : read_pattern(text, pattern);
  if (!dt) return dt;
  if (auto c = check_calendar(*dt); !c) return fail(c.error().message);
  return dt;
}

Result<std::string> DateTime::write(std::string_view pattern) const {
  if (pattern == "hl7") return write_hl7(*this);
  if (pattern == "iso8601") return write_iso(*this);
  std::string out;
  for (size_t k = 0; k < pattern.size(); ++k) {
    char c = pattern[k];
    if (c != '%' || k + 1 == pattern.size()) {
      out += c;
      continue;
    }
    char d = pattern[++k];
    if (d == ':' && k + 1 < pattern.size() && pattern[k + 1] == 'z') {
      ++k;
      append_offset(out, *this, true);
      continue;
    }
    int need = needs(d);
    if (need > static_cast<int>(precision))
      return fail("the value has no " + std::string(kPartNames[need]) +
                  " but the output pattern needs one");
    char buf[8];
    switch (d) {
      case 'Y':
        std::snprintf(buf, sizeof buf, "%04d", year);
        out += buf;
        break;
      case 'y':
        append2(out, year % 100);
        break;
      case 'm':
        append2(out, month);
        break;
      case 'd':
        append2(out, day);
        break;
      case 'H':
        append2(out, hour);
        break;
      case 'M':
        append2(out, minute);
        break;
      case 'S':
        append2(out, second);
        break;
      case 'f':
        out += fraction;
        break;
      case 'b':
        out += kMonths[month - 1].substr(0, 3);
        break;
      case 'B':
        out += kMonths[month - 1];
        break;
      case 'z':
        append_offset(out, *this, false);
        break;
      case '%':
        out += '%';
        break;
      default:
        return fail("unknown pattern directive");
    }
  }
  return out;
}

bool valid_date_pattern(std::string_view pattern, std::string& why) {
  if (pattern == "hl7" || pattern == "iso8601") return true;
  if (pattern.empty()) {
    why = "the pattern is empty";
    return false;
  }
  for (size_t k = 0; k < pattern.size(); ++k) {
    if (pattern[k] != '%') continue;
    if (k + 1 == pattern.size()) {
      why = "the pattern ends with a lone %";
      return false;
    }
    char d = pattern[++k];
    if (d == ':' && k + 1 < pattern.size() && pattern[k + 1] == 'z') {
      ++k;
      continue;
    }
    if (std::string_view("YymdHMSfbBz%").find(d) == std::string_view::npos) {
      why = std::string("unknown directive %") + d +
            "; known: %Y %y %m %d %H %M %S %f %b %B %z %:z %%";
      return false;
    }
  }
  return true;
}

}  // namespace irwell::transforms
