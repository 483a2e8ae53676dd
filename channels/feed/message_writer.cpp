#include "channels/feed/message_writer.h"

#include "engine/hl7/charset.h"
#include "engine/hl7/escape.h"

namespace irwell::feed {

std::string MessageWriter::text(std::string_view value) const {
  return hl7::escape(value, trust_.delimiters);
}

std::string MessageWriter::comp(std::initializer_list<std::string_view> parts) const {
  std::vector<std::string> written;
  for (std::string_view p : parts) written.push_back(text(p));
  while (!written.empty() && written.back().empty()) written.pop_back();
  std::string out;
  for (size_t i = 0; i < written.size(); ++i) {
    if (i) out.push_back(trust_.delimiters.component);
    out += written[i];
  }
  return out;
}

std::string MessageWriter::reps(std::initializer_list<std::string> values) const {
  std::string out;
  bool first = true;
  for (const std::string& v : values) {
    if (!first) out.push_back(trust_.delimiters.repetition);
    out += v;
    first = false;
  }
  return out;
}

void MessageWriter::add(std::string line, std::vector<std::string>& fields) {
  while (!fields.empty() && fields.back().empty()) fields.pop_back();
  for (const std::string& f : fields) {
    line.push_back(trust_.delimiters.field);
    line += f;
  }
  segments_.push_back(std::move(line));
}

void MessageWriter::msh(std::vector<std::string> fields) {
  add("MSH" + std::string(1, trust_.delimiters.field) + trust_.delimiters.encoding_characters(),
      fields);
}

void MessageWriter::segment(std::string_view id, std::vector<std::string> fields) {
  add(std::string(id), fields);
}

std::string MessageWriter::finish() const {
  std::string out;
  for (const std::string& s : segments_) out += s + trust_.segment_end;
  // A single-byte charset gets one byte per character; UTF-8 and ASCII text stay as they are.
  return trust_.charset.empty() ? out : hl7::from_utf8(out, trust_.charset);
}

}  // namespace irwell::feed
