#include "engine/admin/api_handler.h"

#include <map>
#include <optional>

#include "engine/admin/dashboard_page.h"
#include "engine/admin/metrics_text.h"
#include "engine/admin/query_params.h"
#include "engine/core/json.h"
#include "engine/core/log.h"
#include "engine/hl7/patient_identifier.h"

namespace irwell::admin {

namespace {

HttpResponse json_response(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.body.push_back('\n');
  return r;
}

HttpResponse error_response(unsigned status, std::string_view message) {
  json::Writer w;
  w.begin_object().key("error").value(message).end_object();
  return json_response(status, w.take());
}

HttpResponse control_error(const delivery::ControlFailure& f) {
  switch (f.kind) {
    case delivery::ControlError::not_found:
      return error_response(404, f.message);
    case delivery::ControlError::invalid:
      return error_response(400, f.message);
    case delivery::ControlError::store:
      break;
  }
  return error_response(500, f.message);
}

// A path segment: %XX decoded, '+' kept as is (it is only a space in query strings).
std::optional<std::string> decode_segment(std::string_view s) {
  std::string plus_safe;
  for (char c : s) {
    if (c == '+') {
      plus_safe += "%2B";
    } else {
      plus_safe.push_back(c);
    }
  }
  return url_decode(plus_safe);
}

void time_or_null(json::Writer& w, std::string_view key, const std::optional<TimePoint>& t) {
  w.key(key);
  if (t) {
    w.value(format_time(*t));
  } else {
    w.null();
  }
}

void next_cursor(json::Writer& w, size_t count, int limit, int64_t last_id) {
  w.key("next_cursor");
  if (count > 0 && static_cast<int64_t>(count) >= limit) {
    w.value(std::to_string(last_id));
  } else {
    w.null();
  }
}

std::string event_type(std::string_view type, std::string_view event) {
  std::string s(type);
  if (!event.empty()) s += "^" + std::string(event);
  return s;
}

// A delivery error as the caller may see it. An MLLP NAK's error is "AE: " (AR, CE, CR) and then
// the receiver's own MSA-3 and ERR text, which may quote the message, patient data included: like
// message content, it is shown from the operator role up. Everything else is irwell's own text
// (connection refused, timeouts, HTTP status lines, wrong MSA-2).
std::string visible_error(const std::string& error, bool may_read_content) {
  if (may_read_content) return error;
  for (std::string_view code : {"AE: ", "AR: ", "CE: ", "CR: "}) {
    if (error.starts_with(code)) {
      return std::string(code.substr(0, 2)) +
             " from the receiver (its text is shown to the operator role)";
    }
  }
  return error;
}

void write_destination(json::Writer& w, const delivery::DestinationStatus& d, TimePoint now,
                       bool may_read_content) {
  w.begin_object();
  w.key("name").value(d.name).key("type").value(d.type).key("paused").value(d.paused);
  w.key("queued").value(d.queued).key("in_flight").value(d.in_flight);
  w.key("retrying").value(d.retrying).key("dead").value(d.dead);
  time_or_null(w, "oldest_queued_at", d.oldest_queued_at);
  w.key("oldest_queued_age_seconds");
  if (d.oldest_queued_at) {
    w.value(std::max(0.0, std::chrono::duration<double>(now - *d.oldest_queued_at).count()));
  } else {
    w.null();
  }
  w.key("sent").value(d.sent).key("failed_attempts").value(d.failed_attempts);
  w.key("dead_lettered").value(d.dead_lettered);
  w.key("last_error").value(visible_error(d.last_error, may_read_content));
  time_or_null(w, "last_sent_at", d.last_sent_at);
  w.end_object();
}

}  // namespace

struct ApiHandler::Call {
  const HttpRequest& request;
  std::string path;
  std::map<std::string, std::string> params;
  std::optional<Principal> who;
  bool is_get() const { return request.method == "GET" || request.method == "HEAD"; }
  bool is_post() const { return request.method == "POST"; }
};

ApiHandler::ApiHandler(AdminBackend& backend, const std::vector<config::AdminToken>& tokens,
                       const Clock& clock, ApiOptions options)
    : backend_(backend),
      auth_(tokens),
      clock_(clock),
      options_(options),
      history_(options.history_samples) {}

HttpResponse ApiHandler::handle(const HttpRequest& request) {
  std::string_view target = request.target;
  size_t q = target.find('?');
  Call call{request, std::string(target.substr(0, q)), {}, std::nullopt};
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  if (call.path == "/" || call.path == "/index.html") {
    if (!call.is_get()) return error_response(405, "use GET");
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(dashboard_html());
    // The page runs no third-party code and loads nothing from elsewhere.
    r.headers.push_back({"Content-Security-Policy",
                         "default-src 'none'; script-src 'unsafe-inline'; style-src "
                         "'unsafe-inline'; connect-src 'self'; img-src 'self' data:"});
    return r;
  }
  if (call.path == "/healthz") {
    if (!call.is_get()) return error_response(405, "use GET");
    return json_response(200, R"({"status":"ok"})");
  }
  if (call.path != "/metrics" && !call.path.starts_with("/api/")) {
    return error_response(404, "no such page: " + call.path);
  }

  call.who = auth_.authenticate(request.authorization);
  if (!call.who) {
    auto r = error_response(401, request.authorization.empty()
                                     ? "a bearer token is needed (Authorization: Bearer TOKEN)"
                                     : "unknown token");
    r.headers.push_back({"WWW-Authenticate", R"(Bearer realm="irwell")"});
    return r;
  }
  auto params = parse_query(query);
  if (!params) return error_response(400, params.error().message);
  call.params = std::move(params.value());
  return route(call);
}

HttpResponse ApiHandler::route(Call& call) {
  auto forbidden = [&](Role needed) {
    return error_response(403, "the " + std::string(to_string(call.who->role)) +
                                   " role may not do this; it needs " +
                                   std::string(to_string(needed)));
  };
  auto wrong_method = [](const char* allowed) {
    auto r = error_response(405, std::string("use ") + allowed);
    r.headers.push_back({"Allow", allowed});
    return r;
  };

  if (call.path == "/metrics") {
    if (!call.is_get()) return wrong_method("GET");
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = render_metrics(backend_, clock_.now());
    return r;
  }

  std::vector<std::string> seg;
  std::string_view rest = std::string_view(call.path).substr(1);
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    auto s = decode_segment(rest.substr(0, slash));
    if (!s) return error_response(400, "malformed %-escape in the path");
    seg.push_back(std::move(*s));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (seg.size() < 3 || seg[0] != "api" || seg[1] != "v1") {
    return error_response(404, "no such API path: " + call.path);
  }
  const std::string& what = seg[2];
  size_t n = seg.size();

  if (n == 3 && what == "whoami") {
    if (!call.is_get()) return wrong_method("GET");
    json::Writer w;
    w.begin_object().key("name").value(call.who->name);
    w.key("role").value(to_string(call.who->role)).end_object();
    return json_response(200, w.take());
  }
  if (n == 3 && what == "channels") {
    if (!call.is_get()) return wrong_method("GET");
    return channels(call);
  }
  if (n == 3 && what == "history") {
    if (!call.is_get()) return wrong_method("GET");
    return history(call);
  }
  if (what == "messages" && n == 3) {
    if (!call.is_get()) return wrong_method("GET");
    return search(call);
  }
  if (what == "messages" && (n == 4 || (n == 5 && seg[4] == "replay"))) {
    auto id = parse_id(seg[3]);
    if (!id)
      return error_response(400, "a message id is a positive whole number, got \"" + seg[3] + "\"");
    if (n == 4) {
      if (!call.is_get()) return wrong_method("GET");
      if (!call.who->may(Role::operator_)) return forbidden(Role::operator_);
      return message(call, *id);
    }
    if (!call.is_post()) return wrong_method("POST");
    if (!call.who->may(Role::operator_)) return forbidden(Role::operator_);
    return replay(call, *id);
  }
  if (what == "destinations" && n == 5) {
    const std::string& name = seg[3];
    const std::string& op = seg[4];
    if (op == "dead-letters") {
      if (!call.is_get()) return wrong_method("GET");
      return dead_letters(call, name);
    }
    if (op == "pause" || op == "resume" || op == "replay-dead") {
      if (!call.is_post()) return wrong_method("POST");
      if (!call.who->may(Role::operator_)) return forbidden(Role::operator_);
      if (op == "replay-dead") return replay_dead(call, name);
      return pause_resume(call, name, op == "pause");
    }
  }
  if (what == "patients" && n == 4) {
    if (!call.is_get()) return wrong_method("GET");
    if (!call.who->may(Role::operator_)) return forbidden(Role::operator_);
    return patient(call, seg[3]);
  }
  if (what == "audit" && n == 3) {
    if (!call.is_get()) return wrong_method("GET");
    if (!call.who->may(Role::operator_)) return forbidden(Role::operator_);
    return audit(call);
  }
  if (what == "reload" && n == 3) {
    if (!call.is_post()) return wrong_method("POST");
    if (!call.who->may(Role::admin)) return forbidden(Role::admin);
    return reload(call);
  }
  return error_response(404, "no such API path: " + call.path);
}

HttpResponse ApiHandler::channels(Call& call) {
  if (!call.params.empty()) return error_response(400, "channels takes no parameters");
  TimePoint now = clock_.now();
  auto info = backend_.info();
  json::Writer w;
  w.begin_object();
  w.key("engine").begin_object();
  w.key("version").value(info.version).key("commit").value(info.commit);
  w.key("started_at").value(format_time(info.started_at));
  w.key("uptime_seconds").value(std::chrono::duration<double>(now - info.started_at).count());
  w.key("store_bytes");
  if (info.store_bytes) {
    w.value(*info.store_bytes);
  } else {
    w.null();
  }
  w.key("now").value(format_time(now));
  w.end_object();

  w.key("sources").begin_array();
  for (const auto& s : backend_.sources()) {
    w.begin_object();
    w.key("name").value(s.name).key("type").value(s.type).key("bind").value(s.bind);
    w.key("port").value(s.port).key("received").value(s.received);
    w.key("accepted").value(s.accepted).key("rejected").value(s.rejected);
    w.key("filtered").value(s.filtered).key("duplicate").value(s.duplicate);
    w.key("unrouted").value(s.unrouted).key("connections").value(s.connections);
    w.key("connections_total").value(s.connections_total);
    w.end_object();
  }
  w.end_array();
  w.key("routes").begin_array();
  for (const auto& r : backend_.routes()) {
    w.begin_object().key("name").value(r.name).key("matched").value(r.matched).end_object();
  }
  w.end_array();
  w.key("destinations").begin_array();
  const bool may_read_content = call.who->may(Role::operator_);
  for (const auto& d : backend_.delivery().destinations()) {
    write_destination(w, d, now, may_read_content);
  }
  w.end_array();
  w.end_object();
  return json_response(200, w.take());
}

void ApiHandler::take_sample() {
  ThroughputSample s;
  s.at = clock_.now();
  for (const auto& src : backend_.sources()) s.received += src.received;
  for (const auto& d : backend_.delivery().destinations()) {
    s.sent += d.sent;
    s.errored += d.failed_attempts;
    s.queued += d.queued;
  }
  history_.add(s);
}

HttpResponse ApiHandler::history(Call& call) {
  if (!call.params.empty()) return error_response(400, "history takes no parameters");
  json::Writer w;
  w.begin_object();
  w.key("interval_seconds").value(std::chrono::duration<double>(options_.sample_interval).count());
  w.key("samples").begin_array();
  for (const auto& s : history_.samples()) {
    w.begin_object().key("at").value(format_time(s.at));
    w.key("received").value(s.received).key("sent").value(s.sent);
    w.key("errored").value(s.errored).key("queued").value(s.queued).end_object();
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

bool ApiHandler::record_audit(const Call& call, std::string action, std::string target,
                              std::string detail) {
  store::AuditEntry e;
  e.at = clock_.now();
  e.actor = call.who->name;
  e.action = std::move(action);
  e.target = std::move(target);
  e.detail = std::move(detail);
  auto r = backend_.store().record_audit(e);
  if (!r) {
    log::error("audit_write_failed", {{"action", e.action}, {"error", r.error().message}});
    return false;
  }
  return true;
}

HttpResponse ApiHandler::search(Call& call) {
  auto q = parse_message_query(call.params);
  if (!q) return error_response(400, q.error().message);
  if (!q->patient.empty()) {
    // Which messages a patient appears in is patient information.
    if (!call.who->may(Role::operator_)) {
      return error_response(403, "searching by patient needs the operator role");
    }
    if (!record_audit(call, "search_patient", "patient:" + q->patient, "")) {
      return error_response(503, "the audit log cannot be written; nothing was searched");
    }
  }
  q->time_budget = std::chrono::ceil<std::chrono::milliseconds>(options_.search_timeout);
  auto found = backend_.store().search(*q);
  if (!found) {
    // A broad filter over a large store without a window: the caller's to narrow (422).
    if (found.error().message.starts_with(store::kSearchTooBroad)) {
      return error_response(422, found.error().message);
    }
    return error_response(500, "search failed: " + found.error().message);
  }
  int limit = std::clamp(q->limit, 1, 1000);
  json::Writer w;
  w.begin_object().key("messages").begin_array();
  for (const auto& m : *found) {
    w.begin_object();
    w.key("id").value(m.id).key("received_at").value(format_time(m.received_at));
    w.key("source").value(m.source).key("control_id").value(m.control_id);
    w.key("type").value(event_type(m.message_type, m.trigger_event));
    w.key("message_type").value(m.message_type).key("trigger_event").value(m.trigger_event);
    w.key("status").value(m.status).key("ack_code").value(m.ack_code);
    w.end_object();
  }
  w.end_array();
  next_cursor(w, found->size(), limit, found->empty() ? 0 : found->back().id);
  w.end_object();
  return json_response(200, w.take());
}

HttpResponse ApiHandler::message(Call& call, int64_t id) {
  if (!call.params.empty()) return error_response(400, "a message takes no parameters");
  auto found = backend_.store().get_message(id);
  if (!found) return error_response(500, "reading the message failed: " + found.error().message);
  if (!*found) return error_response(404, "no message with id " + std::to_string(id));
  if (!record_audit(call, "read_message", "message:" + std::to_string(id), "")) {
    return error_response(503, "the audit log cannot be written; the message is not shown");
  }
  const store::StoredMessage& m = **found;
  json::Writer w;
  w.begin_object();
  w.key("id").value(m.id).key("received_at").value(format_time(m.received_at));
  w.key("source").value(m.source).key("peer").value(m.peer);
  w.key("control_id").value(m.control_id);
  w.key("sending_application").value(m.sending_application);
  w.key("sending_facility").value(m.sending_facility);
  w.key("receiving_application").value(m.receiving_application);
  w.key("receiving_facility").value(m.receiving_facility);
  w.key("message_time").value(m.message_time);
  w.key("type").value(event_type(m.message_type, m.trigger_event));
  w.key("message_type").value(m.message_type).key("trigger_event").value(m.trigger_event);
  w.key("version").value(m.version).key("status").value(store::to_string(m.status));
  w.key("raw").value(m.raw).key("ack").value(m.ack).key("ack_code").value(m.ack_code);
  w.key("error").value(m.error);
  w.key("patients").begin_array();
  for (const auto& p : m.patients) {
    w.begin_object().key("id").value(p.id).key("authority").value(p.authority);
    w.key("type").value(p.type).end_object();
  }
  w.end_array();
  w.key("deliveries").begin_array();
  for (const auto& d : m.deliveries) {
    w.begin_object();
    w.key("id").value(d.id).key("destination").value(d.destination).key("route").value(d.route);
    w.key("lane_key").value(d.lane_key).key("state").value(d.state);
    w.key("attempts").value(d.attempts);
    // What this destination got: its own payload when a route transformed it, else the raw.
    w.key("payload").value(d.payload.empty() ? m.raw : d.payload);
    w.key("transformed").value(!d.payload.empty());
    w.key("last_error").value(d.last_error);
    w.key("replay_of");
    if (d.replay_of) {
      w.value(d.replay_of);
    } else {
      w.null();
    }
    w.key("attempt_log").begin_array();
    for (const auto& a : d.attempt_log) {
      w.begin_object().key("started_at").value(format_time(a.started_at));
      w.key("finished_at").value(format_time(a.finished_at));
      w.key("outcome").value(a.outcome).key("reply").value(a.reply).key("error").value(a.error);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

HttpResponse ApiHandler::replay(Call& call, int64_t id) {
  std::string destination;
  for (const auto& [k, v] : call.params) {
    if (k != "destination")
      return error_response(400, "unknown parameter \"" + k + "\"; allowed: destination");
    destination = v;
  }
  auto r = backend_.delivery().replay_message(id, destination, call.who->name);
  if (!r) return control_error(r.error());
  json::Writer w;
  w.begin_object().key("message_id").value(id).key("deliveries").begin_array();
  for (int64_t d : *r) w.value(d);
  w.end_array().end_object();
  return json_response(200, w.take());
}

HttpResponse ApiHandler::pause_resume(Call& call, const std::string& destination, bool pause) {
  if (!call.params.empty()) return error_response(400, "pause and resume take no parameters");
  auto r = pause ? backend_.delivery().pause(destination, call.who->name)
                 : backend_.delivery().resume(destination, call.who->name);
  if (!r) return control_error(r.error());
  auto status = backend_.delivery().destination(destination);
  if (!status) return control_error(status.error());
  json::Writer w;
  write_destination(w, *status, clock_.now(), call.who->may(Role::operator_));
  return json_response(200, w.take());
}

HttpResponse ApiHandler::dead_letters(Call& call, const std::string& destination) {
  int limit = 100;
  int64_t cursor = 0;
  for (const auto& [k, v] : call.params) {
    if (k == "limit") {
      auto n = parse_id(v);
      if (!n || *n > 1000)
        return error_response(400, "limit must be a whole number from 1 to 1000");
      limit = static_cast<int>(*n);
    } else if (k == "cursor") {
      auto n = parse_id(v);
      if (!n) return error_response(400, "cursor must be the next_cursor of a previous page");
      cursor = *n;
    } else {
      return error_response(400, "unknown parameter \"" + k + "\"; allowed: cursor, limit");
    }
  }
  auto r = backend_.delivery().dead_letters(destination, limit, cursor);
  if (!r) return control_error(r.error());
  json::Writer w;
  w.begin_object().key("destination").value(destination).key("dead_letters").begin_array();
  for (const auto& d : *r) {
    w.begin_object();
    w.key("delivery_id").value(d.delivery_id).key("message_id").value(d.message_id);
    w.key("destination").value(d.destination).key("control_id").value(d.control_id);
    w.key("type").value(event_type(d.message_type, d.trigger_event));
    w.key("attempts").value(d.attempts);
    w.key("last_error").value(visible_error(d.last_error, call.who->may(Role::operator_)));
    w.key("received_at").value(format_time(d.received_at));
    w.key("dead_at").value(format_time(d.dead_at));
    w.end_object();
  }
  w.end_array();
  next_cursor(w, r->size(), limit, r->empty() ? 0 : r->back().delivery_id);
  w.end_object();
  return json_response(200, w.take());
}

HttpResponse ApiHandler::replay_dead(Call& call, const std::string& destination) {
  if (!call.params.empty()) return error_response(400, "replay-dead takes no parameters");
  auto r = backend_.delivery().replay_dead(destination, call.who->name);
  if (!r) return control_error(r.error());
  json::Writer w;
  w.begin_object().key("destination").value(destination).key("deliveries").begin_array();
  for (int64_t d : *r) w.value(d);
  w.end_array().end_object();
  return json_response(200, w.take());
}

HttpResponse ApiHandler::patient(Call& call, const std::string& nhs_number) {
  bool include_withheld = false;
  for (const auto& [k, v] : call.params) {
    if (k != "include_withheld") {
      return error_response(400, "unknown parameter \"" + k + "\"; allowed: include_withheld");
    }
    if (v == "true" || v == "1") {
      include_withheld = true;
    } else if (v != "false" && v != "0") {
      return error_response(400, "include_withheld must be true or false");
    }
  }
  // Who may see an opted-out patient: admins, and the roles the record store's override_roles
  // names (each such read audited below with include_withheld).
  if (include_withheld && !call.who->may(Role::admin) &&
      !backend_.may_override(to_string(call.who->role))) {
    return error_response(403, "include_withheld needs the admin role or an override role");
  }
  if (!hl7::is_valid_nhs_number(nhs_number)) {
    return error_response(400, "not an NHS number (ten digits with a valid check digit)");
  }
  if (!record_audit(call, "read_patient", "patient:" + nhs_number,
                    include_withheld ? "include_withheld" : "")) {
    return error_response(503, "the audit log cannot be written; the record is not shown");
  }
  auto r = backend_.patient(nhs_number, include_withheld);
  if (!r) return error_response(500, "reading the record failed: " + r.error().message);
  if (!r->json && !r->opted_out) return error_response(404, "no record for this NHS number");
  json::Writer w;
  w.begin_object().key("nhs_number").value(nhs_number).key("opted_out").value(r->opted_out);
  w.key("record");
  if (r->json) {
    w.raw(*r->json);
  } else {
    w.null();
  }
  w.end_object();
  return json_response(200, w.take());
}

HttpResponse ApiHandler::audit(Call& call) {
  auto q = parse_audit_query(call.params);
  if (!q) return error_response(400, q.error().message);
  auto r = backend_.store().audit_log(*q);
  if (!r) return error_response(500, "reading the audit log failed: " + r.error().message);
  json::Writer w;
  w.begin_object().key("entries").begin_array();
  for (const auto& e : *r) {
    w.begin_object().key("id").value(e.id).key("at").value(format_time(e.at));
    w.key("actor").value(e.actor).key("action").value(e.action);
    w.key("target").value(e.target).key("detail").value(e.detail).end_object();
  }
  w.end_array();
  next_cursor(w, r->size(), std::clamp(q->limit, 1, 1000), r->empty() ? 0 : r->back().id);
  w.end_object();
  return json_response(200, w.take());
}

bool ApiHandler::waits_for_engine(const HttpRequest& request) {
  constexpr std::string_view kPath = "/api/v1/reload";
  const std::string_view t = request.target;
  return request.method == "POST" && t.starts_with(kPath) &&
         (t.size() == kPath.size() || t[kPath.size()] == '?');
}

HttpResponse ApiHandler::reload(Call& call) {
  if (!call.params.empty()) return error_response(400, "reload takes no parameters");
  auto r = backend_.reload(call.who->name);
  if (!r) return error_response(500, "reload failed: " + r.error().message);
  const std::string status = !r->status.empty() ? r->status : r->ok ? "applied" : "refused";
  if (!record_audit(call, "reload", "config", status)) {
    log::warn("audit_write_failed", {{"action", "reload"}});
  }
  json::Writer w;
  w.begin_object().key("ok").value(r->ok).key("status").value(status);
  if (!r->error.empty()) w.key("error").value(r->error);
  w.key("diagnostics").begin_array();
  for (const auto& d : r->diagnostics) w.value(d);
  w.end_array().end_object();
  // 200 done; 202 accepted, still to happen (a restart) or still happening; 422 the file fails
  // its checks; 409 the engine cannot take it as it runs; 503 another reload is restarting.
  int code = 200;
  if (status == "restarting" || status == "pending") code = 202;
  if (!r->ok) code = status == "busy" ? 503 : !r->diagnostics.empty() ? 422 : 409;
  HttpResponse out = json_response(code, w.take());
  if (r->ok) out.after_write = std::move(r->apply);
  return out;
}

}  // namespace irwell::admin
