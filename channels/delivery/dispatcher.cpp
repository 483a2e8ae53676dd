#include "channels/delivery/dispatcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "engine/core/log.h"

namespace irwell::delivery {

namespace asio = boost::asio;

namespace {

constexpr auto kWaitable = asio::as_tuple(asio::use_awaitable);

// Waits until the timer fires or is cancelled (a wake-up); both just mean "look again".
asio::awaitable<void> wait(asio::steady_timer& timer, Duration d) {
  if (d <= Duration::zero()) co_return;
  // A ManualClock may be far ahead of or behind real time; never wait longer than a day.
  timer.expires_after(std::min<Duration>(d, std::chrono::hours(24)));
  co_await timer.async_wait(kWaitable);
}

asio::awaitable<void> wait_forever(asio::steady_timer& timer) {
  timer.expires_at(asio::steady_timer::time_point::max());
  co_await timer.async_wait(kWaitable);
}

}  // namespace

Dispatcher::Dispatcher(asio::any_io_executor executor, BlockingPool& pool,
                       store::MessageStore& store, store::CommitQueue& commits, const Clock& clock,
                       DispatcherSetup setup, SenderFactory make_sender)
    : executor_(executor),
      pool_(pool),
      store_(store),
      commits_(commits),
      clock_(clock),
      setup_(std::move(setup)),
      make_sender_(std::move(make_sender)),
      loader_timer_(executor),
      drain_timer_(executor) {
  const int lanes = std::max(1, setup_.lanes);
  for (int i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<Lane>(executor_));
}

void Dispatcher::start() {
  if (stopping_) return;  // stopped before its start was run: nothing to begin
  for (auto& lane : lanes_) lane->sender = make_sender_();
  spawn(load_loop());
  for (size_t i = 0; i < lanes_.size(); ++i) spawn(lane_loop(i));
  log::info("dispatcher_started", {{"destination", setup_.destination},
                                   {"type", setup_.type},
                                   {"lanes", lanes_.size()},
                                   {"paused", paused_.load()}});
}

void Dispatcher::spawn(asio::awaitable<void> coroutine) {
  ++running_;
  asio::co_spawn(executor_, std::move(coroutine), [this](std::exception_ptr e) {
    if (e) log::error("dispatcher_crashed", {{"destination", setup_.destination}});
    if (--running_ == 0 && ended_) std::exchange(ended_, nullptr)();
  });
}

bool Dispatcher::any_sending() const {
  return std::any_of(lanes_.begin(), lanes_.end(), [](const auto& l) { return l->sending; });
}

void Dispatcher::close_senders() {
  for (auto& lane : lanes_) {
    if (lane->sending) cut_ = true;
    if (lane->sender) lane->sender->close();
  }
}

void Dispatcher::stop(Duration drain_for, std::function<void()> ended) {
  if (!stopping_) {
    stopping_ = true;
    loader_timer_.cancel();
    size_t sending = 0;
    for (auto& lane : lanes_) {
      lane->timer.cancel();
      if (lane->sending) {
        ++sending;
      } else if (lane->sender) {
        lane->sender->close();
      }
    }
    if (sending > 0 && drain_for > Duration::zero()) {
      log::info(
          "dispatcher_draining",
          {{"destination", setup_.destination},
           {"in_flight", sending},
           {"drain_ms", std::chrono::duration_cast<std::chrono::milliseconds>(drain_for).count()}});
      spawn(drain(drain_for));
    } else {
      close_senders();
    }
  }
  if (!ended) return;
  if (running_ == 0) {
    ended();
  } else {
    ended_ = std::move(ended);
  }
}

void Dispatcher::notify() {
  asio::post(executor_, [this] {
    more_ = true;
    kick_loader();
  });
}

void Dispatcher::wake() {
  asio::post(executor_, [this] {
    for (auto& lane : lanes_) lane->timer.cancel();
  });
}

void Dispatcher::set_paused(bool paused) {
  paused_ = paused;
  wake();
}

void Dispatcher::kick_loader() { loader_timer_.cancel(); }

size_t Dispatcher::lane_of(const std::string& key) const {
  if (lanes_.size() == 1) return 0;
  return std::hash<std::string>{}(key) % lanes_.size();
}

asio::awaitable<void> Dispatcher::load_loop() {
  while (!stopping_) {
    if (!more_ || loaded_ >= setup_.window) {
      co_await wait_forever(loader_timer_);
      continue;
    }
    more_ = false;
    const int want = static_cast<int>(setup_.window - loaded_);
    auto page = co_await pool_.offload(
        [this, after = cursor_, want] { return store_.pending_deliveries(setup_.destination, after, want); });
    if (stopping_) break;
    if (!page) {
      log::error("delivery_queue_read_failed",
                 {{"destination", setup_.destination}, {"error", page.error().message}});
      more_ = true;
      co_await wait(loader_timer_, std::chrono::seconds(1));
      continue;
    }
    if (static_cast<int>(page->size()) == want) more_ = true;
    for (store::PendingDelivery& d : *page) {
      cursor_ = std::max(cursor_, d.id);
      Lane& lane = *lanes_[lane_of(d.lane_key)];
      lane.queue.push_back(std::move(d));
      ++loaded_;
      lane.timer.cancel();
    }
  }
}

asio::awaitable<void> Dispatcher::drain(Duration drain_for) {
  if (!any_sending()) {
    close_senders();  // they finished before this coroutine began
    co_return;
  }
  drain_timer_.expires_after(drain_for);
  auto [error] = co_await drain_timer_.async_wait(kWaitable);
  // Cancelled: the last send in progress has finished. Expired: cut the rest short.
  if (!error) {
    log::warn("dispatcher_drain_expired",
              {{"destination", setup_.destination},
               {"effect", "sends in progress are sent again on start"}});
  }
  close_senders();
}

asio::awaitable<void> Dispatcher::lane_loop(size_t index) {
  Lane& lane = *lanes_[index];
  while (!stopping_) {
    if (paused_ || lane.queue.empty()) {
      co_await wait_forever(lane.timer);
      continue;
    }
    store::PendingDelivery& head = lane.queue.front();
    const TimePoint now = clock_.now();
    if (head.next_attempt_at > now) {
      co_await wait(lane.timer, head.next_attempt_at - now);
      continue;
    }
    const TimePoint started = clock_.now();
    ++in_flight_;
    lane.sending = true;
    SendOutcome outcome = co_await lane.sender->send(head);
    lane.sending = false;
    --in_flight_;
    if (stopping_ && !any_sending()) {
      drain_timer_.cancel();  // the last send in progress is over: the drain can end
    }
    // Cut short while stopping: the failure is our own doing (the sender was closed), not an
    // attempt. A send that finished by itself during a drain is recorded like any other.
    if (cut_ && outcome.kind != SendOutcome::Kind::delivered) break;
    bool finished = false;
    record(lane.queue.front(), outcome, started, finished);
    if (finished) {
      lane.queue.pop_front();
      --loaded_;
      if (more_ && loaded_ <= setup_.window / 2) kick_loader();
    }
  }
}

void Dispatcher::record(store::PendingDelivery& head, const SendOutcome& outcome,
                        TimePoint started, bool& finished) {
  const TimePoint now = clock_.now();
  ++head.attempts;
  store::DeliveryResult r;
  r.delivery_id = head.id;
  r.attempts = head.attempts;
  r.attempt = store::StoredAttempt{started, now, outcome.outcome, outcome.reply, outcome.error};
  if (outcome.kind == SendOutcome::Kind::delivered) {
    r.next = store::DeliveryNext::sent;
    finished = true;
    ++sent_;
    latency_.record(now - head.received_at);
    std::lock_guard lock(status_mutex_);
    last_sent_at_ = now;
  } else {
    ++failed_attempts_;
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    const RetryPolicy::Decision d = setup_.policy.after_failure(
        head.attempts, outcome.kind == SendOutcome::Kind::refused, head.received_at, now, u);
    r.next = d.next;
    if (d.next == store::DeliveryNext::retry) {
      r.next_attempt_at = d.next_attempt_at;
      head.next_attempt_at = d.next_attempt_at;
      log::warn("delivery_failed", {{"destination", setup_.destination},
                                    {"delivery", head.id},
                                    {"control_id", head.control_id},
                                    {"attempts", head.attempts},
                                    {"outcome", outcome.outcome},
                                    {"error", outcome.error},
                                    {"retry_in_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        d.next_attempt_at - now)
                                                        .count()}});
    } else {
      finished = true;
      ++dead_lettered_;
      if (outcome.kind != SendOutcome::Kind::refused) {
        r.attempt.error = fmt::format("{}; {}", outcome.error, d.reason);
      }
      log::warn("delivery_dead_lettered", {{"destination", setup_.destination},
                                           {"delivery", head.id},
                                           {"control_id", head.control_id},
                                           {"attempts", head.attempts},
                                           {"error", r.attempt.error}});
    }
    std::lock_guard lock(status_mutex_);
    last_error_ = r.attempt.error;
  }
  commits_.submit_result(std::move(r));
}

DestinationStatus Dispatcher::status() const {
  DestinationStatus s;
  s.name = setup_.destination;
  s.type = setup_.type;
  s.paused = paused_;
  s.in_flight = in_flight_;
  s.sent = sent_;
  s.failed_attempts = failed_attempts_;
  s.dead_lettered = dead_lettered_;
  std::lock_guard lock(status_mutex_);
  s.last_error = last_error_;
  s.last_sent_at = last_sent_at_;
  return s;
}

}  // namespace irwell::delivery
