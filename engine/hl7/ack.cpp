#include "engine/hl7/ack.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "engine/hl7/escape.h"

namespace irwell::hl7 {
namespace {

// Joins values with a separator, leaving out trailing empty values (D1).
std::string join_trimmed(const std::vector<std::string>& values, char sep) {
  size_t n = values.size();
  while (n > 0 && values[n - 1].empty()) --n;
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += sep;
    out += values[i];
  }
  return out;
}

std::string number_or_empty(int n) { return n > 0 ? std::to_string(n) : std::string(); }

std::string_view piece(const std::vector<std::string_view>& parts, size_t i) {
  return i < parts.size() ? parts[i] : std::string_view();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One segment: the segment ID followed by fields 1..n.
std::string segment(std::string_view id, std::vector<std::string> fields, char sep) {
  std::string out(id);
  std::string rest = join_trimmed(fields, sep);
  if (!rest.empty()) {
    out += sep;
    out += rest;
  }
  out += '\r';
  return out;
}

// ERR for versions before 2.5: ERR-1 `seg^seq^field^code&text&HL70357` (H6).
std::string err_v2_4(const AckError& e, const Delimiters& d) {
  std::string code = std::to_string(e.code);
  code += d.subcomponent;
  code += escape(e.text.empty() ? error_code_text(e.code) : e.text, d);
  code += d.subcomponent;
  code += "HL70357";
  const bool located = !e.segment.empty();
  std::string err1 =
      join_trimmed({located ? escape(e.segment, d) : "", located ? std::to_string(e.sequence) : "",
                    located ? number_or_empty(e.field) : "", code},
                   d.component);
  return segment("ERR", {err1}, d.field);
}

// ERR for 2.5 and later: ERR-2 location, ERR-3 code, ERR-4 severity, ERR-8 user message (H6).
std::string err_v2_5(const AckError& e, const Delimiters& d) {
  std::string location;
  if (!e.segment.empty()) {
    location = join_trimmed({escape(e.segment, d), std::to_string(e.sequence),
                             number_or_empty(e.field), number_or_empty(e.repetition),
                             number_or_empty(e.component), number_or_empty(e.subcomponent)},
                            d.component);
  }
  std::string code =
      join_trimmed({std::to_string(e.code),
                    escape(e.text.empty() ? error_code_text(e.code) : e.text, d), "HL70357"},
                   d.component);
  std::string severity(1, e.severity ? e.severity : 'E');
  return segment("ERR",
                 {"", location, code, escape(severity, d), "", "", "", escape(e.user_message, d)},
                 d.field);
}

std::string base36(int64_t value, size_t width) {
  static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string out;
  do {
    out += kDigits[value % 36];
    value /= 36;
  } while (value > 0);
  while (out.size() < width) out += '0';
  std::reverse(out.begin(), out.end());
  return out;
}

std::string upper_trimmed(std::string_view s) {
  std::string out(trim(s));
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool should_send(std::string_view condition, bool accepted) {
  const std::string c = upper_trimmed(condition);
  if (c == "NE") return false;
  if (c == "ER") return !accepted;
  if (c == "SU") return accepted;
  return true;  // AL, empty, or an invalid value (H1: treat as AL)
}

// "PID-5", "OBX[2]-5.1": where an ERR-2 / ERR-1 location points, in the SPEC path syntax.
std::string describe_location(std::string_view seg, std::string_view seq, std::string_view field,
                              std::string_view comp) {
  if (seg.empty()) return {};
  std::string out(seg);
  if (!seq.empty() && seq != "1") out += "[" + std::string(seq) + "]";
  if (!field.empty()) out += "-" + std::string(field);
  if (!field.empty() && !comp.empty()) out += "." + std::string(comp);
  return out;
}

std::string describe_error(std::string_view code, std::string_view text, std::string_view where,
                           std::string_view severity, std::string_view user_message) {
  std::string out(code);
  auto add = [&](std::string_view sep, std::string_view value) {
    if (value.empty()) return;
    if (!out.empty()) out += sep;
    out += value;
  };
  add(" ", text);
  if (!where.empty()) add(" ", "at " + std::string(where));
  if (!severity.empty() && severity != "E") add(" ", "(severity " + std::string(severity) + ")");
  add(": ", user_message);
  return out;
}

// The readable lines of one ERR segment (one per ERR-1 repetition in the pre-2.5 layout).
void read_err(std::string_view seg, const Delimiters& d, std::vector<std::string>& out) {
  std::vector<std::string_view> f = split(seg, d.field);
  std::string_view err3 = piece(f, 3);
  if (!err3.empty() || !piece(f, 2).empty()) {
    std::vector<std::string_view> loc = split(piece(f, 2), d.component);
    std::vector<std::string_view> code = split(err3, d.component);
    out.push_back(describe_error(
        unescape(piece(code, 0), d), unescape(piece(code, 1), d),
        describe_location(piece(loc, 0), piece(loc, 1), piece(loc, 2), piece(loc, 4)),
        trim(piece(f, 4)), unescape(trim(piece(f, 8).empty() ? piece(f, 7) : piece(f, 8)), d)));
    return;
  }
  const size_t before = out.size();
  for (std::string_view rep : split(piece(f, 1), d.repetition)) {
    std::vector<std::string_view> c = split(rep, d.component);
    std::vector<std::string_view> code = split(piece(c, 3), d.subcomponent);
    std::string line =
        describe_error(unescape(piece(code, 0), d), unescape(piece(code, 1), d),
                       describe_location(piece(c, 0), piece(c, 1), piece(c, 2), {}), {}, {});
    if (!line.empty()) out.push_back(std::move(line));
  }
  if (out.size() == before) out.push_back(std::string(seg));  // nothing readable: keep it raw
}

}  // namespace

std::string_view to_string(AckCode code) {
  switch (code) {
    case AckCode::AA:
      return "AA";
    case AckCode::AE:
      return "AE";
    case AckCode::AR:
      return "AR";
    case AckCode::CA:
      return "CA";
    case AckCode::CE:
      return "CE";
    case AckCode::CR:
      return "CR";
  }
  return "AE";
}

AckError ack_error(int code, std::string text, std::string segment, int field) {
  AckError e;
  e.code = code;
  e.text = std::move(text);
  e.segment = std::move(segment);
  e.field = field;
  return e;
}

std::string_view error_code_text(int code) {
  switch (code) {
    case 0:
      return "Message accepted";
    case 100:
      return "Segment sequence error";
    case 101:
      return "Required field missing";
    case 102:
      return "Data type error";
    case 103:
      return "Table value not found";
    case 104:
      return "Value too long";
    case 198:
      return "Non-conformant cardinality";
    case 199:
      return "Other HL7 error";
    case 200:
      return "Unsupported message type";
    case 201:
      return "Unsupported event code";
    case 202:
      return "Unsupported processing id";
    case 203:
      return "Unsupported version id";
    case 204:
      return "Unknown key identifier";
    case 205:
      return "Duplicate key identifier";
    case 206:
      return "Application record locked";
    default:
      return "Application internal error";
  }
}

std::optional<bool> version_at_least(std::string_view version, int major, int minor, int patch) {
  version = trim(version);
  size_t end = 0;
  while (end < version.size() &&
         ((version[end] >= '0' && version[end] <= '9') || version[end] == '.')) {
    ++end;
  }
  std::vector<std::string_view> parts = split(version.substr(0, end), '.');
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  int have[3] = {0, 0, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i].size() > 4) return std::nullopt;
    have[i] = std::atoi(std::string(parts[i]).c_str());
  }
  if (have[0] != 2) return std::nullopt;  // v2.x only; "1.0" and the like are unrecognised (G1)
  const int want[3] = {major, minor, patch};
  return !std::lexicographical_compare(have, have + 3, want, want + 3);
}

