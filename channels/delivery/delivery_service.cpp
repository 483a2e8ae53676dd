#include "channels/delivery/delivery_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "channels/delivery/file_sender.h"
#include "channels/delivery/http_sender.h"
#include "channels/delivery/mllp_sender.h"
#include "engine/core/log.h"

namespace irwell::delivery {

namespace asio = boost::asio;

namespace {

ControlFailure store_failure(const Error& e) { return {ControlError::store, e.message}; }

ControlFailure unknown_destination(std::string_view name) {
  return {ControlError::not_found, fmt::format("unknown destination \"{}\"", name)};
}

}  // namespace

DeliveryService::DeliveryService(asio::io_context& io, store::MessageStore& store,
                                 const Clock& clock)
    : io_(io), store_(store), clock_(clock) {}

DeliveryService::~DeliveryService() {
  // Normally stop() ran on the executor; if not, a coroutine resumed later finds this flag.
  for (const auto& b : batch_closers_) b->stopping = true;
  // The pool is joined by its last owner (a successor may share it).
}

Result<std::unique_ptr<DeliveryService>> DeliveryService::create(
    asio::io_context& io, const config::Config& config, store::MessageStore& store,
    store::CommitQueue& commits, const Clock& clock, ExtraSenderFactory extra,
    std::shared_ptr<BlockingPool> pool) {
  std::unique_ptr<DeliveryService> service(new DeliveryService(io, store, clock));
  service->pool_ = pool ? std::move(pool) : std::make_shared<BlockingPool>(2);
  asio::any_io_executor ex = io.get_executor();
  for (const config::DestinationConfig& d : config.destinations) {
    Dispatcher::SenderFactory make;
    if (d.type == "mllp") {
      auto options = MllpSenderOptions::from(d);
      if (!options) return fail(options.error());
      if (options->tls) {
        options->tls_slot = std::make_shared<TlsSlot>(options->tls);
        service->tls_slots_[d.name] = options->tls_slot;
      }
      make = [ex, o = std::move(*options)] { return std::make_unique<MllpSender>(ex, o); };
    } else if (d.type == "file") {
      BlockingPool* pool = service->pool_.get();
      FileSenderOptions options = FileSenderOptions::from(d, clock);
      if (options.batch) {
        service->batch_closers_.push_back(
            std::make_shared<BatchCloser>(io, d.name, options.batch, service->batch_passes_));
      }
      make = [pool, o = std::move(options)] { return std::make_unique<FileSender>(*pool, o); };
    } else if (d.type == "http") {
      auto options = HttpSenderOptions::from(d);
      if (!options) return fail(options.error());
      if (options->tls) {
        options->tls_slot = std::make_shared<TlsSlot>(options->tls);
        service->tls_slots_[d.name] = options->tls_slot;
      }
      make = [ex, o = std::move(*options)] { return std::make_unique<HttpSender>(ex, o); };
    } else if (extra) {
      make = extra(d, ex, *service->pool_);
    }
    if (!make) {
      // Its deliveries stay queued (visible, replayable) until a build that serves the type.
      log::warn("destination_not_served", {{"destination", d.name}, {"type", d.type}});
      continue;
    }
    DispatcherSetup setup;
    setup.destination = d.name;
    setup.type = d.type;
    setup.policy = RetryPolicy::from(d);
    if (auto it = d.params.find("lanes"); it != d.params.end()) {
      setup.lanes = static_cast<int>(std::max<long long>(1, it->second.integer));
    }
    service->dispatchers_.push_back(std::make_unique<Dispatcher>(
        ex, *service->pool_, store, commits, clock, std::move(setup), std::move(make)));
  }
  return service;
}

void DeliveryService::notify_queued(const std::vector<std::string>& destinations) {
  for (const std::string& name : destinations) {
    if (Dispatcher* d = find(name)) d->notify();
  }
}

Status<> DeliveryService::start() {
  auto paused = store_.paused_destinations();
  if (!paused) return fail(paused.error());
  for (auto& d : dispatchers_) {
    if (adopted_.contains(d.get())) continue;
    const bool is_paused =
        std::find(paused->begin(), paused->end(), d->destination()) != paused->end();
    d->set_paused(is_paused);  // visible to status() at once, before the executor starts it
    asio::post(io_, [dispatcher = d.get()] { dispatcher->start(); });
  }
  for (const auto& b : batch_closers_) {
    asio::post(io_, [this, b] {
      if (b->stopping || b->running) return;  // stopped before this ran, or adopted running
      b->running = true;
      asio::co_spawn(io_, close_batches_on_time(b, pool_, clock_), [b](std::exception_ptr) {
        b->running = false;
        if (b->on_end) std::exchange(b->on_end, nullptr)();
      });
    });
  }
  return ok();
}

asio::awaitable<void> DeliveryService::close_batches_on_time(std::shared_ptr<BatchCloser> b,
                                                             std::shared_ptr<BlockingPool> pool,
                                                             const Clock& clock) {
  while (!b->stopping) {
    // On the pool (disk work), awaited, so that once this coroutine has ended no pass of it is
    // left to run (a replacement's batch of the same destination may start then). The batch's
    // own mutex orders it with the lanes' appends. The first pass also recovers batch files a
    // crash left behind.
    // (A raw pointer, kept alive by `b`: GCC 12 destroys a temporary in a co_await expression
    // twice, so the lambda must not own anything.)
    co_await pool->offload([closer = b.get()] {
      if (std::string problem = closer->batch->finish_if_due(); !problem.empty()) {
        log::warn("file_batch_not_finished",
                  {{"destination", closer->destination}, {"error", problem}});
      }
      std::lock_guard lock(closer->passes->mutex);
      ++closer->passes->n;
      closer->passes->passed.notify_all();
      return true;
    });
    if (b->stopping) break;
    // Just past the boundary (by the injected clock); wake_all() and stop() cut the wait short.
    const TimePoint now = clock.now();
    const Duration left = b->batch->next_period_start(now) - now + std::chrono::milliseconds(20);
    b->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(left));
    co_await b->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

uint64_t DeliveryService::batch_passes() const {
  std::lock_guard lock(batch_passes_->mutex);
  return batch_passes_->n;
}

uint64_t DeliveryService::wait_batch_pass(uint64_t seen, Duration guard) const {
  std::unique_lock lock(batch_passes_->mutex);
  batch_passes_->passed.wait_for(lock, guard, [&] { return batch_passes_->n > seen; });
  return batch_passes_->n;
}

void DeliveryService::stop(Duration drain, std::function<void()> stopped,
                           const std::set<std::string>& keep) {
  // One share per coroutine still running, plus this call's own (so `stopped` runs exactly
  // once, after the last of them, or here when none runs).
  struct Countdown {
    size_t left = 1;
    std::function<void()> done;
  };
  auto countdown = std::make_shared<Countdown>();
  countdown->done = std::move(stopped);
  auto one_ended = [countdown] {
    if (--countdown->left == 0 && countdown->done) countdown->done();
  };
  for (const auto& b : batch_closers_) {
    if (keep.contains(b->destination)) continue;
    b->stopping = true;
    b->timer.cancel();
    if (b->running) {
      ++countdown->left;
      b->on_end = one_ended;
    }
  }
  for (auto& d : dispatchers_) {
    if (keep.contains(d->destination())) continue;
    ++countdown->left;
    d->stop(drain, one_ended);
  }
  one_ended();
}

void DeliveryService::adopt(DeliveryService& previous, const std::set<std::string>& keep) {
  // One count of batch passes for the kept timers and the new ones (the new ones are not
  // running yet; the kept ones count there already).
  batch_passes_ = previous.batch_passes_;
  for (auto& b : batch_closers_) b->passes = batch_passes_;
  for (auto& mine : dispatchers_) {
    const std::string name = mine->destination();
    if (!keep.contains(name)) continue;
    auto theirs = std::find_if(previous.dispatchers_.begin(), previous.dispatchers_.end(),
                               [&](const auto& d) { return d->destination() == name; });
    if (theirs == previous.dispatchers_.end()) continue;  // not served there: start ours
    // Ours was never started; it goes with `previous` (destroyed on the executor).
    std::swap(mine, *theirs);
    adopted_.insert(mine.get());
    if (auto slot = previous.tls_slots_.find(name); slot != previous.tls_slots_.end()) {
      tls_slots_[name] = slot->second;  // the one its senders read
    }
  }
  for (auto& mine : batch_closers_) {
    if (!keep.contains(mine->destination)) continue;
    auto theirs = std::find_if(previous.batch_closers_.begin(), previous.batch_closers_.end(),
                               [&](const auto& b) { return b->destination == mine->destination; });
    if (theirs == previous.batch_closers_.end()) continue;
    std::swap(mine, *theirs);  // the running one, with the batch its adopted sender appends to
  }
}

Status<> DeliveryService::reload_tls(const config::Config& config) {
  for (const config::DestinationConfig& d : config.destinations) {
    auto slot = tls_slots_.find(d.name);
    if (slot == tls_slots_.end()) continue;
    std::shared_ptr<asio::ssl::context> context;
    auto take = [&](auto options) -> Status<> {
      if (!options) {
        log::error("tls_reload_failed",
                   {{"destination", d.name}, {"error", options.error().message}});
        return fail(options.error());
      }
      context = options->tls;
      return ok();
    };
    if (d.type == "mllp") {
      if (auto s = take(MllpSenderOptions::from(d)); !s) return s;
    } else if (d.type == "http") {
      if (auto s = take(HttpSenderOptions::from(d)); !s) return s;
    }
    if (!context) continue;
    slot->second->set(std::move(context));
    log::info("tls_reloaded", {{"destination", d.name}});
  }
  return ok();
}

void DeliveryService::wake_all() {
  asio::post(io_, [this] {
    for (const auto& b : batch_closers_) b->timer.cancel();
  });
  for (auto& d : dispatchers_) d->wake();
}

std::vector<std::pair<std::string, HistogramSnapshot>> DeliveryService::delivery_latency() const {
  std::vector<std::pair<std::string, HistogramSnapshot>> out;
  for (const auto& d : dispatchers_) out.emplace_back(d->destination(), d->delivery_latency());
  return out;
}

Dispatcher* DeliveryService::find(std::string_view name) const {
  for (const auto& d : dispatchers_) {
    if (d->destination() == name) return d.get();
  }
  return nullptr;
}

DestinationStatus DeliveryService::with_queue(const Dispatcher& d) const {
  DestinationStatus s = d.status();
  if (auto q = store_.queue_stats(d.destination())) {
    s.queued = q->queued;
    s.retrying = q->retrying;
    s.dead = q->dead;
    s.oldest_queued_at = q->oldest_received_at;
  }
  return s;
}

std::vector<DestinationStatus> DeliveryService::destinations() const {
  std::vector<DestinationStatus> out;
  for (const auto& d : dispatchers_) out.push_back(with_queue(*d));
  return out;
}

ControlResult<DestinationStatus> DeliveryService::destination(std::string_view name) const {
  const Dispatcher* d = find(name);
  if (!d) return fail(unknown_destination(name));
  return with_queue(*d);
}

ControlResult<bool> DeliveryService::set_paused(std::string_view destination, bool paused,
                                                std::string_view actor) {
  Dispatcher* d = find(destination);
  if (!d) return fail(unknown_destination(destination));
  store::AuditEntry audit{0,
                          clock_.now(),
                          std::string(actor),
                          paused ? "pause" : "resume",
                          fmt::format("destination:{}", destination),
                          ""};
  if (auto s = store_.set_paused(destination, paused, audit); !s) {
    return fail(store_failure(s.error()));
  }
  d->set_paused(paused);
  log::info(paused ? "destination_paused" : "destination_resumed",
            {{"destination", destination}, {"actor", actor}});
  return paused;
}

ControlResult<bool> DeliveryService::pause(std::string_view destination, std::string_view actor) {
  return set_paused(destination, true, actor);
}

ControlResult<bool> DeliveryService::resume(std::string_view destination, std::string_view actor) {
  return set_paused(destination, false, actor);
}

ControlResult<std::vector<int64_t>> DeliveryService::replay_message(int64_t message_id,
                                                                    std::string_view destination,
                                                                    std::string_view actor) {
  if (!destination.empty() && !find(destination)) return fail(unknown_destination(destination));
  auto message = store_.get_message(message_id);
  if (!message) return fail(store_failure(message.error()));
  if (!*message) {
    return fail(
        ControlFailure{ControlError::not_found, fmt::format("no message with id {}", message_id)});
  }
  store::AuditEntry audit{0,
                          clock_.now(),
                          std::string(actor),
                          "replay",
                          fmt::format("message:{}", message_id),
                          destination.empty() ? "" : fmt::format("destination:{}", destination)};
  auto created = store_.replay_message(message_id, destination, audit);
  if (!created) return fail(store_failure(created.error()));
  if (created->empty()) {
    return fail(ControlFailure{
        ControlError::invalid,
        destination.empty()
            ? fmt::format("message {} has no deliveries to replay", message_id)
            : fmt::format("message {} was never delivered to {}", message_id, destination)});
  }
  for (const auto& d : dispatchers_) d->notify();
  log::info("message_replayed",
            {{"message", message_id}, {"deliveries", created->size()}, {"actor", actor}});
  return std::move(*created);
}

ControlResult<std::vector<int64_t>> DeliveryService::replay_dead(std::string_view destination,
                                                                 std::string_view actor) {
  Dispatcher* d = find(destination);
  if (!d) return fail(unknown_destination(destination));
  store::AuditEntry audit{0,
                          clock_.now(),
                          std::string(actor),
                          "replay_dead",
                          fmt::format("destination:{}", destination),
                          ""};
  auto created = store_.replay_dead(destination, audit);
  if (!created) return fail(store_failure(created.error()));
  d->notify();
  log::info("dead_letters_replayed",
            {{"destination", destination}, {"deliveries", created->size()}, {"actor", actor}});
  return std::move(*created);
}

ControlResult<std::vector<DeadLetter>> DeliveryService::dead_letters(std::string_view destination,
                                                                     int limit,
                                                                     int64_t before_id) const {
  if (!destination.empty() && !find(destination)) return fail(unknown_destination(destination));
  auto dead = store_.dead_deliveries(destination, limit, before_id);
  if (!dead) return fail(store_failure(dead.error()));
  std::vector<DeadLetter> out;
  for (store::DeadDelivery& d : *dead) {
    out.push_back(DeadLetter{d.delivery_id, d.message_id, std::move(d.destination),
                             std::move(d.control_id), std::move(d.message_type),
                             std::move(d.trigger_event), d.attempts, std::move(d.last_error),
                             d.received_at, d.dead_at});
  }
  return out;
}

}  // namespace irwell::delivery
