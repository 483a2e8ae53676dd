#pragma once
// HL7 TS/DTM values (`YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]`, HL7-EDGE-CASES D7) read as
// points in time, for ordering events and printing them.
//
// Contract: pure, never throws. parse_hl7_time() gives microseconds since the Unix epoch in UTC
// (an offset is applied; a value without one is taken as UTC, which keeps the order of values
// from one sender), or nullopt for text that is not a TS (empty, letters, month 13...). Missing
// trailing parts are their lowest value. iso_time() prints a TS as ISO 8601 with the precision
// and offset it was sent with (`20261126093000+0100` -> `2026-11-26T09:30:00+01:00`) and
// returns anything it cannot read unchanged.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace irwell::record {

std::optional<int64_t> parse_hl7_time(std::string_view ts);
std::string iso_time(std::string_view ts);

}  // namespace irwell::record
