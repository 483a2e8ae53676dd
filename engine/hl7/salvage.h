#pragma once
// salvage_header: what can be read from the MSH prefix of any bytes, even a message the parser
// rejects, so that it can still be acknowledged (HL7-EDGE-CASES H7, B3, B8, C1-C4, C6).
//
// Contract: pure, thread-safe, never fails and never throws; reads only the MSH segment (it
// does not depend on the HL7 parser). Rules:
// - A UTF-8 BOM and leading whitespace (CR, LF, space, tab) are skipped (B3). Leading FHS/BHS
//   segments are skipped so a batch yields its first MSH (J1); any other first segment means
//   found_msh = false (B8). A segment ends at CR or LF (B1); a truncated MSH is read as far as
//   it goes.
// - found_msh needs "MSH" and a field separator that is printable ASCII, not alphanumeric
//   (C6). Otherwise every value stays at its default (`|`, `^~\&`, empty strings).
// - encoding_chars is MSH-2 verbatim when it is 1 to 5 printable, non-alphanumeric, distinct
//   characters other than the field separator (the 5th is the v2.7 truncation character, C5);
//   a short MSH-2 is completed with the default characters for the missing positions (C4), and
//   an empty or invalid one (`^~\\&`, letters, duplicates) is replaced by `^~\&`
//   (encoding_chars_replaced = true; a default equal to the field separator becomes a spare
//   symbol, e.g. `MSH^` gets `|~\&`). Field positions are never shifted to guess a missing MSH-2.
// - Every other value is the raw wire text of its field (not unescaped, components kept), so
//   that it can be echoed into an ACK written with the same delimiters (H4, H5).
#include <string>
#include <string_view>

#include "engine/hl7/delimiters.h"

namespace irwell::hl7 {

struct SalvagedHeader {
  bool found_msh = false;
  char field = '|';
  std::string encoding_chars = "^~\\&";
  bool encoding_chars_replaced = false;  // MSH-2 was empty, short or invalid: defaults used
  // Raw wire fields MSH-3..6 (whole HD with subcomponents).
  std::string sending_application, sending_facility, receiving_application, receiving_facility;
  std::string datetime;                       // MSH-7 raw
  std::string message_type;                   // MSH-9 raw
  std::string message_code;                   // MSH-9.1
  std::string trigger_event;                  // MSH-9.2
  std::string control_id;                     // MSH-10 verbatim
  std::string processing_id;                  // MSH-11 raw
  std::string version;                        // MSH-12 raw
  std::string sequence_number;                // MSH-13 raw
  std::string accept_ack_type, app_ack_type;  // MSH-15, MSH-16
  std::string charset;                        // MSH-18 raw

  // The delimiters of encoding_chars by position (always present after salvage).
  char component() const { return encoding_chars[0]; }
  char repetition() const { return encoding_chars[1]; }
  char escape() const { return encoding_chars[2]; }
  char subcomponent() const { return encoding_chars[3]; }
  // MSH-1 and MSH-2 as Delimiters (positions missing from a hand-built header get defaults).
  Delimiters delimiters() const;
};

SalvagedHeader salvage_header(std::string_view bytes);

}  // namespace irwell::hl7
