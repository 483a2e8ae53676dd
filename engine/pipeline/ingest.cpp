#include "engine/pipeline/ingest.h"

#include <optional>
#include <utility>

#include "engine/config/wildcard.h"
#include "engine/hl7/message.h"
#include "engine/hl7/salvage.h"

namespace irwell::pipeline {

using hl7::AckCode;
using hl7::AckError;

// What the checks decided, in original-mode terms (AA/AE/AR); finish() maps it to the
// connection's acknowledgement mode.
namespace detail {
struct Verdict {
  store::MessageStatus status = store::MessageStatus::accepted;
  AckCode code = AckCode::AA;
  std::vector<AckError> errors;
  std::string reason;     // stored as the message's error and logged; never holds field values
  bool no_reply = false;  // H8: an ACK sent to us is not acknowledged
};
}  // namespace detail

using detail::Verdict;

namespace {

AckCode enhanced_of(AckCode c) {
  switch (c) {
    case AckCode::AA:
      return AckCode::CA;
    case AckCode::AE:
      return AckCode::CE;
    case AckCode::AR:
      return AckCode::CR;
    default:
      return c;
  }
}

Verdict reject(AckCode code, AckError error, std::string reason) {
  Verdict v;
  v.status = store::MessageStatus::rejected;
  v.code = code;
  v.errors.push_back(std::move(error));
  v.reason = std::move(reason);
  return v;
}

// "2.5" allows "2.5" and "2.5.1"; "2.5.1" only itself.
bool version_allowed(const std::vector<std::string>& allowed, std::string_view version) {
  if (allowed.empty()) return true;
  for (const std::string& a : allowed) {
    if (version == a) return true;
    if (version.size() > a.size() && version.starts_with(a) && version[a.size()] == '.') {
      return true;
    }
  }
  return false;
}

bool type_allowed(const std::vector<std::string>& patterns, std::string_view code,
                  std::string_view event) {
  if (patterns.empty()) return true;
  for (const std::string& p : patterns) {
    if (config::message_type_matches(p, code, event)) return true;
  }
  return false;
}

void fill_from_salvage(store::NewMessage& m, const hl7::SalvagedHeader& h) {
  m.control_id = h.control_id;
  m.sending_application = h.sending_application;
  m.sending_facility = h.sending_facility;
  m.receiving_application = h.receiving_application;
  m.receiving_facility = h.receiving_facility;
  m.message_time = h.datetime;
  m.message_type = h.message_code;
  m.trigger_event = h.trigger_event;
  m.version = h.version;
}

// The parsed header's decoded values where they differ from the raw salvaged ones (MSH-7.1,
// MSH-9.1/9.2 unescaped, MSH-12.1 without its components).
void fill_from_header(store::NewMessage& m, const hl7::Header& h) {
  m.message_time = h.message_time;
  m.message_type = h.message_type;
  m.trigger_event = h.trigger_event;
  m.version = h.version;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out.append(sep);
    out.append(p);
  }
  return out;
}

}  // namespace

Ingest::Ingest(std::string source, const config::MllpSourceConfig& settings, const Clock& clock,
               const Router& router)
    : source_(std::move(source)), settings_(settings), clock_(clock), router_(&router) {
  for (const std::string& text : settings_.required_fields) {
    auto p = hl7::Path::parse(text);
    if (p) required_.push_back(std::move(p).value());
  }
}

