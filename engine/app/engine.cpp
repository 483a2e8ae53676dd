#include "engine/app/engine.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "channels/delivery/delivery_service.h"
#include "channels/delivery/record_sender.h"
#include "channels/directory/directory_source.h"
#include "channels/mllp/mllp_listener.h"
#include "engine/admin/admin_server.h"
#include "engine/admin/auth.h"
#include "engine/core/log.h"
#include "engine/core/thread_name.h"
#include "engine/pipeline/ingest.h"
#include "engine/record/record_json.h"
#include "engine/store/pruner.h"
#include "engine/store/sqlite_store.h"

namespace irwell::app {

namespace asio = boost::asio;

// Member order is destruction order in reverse: listeners (sockets, timers) go before the
// io_context they belong to; the queue goes before the store it writes to.
struct Engine::Impl {
  config::Config config;  // as started; reconfigure() replaces its routes, destinations, sources
  mutable std::mutex routes_mutex;  // guards config.routes (the admin threads read the names)
  const Clock* clock = nullptr;
  std::unique_ptr<pipeline::Router> router;
  std::unique_ptr<store::MessageStore> store;
  std::unique_ptr<store::CommitQueue> commits;
  asio::io_context io{1};  // concurrency hint 1: one network thread, no locking in the reactor
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  // Changed by reconfigure() under an exclusive lock and read by the admin threads under a
  // shared one; so is config.sources.
  mutable std::shared_mutex sources_mutex;
  std::vector<std::unique_ptr<pipeline::Ingest>> ingests;
  std::vector<std::unique_ptr<channels::MllpListener>> listeners;
  std::vector<std::unique_ptr<channels::DirectorySource>> directories;
  // The shared care record stores (one per record_store destination) and their writer threads;
  // declared before `deliveries`, whose senders use them.
  std::map<std::string, std::shared_ptr<record::RecordStore>> records;
  std::map<std::string, std::shared_ptr<delivery::RecordWriter>> record_writers;
  // Replaced whole by reconfigure(): the admin threads (through DeliverySwitch) and the writer's
  // on_queued use it under a shared lock; the swap takes the lock exclusively.
  mutable std::shared_mutex deliveries_mutex;
  std::unique_ptr<delivery::DeliveryService> deliveries;
  std::unique_ptr<store::Pruner> pruner;
  std::unique_ptr<admin::AdminBackend> admin_backend;  // outlives admin_server
  std::unique_ptr<admin::AdminServer> admin_server;
  EngineOptions options;  // reload callback, version
  TimePoint started_at;
  std::thread network;
  Duration shutdown_grace{};
  bool stopped = false;
  store::CommitQueueCounters final_commit_counters;  // kept once the queue is gone
};

namespace {

Result<std::unique_ptr<store::MessageStore>> open_store(const config::StorageConfig& s) {
  std::error_code ec;
  std::filesystem::create_directories(s.data_dir, ec);
  if (ec) {
    return fail("cannot create data directory " + s.data_dir.string() + ": " + ec.message());
  }
  store::SqliteOptions o;
  o.path = s.data_dir / kStoreFileName;
  // storage.max_size: SQLite refuses writes beyond max_page_count pages (SQLITE_FULL), which the
  // engine answers with NAKs exactly as it would a full disk.
  if (s.max_size_bytes) o.max_page_count = std::max<int64_t>(1, *s.max_size_bytes / 4096);
  return store::open_sqlite_store(o);
}

// A source's listener with its Ingest, built (and bound) but not yet serving.
struct NewListener {
  std::unique_ptr<pipeline::Ingest> ingest;
  std::unique_ptr<channels::MllpListener> listener;
};

// Before the network thread runs, or on it. A TLS source: bind() also builds its TLS context;
// files that cannot be used refuse it (never plain TCP where the operator asked for encryption).
Result<NewListener> build_listener(Engine::Impl& e, const config::SourceConfig& source) {
  if (!source.mllp.dedupe) {
    log::warn("dedupe_setting_ignored",
              {{"source", source.name},
               {"reason", "duplicate detection is per store (storage.duplicate_window)"}});
  }
  NewListener n;
  n.ingest = std::make_unique<pipeline::Ingest>(source.name, source.mllp, *e.clock, *e.router);
  n.listener = std::make_unique<channels::MllpListener>(e.io, source, *n.ingest, *e.commits);
  if (auto bound = n.listener->bind(); !bound) return fail(bound.error().message);
  return n;
}

// Retention for every source of `config`.
std::unique_ptr<store::Pruner> make_pruner(Engine::Impl& e, const config::Config& config) {
  store::PrunerOptions p;
  p.interval = config.retention.interval;
  p.batch = config.retention.batch;
  for (const config::SourceConfig& source : config.sources) {
    const config::RetentionAges ages = config.retention.for_source(source.name);
    p.sources.push_back({source.name, ages.content, ages.metadata});
  }
  return std::make_unique<store::Pruner>(*e.store, *e.clock, std::move(p));
}

// The senders of record_store destinations: they write through the engine's record writers.
delivery::ExtraSenderFactory record_senders(Engine::Impl& e) {
  Engine::Impl* raw = &e;
  return [raw](const config::DestinationConfig& d, asio::any_io_executor,
               delivery::BlockingPool&) -> delivery::Dispatcher::SenderFactory {
    auto it = raw->record_writers.find(d.name);
    if (it == raw->record_writers.end()) return {};
    std::shared_ptr<delivery::RecordWriter> writer = it->second;
    return [writer] { return std::make_unique<delivery::RecordSender>(writer); };
  };
}

// Routes every later message with `router` and hands back the previous one. Every Ingest runs
// on the network thread, so the swap is posted there: it lands between two messages and
// nothing uses the previous router after it. Not from the network thread.
std::unique_ptr<pipeline::Router> swap_router(Engine::Impl& e,
                                              std::unique_ptr<pipeline::Router> router) {
  std::promise<void> swapped;
  asio::post(e.io, [&] {
    for (auto& in : e.ingests) in->set_router(*router);
    for (auto& d : e.directories) d->set_router(*router);
    std::swap(e.router, router);
    swapped.set_value();
  });
  swapped.get_future().wait();
  return router;
}

// The admin API's delivery operations, forwarded to whichever delivery side is running: a call
// holds the shared lock, so reconfigure() never swaps a service out from under it.
class DeliverySwitch final : public delivery::DeliveryControl {
 public:
  explicit DeliverySwitch(Engine::Impl& e) : e_(e) {}

