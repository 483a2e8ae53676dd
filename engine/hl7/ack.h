#pragma once
// HL7 acknowledgements: building the ACK for an inbound message, choosing the acknowledgement
// mode, generating control IDs, and reading the MSA/ERR of a reply (HL7-EDGE-CASES H1-H10).
//
// Contract: pure functions over a SalvagedHeader, so an ACK can be built even for a message the
// parser rejected (H7). Thread-safe (ControlIdGenerator uses a mutex). Never throws on input.
//
// build_ack writes, CR-terminated, unframed, trailing empty fields omitted:
//   MSH  MSH-1/2 = the inbound delimiters (MSH-2 verbatim, truncation char included);
//        MSH-3/4 = inbound MSH-5/6 and MSH-5/6 = inbound MSH-3/4, whole fields (H4);
//        MSH-7 = req.timestamp; MSH-9 = `ACK^<event>^ACK`, or `ACK^<event>` when
//        req.add_structure is false or the inbound version predates MSH-9.3 (below 2.3.1);
//        MSH-10 = req.control_id; MSH-11, MSH-12 = inbound; MSH-15/16 empty (ACKs are not
//        acknowledged); MSH-18 = inbound MSH-18.
//   MSA  MSA-1 = code; MSA-2 = inbound MSH-10 verbatim, empty when unknown (H5); MSA-3 =
//        req.text, or for versions below 2.5 the first error's text when req.text is empty
//        (those receivers show MSA-3, as HAPI does).
//   ERR  one segment per error (H6). Inbound version below 2.5:
//          `ERR|seg^seq^field^code&text&HL70357`
//        2.5 and later, and also a blank or unrecognised version (the 2.5 layout leaves ERR-1
//        empty, which older parsers accept):
//          `ERR||seg^seq^field^rep^comp^subcomp|code^text^HL70357|severity|||||user_message`
//        An error with an empty `segment` has no location. An empty `text` is replaced by the
//        table 0357 description of `code`.
// All text (MSA-3, error texts) is escaped against the inbound delimiters: \F\ \S\ \T\ \R\ \E\ for
// the delimiters, \X0D\ and \X0A\ for CR and LF. Raw inbound fields are copied as they are: they
// are already encoded with those delimiters. When no MSH was found (B8) the ACK uses `|^~\&`, an
// empty MSA-2, MSH-11 `P` and MSH-12 `2.5.1` (so the 2.5 ERR layout it carries is declared).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hl7/salvage.h"

namespace irwell::hl7 {

enum class AckCode { AA, AE, AR, CA, CE, CR };
std::string_view to_string(AckCode code);

struct AckError {
  int code = 207;  // HL7 table 0357 (100 segment sequence, 101 required field missing, ...)
  std::string text;
  char severity = 'E';  // table 0516: E, W, I (2.5+ only)
  std::string segment;  // e.g. "MSH"; empty = no location
  int sequence = 1;
  int field = 0;
  int repetition = 0;
  int component = 0;
  int subcomponent = 0;
  std::string user_message;  // ERR-8 (2.5+ only), optional
};

// An error at SEG-field (sequence 1), or with no location when `segment` is empty.
AckError ack_error(int code, std::string text = {}, std::string segment = {}, int field = 0);

struct AckRequest {
  AckCode code = AckCode::AA;
  std::string control_id;        // MSH-10 of the ACK (new, unique; see ControlIdGenerator)
  std::string timestamp;         // MSH-7, e.g. "20261125103000.123+0000"
  std::vector<AckError> errors;  // one ERR segment each
  std::string text;              // MSA-3 (optional)
  bool add_structure = true;     // MSH-9.3 "ACK", written only when the version has it (H4)
};

std::string build_ack(const SalvagedHeader& inbound, const AckRequest& req);

// The table 0357 description of an error code ("Required field missing"), or
// "Application internal error" for codes it does not know.
std::string_view error_code_text(int code);

// True when the version string (MSH-12 raw, components allowed: `2.5^DEU&&HL70399`) is a
// v2.x version at or above major.minor[.patch]. Blank or unrecognised versions return nullopt.
std::optional<bool> version_at_least(std::string_view version, int major, int minor, int patch = 0);

// YYYYMMDDHHMMSS.sss+ZZZZ: `t` in the zone `utc_offset_minutes` east of UTC (D7: always with an
// offset, never a bare local or UTC time).
std::string format_hl7_timestamp(std::chrono::system_clock::time_point t,
                                 int utc_offset_minutes = 0);

// New MSH-10 values: prefix + 8 base-36 digits of milliseconds since 1970 + 2 base-36 digits of
// a counter within that millisecond, e.g. "IRWMFXK2Z1A00" (13 characters with "IRW", under the
// 20-character ST limit of v2.5). Unique within a process run because (ms, counter) only grows:
// a clock that steps back is ignored and more than 1296 IDs in one ms borrow the next ms. Unique
// across restarts as long as the clock does not step back past the previous run's last ID.
// Thread-safe.
class ControlIdGenerator {
 public:
  explicit ControlIdGenerator(std::string prefix = "IRW");
  std::string next(std::chrono::system_clock::time_point now);

 private:
  std::string prefix_;
  std::mutex mu_;
  int64_t last_ms_ = -1;
  int counter_ = 0;
};

// Acknowledgement mode (H1): original when MSH-15 and MSH-16 are both empty, else enhanced.
enum class AckMode { original, enhanced };
AckMode ack_mode_of(const SalvagedHeader& h);
// Table 0155 (H3): AL always, NE never, ER only when not accepted, SU only when accepted.
// Empty or invalid values count as AL (H1). Case-insensitive; surrounding spaces ignored.
bool should_send_accept_ack(std::string_view msh15, bool accepted);
bool should_send_app_ack(std::string_view msh16, bool accepted);

// Reading a reply (sender side): the MSA of an ACK payload, split with the reply's own
// delimiters. code/control_id are MSA-1/MSA-2 raw (compare control_id with the raw MSH-10 that
// was sent); text is MSA-3 unescaped; errors holds one readable line per ERR segment (per ERR-1
// repetition in the pre-2.5 layout), e.g. "101 required field missing at PID-5: Patient name is
// required" (the text after the colon is ERR-8, or ERR-7 when ERR-8 is empty), with
// " (severity W)" for warnings. nullopt: no MSA segment.
struct AckReply {
  std::string code;
  std::string control_id;
  std::string text;
  std::vector<std::string> errors;
};
std::optional<AckReply> read_ack(std::string_view payload);

}  // namespace irwell::hl7
