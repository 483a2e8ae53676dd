#include "engine/hl7/escape.h"

namespace irwell::hl7 {

std::string unescape(std::string_view wire, const Delimiters& d) {
  size_t first = wire.find(d.escape);
  if (first == std::string_view::npos) return std::string(wire);
  std::string out;
  out.reserve(wire.size());
  out.append(wire.substr(0, first));
  size_t i = first;
  while (i < wire.size()) {
    char c = wire[i];
    if (c != d.escape) {
      out.push_back(c);
      ++i;
      continue;
    }
    size_t close = wire.find(d.escape, i + 1);
    if (close == std::string_view::npos) {  // unterminated (E6): keep the rest as written
      out.append(wire.substr(i));
      break;
    }
    std::string_view body = wire.substr(i + 1, close - i - 1);
    char decoded = 0;
    if (body.size() == 1) {
      switch (body[0]) {
        case 'F':
          decoded = d.field;
          break;
        case 'S':
          decoded = d.component;
          break;
        case 'T':
          decoded = d.subcomponent;
          break;
        case 'R':
          decoded = d.repetition;
          break;
        case 'E':
          decoded = d.escape;
          break;
        default:
          break;
      }
    }
    if (decoded) {
      out.push_back(decoded);
    } else {  // \H\ \N\ \.br\ \X..\ \Z..\ \C..\ \M..\, `\\` and unknown ones: verbatim (E2-E6)
      out.append(wire.substr(i, close - i + 1));
    }
    i = close + 1;
  }
  return out;
}

std::string escape(std::string_view text, const Delimiters& d) {
  std::string out;
  out.reserve(text.size() + 8);
  auto seq = [&](const char* body) {
    out.push_back(d.escape);
    out += body;
    out.push_back(d.escape);
  };
  for (char c : text) {
    if (c == d.field) {
      seq("F");
    } else if (c == d.component) {
      seq("S");
    } else if (c == d.subcomponent) {
      seq("T");
    } else if (c == d.repetition) {
      seq("R");
    } else if (c == d.escape) {
      seq("E");
    } else if (c == '\r') {
      seq("X0D");
    } else if (c == '\n') {
      seq("X0A");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string reescape(std::string_view wire, const Delimiters& from, const Delimiters& to) {
  std::string out;
  out.reserve(wire.size() + 8);
  for (size_t i = 0; i < wire.size();) {
    char c = wire[i];
    size_t close = c == from.escape ? wire.find(from.escape, i + 1) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += escape(std::string_view(&wire[i], 1), to);
      ++i;
      continue;
    }
    std::string_view body = wire.substr(i + 1, close - i - 1);
    std::string decoded = unescape(wire.substr(i, close - i + 1), from);
    if (body.size() == 1 && decoded.size() == 1) {
      out += escape(decoded, to);  // a delimiter escape, e.g. F or S
    } else {
      out.push_back(to.escape);
      out.append(body);
      out.push_back(to.escape);
    }
    i = close + 1;
  }
  return out;
}

}  // namespace irwell::hl7
