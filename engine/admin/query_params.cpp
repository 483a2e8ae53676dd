#include "engine/admin/query_params.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>
#include <set>

namespace irwell::admin {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads exactly n digits at text[pos]; advances pos.
bool read_digits(std::string_view text, size_t& pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<int> parse_limit(const std::map<std::string, std::string>& params,
                               std::string& error) {
  auto it = params.find("limit");
  if (it == params.end()) return std::nullopt;
  auto v = parse_id(it->second);
  if (!v || *v > 1000) {
    error = "limit must be a whole number from 1 to 1000, got \"" + it->second + "\"";
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

// Checks keys against `allowed`; fills since/until/limit/cursor which both queries share.
struct Common {
  std::optional<TimePoint> since, until;
  std::optional<int> limit;
  int64_t cursor = 0;
};

Result<Common> parse_common(const std::map<std::string, std::string>& params,
                            const std::set<std::string_view>& allowed) {
  for (const auto& [k, v] : params) {
    if (!allowed.contains(k)) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return fail("unknown parameter \"" + k + "\"; allowed: " + list);
    }
  }
  Common c;
  for (const char* key : {"since", "until"}) {
    auto it = params.find(key);
    if (it == params.end()) continue;
    auto t = parse_time(it->second);
    if (!t) {
      return fail(std::string(key) + " must be ISO 8601 (2026-11-25T10:00:00Z) or epoch " +
                  "milliseconds, got \"" + it->second + "\"");
    }
    (std::string_view(key) == "since" ? c.since : c.until) = t;
  }
  std::string error;
  c.limit = parse_limit(params, error);
  if (!error.empty()) return fail(error);
  if (auto it = params.find("cursor"); it != params.end()) {
    auto id = parse_id(it->second);
    if (!id)
      return fail("cursor must be the next_cursor of a previous page, got \"" + it->second + "\"");
    c.cursor = *id;
  }
  return c;
}

std::string get(const std::map<std::string, std::string>& params, const char* key) {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

}  // namespace

std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto key = url_decode(part.substr(0, eq));
    auto value =
        url_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!key || !value) return fail("malformed %-escape in the query string");
    out[*key] = *value;
  }
  return out;
}

std::optional<TimePoint> parse_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t ms = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms)));
  }
  size_t pos = 0;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') ||
      !read_digits(text, pos, 2, month) || !expect(text, pos, '-') ||
      !read_digits(text, pos, 2, day)) {
    return std::nullopt;
  }
  int64_t micros = 0;
  int offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, minute)) {
      return std::nullopt;
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!read_digits(text, pos, 2, second)) return std::nullopt;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        int64_t scale = 100000;
        size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          micros += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == start) return std::nullopt;
      }
    }
    if (pos < text.size()) {
      char z = text[pos];
      if (z == 'Z' || z == 'z') {
        ++pos;
      } else if (z == '+' || z == '-') {
        ++pos;
        int oh, om = 0;
        if (!read_digits(text, pos, 2, oh)) return std::nullopt;
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (pos < text.size() && !read_digits(text, pos, 2, om)) return std::nullopt;
        offset_minutes = (z == '+' ? 1 : -1) * (oh * 60 + om);
      }
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t t = timegm(&tm);
  if (tm.tm_mday != day) return std::nullopt;  // e.g. 2026-02-30 normalised into March
  auto since_epoch = std::chrono::seconds(t) - std::chrono::minutes(offset_minutes) +
                     std::chrono::microseconds(micros);
  return TimePoint(std::chrono::duration_cast<Duration>(since_epoch));
}

std::string format_time(TimePoint t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  int64_t secs = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  time_t tt = static_cast<time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

std::optional<int64_t> parse_id(std::string_view text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v < 1) {
    return std::nullopt;
  }
  return v;
}

Result<store::MessageQuery> parse_message_query(const std::map<std::string, std::string>& params) {
  auto common = parse_common(params, {"control_id", "patient", "type", "status", "source",
                                      "destination", "since", "until", "limit", "cursor"});
  if (!common) return fail(common.error());
  store::MessageQuery q;
  q.control_id = get(params, "control_id");
  q.patient = get(params, "patient");
  q.source = get(params, "source");
  q.destination = get(params, "destination");
  std::string type = get(params, "type");
  if (!type.empty()) {
    size_t caret = type.find('^');
    q.message_type = type.substr(0, caret);
    if (caret != std::string::npos) q.trigger_event = type.substr(caret + 1);
    if (q.message_type.empty() || (caret != std::string::npos && q.trigger_event.empty()) ||
        q.trigger_event.find('^') != std::string::npos) {
      return fail("type must be a message type like ADT or a type and event like ADT^A01, got \"" +
                  type + "\"");
    }
  }
  if (auto it = params.find("status"); it != params.end() && !it->second.empty()) {
    q.status = store::parse_status(it->second);
    if (!q.status) {
      return fail(
          "status must be one of accepted, rejected, duplicate, unrouted, filtered, got \"" +
          it->second + "\"");
    }
  }
  q.since = common->since;
  q.until = common->until;
  if (common->limit) q.limit = *common->limit;
  q.before_id = common->cursor;
  return q;
}

Result<store::AuditQuery> parse_audit_query(const std::map<std::string, std::string>& params) {
  auto common =
      parse_common(params, {"actor", "action", "target", "since", "until", "limit", "cursor"});
  if (!common) return fail(common.error());
  store::AuditQuery q;
  q.actor = get(params, "actor");
  q.action = get(params, "action");
  q.target = get(params, "target");
  q.since = common->since;
  q.until = common->until;
  if (common->limit) q.limit = *common->limit;
  q.before_id = common->cursor;
  return q;
}

}  // namespace irwell::admin