  std::vector<delivery::DestinationStatus> destinations() const override {
    std::shared_lock lock(e_.deliveries_mutex);
    return e_.deliveries->destinations();
  }
  delivery::ControlResult<delivery::DestinationStatus> destination(
      std::string_view name) const override {
    std::shared_lock lock(e_.deliveries_mutex);
    return e_.deliveries->destination(name);
  }
  delivery::ControlResult<bool> pause(std::string_view destination,
                                      std::string_view actor) override {
    std::shared_lock lock(e_.deliveries_mutex);
    return e_.deliveries->pause(destination, actor);
  }
  delivery::ControlResult<bool> resume(std::string_view destination,
                                       std::string_view actor) override {
    std::shared_lock lock(e_.deliveries_mutex);
    return e_.deliveries->resume(destination, actor);
  }
  delivery::ControlResult<std::vector<int64_t>> replay_message(int64_t message_id,
                                                               std::string_view destination,
                                                               std::string_view actor) override {
    std::shared_lock lock(e_.deliveries_mutex);
    return e_.deliveries->replay_message(message_id, destination, actor);
  }
  delivery::ControlResult<std::vector<int64_t>> replay_dead(std::string_view destination,
                                                            std::string_view actor) override {
    std::shared_lock lock(e_.deliveries_mutex);
    return e_.deliveries->replay_dead(destination, actor);
  }
  delivery::ControlResult<std::vector<delivery::DeadLetter>> dead_letters(
      std::string_view destination, int limit, int64_t before_id) const override {
    std::shared_lock lock(e_.deliveries_mutex);
    return e_.deliveries->dead_letters(destination, limit, before_id);
  }

 private:
  Engine::Impl& e_;
};

}  // namespace


namespace {

// The admin API's view of the running engine (admin_backend.h). Reads atomics and calls the
// thread-safe store and delivery methods; never touches the network thread's state.
class Backend final : public admin::AdminBackend {
 public:
  explicit Backend(Engine::Impl& e) : e_(e), delivery_(e) {}

