#pragma once
// DateTime: a calendar date and time read from text with a pattern, written with another one. The
// engine of the `format_date` transform, kept apart so it is tested on its own.
//
// Contract: pure functions on values, never throw. A pattern is either a strftime-like string or
// one of two names:
//   "hl7"      HL7 DTM/TS: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ] (D7). Reading keeps the
//              precision given; writing writes exactly the precision that was read.
//   "iso8601"  YYYY[-MM[-DD[THH:MM[:SS[.fff]]]]][Z|+hh:mm], precision as for "hl7".
// Pattern directives (anything else is literal text that must match exactly):
//   %Y four-digit year   %y two-digit year (00-68 -> 20xx, 69-99 -> 19xx, as POSIX)
//   %m month  %d day  %H hour (00-23)  %M minute  %S second: on reading one or two digits (so
//   1/2/2023 and 01/02/2023 both read with %d/%m/%Y); on writing always two
//   %b month abbreviation (Jan), %B full month name (January); reading is case-insensitive
//   %f fraction of a second (digits as read)   %z offset +hhmm (reads Z, +hh, +hhmm, +hh:mm)
//   %:z offset +hh:mm    %% a literal %
// Reading must consume the whole text (surrounding spaces ignored) and checks the calendar
// (month 1-12, the day exists in that month and year, hour < 24, minute and second < 60).
// Writing fails when the pattern needs a part the value lacks (a time from a date-only value);
// %z/%:z write nothing when the value has no offset (an offset is optional in HL7).
// Errors are a sentence for the operator (no patient data: the value is not quoted).
#include <string>
#include <string_view>

#include "engine/core/result.h"

namespace irwell::transforms {

struct DateTime {
  // How much of the value is known, from the year down to the fraction of a second.
  enum class Precision { year, month, day, hour, minute, second, fraction };

  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  std::string fraction;     // digits after the decimal point, as read ("" = none)
  bool has_offset = false;  // an offset was given
  int offset_minutes = 0;   // east of UTC
  Precision precision = Precision::day;

  static Result<DateTime> read(std::string_view text, std::string_view pattern);
  Result<std::string> write(std::string_view pattern) const;
};

// True when `pattern` is "hl7", "iso8601" or a strftime-like pattern whose directives are all
// known; otherwise false with the reason in `why`.
bool valid_date_pattern(std::string_view pattern, std::string& why);

}  // namespace irwell::transforms
