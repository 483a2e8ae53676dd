#include "engine/core/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/core/result.h"
#include "engine/core/utf8.h"

namespace irwell::json {

void append_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8::sequence_length(s, i);
      if (n == 0) {
        out += utf8::kReplacement;  // a byte that is not valid UTF-8
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::string quote(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}

void Writer::newline() {
  if (indent_ <= 0) return;
  out_.push_back('\n');
  out_.append(stack_.size() * static_cast<size_t>(indent_), ' ');
}

void Writer::before_value() {
  if (stack_.empty()) {
    if (!out_.empty()) invariant_broken("json::Writer: a second top-level value");
    return;
  }
  Level& top = stack_.back();
  if (top.object) {
    if (!top.has_key) invariant_broken("json::Writer: an object member without a key");
    top.has_key = false;
    return;  // key() already wrote the separator and the indentation
  }
  if (!top.empty) out_.push_back(',');
  top.empty = false;
  newline();
}

Writer& Writer::key(std::string_view k) {
  if (stack_.empty() || !stack_.back().object || stack_.back().has_key) {
    invariant_broken("json::Writer: key() outside an object or twice");
  }
  Level& top = stack_.back();
  if (!top.empty) out_.push_back(',');
  top.empty = false;
  top.has_key = true;
  newline();
  append_string(out_, k);
  out_ += indent_ > 0 ? ": " : ":";
  return *this;
}

Writer& Writer::begin_object() {
  before_value();
  out_.push_back('{');
  stack_.push_back({true});
  return *this;
}

Writer& Writer::begin_array() {
  before_value();
  out_.push_back('[');
  stack_.push_back({false});
  return *this;
}

Writer& Writer::end_object() {
  if (stack_.empty() || !stack_.back().object || stack_.back().has_key) {
    invariant_broken("json::Writer: unbalanced end_object()");
  }
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_.push_back('}');
  return *this;
}

Writer& Writer::end_array() {
  if (stack_.empty() || stack_.back().object)
    invariant_broken("json::Writer: unbalanced end_array()");
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_.push_back(']');
  return *this;
}

Writer& Writer::value(std::string_view s) {
  before_value();
  append_string(out_, s);
  return *this;
}

Writer& Writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

Writer& Writer::signed_value(int64_t v) {
  before_value();
  out_ += std::to_string(v);
  return *this;
}

Writer& Writer::unsigned_value(uint64_t v) {
  before_value();
  out_ += std::to_string(v);
  return *this;
}

Writer& Writer::value(double v) {
  before_value();
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back exactly
  out_.append(buf, r.ptr);
  return *this;
}

Writer& Writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

Writer& Writer::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

}  // namespace irwell::json
