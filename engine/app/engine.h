#pragma once
// Engine: the running receiving side of irwell, wired from a checked Config:
// config -> store (SQLite under storage.data_dir) -> CommitQueue (the store's writer thread)
// -> one Ingest + MllpListener per MLLP source and one DirectorySource per directory source,
// and a Dispatcher per destination (DeliveryService), all on ONE io_context thread.
// `irwell run` owns one; tests run one in-process (port 0, a TempDir store).
//
// Start order: open the store, build the dispatchers, start the writer, bind every listener (a
// busy port fails start() with nothing left running), then start accepting and delivering. Stop
// order (SIGTERM, DESIGN.md "Shutdown"): close the listeners (no new connections) and stop the
// dispatchers (no new sends; a send in flight may finish and is recorded; one still unanswered
// after `shutdown_grace` is abandoned: it stays unfinished in the store and is sent again on start)
// -> sessions finish the frames they already read (their commits complete and their ACKs are
// written; after `shutdown_grace` stuck peers are cut off)
// -> the network thread ends -> the writer commits whatever is still queued and stops -> the store
// is closed. So every ACK the engine sent is for a committed message, and nothing it committed is
// lost by stopping.
//
// Ownership: the Engine owns the store, queue, listeners and thread; the Router and Clock given
// in EngineOptions are owned (router) or borrowed (clock: must outlive the Engine).
// Thread-safety: start/stop/the destructor from one controlling thread; port(), counters(),
// store() from any thread while running (the store's reads are thread-safe).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include <memory>
#include <optional>
#include <string_view>

#include "engine/config/config.h"
#include "engine/core/clock.h"
#include "engine/core/result.h"
#include "engine/pipeline/routing.h"
#include "engine/store/commit_queue.h"
#include "engine/store/message_store.h"

namespace irwell::channels {
struct MllpListenerCounters;
}
namespace irwell::delivery {
class DeliveryService;
}
namespace irwell::record {
class RecordStore;
}

namespace irwell::app {

// What an admin reload request came to (the admin API's POST /api/v1/reload); the fields mean
// what admin::ReloadOutcome's do.
struct ReloadReply {
  bool ok = false;
  std::vector<std::string> diagnostics;  // FILE:LINE:COL: error: ...
  std::function<void()> apply;           // run once the reply has been written
  std::string status;                    // applied, unchanged, restarting, pending, refused, busy
  std::string error;
};

struct EngineOptions {
  const Clock* clock = nullptr;                // nullptr: the system clock
  std::unique_ptr<pipeline::Router> router;    // nullptr: no routes (every message unrouted)
  std::unique_ptr<store::MessageStore> store;  // nullptr: SQLite at data_dir/irwell.db
  Duration shutdown_grace = std::chrono::seconds(10);
  // Reload as SIGHUP does (irwell run supplies it); unset: the admin API's reload is refused.
  std::function<ReloadReply(std::string_view actor)> reload;
  std::string version = "dev";  // for /metrics build info
};

// The store file inside storage.data_dir.
inline constexpr std::string_view kStoreFileName = "irwell.db";

class Engine {
 public:
  // Builds and starts everything, or fails with nothing left running (store cannot be opened,
  // a port cannot be bound). Logs engine_started with every listener's port.
  static Result<std::unique_ptr<Engine>> start(const config::Config& config,
                                               EngineOptions options = {});
  ~Engine();  // stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Graceful stop (see above). Idempotent; returns when the store is closed.
  void stop();

  // The port the named MLLP source listens on (the real one when the config says 0).
  std::optional<uint16_t> port(std::string_view source) const;
  // The named source's counters (valid until destruction, or until a reconfigure() replaces the
  // source); nullptr for an unknown source.
  const channels::MllpListenerCounters* counters(std::string_view source) const;
  // The open store; only while running (stop() closes it).
  store::MessageStore& store();
  store::CommitQueueCounters commit_counters() const;
  // The store writer's finished transactions, and a wait for the next (CommitQueue::finished,
  // wait_finished); only while running. Tests wait on this instead of polling the store.
  uint64_t commits_finished() const;
  uint64_t wait_for_commit(uint64_t seen, Duration guard) const;
  // The delivery side (dispatchers, pause/resume, replay); only while running, and only until
  // the next reconfigure().
  delivery::DeliveryService& deliveries();
  // Re-reads the TLS certificates of every TLS listener, of the admin server and of the mllp
  // destinations from `config` (the running one, files renewed on disk); established
  // connections keep theirs. Failures are logged and leave the
  // listener's current certificate in use. Any thread.
  void reload_tls(const config::Config& config);
  // Applies `config` to the running engine in place. It must differ from the running config
  // only in `sources` (MLLP ones), `destinations`, `routes`, `lookups` and `logging` (the caller
  // checks the sections); every later message is routed by `router`. Only what changed is
  // restarted, in this order:
  // - checks that need nothing stopped: the record_store destinations and the directory
  //   sources are unchanged (their stores and watchers are opened once, at start: otherwise
  //   `restart_needed`); the new destinations can be built and MLLP sources that are new, on a
  //   port no replaced source holds, can bind (otherwise `refused`: the new config cannot run
  //   as it is). Either leaves the engine as it was and `router` untouched.
  // - the router is swapped on the network thread between two messages (connections, queues
  //   and dispatchers untouched), so a new source's first message and a new destination's
  //   first delivery are routed by the new routes; with only routes, lookups or logging
  //   changed, that is all that happens;
  // - a changed `destinations` section replaces the delivery side, keeping each destination
  //   whose settings are the same running in it (DeliveryService::adopt: its connections,
  //   in-flight send and counters untouched). The dispatchers of changed and removed ones stop
  //   as at shutdown (a send in flight may finish within shutdown_grace; one cut short is sent
  //   again: at-least-once, as at a restart), the writer commits their last results, and the
  //   new ones read their queues from the store (paused flags and retry times included).
  //   Queues are kept: a changed destination sends its queue with its new settings; a removed
  //   one's queue stays in the store, as at a restart;
  // - each MLLP source that was removed or whose settings changed stops as at shutdown (its
  //   sessions finish the messages they read, ACKs written, within shutdown_grace; then its
  //   connections close), and each new or changed one starts. Every other listener and its
  //   connections are untouched: their senders notice nothing.
  // A failure after the first step leaves the engine partly reconfigured (`partial`): restart
  // it with the new config. Only while running, from the controlling thread.
  struct ReconfigureFailure {
    enum class Kind { refused, restart_needed, partial };
    Kind kind = Kind::refused;
    std::string message;
  };
  Status<ReconfigureFailure> reconfigure(const config::Config& config,
                                         std::unique_ptr<pipeline::Router>& router);
  // The admin API's port (the real one when the config says 0); nullopt when disabled.
  std::optional<uint16_t> admin_port() const;
  // The shared care record of a record_store destination ("" = the first one); nullptr when
  // the config has none. Only while running.
  record::RecordStore* record_store(std::string_view destination = "");

  // The running parts (engine.cpp); public only so the engine's own helpers there can name it.
  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace irwell::app
