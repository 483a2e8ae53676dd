// Escape sequences (HL7-EDGE-CASES E1-E8).
#include "engine/hl7/escape.h"

#include <catch2/catch.hpp>

#include "engine/hl7/message.h"
#include "tests/support/test_support.h"

using namespace irwell::hl7;
using irwell::testing::cr;

TEST_CASE("E1: delimiter escapes are decoded with the message's escape character",
          "[hl7][escape]") {
  Delimiters d;
  CHECK(unescape("A\\T\\E", d) == "A&E");
  CHECK(unescape("\\F\\\\S\\\\T\\\\R\\\\E\\", d) == "|^&~\\");
  CHECK(unescape("no escapes", d) == "no escapes");

  Delimiters custom{'#', '!', '@', '%', '*'};
  CHECK(unescape("a%F%b%S%c", custom) == "a#b!c");
  CHECK(unescape("a\\F\\b", custom) == "a\\F\\b");  // `\` is data there
}

TEST_CASE("E2-E5: formatting, hex, charset and local escapes are kept verbatim", "[hl7][escape]") {
  Delimiters d;
  CHECK(unescape("line1\\.br\\line2", d) == "line1\\.br\\line2");
  CHECK(unescape("\\H\\bold\\N\\", d) == "\\H\\bold\\N\\");
  CHECK(unescape("a\\X0D\\\\X0A\\b", d) == "a\\X0D\\\\X0A\\b");
  CHECK(unescape("\\Zabc\\", d) == "\\Zabc\\");
  CHECK(unescape("\\C2842\\x\\M2442\\", d) == "\\C2842\\x\\M2442\\");
  CHECK(unescape("\\.sp2\\", d) == "\\.sp2\\");
}

TEST_CASE("E6: malformed escapes are kept and never throw", "[hl7][escape]") {
  Delimiters d;
  CHECK(unescape("name=C:\\MIME\\qld28373.pdf", d) == "name=C:\\MIME\\qld28373.pdf");
  CHECK(unescape("unterminated \\F", d) == "unterminated \\F");
  CHECK(unescape("\\\\", d) == "\\\\");
  CHECK(unescape("\\Q\\", d) == "\\Q\\");
  CHECK(unescape("\\", d) == "\\");
  CHECK(unescape("a\\FF\\b", d) == "a\\FF\\b");
}

TEST_CASE("E7: MSH-2 is not unescaped; escapes are decoded after splitting", "[hl7][escape]") {
  auto m = Message::parse(cr("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.4\nNTE|1||a\\S\\b^c\\F\\d\n"));
  REQUIRE(m);
  CHECK(m->get(Path::parse("MSH-2").value()) == "^~\\&");
  CHECK(m->get(Path::parse("NTE-3.1").value()) == "a^b");
  CHECK(m->get(Path::parse("NTE-3.2").value()) == "c|d");
  CHECK(m->get_raw(Path::parse("NTE-3.1").value()) == "a\\S\\b");
}

TEST_CASE("E8: escape() writes every delimiter, the escape character and line breaks",
          "[hl7][escape]") {
  Delimiters d;
  CHECK(escape("A|B^C~D&E\\F", d) == "A\\F\\B\\S\\C\\R\\D\\T\\E\\E\\F");
  CHECK(escape("two\r\nlines", d) == "two\\X0D\\\\X0A\\lines");
  CHECK(escape("plain #", d) == "plain #");
  d.truncation = '#';
  CHECK(escape("plain #", d) == "plain #");  // C5: truncation is data

  Delimiters custom{'#', '!', '@', '%', '*'};
  CHECK(escape("a#b!c|d", custom) == "a%F%b%S%c|d");

  for (std::string text : {"", "x", "|^~&\\", "a^b|c", "\\\\", "mixed ~ & | text"}) {
    CHECK(unescape(escape(text, d), d) == text);
    CHECK(unescape(escape(text, custom), custom) == text);
  }
}

TEST_CASE("E8: reescape() moves wire text to other delimiters", "[hl7][escape]") {
  Delimiters std_d;
  Delimiters hash{'#', '!', '@', '%', '*'};
  CHECK(reescape("a\\F\\b\\S\\c", std_d, hash) == "a|b^c");  // no longer delimiters: plain data
  CHECK(reescape("x#y!z", std_d, hash) == "x%F%y%S%z");      // data that now collides
  CHECK(reescape("l1\\.br\\l2\\X0D\\", std_d, hash) == "l1%.br%l2%X0D%");
  CHECK(reescape("C:\\MIME\\x", std_d, hash) == "C:%MIME%x");
  CHECK(reescape("lone \\ end", std_d, hash) == "lone \\ end");
  CHECK(reescape("100%", std_d, hash) == "100%E%");
  CHECK(reescape("a\\E\\b", std_d, hash) == "a\\b");
  CHECK(reescape(reescape("a\\T\\b #1 \\.br\\", std_d, hash), hash, std_d) == "a\\T\\b #1 \\.br\\");
}
