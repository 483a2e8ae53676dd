// The core JSON writer: escaping, nesting, indentation.
#include "engine/core/json.h"

#include <catch2/catch.hpp>
#include <limits>

using irwell::json::quote;
using irwell::json::Writer;

TEST_CASE("json strings are escaped and kept valid UTF-8", "[core][json]") {
  CHECK(quote("plain") == "\"plain\"");
  CHECK(quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(quote("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"");
  CHECK(quote(std::string("\x01\x1f", 2)) == "\"\\u0001\\u001f\"");
  CHECK(quote(std::string("\0", 1)) == "\"\\u0000\"");
  CHECK(quote("\x7f") == "\"\x7f\"");
  CHECK(quote("Zo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "\"Zo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  CHECK(quote("caf\xE9!") == "\"caf\xEF\xBF\xBD!\"");          // Latin-1 byte -> U+FFFD
  CHECK(quote("\xE2\x82") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // truncated sequence
  CHECK(quote("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
}

TEST_CASE("json writer builds objects and arrays", "[core][json]") {
  Writer w;
  w.begin_object()
      .key("id")
      .value(7)
      .key("big")
      .value(std::numeric_limits<uint64_t>::max())
      .key("neg")
      .value(-3L)
      .key("ok")
      .value(true)
      .key("ratio")
      .value(0.5)
      .key("nan")
      .value(std::numeric_limits<double>::quiet_NaN())
      .key("none")
      .null()
      .key("tags")
      .begin_array()
      .value("a")
      .value(std::string("b"))
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .end_array()
      .key("raw")
      .raw("[1,2]")
      .end_object();
  CHECK(w.str() ==
        "{\"id\":7,\"big\":18446744073709551615,\"neg\":-3,\"ok\":true,\"ratio\":0.5,"
        "\"nan\":null,\"none\":null,\"tags\":[\"a\",\"b\",{},[]],\"raw\":[1,2]}");
}

TEST_CASE("json writer indents when asked", "[core][json]") {
  Writer w(2);
  w.begin_object()
      .key("a")
      .begin_array()
      .value(1)
      .value(2)
      .end_array()
      .key("b")
      .begin_object()
      .end_object()
      .end_object();
  CHECK(w.str() == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
  Writer top;
  top.value("just a string");
  CHECK(top.take() == "\"just a string\"");
}
