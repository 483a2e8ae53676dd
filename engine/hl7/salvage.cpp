#include "engine/hl7/salvage.h"

#include <vector>

namespace irwell::hl7 {
namespace {

constexpr std::string_view kDefaultEncodingChars = "^~\\&";
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool is_blank(char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\t'; }

// Encoding characters completed with the defaults for missing positions (C4).
std::string padded(std::string_view chars) {
  std::string out(chars);
  for (size_t i = out.size(); i < kDefaultEncodingChars.size(); ++i) {
    out += kDefaultEncodingChars[i];
  }
  return out;
}

Delimiters delimiters_from(char field, std::string_view chars) {
  const std::string c = padded(chars);
  return {field, c[0], c[1], c[2], c[3], c.size() > 4 ? c[4] : '\0'};
}

// C6: a field separator is printable ASCII (not space) and not a letter or digit.
bool usable_field_separator(char c) {
  const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  return c > ' ' && c < 0x7F && !alnum;
}

// "MSH|", "FHS|" ...: the segment ID followed by a usable field separator.
bool starts_header(std::string_view seg, std::string_view id) {
  return seg.size() >= 4 && seg.starts_with(id) && usable_field_separator(seg[3]);
}

// The part of `s` before the first of the given delimiters.
std::string_view before_any(std::string_view s, std::string_view delims) {
  return s.substr(0, s.find_first_of(delims));
}

// C4: MSH-2 verbatim when valid, completed with defaults when short; empty when unusable.
std::string encoding_chars_from(std::string_view msh2, char field) {
  if (msh2.empty() || msh2.size() > 5) return {};
  // The canonical form, not msh2 itself: a 5th character that is not a truncation character
  // (NUL, found by fuzzing) is dropped here rather than echoed into the ACK.
  const Delimiters d = delimiters_from(field, msh2);
  return d.valid() ? d.encoding_characters() : std::string();
}

// The defaults `^~\&`, except that a default equal to the field separator (MSH^...) is replaced
// by a symbol not otherwise in use, so the result is always a valid set of delimiters.
std::string default_encoding_chars(char field) {
  std::string chars(kDefaultEncodingChars);
  for (char& c : chars) {
    if (c != field) continue;
    for (char spare : std::string_view("|#!@%*$")) {
      if (spare != field && chars.find(spare) == std::string::npos) {
        c = spare;
        break;
      }
    }
  }
  return chars;
}

}  // namespace

Delimiters SalvagedHeader::delimiters() const { return delimiters_from(field, encoding_chars); }

SalvagedHeader salvage_header(std::string_view bytes) {
  SalvagedHeader h;
  if (bytes.starts_with(kUtf8Bom)) bytes.remove_prefix(kUtf8Bom.size());

  // B3/J1: skip blank lines and leading FHS/BHS to reach the MSH segment.
  std::string_view seg;
  for (;;) {
    size_t first = 0;
    while (first < bytes.size() && is_blank(bytes[first])) ++first;
    bytes.remove_prefix(first);
    size_t end = bytes.find_first_of("\r\n");
    seg = bytes.substr(0, end);
    if (starts_header(seg, "FHS") || starts_header(seg, "BHS")) {
      if (end == std::string_view::npos) return h;
      bytes.remove_prefix(end);
      continue;
    }
    break;
  }
  if (!starts_header(seg, "MSH")) return h;

  h.found_msh = true;
  h.field = seg[3];
  // fields[0] = "MSH", fields[1] = MSH-2, fields[i] = MSH-(i+1) (C1).
  std::vector<std::string_view> fields = split(seg, h.field);
  std::string_view msh2 = fields.size() > 1 ? fields[1] : std::string_view();
  std::string chars = encoding_chars_from(msh2, h.field);
  h.encoding_chars_replaced = chars.empty() || chars.size() != msh2.size();
  h.encoding_chars = chars.empty() ? default_encoding_chars(h.field) : std::move(chars);

  auto msh = [&](size_t n) -> std::string {
    return n - 1 < fields.size() ? std::string(fields[n - 1]) : std::string();
  };
  h.sending_application = msh(3);
  h.sending_facility = msh(4);
  h.receiving_application = msh(5);
  h.receiving_facility = msh(6);
  h.datetime = msh(7);
  h.message_type = msh(9);
  h.control_id = msh(10);
  h.processing_id = msh(11);
  h.version = msh(12);
  h.sequence_number = msh(13);
  h.accept_ack_type = msh(15);
  h.app_ack_type = msh(16);
  h.charset = msh(18);

  // MSH-9.1 and MSH-9.2 of the first repetition, without subcomponents.
  const std::string sub_and_rep{h.subcomponent(), h.repetition()};
  std::string_view type = before_any(h.message_type, std::string(1, h.repetition()));
  std::vector<std::string_view> components = split(type, h.component());
  h.message_code = std::string(before_any(components[0], sub_and_rep));
  if (components.size() > 1) h.trigger_event = std::string(before_any(components[1], sub_and_rep));
  return h;
}

}  // namespace irwell::hl7
