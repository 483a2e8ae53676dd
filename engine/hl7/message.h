#pragma once
// Message: one parsed HL7 v2 message (ER7, "pipe" encoding), read lazily from its raw bytes.
//
// Contract
// - parse() never throws and never fails on content it does not expect (D2: "ignore what you
//   don't expect"); it fails only when the message cannot be read at all (see ParseError codes):
//     100  the first non-blank segment is not MSH (B8), or the input is empty/blank;
//     101  MSH-2 is absent or empty (`MSH||`, `MSH|`), or MSH-9 is absent or empty (G2);
//     102  MSH-1 is missing, CR/LF, a letter, digit or space; or MSH-2 is unusable: repeated
//          or alphanumeric characters, or more than 5 characters (C4, C6; e.g. `^~\\&`);
//     199  more than ParseOptions::max_segments segments, or input of 4 GiB or more.
//   Everything else parses: malformed segment IDs (B5), junk lines (B6, B7), odd MSH-7/11/12
//   (D7, G1, G3), missing PID...
// - Input (B1-B3): CR, LF, CRLF and mixed terminators; a UTF-8 BOM and CR/LF/space/tab before
//   MSH are skipped; blank or whitespace-only lines are skipped and not counted as segments.
// - Delimiters (C1-C5): from the message's own MSH-1/MSH-2. MSH-2 of 1-3 characters is filled
//   with the defaults for the missing positions (legacy `^~\` -> `^~\&`), unless a default
//   would repeat a character already used (then 102); a 5th character is the v2.7 truncation
//   character (data everywhere else, C5).
//   MSH-1 is the field separator itself and MSH-2 is never split or unescaped: get(MSH-2)
//   returns the encoding characters as written, and any component/repetition > 1 of MSH-1 or
//   MSH-2 is absent.
// - Values (D1, D3, D4): state() tells absent (not there at all), empty (present, zero length),
//   null (exactly `""`) and value apart. get() unescapes (E1-E7) and decodes to UTF-8 with
//   charset(); get_raw() gives the wire text. A field that is present but empty has
//   repetition_count() 0; `a~~b` has 3. Splitting is by position: in `A^B` component 3 is
//   absent, in an empty field component 1 is empty and component 2 absent.
// - Charset (F1-F4): resolve_charset(MSH-18[1], ParseOptions::default_charset, bytes); in short,
//   an empty MSH-18 means valid UTF-8 stays UTF-8 and anything else is read as 8859/1, unless the
//   listener gives a default. raw() always keeps the original bytes (F3: byte-exact forwarding).
// - Writes (transforms): set()/set_raw()/set_null()/clear() change one field, repetition,
//   component or subcomponent of an EXISTING segment (error if the segment occurrence is missing,
//   or the path is MSH-1/MSH-2), padding with separators as needed. With repetition 0 and no
//   component the whole field (every repetition) is replaced; with a component and repetition 0,
//   repetition 1 is changed. Writing an empty value to the last item of a level drops the trailing
//   empty items of that level (D1: `A^B^` == `A^B`). A written segment becomes an owned string and
//   only that segment is re-indexed. remove_segment()/insert_segment() ignore out-of-range
//   indexes (insert past the end appends). Views returned by get_raw()/segment_id()/... are
//   invalidated by any write.
// - encode(): segments joined and each terminated by CR, with the message's own delimiters. For
//   an unmodified message whose segments all end in a single CR with no BOM, leading whitespace
//   or blank lines, encode() == raw() byte for byte (K5); otherwise only those are normalised.
// - Thread-safety: const members may be called concurrently; writes need exclusive access.
//   Message is a value: copyable and cheap to move.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.h"
#include "engine/hl7/delimiters.h"
#include "engine/hl7/parse_error.h"
#include "engine/hl7/path.h"
#include "engine/hl7/patient_identifier.h"

