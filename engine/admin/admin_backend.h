#pragma once
// AdminBackend: everything the admin HTTP server (admin_server.h) needs from a running engine, as
// plain data. The Engine implements it (engine/app); tests use a fake (tests/admin).
//
// Contract:
// - No Asio, no SQL, no HTTP here: the server turns these values into JSON, Prometheus text and
//   status codes; the backend only reports and acts.
// - Thread-safety: every method may be called from any thread, concurrently with the engine
//   running (the server calls them from its own worker thread, never the network thread).
// - Lifetime: the backend, and the DeliveryControl and MessageStore it hands out, must outlive
//   the AdminServer using them.
// - Audit: DeliveryControl's mutating calls write their own audit entries (delivery_control.h);
//   the server writes the rest (reads of content and patient records, reload) through store().
// - Errors are values; a failing call becomes an HTTP 500/503 with its message.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/delivery/delivery_control.h"
#include "engine/core/clock.h"
#include "engine/core/histogram.h"
#include "engine/core/result.h"
#include "engine/store/message_store.h"

namespace irwell::admin {

// One source (listener) with its counters since start.
struct SourceStatus {
  std::string name, type;  // type: mllp, directory, ...
  std::string bind;        // listen address or directory path
  int port = 0;            // 0 when the source has no port
  uint64_t received = 0;   // frames or files' messages read
  uint64_t accepted = 0, rejected = 0, filtered = 0, duplicate = 0, unrouted = 0;
  uint64_t connections = 0;        // open now
  uint64_t connections_total = 0;  // accepted since start
};

struct RouteStatus {
  std::string name;
  uint64_t matched = 0;  // messages the route took since start
};

// A latency histogram with the name of what it measures (a source or a destination).
struct NamedHistogram {
  std::string name;
  HistogramSnapshot histogram;
};

struct EngineInfo {
  std::string version;  // e.g. 0.1.0
  std::string commit;   // "" when unknown
  TimePoint started_at;
  std::optional<int64_t> store_bytes;  // size of the store on disk; nullopt when unknown
  // The store writer: its transactions (committed, failed), the messages they carried, and the
  // time each took; nullopt when the engine has no writer to report.
  struct StoreWriter {
    uint64_t commits = 0, failures = 0, messages = 0;
    HistogramSnapshot latency;
  };
  std::optional<StoreWriter> store_writer;
};

// What a config reload came to. `status` says what happened:
//   applied     the running engine took the new config in place (connections kept);
//   unchanged   nothing in the config changed (certificates re-read);
//   restarting  the change needs a restart, which starts once this reply has been written;
//   pending     still being carried out when the caller stopped waiting (see the log);
//   refused     nothing changed: the file fails its checks (`diagnostics`, "FILE:LINE:COL:
//               error: ...") or the engine cannot take it (`error`, e.g. a port in use);
//   busy        another reload is restarting the engine; ask again.
// ok is true for applied, unchanged, restarting and pending. "" = applied when ok, else refused.
struct ReloadOutcome {
  bool ok = false;
  std::vector<std::string> diagnostics = {};
  // When ok: run by the admin server once the reply to the caller has been written (a restart
  // stops the admin server itself, so it waits for this).
  std::function<void()> apply = {};
  std::string status = {};
  std::string error = {};
};

// The shared care record of one patient, as JSON text built by the record store.
struct PatientRecord {
  std::optional<std::string> json;  // nullopt: no record (or withheld entirely)
  bool opted_out = false;           // the patient opted out of sharing (national data opt-out)
};

class AdminBackend {
 public:
  virtual ~AdminBackend() = default;

  virtual EngineInfo info() const = 0;
  virtual std::vector<SourceStatus> sources() const = 0;
  virtual std::vector<RouteStatus> routes() const = 0;
  // Per source (ACK latency: frame complete to ACK written) and per destination (delivery
  // latency: message received to delivery sent).
  virtual std::vector<NamedHistogram> ack_latency() const = 0;
  virtual std::vector<NamedHistogram> delivery_latency() const = 0;

  virtual delivery::DeliveryControl& delivery() = 0;
  virtual store::MessageStore& store() = 0;

  // Checks the config file again and applies it when good (as SIGHUP does); `actor` names who
  // asked. Err only when the reload could not be attempted at all.
  virtual Result<ReloadOutcome> reload(std::string_view actor) = 0;
  // The record of `nhs_number`; include_withheld adds what the record store withholds by default.
  virtual Result<PatientRecord> patient(std::string_view nhs_number, bool include_withheld) = 0;
  // Whether `role` may see patients who opted out of sharing (the record store's
  // override_roles); admins always may.
  virtual bool may_override(std::string_view role) const {
    (void)role;
    return false;
  }
};

}  // namespace irwell::admin
