#include "engine/hl7/path.h"

#include <charconv>

namespace irwell::hl7 {

namespace {

bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads a positive decimal number at text[pos]; advances pos. False if none or out of range.
bool read_index(std::string_view text, size_t& pos, int& out) {
  size_t start = pos;
  while (pos < text.size() && digit(text[pos])) ++pos;
  if (pos == start) return false;
  auto r = std::from_chars(text.data() + start, text.data() + pos, out);
  return r.ec == std::errc() && out >= 1 && out <= 1000000;
}

// Reads "[n]" at text[pos] if present.
Status<> read_bracket(std::string_view text, size_t& pos, int& out, const char* what) {
  if (pos >= text.size() || text[pos] != '[') return ok();
  ++pos;
  if (!read_index(text, pos, out)) {
    return fail(std::string("expected a ") + what + " number (1 or more) after '['");
  }
  if (pos >= text.size() || text[pos] != ']')
    return fail(std::string("expected ']' after the ") + what);
  ++pos;
  return ok();
}

}  // namespace

Result<Path> Path::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail("invalid path \"" + std::string(text) + "\": " + why +
                " (expected SEG[n]-field[rep].component.subcomponent, e.g. PID-3[2].1)");
  };
  Path p;
  if (text.size() < 3 || !upper(text[0]) || !(upper(text[1]) || digit(text[1])) ||
      !(upper(text[2]) || digit(text[2]))) {
    return bad("a segment ID is 3 characters: an upper-case letter, then letters or digits");
  }
  p.segment = std::string(text.substr(0, 3));
  size_t pos = 3;
  if (auto s = read_bracket(text, pos, p.occurrence, "segment occurrence"); !s) {
    return bad(s.error().message);
  }
  if (pos >= text.size() || text[pos] != '-') return bad("expected '-' and a field number");
  ++pos;
  if (!read_index(text, pos, p.field)) return bad("expected a field number (1 or more)");
  if (auto s = read_bracket(text, pos, p.repetition, "repetition"); !s) {
    return bad(s.error().message);
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (!read_index(text, pos, p.component)) return bad("expected a component number (1 or more)");
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      if (!read_index(text, pos, p.subcomponent)) {
        return bad("expected a subcomponent number (1 or more)");
      }
    }
  }
  if (pos != text.size()) return bad("unexpected text \"" + std::string(text.substr(pos)) + "\"");
  return p;
}

std::string Path::to_string() const {
  std::string s = segment;
  if (occurrence != 1) s += "[" + std::to_string(occurrence) + "]";
  s += "-" + std::to_string(field);
  if (repetition > 0) s += "[" + std::to_string(repetition) + "]";
  if (component > 0) {
    s += "." + std::to_string(component);
    if (subcomponent > 0) s += "." + std::to_string(subcomponent);
  }
  return s;
}

}  // namespace irwell::hl7
