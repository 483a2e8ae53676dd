#include "engine/hl7/delimiters.h"

namespace irwell::hl7 {

namespace {

bool alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// An encoding character must be a printable ASCII symbol.
bool usable(char c) { return c > ' ' && c < 0x7F && !alnum(c); }

}  // namespace

std::string Delimiters::encoding_characters() const {
  std::string s{component, repetition, escape, subcomponent};
  if (truncation) s.push_back(truncation);
  return s;
}

bool Delimiters::valid() const {
  char set[6] = {field, component, repetition, escape, subcomponent, truncation};
  int n = truncation ? 6 : 5;
  for (int i = 0; i < n; ++i) {
    if (!usable(set[i])) return false;
    for (int j = 0; j < i; ++j) {
      if (set[i] == set[j]) return false;
    }
  }
  return true;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t at = text.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

std::optional<std::string_view> nth_piece(std::string_view text, char sep, int n) {
  if (n < 1) return std::nullopt;
  size_t start = 0;
  for (int i = 1; i < n; ++i) {
    size_t at = text.find(sep, start);
    if (at == std::string_view::npos) return std::nullopt;
    start = at + 1;
  }
  size_t end = text.find(sep, start);
  return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

}  // namespace irwell::hl7
