// irwell run [-c routes.yaml]: load and check the config (refuse a bad one before opening
// anything), start the Engine, and wait for a signal:
//   SIGINT / SIGTERM  graceful stop (Engine::stop: stop accepting, finish in-flight commits and
//                     their ACKs, close the store), exit 0;
//   SIGHUP            reload: the new config is checked first; a bad one is refused (diagnostics
//                     logged, the running engine untouched). A good one that changes only
//                     `routes`, `lookups` or `logging` is swapped in place (Engine::
//                     reconfigure): connections stay open and the next message is routed by
//                     the new routes. One that also changes `sources` or `destinations`
//                     restarts only what changed (the same call): the delivery side for
//                     destinations, each added, removed or changed MLLP listener for sources;
//                     other listeners keep their connections. A change that cannot run (a port
//                     taken, a destination that cannot be built) refuses the reload and the
//                     running config stays. Any other change (storage, admin, retention, a
//                     directory source, a record_store destination) replaces the engine by a
//                     graceful stop and a start with the new config (connections are closed
//                     and senders reconnect); if the new one cannot start (a port in use), the
//                     previous config is started again. A config unchanged (routes.yaml and the
//                     lookup CSVs it names) reloads the certificates only.
// The admin API's POST /api/v1/reload runs the same reload on this thread (ReloadDesk) and
// answers with what it came to: applied, unchanged, refused (with the diagnostics or the
// reason), or restarting (answered before the restart begins).
// The loop's thread takes the signals (sigwait); the admin API wakes it with a SIGHUP sent to
// that thread alone.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <ostream>
#include <utility>
#include <vector>

#include "engine/app/builtin_registry.h"
#include "engine/app/commands.h"
#include "engine/app/engine.h"
#include "engine/config/load_config.h"
#include "engine/config/registry.h"
#include "engine/core/log.h"
#include "engine/pipeline/router.h"
#include "transforms/register.h"

namespace irwell::app {
namespace {

constexpr const char* kRunUsage = R"(usage: irwell run [-c routes.yaml]

Runs the engine: MLLP listeners from routes.yaml, messages stored under storage.data_dir.
Stops cleanly on SIGINT/SIGTERM; SIGHUP reloads routes.yaml (a bad file is refused).

options:
  -c, --config FILE   the configuration (default: ./routes.yaml)
  -h, --help          this help
)";

const config::Registry& registry() {
  static const config::Registry r = builtin_registry();
  return r;
}

// A config ready to run: checked by the loader, and its routes built (what only a transform's
// builder can reject is reported like any config error).
struct Prepared {
  config::Config config;
  std::unique_ptr<pipeline::Router> router;
};

Result<Prepared, std::vector<config::Diagnostic>> prepare(const std::string& file) {
  auto loaded = config::load_config(file, registry());
  if (!loaded) return fail(loaded.error());
  auto router = pipeline::build_router(loaded.value(), registry());
  if (!router) return fail(router.error());
  return Prepared{std::move(loaded).value(), std::move(router).value()};
}

void apply_log_level(const config::Config& c) {
  log::Level level;
  if (log::parse_level(c.logging.level, level)) log::set_level(level);
}

// The admin API's reload requests on their way to the run loop. The admin worker hands one in
// and waits; the run loop, woken by a SIGHUP sent to its own thread, takes every request
// waiting, reloads once (as for any SIGHUP) and answers each with what the reload came to, so
// the caller learns whether it was applied, refused (and why) or needs a restart. A restart
// is answered before it begins (it stops the admin server too) and waits until the replies
// have been written.
class ReloadDesk {
 public:
  struct Request {
    std::promise<ReloadReply> answer;
  };
  using Requests = std::vector<std::shared_ptr<Request>>;

  explicit ReloadDesk(pthread_t loop) : loop_(loop) {}

  // Admin worker: hands a request in and waits up to `guard` for its answer.
  ReloadReply ask(std::string_view actor, Duration guard) {
    auto request = std::make_shared<Request>();
    auto answer = request->answer.get_future();
    {
      std::lock_guard lock(mutex_);
      if (state_ != State::open) return refusal(state_);
      waiting_.push_back(request);
    }
    log::info("config_reload_requested", {{"actor", actor}});
    ::pthread_kill(loop_, SIGHUP);
    if (answer.wait_for(guard) == std::future_status::ready) return answer.get();
    ReloadReply pending;
    pending.ok = true;
    pending.status = "pending";
    pending.error = "the reload is still running; its outcome will be in the log";
    return pending;
  }

