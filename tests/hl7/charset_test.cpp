// Character sets (HL7-EDGE-CASES F1-F4).
#include "engine/hl7/charset.h"

#include <catch2/catch.hpp>

#include "engine/hl7/message.h"

using namespace irwell::hl7;

TEST_CASE("is_valid_utf8 and is_ascii", "[hl7][charset]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ASCII text longer than eight bytes"));
  CHECK(is_valid_utf8("\xC2\xB5mol/L and \xE2\x80\x94 and \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("caf\xE9"));           // Latin-1 é
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("abcdefgh\xE2\x80"));  // truncated at the end
  CHECK(is_ascii("abc"));
  CHECK_FALSE(is_ascii("abcdefghijklmnop\x80"));
}

TEST_CASE("to_utf8 decodes the supported sets", "[hl7][charset]") {
  CHECK(to_utf8("caf\xE9", "8859/1") == "caf\xC3\xA9");
  CHECK(to_utf8("caf\xE9", " iso-8859-1 ") == "caf\xC3\xA9");
  CHECK(to_utf8("\xA4", "8859/15") == "\xE2\x82\xAC");
  CHECK(to_utf8("\xA4", "8859/1") == "\xC2\xA4");
  CHECK(to_utf8("\x93q\x94", "WINDOWS-1252") == "\xE2\x80\x9Cq\xE2\x80\x9D");
  CHECK(to_utf8("\xC2\xB5g", "UNICODE UTF-8") == "\xC2\xB5g");
  CHECK(to_utf8("a\xFF"
                "b",
                "UNICODE UTF-8") ==
        "a\xEF\xBF\xBD"
        "b");  // invalid -> U+FFFD
  // Empty, ASCII and names we do not decode: UTF-8 stays, anything else is Latin-1.
  CHECK(to_utf8("\xC2\xB5g", "") == "\xC2\xB5g");
  CHECK(to_utf8("\xB5g", "") == "\xC2\xB5g");
  CHECK(to_utf8("\xB5g", "ASCII") == "\xC2\xB5g");
  CHECK(to_utf8("\xC2\xB5g", "ISO IR87") == "\xC2\xB5g");
}

TEST_CASE("from_utf8 writes single-byte sets", "[hl7][charset]") {
  CHECK(from_utf8("caf\xC3\xA9", "8859/1") == "caf\xE9");
  CHECK(from_utf8("\xE2\x82\xAC", "8859/15") == "\xA4");
  CHECK(from_utf8("\xE2\x82\xAC", "8859/1") == "?");
  CHECK(from_utf8("\xE2\x80\x9C", "CP1252") == "\x93");
  CHECK(from_utf8("caf\xC3\xA9", "UNICODE UTF-8") == "caf\xC3\xA9");
  for (std::string_view set : {"8859/1", "8859/15", "WINDOWS-1252"}) {
    std::string all;
    for (int b = 0xA0; b <= 0xFF; ++b) all.push_back(static_cast<char>(b));
    CHECK(from_utf8(to_utf8(all, set), set) == all);
  }
}

TEST_CASE("F1-F3: resolve_charset", "[hl7][charset]") {
  CHECK(resolve_charset("", "", "plain") == "ASCII");
  CHECK(resolve_charset("", "", "Zo\xC3\xAB") == "UNICODE UTF-8");  // F2
  CHECK(resolve_charset("", "", "Zo\xEB") == "8859/1");             // F2
  CHECK(resolve_charset("", "WINDOWS-1252", "Zo\xEB") == "WINDOWS-1252");
  CHECK(resolve_charset("", "8859/15", "plain") == "8859/15");
  CHECK(resolve_charset("UNICODE", "", "x") == "UNICODE UTF-8");
  CHECK(resolve_charset("UTF-8", "8859/1", "x") == "UNICODE UTF-8");
  CHECK(resolve_charset("8859/1", "", "Zo\xEB") == "8859/1");
  CHECK(resolve_charset("8859/1", "", "\xEF\xBF\xBD") == "UNICODE UTF-8");  // F3: MSH-18 lies
  CHECK(resolve_charset("ASCII", "", "Zo\xEB") == "8859/1");
  CHECK(resolve_charset("ASCII", "", "plain") == "ASCII");
  CHECK(resolve_charset("ISO IR87", "", "x") == "ISO IR87");
}

TEST_CASE("F2/F4: the parser resolves the charset from MSH-18 and the default", "[hl7][charset]") {
  auto parse = [](const std::string& msh18, const std::string& body, ParseOptions o = {}) {
    return Message::parse("MSH|^~\\&|A|B|||1||ADT^A01|1|P|2.5|||||GBR|" + msh18 + "\rPID|1||K1||" +
                              body + "\r",
                          o)
        .value();
  };
  auto utf8 = parse("", "M\xC3\xBCller");
  CHECK(utf8.charset() == "UNICODE UTF-8");
  CHECK(utf8.get(Path::parse("PID-5").value()) == "M\xC3\xBCller");

  auto latin = parse("", "M\xFCller");
  CHECK(latin.charset() == "8859/1");
  CHECK(latin.get(Path::parse("PID-5").value()) == "M\xC3\xBCller");
  CHECK(latin.encode() == latin.raw());  // F3: bytes are never changed

  ParseOptions cp1252;
  cp1252.default_charset = "WINDOWS-1252";
  auto smart = parse("", "\x93Q\x94", cp1252);
  CHECK(smart.charset() == "WINDOWS-1252");
  CHECK(smart.get(Path::parse("PID-5").value()) == "\xE2\x80\x9CQ\xE2\x80\x9D");

  auto repeated = parse("UNICODE UTF-8~8859/1", "M\xC3\xBCller");  // F4: repetition 1
  CHECK(repeated.charset() == "UNICODE UTF-8");
  CHECK(repeated.header().charset == "UNICODE UTF-8");

  auto declared = parse("8859/1", "M\xFCller", cp1252);  // MSH-18 beats the default
  CHECK(declared.charset() == "8859/1");
}
