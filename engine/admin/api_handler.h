#pragma once
// ApiHandler: the admin HTTP API as a function from request to response, with no sockets, so
// AdminServer (admin_server.h) only moves bytes and tests can call it directly.
//
// Routes (SPEC.md "Admin HTTP API"; the least role needed in brackets, `open` = no token):
//   GET  /                                        the dashboard page                 [open]
//   GET  /healthz                                 {"status":"ok"}                    [open]
//   GET  /metrics                                 Prometheus text                    [viewer]
//   GET  /api/v1/whoami                           {"name","role"}                    [viewer]
//   GET  /api/v1/channels                         sources, routes, destinations      [viewer]
//   GET  /api/v1/history                          throughput samples, last hour      [viewer]
//   GET  /api/v1/messages?...                     search (query_params.h)            [viewer;
//                                                 `patient=` needs operator]
//   GET  /api/v1/messages/{id}                    content, deliveries, attempts      [operator]
//   POST /api/v1/messages/{id}/replay[?destination=D]                                [operator]
//   POST /api/v1/destinations/{name}/pause | /resume                                 [operator]
//   GET  /api/v1/destinations/{name}/dead-letters[?limit&cursor]                     [viewer]
//   POST /api/v1/destinations/{name}/replay-dead                                     [operator]
//   GET  /api/v1/patients/{nhs_number}[?include_withheld=true (admin)]               [operator]
//   GET  /api/v1/audit?actor&action&target&since&until&limit&cursor                  [operator]
//   POST /api/v1/reload                                                              [admin]
// Status codes: 401 (with WWW-Authenticate: Bearer) for a missing or unknown token, 403 for a
// role without the right, 400 for bad parameters, 404 for an unknown path, id or name, 405 for a
// wrong method, 500/503 when the engine failed. Errors are {"error": "..."}.
// Lists page with `limit` and `cursor`: a response holding a full page has "next_cursor".
//
// Audit: reads of message content, searches by patient, patient records and reloads are written
// to the audit log (backend.store().record_audit) BEFORE anything is returned; when that write
// fails the request fails with 503 and discloses nothing. Replay, pause and resume are audited
// by DeliveryControl itself.
//
// Thread-safety: handle() and take_sample() may be called from any thread, concurrently (the
// handler's own state is the history ring, which locks).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/admin/admin_backend.h"
#include "engine/admin/auth.h"
#include "engine/admin/throughput_history.h"
#include "engine/core/clock.h"

namespace irwell::admin {

struct HttpRequest {
  std::string method{};         // GET, POST, ...
  std::string target{};         // path and query, e.g. /api/v1/messages?control_id=X
  std::string authorization{};  // the Authorization header, "" when absent
  std::string body{};
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Runs on the server's thread once the response has been written (or its write failed).
  std::function<void()> after_write;
};

struct ApiOptions {
  // Between the server's take_sample() calls; zero: the server takes no samples.
  Duration sample_interval = std::chrono::seconds(10);
  size_t history_samples = 360;  // one hour at 10 s
  // Given to every message search (MessageQuery::time_budget); one that runs longer is a 422.
  Duration search_timeout = std::chrono::seconds(2);
};

class ApiHandler {
 public:
  // tokens: already resolved (auth.h resolve_tokens). backend and clock are borrowed.
  ApiHandler(AdminBackend& backend, const std::vector<config::AdminToken>& tokens,
             const Clock& clock, ApiOptions options = {});

  HttpResponse handle(const HttpRequest& request);
  // True for a request whose handling waits for the engine to act (POST /api/v1/reload, with
  // or without a query), not only for the store: the server gives those a thread of their own.
  static bool waits_for_engine(const HttpRequest& request);
  // Appends one sample of the engine's totals to the history (the server's timer calls it).
  void take_sample();
  const ApiOptions& options() const { return options_; }

 private:
  struct Call;
  HttpResponse route(Call& call);
  HttpResponse channels(Call& call);
  HttpResponse history(Call& call);
  HttpResponse search(Call& call);
  HttpResponse message(Call& call, int64_t id);
  HttpResponse replay(Call& call, int64_t id);
  HttpResponse pause_resume(Call& call, const std::string& destination, bool pause);
  HttpResponse dead_letters(Call& call, const std::string& destination);
  HttpResponse replay_dead(Call& call, const std::string& destination);
  HttpResponse patient(Call& call, const std::string& nhs_number);
  HttpResponse audit(Call& call);
  HttpResponse reload(Call& call);
  // Writes the audit entry; false when it could not be written.
  bool record_audit(const Call& call, std::string action, std::string target, std::string detail);

  AdminBackend& backend_;
  Authenticator auth_;
  const Clock& clock_;
  ApiOptions options_;
  ThroughputHistory history_;
};

}  // namespace irwell::admin
