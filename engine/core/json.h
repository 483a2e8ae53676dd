#pragma once
// A small JSON writer: strings escaped correctly, objects and arrays built in order.
//
// Contract: output is always valid JSON text when begin/end calls are balanced and every object
// member has a key(); misuse (a value without a key inside an object, unbalanced end) is a
// broken invariant and aborts. Strings are taken as UTF-8: `"` `\` and control characters are
// escaped (\n \r \t \b \f, others \u00XX), DEL and non-ASCII are written as is, and a byte that
// is not part of valid UTF-8 is written as U+FFFD so the output stays valid UTF-8.
// Doubles that are not finite are written as null. A Writer owns its buffer; not thread-safe.
//
//   json::Writer w;                         // compact; Writer(2) indents by 2 spaces
//   w.begin_object().key("id").value(7).key("tags").begin_array().value("a").end_array()
//    .end_object();
//   w.str() == R"({"id":7,"tags":["a"]})"
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace irwell::json {

// Appends `s` as a quoted, escaped JSON string to `out`.
void append_string(std::string& out, std::string_view s);
// `s` as a quoted, escaped JSON string.
std::string quote(std::string_view s);

class Writer {
 public:
  explicit Writer(int indent = 0) : indent_(indent) {}

  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);

  Writer& value(std::string_view s);
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(const std::string& s) { return value(std::string_view(s)); }
  Writer& value(bool b);
  template <class N, std::enable_if_t<std::is_integral_v<N> && !std::is_same_v<N, bool>, int> = 0>
  Writer& value(N v) {
    if constexpr (std::is_signed_v<N>) {
      return signed_value(static_cast<int64_t>(v));
    } else {
      return unsigned_value(static_cast<uint64_t>(v));
    }
  }
  Writer& value(double v);
  Writer& null();
  // Inserts already-serialised JSON as one value (the caller vouches for it).
  Writer& raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  Writer& signed_value(int64_t v);
  Writer& unsigned_value(uint64_t v);
  void before_value();
  void newline();

  struct Level {
    bool object;
    bool empty = true;
    bool has_key = false;
  };
  std::string out_;
  std::vector<Level> stack_;
  int indent_;
};

}  // namespace irwell::json
