#include "engine/hl7/charset.h"

#include <cstdint>
#include <cstring>

#include "engine/core/utf8.h"

namespace irwell::hl7 {

namespace {

enum class Set { none, ascii, latin1, latin9, cp1252, utf8, other };

// 0x80-0x9F in Windows-1252; 0 where the code page leaves the byte undefined (kept as C1).
constexpr uint16_t kCp1252[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                  0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// The eight places where 8859-15 differs from 8859-1.
constexpr struct {
  unsigned char byte;
  uint16_t cp;
} kLatin9[8] = {{0xA4, 0x20AC}, {0xA6, 0x0160}, {0xA8, 0x0161}, {0xB4, 0x017D},
                {0xB8, 0x017E}, {0xBC, 0x0152}, {0xBD, 0x0153}, {0xBE, 0x0178}};

std::string normalise(std::string_view name) {
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  std::string s(name);
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

Set classify(const std::string& n) {
  if (n.empty()) return Set::none;
  if (n == "ASCII" || n == "US-ASCII") return Set::ascii;
  if (n == "8859/1" || n == "ISO-8859-1" || n == "ISO8859-1" || n == "LATIN1" || n == "LATIN-1") {
    return Set::latin1;
  }
  if (n == "8859/15" || n == "ISO-8859-15" || n == "ISO8859-15") return Set::latin9;
  if (n == "WINDOWS-1252" || n == "CP1252") return Set::cp1252;
  if (n == "UNICODE UTF-8" || n == "UTF-8" || n == "UTF8" || n == "UNICODE") return Set::utf8;
  return Set::other;
}

uint32_t single_byte_code_point(unsigned char b, Set set) {
  if (b < 0x80) return b;
  if (set == Set::cp1252 && b < 0xA0 && kCp1252[b - 0x80]) return kCp1252[b - 0x80];
  if (set == Set::latin9) {
    for (auto& d : kLatin9) {
      if (d.byte == b) return d.cp;
    }
  }
  return b;
}

std::string decode_single_byte(std::string_view bytes, Set set) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (char c : bytes)
    utf8::append(out, single_byte_code_point(static_cast<unsigned char>(c), set));
  return out;
}

std::string decode_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      out.push_back(bytes[i++]);
      continue;
    }
    size_t n = utf8::sequence_length(bytes, i);
    if (n == 0) {
      out += utf8::kReplacement;
      ++i;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

// Decodes the code point of the valid sequence of length n at s[i].
uint32_t code_point(std::string_view s, size_t i, size_t n) {
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k])); };
  if (n == 2) return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
  if (n == 3) return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
}

bool single_byte(Set s) {
  return s == Set::ascii || s == Set::latin1 || s == Set::latin9 || s == Set::cp1252;
}

}  // namespace

bool is_ascii(std::string_view bytes) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  size_t i = 0;
  // Eight bytes at a time: any byte with its top bit set makes the word non-ASCII.
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ull) return false;
  }
  for (; i < n; ++i) {
    if (static_cast<unsigned char>(p[i]) >= 0x80) return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view bytes) {
  size_t n = bytes.size();
  for (size_t i = 0; i < n;) {
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, bytes.data() + i, 8);
      if (!(w & 0x8080808080808080ull)) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = utf8::sequence_length(bytes, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  Set set = classify(normalise(charset));
  if (is_ascii(bytes)) return std::string(bytes);
  switch (set) {
    case Set::latin1:
    case Set::latin9:
    case Set::cp1252:
      return decode_single_byte(bytes, set);
    case Set::utf8:
      return decode_utf8(bytes);
    default:  // "", ASCII with stray high bytes, names we do not decode
      if (is_valid_utf8(bytes)) return std::string(bytes);
      return decode_single_byte(bytes, Set::latin1);
  }
}

std::string from_utf8(std::string_view text, std::string_view charset) {
  Set set = classify(normalise(charset));
  if (!(set == Set::latin1 || set == Set::latin9 || set == Set::cp1252) || is_ascii(text)) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(text[i++]);
      continue;
    }
    size_t n = utf8::sequence_length(text, i);
    if (n == 0) {
      out.push_back('?');
      ++i;
      continue;
    }
    uint32_t cp = code_point(text, i, n);
    i += n;
    char byte = '?';
    for (unsigned b = 0x80; b <= 0xFF; ++b) {
      if (single_byte_code_point(static_cast<unsigned char>(b), set) == cp) {
        byte = static_cast<char>(b);
        break;
      }
    }
    out.push_back(byte);
  }
  return out;
}

std::string resolve_charset(std::string_view declared, std::string_view fallback,
                            std::string_view bytes) {
  std::string name = normalise(declared);
  if (name.empty()) name = normalise(fallback);
  Set set = classify(name);
  if (set == Set::utf8) return std::string(kUtf8);
  if (set == Set::latin1) name = kLatin1;
  if (set == Set::none || single_byte(set)) {
    if (is_ascii(bytes)) return set == Set::none ? std::string(kAscii) : name;
    if (is_valid_utf8(bytes)) return std::string(kUtf8);  // F2, F3
    if (set == Set::none || set == Set::ascii) return std::string(kLatin1);
  }
  return name;  // a name we do not decode; to_utf8() applies its fallback
}

}  // namespace irwell::hl7
