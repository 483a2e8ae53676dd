// libFuzzer target for the HL7 codec (STYLE.md 17, HL7-EDGE-CASES K3): parse, read paths,
// write, encode and re-parse, escape/unescape, charset decoding and batch splitting must never
// crash, hang or leak on any input, and must keep their stated invariants.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/hl7/batch.h"
#include "engine/hl7/charset.h"
#include "engine/hl7/escape.h"
#include "engine/hl7/message.h"

namespace hl7 = irwell::hl7;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const hl7::Path& path(const char* text) {
  // Paths are parsed once; a failure here is a bug in this file.
  static thread_local std::string last;
  static thread_local hl7::Path parsed;
  if (last != text) {
    parsed = hl7::Path::parse(text).value();
    last = text;
  }
  return parsed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);

  auto m = hl7::Message::parse(bytes);
  if (m) {
    hl7::Message& msg = m.value();
    check(msg.raw() == bytes);
    for (const char* p : {"MSH-1", "MSH-2", "MSH-9.2", "MSH-10", "PID-3[2].4.1", "PID-5.1.2",
                          "OBX[2]-5", "ZZZ-1", "MSH-18[2]"}) {
      const hl7::Path& q = path(p);
      (void)msg.get(q);
      (void)msg.state(q);
      (void)msg.repetition_count(q);
      auto raw = msg.get_raw(q);
      check(raw.has_value() == (msg.state(q) != hl7::ValueState::absent));
    }
    (void)msg.header();
    (void)msg.patient_identifiers();
    (void)msg.nhs_number();
    for (size_t i = 0; i < msg.segment_count(); ++i) {
      for (size_t f = 1; f <= msg.field_count(i); ++f) (void)msg.field_raw(i, static_cast<int>(f));
    }
    // The encoded form parses again to the same segments.
    std::string once = msg.encode();
    auto again = hl7::Message::parse(once);
    check(again.ok());
    check(again->segment_count() == msg.segment_count());
    check(again->encode() == once);

    // Writes keep the message parseable and the written value readable.
    if (msg.find_segment("PID") || msg.find_segment("MSH")) {
      std::string value(bytes.substr(0, std::min<size_t>(size, 24)));
      const hl7::Path& target = path(msg.find_segment("PID") ? "PID-5[2].3.2" : "MSH-10.2");
      if (msg.set(target, value).ok()) {
        auto written = hl7::Message::parse(msg.encode());
        check(written.ok());
      }
      msg.insert_segment(1, "ZFZ|1|x^y");
      msg.remove_segment(0);
      (void)msg.encode();
    }
  } else {
    check(m.error().code >= 100 && m.error().code <= 207);
    check(m.error().offset <= size);
  }

  hl7::Delimiters d;
  if (size >= 5) {
    d = hl7::Delimiters{static_cast<char>(data[0]), static_cast<char>(data[1]),
                        static_cast<char>(data[2]), static_cast<char>(data[3]),
                        static_cast<char>(data[4])};
  }
  if (d.valid()) {
    std::string plain(bytes);
    std::string escaped = hl7::escape(plain, d);
    check(escaped.find(d.field) == std::string::npos);
    (void)hl7::unescape(bytes, d);
  }
  for (const char* set : {"", "8859/1", "8859/15", "WINDOWS-1252", "UNICODE UTF-8"}) {
    std::string text = hl7::to_utf8(bytes, set);
    check(hl7::is_valid_utf8(text));
    (void)hl7::from_utf8(text, set);
  }

  auto b = hl7::split_batch(bytes);
  if (b) {
    for (const std::string& one : b->messages) (void)hl7::Message::parse(one);
  }
  return 0;
}
