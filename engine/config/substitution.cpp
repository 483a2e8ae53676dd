#include "engine/config/substitution.h"

#include <cctype>

namespace irwell::config {

Mark SourceMap::original(int line0, int column0) const {
  if (line0 < 0 || column0 < 0) return {};
  if (static_cast<size_t>(line0) >= lines_.size()) {
    // Past the end (yaml-cpp reports end-of-input one line down): use the last known position.
    for (auto it = lines_.rbegin(); it != lines_.rend(); ++it) {
      if (!it->empty()) return it->back();
    }
    return {line0 + 1, column0 + 1};
  }
  const auto& cols = lines_[line0];
  if (static_cast<size_t>(column0) < cols.size()) return cols[column0];
  if (cols.empty()) return {line0 + 1, column0 + 1};
  Mark last = cols.back();
  last.column += column0 - static_cast<int>(cols.size()) + 1;
  return last;
}

void SourceMap::add_char(Mark from) { lines_.back().push_back(from); }

void SourceMap::end_line(Mark end) {
  lines_.back().push_back(end);
  lines_.emplace_back();
}

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether a quote at line[i] opens a quoted YAML scalar (rather than being an apostrophe inside a
// plain scalar such as `doc: it's`).
bool quote_opens(std::string_view line, size_t i) {
  if (i == 0) return true;
  char p = line[i - 1];
  return p == ' ' || p == '\t' || p == '[' || p == '{' || p == ',' || p == ':' || p == '-';
}

class Substituter {
 public:
  Substituter(const Environment& env, DiagnosticList& diags) : env_(env), diags_(diags) {}

  SubstitutedText run(std::string_view text) {
    int line_no = 1;
    size_t start = 0;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      bool has_nl = nl != std::string_view::npos;
      std::string_view line = text.substr(start, has_nl ? nl - start : std::string_view::npos);
      do_line(line, line_no);
      if (!has_nl) break;
      emit('\n', Mark{line_no, static_cast<int>(line.size()) + 1});
      start = nl + 1;
      ++line_no;
    }
    return std::move(out_);
  }

 private:
  void emit(char c, Mark from) {
    out_.text.push_back(c);
    if (c == '\n') {
      out_.map.end_line(from);
    } else {
      out_.map.add_char(from);
    }
  }

  void do_line(std::string_view line, int line_no) {
    bool in_single = false, in_double = false;
    size_t i = 0;
    auto at = [&](size_t k) { return Mark{line_no, static_cast<int>(k) + 1}; };
    while (i < line.size()) {
      char c = line[i];
      if (c == '$' && line.substr(i).starts_with("$${")) {
        emit('$', at(i + 1));
        emit('{', at(i + 2));
        i += 3;
        continue;
      }
      if (c == '$' && line.substr(i).starts_with("${")) {
        i = reference(line, i, line_no);
        continue;
      }
      if (in_double) {
        if (c == '\\' && i + 1 < line.size()) {
          emit(c, at(i));
          ++i;
          emit(line[i], at(i));
          ++i;
          continue;
        }
        if (c == '"') in_double = false;
      } else if (in_single) {
        if (c == '\'') in_single = false;  // '' re-opens on the next character: still correct
      } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        for (; i < line.size(); ++i) emit(line[i], at(i));  // a comment: left alone
        return;
      } else if (c == '"' && quote_opens(line, i)) {
        in_double = true;
      } else if (c == '\'' && quote_opens(line, i)) {
        in_single = true;
      }
      emit(c, at(i));
      ++i;
    }
  }

  // Handles the reference starting at line[i] == '$'; returns the index after it.
  size_t reference(std::string_view line, size_t i, int line_no) {
    Mark mark{line_no, static_cast<int>(i) + 1};
    size_t close = line.find('}', i + 2);
    if (close == std::string_view::npos) {
      diags_.error(mark,
                   "unterminated \"${\": a variable reference must end with \"}\" on the "
                   "same line (write \"$${\" for a literal \"${\")");
      return line.size();
    }
    std::string_view inner = line.substr(i + 2, close - i - 2);
    size_t n = 0;
    if (!inner.empty() && name_start(inner[0])) {
      while (n < inner.size() && name_char(inner[n])) ++n;
    }
    std::string_view name = inner.substr(0, n);
    std::string_view rest = inner.substr(n);
    auto bad = [&] {
      diags_.error(mark, "invalid variable reference \"${" + std::string(inner) +
                             "}\"; expected ${NAME}, ${NAME:-default} or ${NAME:?message}");
    };
    if (name.empty()) {
      bad();
      return close + 1;
    }
    std::optional<std::string> value = env_(name);
    std::string result;
    if (rest.empty()) {
      result = value.value_or("");
    } else if (rest.starts_with(":-") || rest.starts_with("-")) {
      bool colon = rest[0] == ':';
      std::string_view def = rest.substr(colon ? 2 : 1);
      bool use_default = !value || (colon && value->empty());
      result = use_default ? std::string(def) : *value;
    } else if (rest.starts_with(":?") || rest.starts_with("?")) {
      bool colon = rest[0] == ':';
      std::string_view msg = rest.substr(colon ? 2 : 1);
      if (!value || (colon && value->empty())) {
        std::string text = "environment variable \"" + std::string(name) + "\" is " +
                           (value ? "empty" : "not set");
        if (!msg.empty()) text += ": " + std::string(msg);
        diags_.error(mark, text);
      } else {
        result = *value;
      }
    } else {
      bad();
      return close + 1;
    }
    for (char c : result) emit(c, mark);
    return close + 1;
  }

  const Environment& env_;
  DiagnosticList& diags_;
  SubstitutedText out_;
};

}  // namespace

SubstitutedText substitute(std::string_view text, const Environment& env, DiagnosticList& diags) {
  return Substituter(env, diags).run(text);
}

}  // namespace irwell::config