  admin::EngineInfo info() const override {
    admin::EngineInfo i;
    i.version = e_.options.version;
    i.started_at = e_.started_at;
    std::error_code ec;
    int64_t bytes = 0;
    bool any = false;
    for (const char* suffix : {"", "-wal"}) {
      const auto p = e_.config.storage.data_dir / (std::string(kStoreFileName) + suffix);
      const auto n = std::filesystem::file_size(p, ec);
      if (!ec) {
        bytes += static_cast<int64_t>(n);
        any = true;
      }
    }
    if (any) i.store_bytes = bytes;
    if (e_.commits) {
      const store::CommitQueueCounters c = e_.commits->counters();
      i.store_writer = admin::EngineInfo::StoreWriter{c.batches, c.commit_errors, c.messages,
                                                      e_.commits->commit_latency()};
    }
    return i;
  }

  std::vector<admin::SourceStatus> sources() const override {
    std::vector<admin::SourceStatus> out;
    std::shared_lock sources_lock(e_.sources_mutex);
    for (const auto& l : e_.listeners) {
      const channels::MllpListenerCounters& c = l->counters();
      admin::SourceStatus s;
      s.name = l->source();
      s.type = "mllp";
      if (const config::SourceConfig* sc = e_.config.find_source(s.name)) s.bind = sc->mllp.bind;
      s.port = l->port();
      s.received = c.frames;
      s.accepted = c.accepted;
      s.rejected = c.rejected;
      s.duplicate = c.duplicates;
      s.connections = c.connections_open;
      s.connections_total = c.connections_accepted;
      for (const auto& in : e_.ingests) {
        if (in->source() == s.name) {
          s.unrouted = in->unrouted();
          s.filtered = in->filtered();
        }
      }
      out.push_back(std::move(s));
    }
    for (const config::SourceConfig& sc : e_.config.sources) {
      if (sc.type != "directory") continue;
      admin::SourceStatus s;
      s.name = sc.name;
      s.type = sc.type;
      s.bind = sc.directory.path.string();
      out.push_back(std::move(s));
    }
    return out;
  }

  std::vector<admin::RouteStatus> routes() const override {
    std::map<std::string, uint64_t> total;
    std::shared_lock sources_lock(e_.sources_mutex);
    for (const auto& in : e_.ingests) {
      for (const auto& [route, n] : in->route_matches()) total[route] += n;
    }
    std::vector<admin::RouteStatus> out;
    std::lock_guard lock(e_.routes_mutex);
    for (const config::RouteConfig& r : e_.config.routes) out.push_back({r.name, total[r.name]});
    return out;
  }

  std::vector<admin::NamedHistogram> ack_latency() const override {
    std::vector<admin::NamedHistogram> out;
    std::shared_lock sources_lock(e_.sources_mutex);
    for (const auto& l : e_.listeners) {
      out.push_back({l->source(), l->counters().ack_latency.snapshot()});
    }
    return out;
  }

  std::vector<admin::NamedHistogram> delivery_latency() const override {
    std::vector<admin::NamedHistogram> out;
    std::shared_lock lock(e_.deliveries_mutex);
    for (auto& [name, h] : e_.deliveries->delivery_latency()) out.push_back({name, h});
    return out;
  }

  delivery::DeliveryControl& delivery() override { return delivery_; }
  store::MessageStore& store() override { return *e_.store; }

  Result<admin::ReloadOutcome> reload(std::string_view actor) override {
    if (!e_.options.reload) return fail("this engine was not started by irwell run: no reload");
    ReloadReply r = e_.options.reload(actor);
    return admin::ReloadOutcome{r.ok, std::move(r.diagnostics), std::move(r.apply),
                                std::move(r.status), std::move(r.error)};
  }

  bool may_override(std::string_view role) const override {
    return !e_.records.empty() && e_.records.begin()->second->sharing().may_override(role);
  }

  Result<admin::PatientRecord> patient(std::string_view nhs_number,
                                       bool include_withheld) override {
    if (e_.records.empty()) return fail("no record_store destination is configured");
    record::RecordStore& records = *e_.records.begin()->second;
    auto found = records.get_patient(nhs_number);
    if (!found) return fail(found.error());
    admin::PatientRecord out;
    if (!*found) return out;
    out.opted_out = (*found)->opted_out;
    out.json = record::to_json(**found, include_withheld);
    return out;
  }