  // Run loop: the requests waiting now (each must be answered exactly once).
  Requests take() {
    std::lock_guard lock(mutex_);
    return std::exchange(waiting_, {});
  }
  static void answer(Requests& requests, const ReloadReply& reply) {
    for (auto& r : requests) r->answer.set_value(reply);
    requests.clear();
  }
  // Run loop: while the engine restarts (or once it stops for good), requests are answered at
  // once, the waiting ones too.
  void set_restarting(bool on) { set_state(on ? State::restarting : State::open); }
  void close() { set_state(State::closed); }

 private:
  enum class State { open, restarting, closed };
  static ReloadReply refusal(State s) {
    ReloadReply r;
    r.status = s == State::restarting ? "busy" : "refused";
    r.error = s == State::restarting ? "the engine is restarting for another reload; ask again"
                                     : "the engine is stopping";
    return r;
  }
  void set_state(State s) {
    Requests left;
    {
      std::lock_guard lock(mutex_);
      state_ = s;
      if (s != State::open) left = std::exchange(waiting_, {});
    }
    answer(left, refusal(s));
  }

  const pthread_t loop_;
  std::mutex mutex_;
  State state_ = State::open;  // guarded by mutex_
  Requests waiting_;           // guarded by mutex_
};

// How long an admin reload request waits for its answer before replying "pending".
constexpr auto kReloadAnswerGuard = std::chrono::seconds(60);
// How long a restart waits for the replies announcing it to be written.
constexpr auto kReplyWrittenGuard = std::chrono::seconds(5);

Result<std::unique_ptr<Engine>> start_engine(Prepared& p, ReloadDesk& desk) {
  apply_log_level(p.config);
  EngineOptions options;
  options.router = std::move(p.router);
  options.version = IRWELL_VERSION;
  options.reload = [&desk](std::string_view actor) { return desk.ask(actor, kReloadAnswerGuard); };
  return Engine::start(p.config, std::move(options));
}

ReloadReply reload_reply(bool ok, std::string status, std::string error = {}) {
  ReloadReply r;
  r.ok = ok;
  r.status = std::move(status);
  r.error = std::move(error);
  return r;
}

}  // namespace