std::string build_ack(const SalvagedHeader& inbound, const AckRequest& req) {
  const Delimiters d = inbound.delimiters();
  // B8: with no MSH there is no version to answer in; declare the one whose ERR layout we use.
  const std::string version = inbound.found_msh ? inbound.version : "2.5.1";
  const std::string processing_id = inbound.found_msh ? inbound.processing_id : "P";

  std::string msh9 = "ACK";
  const bool structure = req.add_structure && version_at_least(version, 2, 3, 1).value_or(true);
  if (!inbound.trigger_event.empty() || structure) msh9 += d.component + inbound.trigger_event;
  if (structure) msh9 += d.component + std::string("ACK");

  std::string out = "MSH";
  out += d.field;
  out += d.encoding_characters();
  // H4: sender and receiver swap, whole fields (OID subcomponents kept). MSH-15/16 stay empty:
  // acknowledgements are not acknowledged.
  out += segment(
      "",
      {inbound.receiving_application, inbound.receiving_facility, inbound.sending_application,
       inbound.sending_facility, escape(req.timestamp, d), "", msh9, escape(req.control_id, d),
       processing_id, version, "", "", "", "", "", inbound.charset},
      d.field);

  const bool v2_5 = version_at_least(version, 2, 5).value_or(true);
  std::string text = req.text;
  if (text.empty() && !v2_5 && !req.errors.empty()) {
    const AckError& first = req.errors.front();
    text = first.text.empty() ? std::string(error_code_text(first.code)) : first.text;
  }
  // H5: MSA-2 is the inbound MSH-10 verbatim, the key the sender correlates on.
  out += segment("MSA", {std::string(to_string(req.code)), inbound.control_id, escape(text, d)},
                 d.field);
  for (const AckError& e : req.errors) out += v2_5 ? err_v2_5(e, d) : err_v2_4(e, d);
  return out;
}