 private:
  Engine::Impl& e_;
  DeliverySwitch delivery_;
};

}  // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() { stop(); }

Result<std::unique_ptr<Engine>> Engine::start(const config::Config& config, EngineOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->clock = options.clock ? options.clock : &SystemClock::instance();
  impl->router =
      options.router ? std::move(options.router) : std::make_unique<pipeline::NoRouter>();
  impl->shutdown_grace = options.shutdown_grace;
  impl->options.reload = std::move(options.reload);
  impl->options.version = options.version;
  impl->started_at = impl->clock->now();
  if (options.store) {
    impl->store = std::move(options.store);
  } else {
    auto opened = open_store(impl->config.storage);
    if (!opened) return fail("cannot open the message store: " + opened.error().message);
    impl->store = std::move(opened).value();
  }
  store::CommitQueueOptions q;
  q.max_batch = impl->config.storage.commit_batch_max;
  q.duplicate_window = impl->config.storage.duplicate_window;
  impl->commits = std::make_unique<store::CommitQueue>(*impl->store, *impl->clock, q);
  for (const config::DestinationConfig& d : impl->config.destinations) {
    if (d.type != "record_store") continue;
    record::RecordStoreOptions o;
    o.path = delivery::record_store_path(d, impl->config.storage.data_dir);
    o.sharing = delivery::sharing_policy_of(d);
    auto opened = record::RecordStore::open(o);
    if (!opened) {
      return fail("destination \"" + d.name + "\": cannot open the record store: " +
                  opened.error().message);
    }
    std::shared_ptr<record::RecordStore> records = std::move(opened).value();
    impl->records[d.name] = records;
    impl->record_writers[d.name] = std::make_shared<delivery::RecordWriter>(records);
  }
  {
    auto deliveries = delivery::DeliveryService::create(
        impl->io, impl->config, *impl->store, *impl->commits, *impl->clock, record_senders(*impl));
    if (!deliveries) return fail(deliveries.error().message);
    impl->deliveries = std::move(deliveries).value();
    Impl* raw = impl.get();
    impl->commits->set_on_queued([raw](const std::vector<std::string>& destinations) {
      std::shared_lock lock(raw->deliveries_mutex);
      raw->deliveries->notify_queued(destinations);
    });
  }

  for (const config::SourceConfig& source : impl->config.sources) {
    if (source.type == "directory") {
      impl->directories.push_back(std::make_unique<channels::DirectorySource>(
          impl->io, source, *impl->clock, *impl->router, *impl->commits));
      continue;
    }
    if (source.type != "mllp") continue;  // other source types are not served by the engine yet
    auto built = build_listener(*impl, source);
    if (!built) return fail(built.error().message);
    impl->ingests.push_back(std::move(built->ingest));
    impl->listeners.push_back(std::move(built->listener));
  }

  impl->pruner = make_pruner(*impl, impl->config);

  if (impl->config.admin.enabled) {
    auto tokens = admin::resolve_tokens(impl->config.admin, impl->config.storage.data_dir);
    if (!tokens) return fail("admin API: " + tokens.error().message);
    impl->admin_backend = std::make_unique<Backend>(*impl);
    impl->admin_server = std::make_unique<admin::AdminServer>(
        impl->io, impl->config.admin, *tokens, *impl->admin_backend, *impl->clock);
    if (auto bound = impl->admin_server->bind(); !bound) return fail(bound.error().message);
  }

  // Everything that can fail has succeeded: start the writer, then accept.
  impl->commits->start();
  for (auto& l : impl->listeners) l->start();
  for (auto& d : impl->directories) d->start();
  if (auto s = impl->deliveries->start(); !s) {
    impl->commits->stop();
    return fail("cannot start delivery: " + s.error().message);
  }
  impl->pruner->start();
  if (impl->admin_server) impl->admin_server->start();
  impl->work.emplace(impl->io.get_executor());
  Impl* running = impl.get();
  impl->network = std::thread([running] {
    name_this_thread("irwell-net");
    running->io.run();
  });
  log::info("engine_started", {{"data_dir", running->config.storage.data_dir.string()},
                               {"sources", running->listeners.size()},
                               {"directory_sources", running->directories.size()}});
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

void Engine::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  log::info("engine_stopping");
  // 1. No new connections; sessions finish what they read, then end (bounded by the grace).
  asio::post(impl_->io, [impl = impl_.get()] {
    for (auto& l : impl->listeners) l->stop(impl->shutdown_grace);
    // A file in flight finishes (its commits complete, it is moved) before run() returns.
    for (auto& d : impl->directories) d->stop();
    impl->deliveries->stop(impl->shutdown_grace);
    if (impl->admin_server) impl->admin_server->stop();
  });
  impl_->pruner->stop();
  // 2. run() returns once the last session and timer are gone.
  impl_->work.reset();
  if (impl_->network.joinable()) impl_->network.join();
  // 3. The writer commits what is still queued (nothing acknowledged is pending by now: every
  //    session awaited its commits) and stops; 4. the store is closed.
  impl_->commits->stop();  // also commits the dispatchers' last results
  impl_->deliveries.reset();  // after the writer: its on_queued calls into the service
  impl_->record_writers.clear();  // applies what was handed over, then joins
  impl_->records.clear();
  impl_->final_commit_counters = impl_->commits->counters();
  impl_->commits.reset();
  impl_->store.reset();
  log::info("engine_stopped");
}

namespace {

using ReconfigureFailure = Engine::ReconfigureFailure;

// Runs `f` on the network thread and returns when it has run. Not from the network thread.
template <class F>
void on_network_thread(Engine::Impl& e, F&& f) {
  std::promise<void> done;
  asio::post(e.io, [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

// Stops the running delivery side's destinations that are not in `keep`, waits for their last
// coroutines and their last results, and puts `fresh` in its place, started, with the running
// dispatchers of the destinations in `keep` moved into it: those never stop.
Status<> swap_deliveries(Engine::Impl& e, std::unique_ptr<delivery::DeliveryService> fresh,
                         const std::set<std::string>& keep) {
  // Stop, and wait until no send is in progress and every result has been handed to the writer.
  std::promise<void> ended;
  asio::post(e.io, [&] {
    e.deliveries->stop(
        e.shutdown_grace, [&ended] { ended.set_value(); }, keep);
  });
  ended.get_future().wait();
  // Those results must be in the store before the new side reads the queues, or a delivery the
  // old side completed would be sent again. The writer commits them within one transaction
  // unless the store is failing; then they are sent again (at-least-once) rather than wait.
  if (!e.commits->wait_results_committed(std::chrono::seconds(10))) {
    log::warn("delivery_results_not_committed",
              {{"effect", "deliveries completed just before the reload may be sent again"}});
  }
  // An admin call in progress finishes first (shared lock); later ones reach the new side, which
  // is not started yet (a pause is stored, and start() reads it).
  std::unique_ptr<delivery::DeliveryService> old;
  {
    std::unique_lock lock(e.deliveries_mutex);
    fresh->adopt(*e.deliveries, keep);
    old = std::exchange(e.deliveries, std::move(fresh));
  }
  // The old side goes on the network thread, after every handler already posted for it
  // (notifications, wake-ups). Its stopped batch timers awaited their last pass, so a file
  // batch is never finished by both sides.
  on_network_thread(e, [&] { old.reset(); });
  return e.deliveries->start();
}

}  // namespace

Status<ReconfigureFailure> Engine::reconfigure(const config::Config& config,
                                               std::unique_ptr<pipeline::Router>& router) {
  Impl& e = *impl_;
  using Kind = ReconfigureFailure::Kind;
  auto failure = [](Kind kind, std::string message) {
    return fail(ReconfigureFailure{kind, std::move(message)});
  };
  auto refuse = [&](std::string message) { return failure(Kind::refused, std::move(message)); };
  auto broken = [&](std::string message) { return failure(Kind::partial, std::move(message)); };

  // 1. Checks and builds that change nothing.
  if (!config::same_channels(e.config.destinations, config.destinations, "record_store")) {
    return failure(Kind::restart_needed, "a record_store destination changed");
  }
  if (!config::same_channels(e.config.sources, config.sources, "directory")) {
    return failure(Kind::restart_needed, "a directory source changed");
  }
  std::vector<std::string> leaving;                 // removed or changed
  std::vector<const config::SourceConfig*> coming;  // new or changed
  for (const config::SourceConfig& s : e.config.sources) {
    if (s.type != "mllp") continue;
    const config::SourceConfig* next = config.find_source(s.name);
    if (!next || !config::same_settings(s, *next)) leaving.push_back(s.name);
  }
  for (const config::SourceConfig& s : config.sources) {
    if (s.type != "mllp") continue;
    const config::SourceConfig* was = e.config.find_source(s.name);
    if (!was || !config::same_settings(s, *was)) coming.push_back(&s);
  }
  // A new source on a port no leaving source holds binds now, so a busy port refuses the reload
  // with nothing stopped; the others bind once the source they replace has let go.
  auto port_is_leaving = [&](const config::SourceConfig& s) {
    if (s.mllp.port == 0) return false;
    for (const std::string& name : leaving) {
      for (const auto& l : e.listeners) {
        if (l->source() == name && l->port() == s.mllp.port) return true;  // the bound port
      }
    }
    return false;
  };
  std::vector<NewListener> ready;
  std::vector<const config::SourceConfig*> later;
  std::string bind_error;
  on_network_thread(e, [&] {
    for (const config::SourceConfig* s : coming) {
      if (port_is_leaving(*s)) {
        later.push_back(s);
        continue;
      }
      auto built = build_listener(e, *s);
      if (!built) {
        bind_error = built.error().message;
        ready.clear();  // closes what was bound (on this thread)
        return;
      }
      ready.push_back(std::move(built).value());
    }
  });
  if (!bind_error.empty()) return refuse(bind_error);
  const bool destinations_changed =
      !config::same_channels(e.config.destinations, config.destinations);
  std::unique_ptr<delivery::DeliveryService> fresh;
  std::set<std::string> kept;  // destinations whose settings are the same: they keep running
  std::string restarted;       // the others, for the log
  for (const config::DestinationConfig& d : config.destinations) {
    const config::DestinationConfig* was = e.config.find_destination(d.name);
    if (was && config::same_settings(d, *was)) {
      kept.insert(d.name);
    } else {
      restarted += (restarted.empty() ? "" : ",") + d.name;
    }
  }
  if (destinations_changed) {
    // Built on the network thread (its timers and sockets belong there), on the running side's
    // blocking pool (the dispatchers it adopts use it); it neither connects nor reads the store
    // until start().
    std::string error;
    on_network_thread(e, [&] {
      auto created = delivery::DeliveryService::create(e.io, config, *e.store, *e.commits, *e.clock,
                                                       record_senders(e), e.deliveries->pool());
      if (created) {
        fresh = std::move(created).value();
      } else {
        error = created.error().message;
        ready.clear();
      }
    });
    if (!fresh) return refuse(error);
  }

  // 2. The new routes, before any new source or destination serves.
  swap_router(e, std::move(router)).reset();
  {
    std::lock_guard lock(e.routes_mutex);
    e.config.routes = config.routes;
    e.config.destinations = config.destinations;
  }

  // 3. The delivery side.
  if (destinations_changed) {
    if (auto s = swap_deliveries(e, std::move(fresh), kept); !s) {
      log::error("delivery_start_failed", {{"error", s.error().message}});
      return broken("cannot start delivery: " + s.error().message);
    }
    log::info("deliveries_restarted", {{"destinations", config.destinations.size()},
                                       {"restarted", restarted},
                                       {"kept", kept.size()}});
  }

  // 4. The sources that leave stop as at shutdown; their objects go once their sessions ended
  //    and their successors took their counts (step 5).
  std::vector<std::unique_ptr<channels::MllpListener>> stopping;
  std::vector<std::unique_ptr<pipeline::Ingest>> unused;
  if (!leaving.empty()) {
    {
      std::unique_lock lock(e.sources_mutex);
      for (const std::string& name : leaving) {
        auto l = std::find_if(e.listeners.begin(), e.listeners.end(),
                              [&](const auto& x) { return x->source() == name; });
        auto in = std::find_if(e.ingests.begin(), e.ingests.end(),
                               [&](const auto& x) { return x->source() == name; });
        if (l != e.listeners.end()) {
          stopping.push_back(std::move(*l));
          e.listeners.erase(l);
        }
        if (in != e.ingests.end()) {
          unused.push_back(std::move(*in));
          e.ingests.erase(in);
        }
      }
    }
    std::promise<void> all_ended;
    if (stopping.empty()) all_ended.set_value();  // (every leaving source has a listener)
    auto left = std::make_shared<size_t>(stopping.size());
    on_network_thread(e, [&] {
      for (auto& l : stopping) {
        l->stop(e.shutdown_grace, [left, &all_ended] {
          if (--*left == 0) all_ended.set_value();
        });
      }
    });
    all_ended.get_future().wait();
  }
  // 5. The sources that come: bind those that waited for a port, then serve.
  on_network_thread(e, [&] {
    for (const config::SourceConfig* s : later) {
      auto built = build_listener(e, *s);
      if (!built) {
        bind_error = built.error().message;
        continue;
      }
      ready.push_back(std::move(built).value());
    }
    std::unique_lock lock(e.sources_mutex);
    for (NewListener& n : ready) {
      n.ingest->set_router(*e.router);  // built before the swap: it holds the previous router
      for (const auto& old : stopping) {  // a changed source keeps its figures
        if (old->source() == n.listener->source())
          n.listener->counters().carry_over(old->counters());
      }
      n.listener->start();
      e.ingests.push_back(std::move(n.ingest));
      e.listeners.push_back(std::move(n.listener));
    }
    e.config.sources = config.sources;
    stopping.clear();
    unused.clear();
  });
  if (!leaving.empty() || !coming.empty()) {
    // Retention is per source: the pruner learns the new list.
    e.pruner->stop();
    e.pruner = make_pruner(e, config);
    e.pruner->start();
    std::string names;
    for (const config::SourceConfig* s : coming) names += (names.empty() ? "" : ",") + s->name;
    std::string gone;
    for (const std::string& n : leaving) {
      if (!config.find_source(n)) gone += (gone.empty() ? "" : ",") + n;
    }
    log::info("sources_restarted", {{"started", names}, {"removed", gone}});
  }
  if (!bind_error.empty()) return broken(bind_error);
  return ok();
}

void Engine::reload_tls(const config::Config& config) {
  for (const auto& l : impl_->listeners) {
    const config::SourceConfig* s = config.find_source(l->source());
    if (!s || !s->mllp.tls.enabled) continue;
    (void)l->reload_tls(s->mllp.tls);  // logs tls_reloaded or tls_reload_failed
  }
  if (impl_->admin_server && config.admin.tls.enabled) {
    (void)impl_->admin_server->reload_tls(config.admin.tls);
  }
  (void)impl_->deliveries->reload_tls(config);
}

std::optional<uint16_t> Engine::admin_port() const {
  if (!impl_->admin_server) return std::nullopt;
  return impl_->admin_server->port();
}

std::optional<uint16_t> Engine::port(std::string_view source) const {
  for (const auto& l : impl_->listeners) {
    if (l->source() == source) return l->port();
  }
  return std::nullopt;
}

const channels::MllpListenerCounters* Engine::counters(std::string_view source) const {
  for (const auto& l : impl_->listeners) {
    if (l->source() == source) return &l->counters();
  }
  return nullptr;
}

store::MessageStore& Engine::store() { return *impl_->store; }

uint64_t Engine::commits_finished() const { return impl_->commits->finished(); }

uint64_t Engine::wait_for_commit(uint64_t seen, Duration guard) const {
  return impl_->commits->wait_finished(seen, guard);
}

delivery::DeliveryService& Engine::deliveries() { return *impl_->deliveries; }

record::RecordStore* Engine::record_store(std::string_view destination) {
  if (impl_->records.empty()) return nullptr;
  if (destination.empty()) return impl_->records.begin()->second.get();
  auto it = impl_->records.find(std::string(destination));
  return it == impl_->records.end() ? nullptr : it->second.get();
}

store::CommitQueueCounters Engine::commit_counters() const {
  return impl_->commits ? impl_->commits->counters() : impl_->final_commit_counters;
}

}  // namespace irwell::app