int run_command(const Args& args, std::ostream& out, std::ostream& err) {
  std::string file = "routes.yaml";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out << kRunUsage;
      return 0;
    }
    if ((a == "-c" || a == "--config") && i + 1 < args.size()) {
      file = args[++i];
    } else {
      err << "irwell run: unexpected argument \"" << a << "\"\n" << kRunUsage;
      return 2;
    }
  }

  // Config first: a bad file is refused with every diagnostic and nothing is opened.
  auto loaded = prepare(file);
  if (!loaded) {
    for (const config::Diagnostic& d : loaded.error()) err << d.to_string() << "\n";
    return 1;
  }
  Prepared current = std::move(loaded).value();

  // Signals are taken synchronously by this thread (sigwait); the engine's threads inherit the
  // blocked mask, so no handler ever runs inside them.
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);

  ReloadDesk desk(pthread_self());
  auto started = start_engine(current, desk);
  if (!started) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    err << "irwell run: " << started.error().message << "\n";
    return 1;
  }
  std::unique_ptr<Engine> engine = std::move(started).value();

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGINT || sig == SIGTERM) {
      log::info("signal_received", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      break;
    }
    // SIGHUP (from outside, or from the admin API for the requests waiting): reload. The file
    // is checked again even when its text is unchanged: a lookup CSV beside it may have been
    // edited.
    ReloadDesk::Requests requests = desk.take();
    auto next = prepare(file);
    if (!next) {
      ReloadReply refused = reload_reply(false, "refused");
      for (const config::Diagnostic& d : next.error()) {
        err << d.to_string() << "\n";
        refused.diagnostics.push_back(d.to_string());
      }
      err.flush();
      log::error("config_reload_refused", {{"file", file}, {"problems", next.error().size()}});
      ReloadDesk::answer(requests, refused);
      continue;
    }
    const std::vector<std::string> changed = config::changed_sections(current.config, next->config);
    if (changed.empty()) {
      // Nothing in the config changed: only the certificates may have (renewed on disk).
      // Reload them in place: established connections keep theirs, nothing restarts.
      engine->reload_tls(current.config);
      log::info("config_unchanged", {{"file", file}});
      ReloadDesk::answer(requests, reload_reply(true, "unchanged"));
      continue;
    }
    // Only sections the running engine can take in place changed: restart only what changed
    // (routes alone: just the router is swapped, senders and queues untouched).
    if (std::all_of(changed.begin(), changed.end(), [](const std::string& s) {
          return s == "sources" || s == "destinations" || s == "routes" || s == "lookups" ||
                 s == "logging";
        })) {
      apply_log_level(next->config);
      auto done = engine->reconfigure(next->config, next->router);
      if (done) {
        engine->reload_tls(next->config);
        current = std::move(next).value();  // its router now belongs to the engine
        log::info("config_reloaded", {{"file", file}, {"restarted", false}});
        ReloadDesk::answer(requests, reload_reply(true, "applied"));
        continue;
      }
      using Kind = Engine::ReconfigureFailure::Kind;
      if (done.error().kind == Kind::refused) {
        // Nothing changed (a destination cannot be built, a port is taken): the running config
        // stays, as for a file that fails its checks.
        apply_log_level(current.config);
        log::error("config_reload_failed", {{"file", file}, {"error", done.error().message}});
        ReloadDesk::answer(requests, reload_reply(false, "refused", done.error().message));
        continue;
      }
      log::warn("config_reload_needs_restart", {{"file", file}, {"reason", done.error().message}});
      if (!next->router) {  // taken by the partly reconfigured engine: build it again
        auto rebuilt = pipeline::build_router(next->config, registry());
        if (!rebuilt) {  // it was built from this config a moment ago; never start unrouted
          log::error("config_reload_failed", {{"file", file}, {"error", "cannot rebuild routes"}});
          ReloadDesk::answer(requests, reload_reply(false, "refused", "cannot rebuild routes"));
          continue;
        }
        next->router = std::move(rebuilt).value();
      }
    }
    std::string sections;
    for (const std::string& s : changed) sections += (sections.empty() ? "" : ",") + s;
    log::info("config_reloading", {{"file", file}, {"changed", sections}});
    // The restart stops the admin server: tell the callers first, and let the replies go out.
    desk.set_restarting(true);
    std::vector<std::future<void>> written;
    for (auto& r : requests) {
      auto sent = std::make_shared<std::promise<void>>();
      written.push_back(sent->get_future());
      ReloadReply restarting = reload_reply(true, "restarting");
      restarting.apply = [sent] { sent->set_value(); };
      r->answer.set_value(std::move(restarting));
    }
    requests.clear();
    const auto replies_due = std::chrono::steady_clock::now() + kReplyWrittenGuard;
    for (auto& w : written) w.wait_until(replies_due);
    engine->stop();
    engine.reset();
    auto fresh = start_engine(next.value(), desk);
    if (fresh) {
      engine = std::move(fresh).value();
      current = std::move(next).value();  // its router now belongs to the engine
      log::info("config_reloaded", {{"file", file}, {"restarted", true}});
      desk.set_restarting(false);
      continue;
    }
    log::error("config_reload_failed", {{"file", file}, {"error", fresh.error().message}});
    // The previous router went to the engine that stopped: build it again from the same config.
    if (auto rebuilt = pipeline::build_router(current.config, registry())) {
      current.router = std::move(rebuilt).value();
    }
    auto again = start_engine(current, desk);
    if (!again) {
      err << "irwell run: cannot restart with the previous config: " << again.error().message
          << "\n";
      desk.close();
      pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      return 1;
    }
    engine = std::move(again).value();
    desk.set_restarting(false);
  }
  desk.close();
  engine->stop();
  engine.reset();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return 0;
}

}  // namespace irwell::app
