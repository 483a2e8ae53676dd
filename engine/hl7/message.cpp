#include "engine/hl7/message.h"

#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/hl7/charset.h"
#include "engine/hl7/escape.h"

namespace irwell::hl7 {

namespace {

constexpr std::string_view kNull = "\"\"";
constexpr std::string_view kNhsOid = "2.16.840.1.113883.2.1.4.1";

bool is_line_end(char c) { return c == '\r' || c == '\n'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// MSH, FHS and BHS define delimiters: their field 1 is the separator itself (C1).
bool delimiter_defining(std::string_view id) {
  if (id.size() != 3) return false;
  return (id[0] == 'M' && id[1] == 'S' && id[2] == 'H') ||
         (id[0] == 'F' && id[1] == 'H' && id[2] == 'S') ||
         (id[0] == 'B' && id[1] == 'H' && id[2] == 'S');
}

// Scans one segment from `p`: appends the offset (from `begin`) after each field separator to
// `pieces` and returns the position of the first CR or LF, or `end`. This loop is the parser's
// hot path (D6): with SSE2 it looks at 16 bytes per step.
const char* scan_segment(const char* p, const char* end, const char* begin, char fs,
                         std::vector<uint32_t>& pieces) {
#if defined(__SSE2__)
  const __m128i vfs = _mm_set1_epi8(fs);
  const __m128i vcr = _mm_set1_epi8('\r');
  const __m128i vlf = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned seps = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, vfs)));
    unsigned eols = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, vcr), _mm_cmpeq_epi8(x, vlf))));
    if (eols) seps &= (1u << __builtin_ctz(eols)) - 1;  // separators before the line end only
    while (seps) {
      pieces.push_back(static_cast<uint32_t>(p - begin + __builtin_ctz(seps) + 1));
      seps &= seps - 1;
    }
    if (eols) return p + __builtin_ctz(eols);
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    char c = *p;
    if (c == fs) {
      pieces.push_back(static_cast<uint32_t>(p - begin + 1));
    } else if (c == '\r' || c == '\n') {
      break;
    }
  }
  return p;
}

ParseError make_error(int code, std::string message, size_t segment, std::string_view id, int field,
                      size_t offset) {
  return ParseError{code, std::move(message), segment, std::string(id), field, offset};
}

// Replaces the n-th (1-based) piece of `text` split at `sep` by `replacement`, adding empty
// pieces when `text` has fewer. When the replacement is empty and ends up last, trailing empty
// pieces are dropped, keeping at least `min_pieces` (D1: `A^B^` == `A^B`).
std::string replace_piece(std::string_view text, char sep, int n, std::string_view replacement,
                          size_t min_pieces = 1) {
  std::vector<std::string_view> pieces = split(text, sep);
  if (pieces.size() < static_cast<size_t>(n)) pieces.resize(n);
  pieces[n - 1] = replacement;
  if (replacement.empty() && static_cast<size_t>(n) == pieces.size()) {
    while (pieces.size() > min_pieces && pieces.back().empty()) pieces.pop_back();
  }
  std::string out;
  out.reserve(text.size() + replacement.size() + n);
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i) out.push_back(sep);
    out.append(pieces[i]);
  }
  return out;
}

}  // namespace

