#include "engine/hl7/batch.h"

#include <charconv>

namespace irwell::hl7 {

namespace {

bool alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// True when `line` is a segment `id` (three letters then a separator, or exactly the three).
bool is_segment(std::string_view line, std::string_view id, bool need_separator) {
  if (line.substr(0, 3) != id) return false;
  if (line.size() == 3) return !need_separator;
  return !alnum(line[3]);
}

// Field 1 of a BTS/FTS line (separator at position 3), "" when absent.
std::string_view first_field(std::string_view line) {
  if (line.size() < 4) return {};
  char fs = line[3];
  std::string_view rest = line.substr(4);
  return rest.substr(0, rest.find(fs));
}

void check_count(Batch& b, std::string_view trailer, std::string_view line, size_t found,
                 const char* what) {
  std::string_view v = first_field(line);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return;
  size_t said = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), said);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) {
    b.warnings.push_back(std::string(trailer) + "-1 is not a number: \"" + std::string(v) + "\"");
    return;
  }
  if (said != found) {
    b.count_mismatch = true;
    b.warnings.push_back(std::string(trailer) + "-1 says " + std::to_string(said) + " " + what +
                         ", found " + std::to_string(found));
  }
}

}  // namespace

Result<Batch, ParseError> split_batch(std::string_view file) {
  Batch b;
  size_t pos = file.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  size_t message_begin = std::string_view::npos;  // start of the message being collected
  size_t message_end = 0;                         // after the last non-blank line's terminator
  size_t in_batch = 0;                            // messages since the last BHS
  size_t batches = 0, trailers = 0;
  size_t skipped = 0, first_skipped = 0;
  std::string first_skipped_id;
  bool any_header = false;

  auto close_message = [&] {
    if (message_begin == std::string_view::npos) return;
    b.messages.emplace_back(file.substr(message_begin, message_end - message_begin));
    message_begin = std::string_view::npos;
    ++in_batch;
  };

  while (pos < file.size()) {
    size_t begin = pos;
    while (pos < file.size() && file[pos] != '\r' && file[pos] != '\n') ++pos;
    std::string_view line = file.substr(begin, pos - begin);
    if (pos < file.size()) {  // one terminator: CR, LF or CRLF
      pos += (file[pos] == '\r' && pos + 1 < file.size() && file[pos + 1] == '\n') ? 2 : 1;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // B2

    if (is_segment(line, "MSH", true)) {
      close_message();
      message_begin = begin;
      message_end = pos;
    } else if (is_segment(line, "FHS", true)) {
      close_message();
      any_header = true;
      if (b.file_header.empty()) b.file_header = line;
    } else if (is_segment(line, "BHS", true)) {
      close_message();
      any_header = true;
      if (b.batch_header.empty()) b.batch_header = line;
      ++batches;
      in_batch = 0;
    } else if (is_segment(line, "BTS", false)) {
      close_message();
      b.batch_trailer = line;
      ++trailers;
      check_count(b, "BTS", line, in_batch, "messages");
      in_batch = 0;
    } else if (is_segment(line, "FTS", false)) {
      close_message();
      b.file_trailer = line;
      check_count(b, "FTS", line, std::max(batches, trailers), "batches");
    } else if (message_begin != std::string_view::npos) {
      message_end = pos;  // a segment of the current message
    } else {
      if (skipped++ == 0) {
        first_skipped = begin;
        first_skipped_id = std::string(line.substr(0, 3));
      }
    }
  }
  close_message();

  if (b.messages.empty() && !any_header) {
    if (skipped == 0) {
      return fail(ParseError{100, "no message: the file is empty", 0, "", 0, pos});
    }
    return fail(ParseError{100, "no MSH segment: not an HL7 message", 1, first_skipped_id, 0,
                           first_skipped});
  }
  if (skipped > 0) {
    b.warnings.push_back("skipped " + std::to_string(skipped) +
                         " line(s) outside any message (first at byte " +
                         std::to_string(first_skipped) + ")");
  }
  return b;
}

}  // namespace irwell::hl7