std::string format_hl7_timestamp(std::chrono::system_clock::time_point t, int utc_offset_minutes) {
  using namespace std::chrono;
  const auto local = floor<milliseconds>(t) + minutes(utc_offset_minutes);
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{local - day};
  const int offset = std::abs(utc_offset_minutes);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u%02d%02d%02d.%03d%c%02d%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()), utc_offset_minutes < 0 ? '-' : '+',
                offset / 60, offset % 60);
  return buf;
}

ControlIdGenerator::ControlIdGenerator(std::string prefix) : prefix_(std::move(prefix)) {}

std::string ControlIdGenerator::next(std::chrono::system_clock::time_point now) {
  constexpr int kPerMillisecond = 36 * 36;  // two base-36 digits
  int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  ms = std::max<int64_t>(ms, 0);
  int counter;
  {
    std::lock_guard lock(mu_);
    if (ms <= last_ms_) {
      // Same millisecond, or the clock stepped back: keep counting from the last ID issued.
      ms = last_ms_;
      if (++counter_ == kPerMillisecond) {
        ++ms;
        counter_ = 0;
      }
    } else {
      counter_ = 0;
    }
    last_ms_ = ms;
    counter = counter_;
  }
  return prefix_ + base36(ms, 8) + base36(counter, 2);
}

AckMode ack_mode_of(const SalvagedHeader& h) {
  return trim(h.accept_ack_type).empty() && trim(h.app_ack_type).empty() ? AckMode::original
                                                                         : AckMode::enhanced;
}

bool should_send_accept_ack(std::string_view msh15, bool accepted) {
  return should_send(msh15, accepted);
}

bool should_send_app_ack(std::string_view msh16, bool accepted) {
  return should_send(msh16, accepted);
}

std::optional<AckReply> read_ack(std::string_view payload) {
  const Delimiters d = salvage_header(payload).delimiters();
  std::optional<AckReply> reply;
  std::vector<std::string> errors;
  while (!payload.empty()) {
    size_t end = payload.find_first_of("\r\n");
    std::string_view seg = payload.substr(0, end);
    payload.remove_prefix(end == std::string_view::npos ? payload.size() : end + 1);
    while (!seg.empty() && (seg.front() == ' ' || seg.front() == '\t')) seg.remove_prefix(1);
    if (seg.size() < 3 || (seg.size() > 3 && seg[3] != d.field)) continue;
    std::string_view id = seg.substr(0, 3);
    if (id == "MSA" && !reply) {
      std::vector<std::string_view> f = split(seg, d.field);
      reply = AckReply{
          std::string(piece(f, 1)), std::string(piece(f, 2)), unescape(piece(f, 3), d), {}};
    } else if (id == "ERR") {
      read_err(seg, d, errors);
    }
  }
  if (reply) reply->errors = std::move(errors);
  return reply;
}

}  // namespace irwell::hl7