Result<Message, ParseError> Message::parse(std::string_view bytes, const ParseOptions& options) {
  if (bytes.size() >= std::numeric_limits<uint32_t>::max()) {
    return fail(make_error(error_code::other, "message is 4 GiB or larger", 0, "", 0, 0));
  }
  Message m;
  m.raw_.assign(bytes);
  const std::string& raw = m.raw_;
  const size_t size = raw.size();

  // B3: a UTF-8 BOM and whitespace before the first segment.
  size_t pos = 0;
  if (raw.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
  while (pos < size && (is_line_end(raw[pos]) || is_blank(raw[pos]))) ++pos;
  bool canonical = pos == 0;
  if (pos >= size) {
    return fail(make_error(error_code::segment_sequence, "no segments: the message is empty", 0, "",
                           0, pos));
  }

  // B8: the first segment must be MSH.
  if (raw.compare(pos, 3, "MSH") != 0) {
    size_t end = pos;
    while (end < size && end - pos < 3 && !is_line_end(raw[end])) ++end;
    std::string_view id(raw.data() + pos, end - pos);
    return fail(make_error(error_code::segment_sequence,
                           "the first segment is not MSH" +
                               std::string(delimiter_defining(id) ? " (a batch file?)" : ""),
                           1, id, 0, pos));
  }

  // C1-C6: MSH-1 and MSH-2.
  Delimiters& d = m.delims_;
  if (pos + 3 >= size || is_line_end(raw[pos + 3])) {
    return fail(make_error(error_code::data_type, "MSH-1 (field separator) is missing", 1, "MSH", 1,
                           pos + 3));
  }
  d.field = raw[pos + 3];
  if (d.field <= ' ' || d.field >= 0x7F || (d.field >= '0' && d.field <= '9') ||
      (d.field >= 'A' && d.field <= 'Z') || (d.field >= 'a' && d.field <= 'z')) {
    return fail(make_error(error_code::data_type,
                           "MSH-1 (field separator) must be a printable symbol, not a letter, "
                           "digit, space or control character",
                           1, "MSH", 1, pos + 3));
  }
  size_t enc_begin = pos + 4;
  size_t enc_end = enc_begin;
  while (enc_end < size && raw[enc_end] != d.field && !is_line_end(raw[enc_end])) ++enc_end;
  size_t enc_len = enc_end - enc_begin;
  if (enc_len == 0) {
    return fail(make_error(error_code::required_field_missing,
                           "MSH-2 (encoding characters) is missing", 1, "MSH", 2, enc_begin));
  }
  if (enc_len > 5) {
    return fail(make_error(error_code::data_type,
                           "MSH-2 (encoding characters) has " + std::to_string(enc_len) +
                               " characters; expected 4, or 5 with the truncation character",
                           1, "MSH", 2, enc_begin));
  }
  char* slots[] = {&d.component, &d.repetition, &d.escape, &d.subcomponent, &d.truncation};
  for (size_t i = 0; i < enc_len; ++i) *slots[i] = raw[enc_begin + i];
  if (!d.valid()) {
    return fail(make_error(error_code::data_type,
                           "MSH-1/MSH-2 delimiters are unusable (repeated, alphanumeric or "
                           "control characters): \"" +
                               raw.substr(pos + 3, enc_len + 1) + "\"",
                           1, "MSH", 2, enc_begin));
  }

  // One pass over the bytes: segment boundaries and field starts (B1, B2).
  const char* data = raw.data();
  const char* const end_of_data = data + size;
  m.pieces_.reserve(size / 8);
  m.segments_.reserve(size / 64 + 4);
  while (pos < size) {
    size_t begin = pos;
    uint32_t first_piece = static_cast<uint32_t>(m.pieces_.size());
    m.pieces_.push_back(0);
    const char* stop = scan_segment(data + pos, end_of_data, data + begin, d.field, m.pieces_);
    size_t end = static_cast<size_t>(stop - data);
    pos = end;
    // Terminator: a single CR is canonical; LF, CRLF, a missing one or blank lines are not.
    if (pos < size) {
      if (data[pos] == '\n' || (pos + 1 < size && data[pos + 1] == '\n')) canonical = false;
      ++pos;
    } else {
      canonical = false;
    }
    uint32_t count = static_cast<uint32_t>(m.pieces_.size()) - first_piece;
    if (count == 1) {
      bool blank = true;
      for (size_t i = begin; i < end && blank; ++i) blank = is_blank(data[i]);
      if (blank) {  // B2: an empty or whitespace-only line is not a segment
        m.pieces_.pop_back();
        canonical = false;
        continue;
      }
    }
    if (m.segments_.size() >= options.max_segments) {
      return fail(make_error(error_code::other,
                             "more than " + std::to_string(options.max_segments) + " segments",
                             m.segments_.size() + 1, "", 0, begin));
    }
    Segment seg{static_cast<uint32_t>(begin), static_cast<uint32_t>(end), first_piece, count};
    seg.header = m.is_header(seg);
    m.segments_.push_back(seg);
  }
  m.canonical_ = canonical;

  // G2: MSH-9 (message type) is required to route and to acknowledge.
  auto msh9 = m.piece(0, 9);
  if (!msh9 || msh9->empty()) {
    const Segment& msh = m.segments_[0];
    size_t at = msh9 ? static_cast<size_t>(msh9->data() - data) : msh.end;
    return fail(make_error(error_code::required_field_missing, "MSH-9 (message type) is missing", 1,
                           "MSH", 9, at));
  }

  // F1-F4: MSH-18 repetition 1 and the listener's default.
  std::string_view declared;
  if (auto msh18 = m.piece(0, 18)) {
    declared = nth_piece(*msh18, d.repetition, 1).value_or("");
    declared = nth_piece(declared, d.component, 1).value_or("");
  }
  m.charset_ = resolve_charset(declared, options.default_charset, raw);
  return m;
}

const std::string& Message::raw() const { return raw_; }
const Delimiters& Message::delimiters() const { return delims_; }
std::string_view Message::charset() const { return charset_; }
size_t Message::segment_count() const { return segments_.size(); }
bool Message::modified() const { return modified_; }

std::string_view Message::text_of(const Segment& s) const {
  const std::string& src = s.owned >= 0 ? owned_[s.owned] : raw_;
  return std::string_view(src).substr(s.begin, s.end - s.begin);
}

std::string_view Message::segment_text(size_t index) const {
  if (index >= segments_.size()) return {};
  return text_of(segments_[index]);
}

std::string_view Message::id_of(const Segment& s) const {
  std::string_view text = text_of(s);
  if (s.piece_count < 2) return text;
  return text.substr(0, pieces_[s.first_piece + 1] - 1);
}

bool Message::is_header(const Segment& s) const { return delimiter_defining(id_of(s)); }

std::string_view Message::segment_id(size_t index) const {
  if (index >= segments_.size()) return {};
  return id_of(segments_[index]);
}

std::optional<size_t> Message::find_segment(std::string_view id, int occurrence) const {
  int seen = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (id_of(segments_[i]) == id && ++seen == occurrence) return i;
  }
  return std::nullopt;
}

