#pragma once
// Query strings of the admin API: percent-decoding, key=value splitting, and the parameters of
// the message search and the audit log (SPEC.md "Admin HTTP API").
//
// Contract: pure functions over text. Bad input is a value: Err with a message fit for the JSON
// error of a 400 (it names the parameter and what is allowed). Unknown parameters are refused,
// so a typo (`contol_id=`) is a 400 rather than a search that silently matches everything.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/clock.h"
#include "engine/core/result.h"
#include "engine/store/message_store.h"

namespace irwell::admin {

// %XX and '+' decoded; nullopt for a malformed %-escape.
std::optional<std::string> url_decode(std::string_view s);
// "a=1&b=x%20y" -> {a:1, b:"x y"}; a repeated key keeps the last value. Err on a bad escape.
Result<std::map<std::string, std::string>> parse_query(std::string_view query);

// ISO 8601 (`2026-11-25`, `2026-11-25T10:00:00`, with `.fff` fractions and `Z` or `+01:00`; no
// offset means UTC) or milliseconds since the Unix epoch (all digits).
std::optional<TimePoint> parse_time(std::string_view text);
// UTC ISO 8601 with milliseconds: 2026-11-25T10:00:00.123Z.
std::string format_time(TimePoint t);

// A positive integer (paging cursors, ids); nullopt otherwise.
std::optional<int64_t> parse_id(std::string_view text);

// control_id, patient, type (`ADT^A01` or `ADT`), status, source, destination, since, until,
// limit (1..1000), cursor (the next_cursor of the previous page).
Result<store::MessageQuery> parse_message_query(const std::map<std::string, std::string>& params);
// actor, action, target, since, until, limit (1..1000), cursor.
Result<store::AuditQuery> parse_audit_query(const std::map<std::string, std::string>& params);

}  // namespace irwell::admin