namespace irwell::hl7 {

enum class ValueState { absent, empty, null, value };  // absent / `||` / `""` / data

struct ParseOptions {
  std::string default_charset;  // used when MSH-18 is empty; "" = auto (see charset.h)
  size_t max_segments = 100000;
};

// Decoded (unescaped, UTF-8) MSH fields, "" when absent. MSH-3..6 are the whole field's wire
// text (components and OIDs kept, e.g. `LAB^1.2.3^ISO`) so they can be swapped into an ACK and
// compared as keys; the rest are decoded values of the component named.
struct Header {
  std::string sending_application, sending_facility;      // MSH-3, MSH-4 (wire text)
  std::string receiving_application, receiving_facility;  // MSH-5, MSH-6 (wire text)
  std::string message_time;                               // MSH-7.1
  std::string message_type;                               // MSH-9.1
  std::string trigger_event;                              // MSH-9.2
  std::string structure;                                  // MSH-9.3
  std::string control_id;                                 // MSH-10, verbatim wire text (H5)
  std::string processing_id;                              // MSH-11.1
  std::string version;                                    // MSH-12.1
  std::string sequence_number;                            // MSH-13
  std::string accept_ack_type;                            // MSH-15
  std::string app_ack_type;                               // MSH-16
  std::string charset;                                    // MSH-18[1]
};

class Message {
 public:
  static Result<Message, ParseError> parse(std::string_view bytes, const ParseOptions& = {});

  const std::string& raw() const;  // exactly the bytes given to parse()
  const Delimiters& delimiters() const;
  std::string_view charset() const;  // resolved: "ASCII", "8859/1", "UNICODE UTF-8"...

  size_t segment_count() const;
  std::string_view segment_id(size_t index) const;  // 0-based
  std::optional<size_t> find_segment(std::string_view id, int occurrence = 1) const;
  size_t field_count(size_t segment_index) const;  // for MSH counts MSH-1 and MSH-2

  size_t repetition_count(const Path& p) const;  // of the field p addresses (0 if absent)
  ValueState state(const Path& p) const;
  std::string get(const Path& p) const;  // unescaped + decoded to UTF-8; "" if absent/empty/null
  std::optional<std::string_view> get_raw(const Path& p) const;  // wire text; nullopt if absent

  Header header() const;
  // Every PID-3 repetition (first PID) with a non-empty CX.1, in order.
  std::vector<PatientIdentifier> patient_identifiers() const;
  // The first PID-3 repetition with type NH, or authority NHS or the NHS number OID
  // 2.16.840.1.113883.2.1.4.1 (CX.4.1 or CX.4.2); spaces/dashes removed when that gives a valid
  // NHS number ("999 000 0018" -> "9990000018"); "" when there is none.
  std::string nhs_number() const;

  // Index-based access, for walking every segment (inspect, transforms).
  std::string_view segment_text(size_t index) const;  // wire text without terminator
  // Wire text of field `field` (HL7 numbering; MSH-1 is the separator) of a segment.
  std::optional<std::string_view> field_raw(size_t segment_index, int field) const;
  // Unescapes wire text with this message's delimiters and decodes it with charset().
  std::string decode(std::string_view wire) const;

  // Writes (for transforms). Values are UTF-8 text, escaped on write against delimiters().
  Status<> set(const Path& p, std::string_view value);
  Status<> set_raw(const Path& p, std::string_view wire_text);  // already escaped
  Status<> set_null(const Path& p);                             // writes ""
  void clear(const Path& p);                                    // makes it empty
  void remove_segment(size_t index);
  void insert_segment(size_t before_index, std::string_view segment_wire_text);
  bool modified() const;

  std::string encode() const;
  // The message written with other delimiters (E8, C3: a route's outbound MSH-1/MSH-2): every
  // value is re-escaped with reescape(), MSH-1/MSH-2 are the new ones. `d` must be valid();
  // otherwise, or when `d` equals delimiters(), this is encode().
  std::string encode(const Delimiters& d) const;

 private:
  struct Segment {
    uint32_t begin = 0;        // offset of the text in raw_ or, if owned >= 0, in owned_[owned]
    uint32_t end = 0;          // one past the last byte (terminator excluded)
    uint32_t first_piece = 0;  // index in pieces_ of this segment's first piece start
    uint32_t piece_count = 0;  // pieces split at the field separator (the ID is piece 0)
    int32_t owned = -1;        // -1: text is in raw_
    bool header = false;       // MSH, FHS or BHS: field 1 is the separator (C1)
  };

  std::string_view text_of(const Segment& s) const;
  std::string_view id_of(const Segment& s) const;
  bool is_header(const Segment& s) const;
  std::optional<std::string_view> piece(size_t segment_index, int field) const;
  std::optional<std::string_view> locate(const Path& p) const;
  void index_segment(Segment& s);
  Status<> write(const Path& p, std::string_view wire_text);

  std::string raw_;
  Delimiters delims_;
  std::string charset_;
  std::vector<Segment> segments_;
  std::vector<uint32_t> pieces_;  // start offsets of pieces within their segment text
  std::vector<std::string> owned_;
  bool canonical_ = false;  // raw_ is already what encode() would produce
  bool modified_ = false;
};

}  // namespace irwell::hl7