// The k-th piece of a segment split at the field separator, with C1's MSH shift applied:
// field f of MSH/FHS/BHS is piece f-1 (f >= 2) and field 1 is the separator character itself.
std::optional<std::string_view> Message::piece(size_t segment_index, int field) const {
  if (segment_index >= segments_.size() || field < 1) return std::nullopt;
  const Segment& s = segments_[segment_index];
  std::string_view text = text_of(s);
  size_t k = static_cast<size_t>(field);
  if (s.header) {
    if (field == 1) {
      if (text.size() < 4) return std::nullopt;
      return text.substr(3, 1);
    }
    k = field - 1;
  }
  if (k >= s.piece_count) return std::nullopt;
  size_t start = pieces_[s.first_piece + k];
  size_t end = k + 1 < s.piece_count ? pieces_[s.first_piece + k + 1] - 1 : text.size();
  return text.substr(start, end - start);
}

std::optional<std::string_view> Message::field_raw(size_t segment_index, int field) const {
  return piece(segment_index, field);
}

size_t Message::field_count(size_t segment_index) const {
  if (segment_index >= segments_.size()) return 0;
  const Segment& s = segments_[segment_index];
  if (s.header) {
    return text_of(s).size() > 3 ? s.piece_count : 0;
  }
  return s.piece_count - 1;
}

std::optional<std::string_view> Message::locate(const Path& p) const {
  auto seg = find_segment(p.segment, p.occurrence);
  if (!seg) return std::nullopt;
  auto field = piece(*seg, p.field);
  if (!field) return std::nullopt;
  if (delimiter_defining(p.segment) && p.field <= 2) {  // C2: MSH-1/MSH-2 are never split
    if (p.repetition > 1 || p.component > 1 || p.subcomponent > 1) return std::nullopt;
    return field;
  }
  auto rep = nth_piece(*field, delims_.repetition, p.repetition > 0 ? p.repetition : 1);
  if (!rep || p.component == 0) return rep;
  auto comp = nth_piece(*rep, delims_.component, p.component);
  if (!comp || p.subcomponent == 0) return comp;
  return nth_piece(*comp, delims_.subcomponent, p.subcomponent);
}

size_t Message::repetition_count(const Path& p) const {
  auto seg = find_segment(p.segment, p.occurrence);
  if (!seg) return 0;
  auto field = piece(*seg, p.field);
  if (!field || field->empty()) return 0;
  if (delimiter_defining(p.segment) && p.field <= 2) return 1;
  size_t n = 1;
  for (char c : *field) n += c == delims_.repetition;
  return n;
}