IngestResult Ingest::frame(std::string_view payload, std::string_view peer) {
  const hl7::SalvagedHeader h = hl7::salvage_header(payload);
  store::NewMessage m;
  m.raw.assign(payload);
  fill_from_salvage(m, h);

  auto parsed = hl7::Message::parse(payload, hl7::ParseOptions{settings_.default_charset});
  if (!parsed) {
    const hl7::ParseError& e = parsed.error();
    AckCode code = settings_.reject_code == "AE" ? AckCode::AE : AckCode::AR;
    AckError err = hl7::ack_error(e.code, e.message, e.segment_id, e.field);
    return finish(peer, h, reject(code, std::move(err), "cannot be parsed: " + e.to_string()),
                  std::move(m));
  }
  const hl7::Message& msg = parsed.value();
  const hl7::Header header = msg.header();
  fill_from_header(m, header);

  // H8: acknowledgements are never acknowledged (no ACK loops); keep it for the record.
  if (header.message_type == "ACK") {
    Verdict v;
    v.status = store::MessageStatus::rejected;
    v.reason = "an acknowledgement (MSH-9 ACK) was sent to a listener; not acknowledged (H8)";
    v.no_reply = true;
    return finish(peer, h, v, std::move(m));
  }

  size_t msh_count = 0;
  for (size_t i = 0; i < msg.segment_count(); ++i) {
    if (msg.segment_id(i) == "MSH") ++msh_count;
  }
  if (msh_count > 1) {
    std::string text = "one message per frame expected, found " + std::to_string(msh_count) +
                       " MSH segments (send batches message by message)";
    AckCode code = settings_.reject_code == "AE" ? AckCode::AE : AckCode::AR;
    return finish(peer, h, reject(code, hl7::ack_error(100, text, "MSH"), text), std::move(m));
  }
  if (!version_allowed(settings_.allowed_versions, header.version)) {
    std::string text = "version (MSH-12) not accepted by this source";
    return finish(peer, h, reject(AckCode::AR, hl7::ack_error(203, text, "MSH", 12), text), std::move(m));
  }
  if (!type_allowed(settings_.allowed_types, header.message_type, header.trigger_event)) {
    std::string text = "message type (MSH-9) not accepted by this source";
    return finish(peer, h, reject(AckCode::AR, hl7::ack_error(200, text, "MSH", 9), text), std::move(m));
  }

  Verdict missing;
  for (const hl7::Path& p : required_) {
    if (msg.state(p) == hl7::ValueState::value) continue;
    std::string text = "required field " + p.to_string() + " is missing";
    AckError e = hl7::ack_error(101, text, p.segment, p.field);
    e.sequence = p.occurrence;
    e.repetition = p.repetition;
    e.component = p.component;
    e.subcomponent = p.subcomponent;
    missing.errors.push_back(std::move(e));
    missing.reason += (missing.reason.empty() ? "" : "; ") + text;
  }
  if (!missing.errors.empty()) {
    missing.status = store::MessageStatus::rejected;
    missing.code = AckCode::AE;
    return finish(peer, h, missing, std::move(m));
  }

  for (const hl7::PatientIdentifier& p : msg.patient_identifiers()) {
    m.patients.push_back(store::PatientIdentifier{p.id, p.authority, p.type});
  }

  // Routing runs before the commit: the deliveries go into the same transaction as the message.
  RoutingOutcome routed = router_->route(msg, source_);
  Verdict v;
  std::vector<std::string> matched = std::move(routed.matched_routes);
  if (!routed.deliveries.empty()) {
    m.deliveries = std::move(routed.deliveries);
    m.error = join(routed.errors, "; ");  // partial failures stay visible with the message
  } else if (!routed.errors.empty()) {
    std::string text = "routing failed: " + join(routed.errors, "; ");
    v = reject(AckCode::AE, hl7::ack_error(207, text), text);
  } else if (routed.filtered) {
    v.status = store::MessageStatus::filtered;
  } else {
    v.status = store::MessageStatus::unrouted;
    if (!settings_.unrouted_ack) {
      v.code = AckCode::AE;
      v.reason = "no route matched this message";
      v.errors.push_back(hl7::ack_error(207, v.reason));
    }
  }
  if (v.status == store::MessageStatus::filtered) ++filtered_;
  if (v.status == store::MessageStatus::unrouted) ++unrouted_;
  if (!matched.empty()) {
    std::lock_guard lock(matches_mutex_);
    for (const std::string& route : matched) ++matches_[route];
  }
  IngestResult r = finish(peer, h, v, std::move(m));
  r.matched_routes = std::move(matched);
  return r;
}

std::map<std::string, uint64_t> Ingest::route_matches() const {
  std::lock_guard lock(matches_mutex_);
  return matches_;
}

IngestResult Ingest::oversize(std::string_view prefix, size_t total_bytes, std::string_view peer) {
  const hl7::SalvagedHeader h = hl7::salvage_header(prefix);
  store::NewMessage m;
  m.raw.assign(prefix);
  fill_from_salvage(m, h);
  std::string text = "message of " + std::to_string(total_bytes) +
                     " bytes exceeds this source's limit of " +
                     std::to_string(settings_.max_frame_bytes) + " bytes";
  std::string reason = text + " (first " + std::to_string(prefix.size()) + " bytes stored)";
  return finish(peer, h, reject(AckCode::AR, hl7::ack_error(199, text), reason), std::move(m));
}

IngestResult Ingest::finish(std::string_view peer, const hl7::SalvagedHeader& h, const Verdict& v,
                            store::NewMessage&& m) {
  const TimePoint now = clock_.now();
  m.received_at = now;
  m.source = source_;
  m.peer.assign(peer);
  m.status = v.status;
  if (!v.reason.empty()) m.error = v.reason;

  IngestResult r;
  const bool enhanced = settings_.ack_mode == config::MllpSourceConfig::AckMode::enhanced ||
                        (settings_.ack_mode == config::MllpSourceConfig::AckMode::auto_ &&
                         hl7::ack_mode_of(h) == hl7::AckMode::enhanced);
  // The code actually sent for an original-mode outcome, or nothing (see the header comment).
  auto code_to_send = [&](AckCode original) -> std::optional<AckCode> {
    if (v.no_reply) return std::nullopt;
    if (!enhanced) return original;
    const bool ok = original == AckCode::AA;
    if (hl7::should_send_accept_ack(h.accept_ack_type, ok)) return enhanced_of(original);
    if (!h.app_ack_type.empty() && hl7::should_send_app_ack(h.app_ack_type, ok)) return original;
    return std::nullopt;
  };

  if (auto code = code_to_send(v.code)) {
    r.ack = reply(h, *code, v.errors, now);
    m.ack = r.ack;
    m.ack_code = std::string(hl7::to_string(*code));
  }
  if (v.code != AckCode::AA) {
    r.commit_failure_ack = r.ack;  // already a NAK; it stays true whether or not it is stored
  } else if (auto code = code_to_send(AckCode::AR)) {
    // Never an AA for a message that is not on disk: the sender must resend it (H3).
    r.commit_failure_ack =
        reply(h, *code, {hl7::ack_error(207, "message could not be stored; resend it later")}, now);
  }
  r.message = std::move(m);
  return r;
}

std::string Ingest::reply(const hl7::SalvagedHeader& h, AckCode code,
                          const std::vector<AckError>& errors, TimePoint now) {
  hl7::AckRequest req;
  req.code = code;
  req.control_id = ids_.next(now);
  req.timestamp = hl7::format_hl7_timestamp(now);
  req.errors = errors;
  return hl7::build_ack(h, req);
}

}  // namespace irwell::pipeline
