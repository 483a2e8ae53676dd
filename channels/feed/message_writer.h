#pragma once
// MessageWriter: writes one HL7 v2 message the way a given trust's system does: its delimiters,
// its segment endings and its character set. The feed generator decides what goes in; this
// class only decides how it is written.
//
// Contract: values are UTF-8 text; text() and comp() escape every delimiter they contain
// against the trust's delimiters (so "Flat #2" survives a '#' component separator); segment()
// drops trailing empty fields (D1); finish() joins the segments with the trust's ending (every
// segment terminated, the last one too) and converts the text to the trust's charset (8859/1:
// one byte per character). One writer per message; not thread-safe.
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "channels/feed/trust_profile.h"

namespace irwell::feed {

class MessageWriter {
 public:
  explicit MessageWriter(const TrustProfile& trust) : trust_(trust) {}

  std::string text(std::string_view value) const;
  // Components joined with the component separator, each escaped; trailing empty ones dropped.
  std::string comp(std::initializer_list<std::string_view> parts) const;
  // Already written values joined with the repetition separator.
  std::string reps(std::initializer_list<std::string> values) const;

  // MSH with MSH-3 onwards (MSH-1 and MSH-2 come from the trust).
  void msh(std::vector<std::string> fields);
  // Any other segment, fields from field 1.
  void segment(std::string_view id, std::vector<std::string> fields);

  std::string finish() const;

 private:
  void add(std::string line, std::vector<std::string>& fields);
  const TrustProfile& trust_;
  std::vector<std::string> segments_;
};

}  // namespace irwell::feed