ValueState Message::state(const Path& p) const {
  auto v = locate(p);
  if (!v) return ValueState::absent;
  if (v->empty()) return ValueState::empty;
  if (*v == kNull) return ValueState::null;
  return ValueState::value;
}

std::optional<std::string_view> Message::get_raw(const Path& p) const { return locate(p); }

std::string Message::decode(std::string_view wire) const {
  if (wire == kNull) return {};
  std::string text = needs_unescape(wire, delims_) ? unescape(wire, delims_) : std::string(wire);
  if (is_ascii(text) || (charset_ == kUtf8 && is_valid_utf8(text))) return text;
  return to_utf8(text, charset_);
}

std::string Message::get(const Path& p) const {
  auto v = locate(p);
  if (!v) return {};
  if (delimiter_defining(p.segment) && p.field <= 2) return std::string(*v);  // C2, E7
  return decode(*v);
}

Header Message::header() const {
  Header h;
  auto whole = [&](int field) { return std::string(piece(0, field).value_or("")); };
  auto value = [&](int field, int component) {
    return get(Path{"MSH", 1, field, 0, component, 0});
  };
  h.sending_application = whole(3);
  h.sending_facility = whole(4);
  h.receiving_application = whole(5);
  h.receiving_facility = whole(6);
  h.message_time = value(7, 1);
  h.message_type = value(9, 1);
  h.trigger_event = value(9, 2);
  h.structure = value(9, 3);
  h.control_id = whole(10);
  h.processing_id = value(11, 1);
  h.version = value(12, 1);
  h.sequence_number = value(13, 0);
  h.accept_ack_type = value(15, 0);
  h.app_ack_type = value(16, 0);
  h.charset = value(18, 0);
  return h;
}

std::vector<PatientIdentifier> Message::patient_identifiers() const {
  std::vector<PatientIdentifier> out;
  auto pid = find_segment("PID");
  if (!pid) return out;
  auto field = piece(*pid, 3);
  if (!field || field->empty()) return out;
  for (std::string_view rep : split(*field, delims_.repetition)) {
    auto part = [&](int component) {
      auto c = nth_piece(rep, delims_.component, component);
      return c ? decode(nth_piece(*c, delims_.subcomponent, 1).value_or("")) : std::string();
    };
    PatientIdentifier id{part(1), part(4), part(5)};
    if (!id.id.empty()) out.push_back(std::move(id));
  }
  return out;
}

std::string Message::nhs_number() const {
  auto pid = find_segment("PID");
  if (!pid) return {};
  auto field = piece(*pid, 3);
  if (!field) return {};
  for (std::string_view rep : split(*field, delims_.repetition)) {
    std::string_view authority = nth_piece(rep, delims_.component, 4).value_or("");
    std::string_view type = nth_piece(rep, delims_.component, 5).value_or("");
    std::string_view namespace_id = nth_piece(authority, delims_.subcomponent, 1).value_or("");
    std::string_view universal_id = nth_piece(authority, delims_.subcomponent, 2).value_or("");
    if (type != "NH" && namespace_id != "NHS" && namespace_id != kNhsOid &&
        universal_id != kNhsOid) {
      continue;
    }
    std::string id = decode(nth_piece(rep, delims_.component, 1).value_or(""));
    std::string digits;
    for (char c : id) {
      if (c != ' ' && c != '-') digits.push_back(c);
    }
    if (is_valid_nhs_number(digits)) return digits;  // "999 000 0018" -> "9990000018"
    if (!id.empty()) return id;
  }
  return {};
}

// ---- writes ----

void Message::index_segment(Segment& s) {
  std::string_view text = text_of(s);
  s.first_piece = static_cast<uint32_t>(pieces_.size());
  pieces_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == delims_.field) pieces_.push_back(static_cast<uint32_t>(i + 1));
  }
  s.piece_count = static_cast<uint32_t>(pieces_.size()) - s.first_piece;
  s.header = is_header(s);
}

