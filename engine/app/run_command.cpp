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
#include <signal.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ostream>

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

Result<std::unique_ptr<Engine>> start_engine(Prepared& p) {
  apply_log_level(p.config);
  EngineOptions options;
  options.router = std::move(p.router);
  options.version = IRWELL_VERSION;
  // The admin API's reload: check the file now and answer with the result; when it is good,
  // the run loop below reloads it exactly as for SIGHUP. The signal is raised once the HTTP
  // reply has been written (ReloadReply::apply), since a restart stops the admin server too.
  options.reload = [file = p.config.file.string()](std::string_view actor) {
    ReloadReply reply;
    auto next = prepare(file);
    if (!next) {
      for (const config::Diagnostic& d : next.error()) reply.diagnostics.push_back(d.to_string());
      return reply;
    }
    reply.ok = true;
    log::info("config_reload_requested", {{"actor", actor}});
    reply.apply = [] { ::kill(::getpid(), SIGHUP); };
    return reply;
  };
  return Engine::start(p.config, std::move(options));
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

  auto started = start_engine(current);
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
    // SIGHUP: reload. The file is checked again even when its text is unchanged: a lookup CSV
    // beside it may have been edited.
    auto next = prepare(file);
    if (!next) {
      for (const config::Diagnostic& d : next.error()) err << d.to_string() << "\n";
      err.flush();
      log::error("config_reload_refused", {{"file", file}, {"problems", next.error().size()}});
      continue;
    }
    const std::vector<std::string> changed = config::changed_sections(current.config, next->config);
    if (changed.empty()) {
      // Nothing in the config changed: only the certificates may have (renewed on disk).
      // Reload them in place: established connections keep theirs, nothing restarts.
      engine->reload_tls(current.config);
      log::info("config_unchanged", {{"file", file}});
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
        continue;
      }
      using Kind = Engine::ReconfigureFailure::Kind;
      if (done.error().kind == Kind::refused) {
        // Nothing changed (a destination cannot be built, a port is taken): the running config
        // stays, as for a file that fails its checks.
        apply_log_level(current.config);
        log::error("config_reload_failed", {{"file", file}, {"error", done.error().message}});
        continue;
      }
      log::warn("config_reload_needs_restart", {{"file", file}, {"reason", done.error().message}});
      if (!next->router) {  // taken by the partly reconfigured engine: build it again
        auto rebuilt = pipeline::build_router(next->config, registry());
        if (!rebuilt) {  // it was built from this config a moment ago; never start unrouted
          log::error("config_reload_failed", {{"file", file}, {"error", "cannot rebuild routes"}});
          continue;
        }
        next->router = std::move(rebuilt).value();
      }
    }
    std::string sections;
    for (const std::string& s : changed) sections += (sections.empty() ? "" : ",") + s;
    log::info("config_reloading", {{"file", file}, {"changed", sections}});
    engine->stop();
    engine.reset();
    auto fresh = start_engine(next.value());
    if (fresh) {
      engine = std::move(fresh).value();
      current = std::move(next).value();  // its router now belongs to the engine
      log::info("config_reloaded", {{"file", file}, {"restarted", true}});
      continue;
    }
    log::error("config_reload_failed", {{"file", file}, {"error", fresh.error().message}});
    // The previous router went to the engine that stopped: build it again from the same config.
    if (auto rebuilt = pipeline::build_router(current.config, registry())) {
      current.router = std::move(rebuilt).value();
    }
    auto again = start_engine(current);
    if (!again) {
      err << "irwell run: cannot restart with the previous config: " << again.error().message
          << "\n";
      pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      return 1;
    }
    engine = std::move(again).value();
  }
  engine->stop();
  engine.reset();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return 0;
}

}  // namespace irwell::app
