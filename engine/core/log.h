#pragma once
// Structured logging: one line per event on stderr, in logfmt
// (`ts=2026-11-25T10:00:00.123Z level=info event=frame_dropped source=lab_in peer=...`).
//
// Contract: the event name and field keys use the engine's one vocabulary (source, destination,
// route, delivery, control_id, peer). Never pass a message body or a patient identifier at info
// level or above: HL7 carries patient data (STYLE.md "Never"). Thread-safe: a line is written
// whole under a mutex. Tests may install a sink to capture lines.
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace irwell::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <class N, std::enable_if_t<std::is_arithmetic_v<N>, int> = 0>
  Field(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
  std::string_view key;
  std::string value;
};

void set_level(Level level);
Level level();
bool enabled(Level level);
// Parses "debug", "info", "warn", "error"; returns false for anything else.
bool parse_level(std::string_view text, Level& out);

// Replaces stderr as the destination of lines (tests); pass nullptr to restore stderr.
void set_sink(std::function<void(std::string_view line)> sink);

void write(Level level, std::string_view event, std::initializer_list<Field> fields);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::debug)) write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::info)) write(Level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::warn)) write(Level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::error, event, fields);
}

}  // namespace irwell::log