Status<> Message::write(const Path& p, std::string_view wire_text) {
  if (p.field < 1) return fail("path " + p.to_string() + ": no field number");
  auto seg = find_segment(p.segment, p.occurrence);
  if (!seg) return fail("path " + p.to_string() + ": the message has no such segment");
  bool header = delimiter_defining(p.segment);
  if (header && p.field <= 2) {
    return fail("path " + p.to_string() + ": MSH-1 and MSH-2 hold the delimiters; not writable");
  }
  std::string_view field = piece(*seg, p.field).value_or("");
  std::string new_field;
  if (p.repetition == 0 && p.component == 0) {
    new_field = std::string(wire_text);
  } else {
    int r = p.repetition > 0 ? p.repetition : 1;
    std::string_view rep = nth_piece(field, delims_.repetition, r).value_or("");
    std::string new_rep;
    if (p.component == 0) {
      new_rep = std::string(wire_text);
    } else {
      std::string_view comp = nth_piece(rep, delims_.component, p.component).value_or("");
      std::string new_comp = p.subcomponent == 0 ? std::string(wire_text)
                                                 : replace_piece(comp, delims_.subcomponent,
                                                                 p.subcomponent, wire_text);
      new_rep = replace_piece(rep, delims_.component, p.component, new_comp);
    }
    new_field = replace_piece(field, delims_.repetition, r, new_rep);
  }
  // Piece index (1-based for replace_piece) of the field in the segment text: the segment ID is
  // piece 1; MSH-f is piece f (C1), other segments' field f is piece f+1.
  Segment& s = segments_[*seg];
  int n = header ? p.field : p.field + 1;
  std::string text = replace_piece(text_of(s), delims_.field, n, new_field, header ? 2 : 1);
  if (s.owned < 0) {
    s.owned = static_cast<int32_t>(owned_.size());
    owned_.push_back(std::move(text));
  } else {
    owned_[s.owned] = std::move(text);
  }
  s.begin = 0;
  s.end = static_cast<uint32_t>(owned_[s.owned].size());
  index_segment(s);
  modified_ = true;
  return ok();
}

Status<> Message::set(const Path& p, std::string_view value) {
  return write(p, escape(from_utf8(value, charset_), delims_));
}

Status<> Message::set_raw(const Path& p, std::string_view wire_text) { return write(p, wire_text); }

Status<> Message::set_null(const Path& p) { return write(p, kNull); }

void Message::clear(const Path& p) { (void)write(p, ""); }

void Message::remove_segment(size_t index) {
  if (index >= segments_.size()) return;
  segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(index));
  modified_ = true;
}

void Message::insert_segment(size_t before_index, std::string_view segment_wire_text) {
  while (!segment_wire_text.empty() && is_line_end(segment_wire_text.back())) {
    segment_wire_text.remove_suffix(1);
  }
  Segment s;
  s.owned = static_cast<int32_t>(owned_.size());
  owned_.emplace_back(segment_wire_text);
  s.end = static_cast<uint32_t>(segment_wire_text.size());
  index_segment(s);
  if (before_index > segments_.size()) before_index = segments_.size();
  segments_.insert(segments_.begin() + static_cast<std::ptrdiff_t>(before_index), s);
  modified_ = true;
}

std::string Message::encode() const {
  if (canonical_ && !modified_) return raw_;
  size_t total = 0;
  for (const Segment& s : segments_) total += s.end - s.begin + 1;
  std::string out;
  out.reserve(total);
  for (const Segment& s : segments_) {
    out.append(text_of(s));
    out.push_back('\r');
  }
  return out;
}

std::string Message::encode(const Delimiters& to) const {
  if (to == delims_ || !to.valid()) return encode();
  const Delimiters& from = delims_;
  std::string out;
  out.reserve(raw_.size() + raw_.size() / 8);
  // Each level is split with the old separator and joined with the new one; leaves re-escaped.
  auto level = [&](auto&& self, std::string_view text, int depth) -> void {
    const char seps_from[] = {from.repetition, from.component, from.subcomponent};
    const char seps_to[] = {to.repetition, to.component, to.subcomponent};
    if (depth == 3) {
      out += reescape(text, from, to);
      return;
    }
    bool first = true;
    for (std::string_view part : split(text, seps_from[depth])) {
      if (!first) out.push_back(seps_to[depth]);
      first = false;
      self(self, part, depth + 1);
    }
  };
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    out.append(id_of(s));
    size_t fields = field_count(i);
    int f = 1;
    if (s.header && fields >= 2) {
      out.push_back(to.field);
      out += to.encoding_characters();
      f = 3;
    }
    for (; f <= static_cast<int>(fields); ++f) {
      out.push_back(to.field);
      level(level, piece(i, f).value_or(""), 0);
    }
    out.push_back('\r');
  }
  return out;
}

}  // namespace irwell::hl7
