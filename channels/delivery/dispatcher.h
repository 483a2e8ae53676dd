#pragma once
// Dispatcher: delivers one destination's queue, in order, from the store to a Sender.
//
// How (DESIGN.md "per destination"): the queue lives in the store (deliveries, FIFO by id). The
// dispatcher keeps a bounded window of it in memory (store::pending_deliveries after a cursor),
// refilled when the CommitQueue says new deliveries were committed (notify()) or the window runs
// low. Each lane sends its head delivery and waits for the outcome before the next one, so
// order holds by construction: with one lane (the default) the whole destination is strict
// FIFO with head-of-line blocking; with N lanes a delivery goes to lane hash(lane_key) % N,
// which keeps each key's (patient's) deliveries in order while N are in flight.
// After a failed attempt the head waits for its retry time (RetryPolicy) and nothing behind it
// in its lane overtakes it; a dead-lettered head is set aside and the lane moves on.
//
// Durability: every outcome goes to the CommitQueue as a DeliveryResult and is committed with
// the next batch; the dispatcher does not wait for it. At-least-once: a delivery sent but not
// yet recorded when the process dies is still unfinished in the store and is sent again on
// start (so is one that was in flight). Retry times and attempt counts survive restarts.
//
// Time comes from the injected Clock; timers wait the clock's difference in real time, and
// wake() makes every lane re-read the clock at once (tests advance a ManualClock, then wake).
//
// Threading: everything runs on one executor (the engine's network thread) except notify(),
// wake(), set_paused() and status(), which may be called from any thread. Lifetime: created,
// start()ed and stop()ped by DeliveryService; it must outlive its coroutines, which end after
// stop() (the executor's run() returns only then).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "channels/delivery/blocking_pool.h"
#include "channels/delivery/delivery_control.h"
#include "channels/delivery/retry_policy.h"
#include "channels/delivery/sender.h"
#include "engine/core/clock.h"
#include "engine/core/histogram.h"
#include "engine/store/commit_queue.h"
#include "engine/store/message_store.h"

namespace irwell::delivery {

struct DispatcherSetup {
  std::string destination, type;
  RetryPolicy policy;
  int lanes = 1;
  size_t window = 1024;  // deliveries held in memory at most
};

class Dispatcher {
 public:
  using SenderFactory = std::function<std::unique_ptr<Sender>()>;

  Dispatcher(boost::asio::any_io_executor executor, BlockingPool& pool, store::MessageStore& store,
             store::CommitQueue& commits, const Clock& clock, DispatcherSetup setup,
             SenderFactory make_sender);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  const std::string& destination() const { return setup_.destination; }
  const std::string& type() const { return setup_.type; }

  // On the executor: spawns the loader and the lanes. Set the stored paused flag with
  // set_paused() first: start() does not touch it, so an operator's pause that lands between
  // the two is never undone.
  void start();
  // On the executor: no new sends. A send in progress may finish within `drain` (real time):
  // its outcome is recorded as usual, so a subscriber that answers in time is not sent the
  // message again after a restart or reload. Idle lanes' senders are closed at once; when
  // `drain` has passed (or at once, with a zero drain) the rest are closed too, and a send
  // they cut short ends as a failure that is not recorded (the delivery stays unfinished and
  // is sent again on start: at-least-once). `ended` (if set) runs on the executor once every
  // coroutine of this dispatcher has ended (at once when none runs): from then on it touches
  // neither the store nor its senders, and every result it will ever submit has been
  // submitted. Calls after the first only add nothing.
  void stop(Duration drain, std::function<void()> ended = {});
  void stop(std::function<void()> ended = {}) { stop(Duration::zero(), std::move(ended)); }

  void notify();  // new deliveries may be in the store
  void wake();    // re-read the clock (a ManualClock moved)
  void set_paused(bool paused);
  bool paused() const { return paused_.load(); }

  // Counters since start; queue figures are the store's (DeliveryService adds them).
  DestinationStatus status() const;
  // Message received -> delivery sent, for every delivery sent since start.
  HistogramSnapshot delivery_latency() const { return latency_.snapshot(); }

 private:
  struct Lane {
    explicit Lane(boost::asio::any_io_executor ex) : timer(ex) {}
    std::deque<store::PendingDelivery> queue;
    boost::asio::steady_timer timer;
    std::unique_ptr<Sender> sender;
    bool sending = false;  // a send() is in progress
  };

  boost::asio::awaitable<void> load_loop();
  boost::asio::awaitable<void> lane_loop(size_t index);
  // Stopping with sends in progress: waits until they have finished or `drain` has passed,
  // then closes every sender.
  boost::asio::awaitable<void> drain(Duration drain);
  void spawn(boost::asio::awaitable<void> coroutine);  // counted in running_
  bool any_sending() const;
  void close_senders();
  void record(store::PendingDelivery& head, const SendOutcome& outcome, TimePoint started,
              bool& finished);
  void kick_loader();
  size_t lane_of(const std::string& key) const;

  boost::asio::any_io_executor executor_;
  BlockingPool& pool_;
  store::MessageStore& store_;
  store::CommitQueue& commits_;
  const Clock& clock_;
  const DispatcherSetup setup_;
  SenderFactory make_sender_;

  // Executor-only state.
  std::vector<std::unique_ptr<Lane>> lanes_;
  boost::asio::steady_timer loader_timer_;
  int64_t cursor_ = 0;   // highest delivery id loaded
  size_t loaded_ = 0;    // deliveries in the lanes' queues
  bool more_ = true;     // the store may hold deliveries after the cursor
  bool stopping_ = false;
  bool cut_ = false;  // the senders were closed while sends were in progress
  boost::asio::steady_timer drain_timer_;
  int running_ = 0;      // coroutines still running
  std::function<void()> ended_;  // stop()'s callback, run when running_ reaches 0
  std::mt19937_64 random_{std::random_device{}()};

  // Any thread.
  std::atomic<bool> paused_{false};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> sent_{0}, failed_attempts_{0}, dead_lettered_{0};
  LatencyHistogram latency_;
  mutable std::mutex status_mutex_;
  std::string last_error_;                // guarded by status_mutex_
  std::optional<TimePoint> last_sent_at_;  // guarded by status_mutex_
};

}  // namespace irwell::delivery
