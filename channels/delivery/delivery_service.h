#pragma once
// DeliveryService: every destination's Dispatcher, the senders they use, and the operations
// view of them (DeliveryControl). The Engine owns one.
//
// Wiring: create() builds a dispatcher per configured destination (failing on a destination it
// cannot build, e.g. an unreadable TLS file); it neither connects nor reads the store. The owner
// forwards the CommitQueue's on_queued to notify_queued(), which tells the dispatchers of the
// destinations a batch queued deliveries for. start() (on any thread, before the io_context runs
// or while it runs) reads the paused flags and starts the dispatchers on the executor. stop()
// must be called on the executor; the dispatchers' coroutines end soon after, and the
// io_context's run() can return. A service can be replaced while the engine runs (a reload that
// changes destinations): build the new one on the old one's blocking pool, stop the old one's
// changed and removed destinations with a `stopped` callback (keep the rest running), let the
// CommitQueue commit their last results, move the kept destinations' running dispatchers into
// the new service (adopt), destroy the old one on the executor, then start the new one: a
// destination whose settings did not change never stops.
// DeliveryControl's methods are thread-safe (store calls plus posts to the executor).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "channels/delivery/blocking_pool.h"
#include "channels/delivery/delivery_control.h"
#include "channels/delivery/dispatcher.h"
#include "channels/delivery/mllp_sender.h"
#include "engine/config/config.h"
#include "engine/core/clock.h"
#include "engine/core/result.h"
#include "engine/store/commit_queue.h"
#include "engine/store/message_store.h"

namespace irwell::delivery {

class FileBatch;

// Builds the Sender of a destination type other than the built-in mllp, file and http (the
// record store); nullptr means the type is not served.
using ExtraSenderFactory = std::function<Dispatcher::SenderFactory(
    const config::DestinationConfig&, boost::asio::any_io_executor, BlockingPool&)>;

class DeliveryService final : public DeliveryControl {
 public:
  // `pool`: the blocking pool to share (a replacement takes its predecessor's, which the
  // dispatchers it adopts use); nullptr makes a new one.
  static Result<std::unique_ptr<DeliveryService>> create(
      boost::asio::io_context& io, const config::Config& config, store::MessageStore& store,
      store::CommitQueue& commits, const Clock& clock, ExtraSenderFactory extra = {},
      std::shared_ptr<BlockingPool> pool = nullptr);
  ~DeliveryService() override;

  // Starts every dispatcher and batch timer not adopted (adopted ones are running already).
  Status<> start();
  // On the executor. No new sends; a send in progress may finish within `drain` and is then
  // recorded (Dispatcher::stop), so a planned stop or reload sends nothing twice to a
  // subscriber that answers in time. `stopped` (if set) runs on the executor once every
  // dispatcher and batch timer has ended: no send is in progress any more and every delivery
  // result has been handed to the CommitQueue. Only then may the service be destroyed while
  // the executor runs.
  // The destinations named in `keep` are left running (for adopt()); `stopped` then covers the
  // others only.
  void stop(Duration drain, std::function<void()> stopped = {},
            const std::set<std::string>& keep = {});
  void stop(std::function<void()> stopped = {}) { stop(Duration::zero(), std::move(stopped)); }
  // Before start(), with both services' users shut out (the engine's exclusive lock): takes
  // over `previous`'s running dispatcher, TLS slot and batch timer of each destination in
  // `keep`, in place of the ones built here, which `previous` gets instead. `previous` was
  // created on the same pool and stop()ped with the same `keep`; it is destroyed on the
  // executor afterwards, holding only stopped or never started parts.
  void adopt(DeliveryService& previous, const std::set<std::string>& keep);
  std::shared_ptr<BlockingPool> pool() const { return pool_; }
  // The CommitQueue's on_queued: these destinations got new deliveries (any thread).
  void notify_queued(const std::vector<std::string>& destinations);
  void wake_all();
  // Passes of the file batch timers (each a finish_if_due() completed, whatever it found), and
  // a wait for one after `seen`; returns the count (tests with an injected clock; any thread).
  uint64_t batch_passes() const;
  uint64_t wait_batch_pass(uint64_t seen, Duration guard)
      const;  // any thread: every dispatcher re-reads the clock (ManualClock tests)
  // Re-reads the TLS files of the mllp and http destinations (any thread): new connections use
  // them, established ones keep theirs. A destination whose files fail keeps its current context.
  Status<> reload_tls(const config::Config& config);
  // Per destination: message received -> delivery sent (any thread).
  std::vector<std::pair<std::string, HistogramSnapshot>> delivery_latency() const;

  std::vector<DestinationStatus> destinations() const override;
  ControlResult<DestinationStatus> destination(std::string_view name) const override;
  ControlResult<bool> pause(std::string_view destination, std::string_view actor) override;
  ControlResult<bool> resume(std::string_view destination, std::string_view actor) override;
  ControlResult<std::vector<int64_t>> replay_message(int64_t message_id,
                                                     std::string_view destination,
                                                     std::string_view actor) override;
  ControlResult<std::vector<int64_t>> replay_dead(std::string_view destination,
                                                  std::string_view actor) override;
  ControlResult<std::vector<DeadLetter>> dead_letters(std::string_view destination, int limit,
                                                      int64_t before_id) const override;

 private:
  DeliveryService(boost::asio::io_context& io, store::MessageStore& store, const Clock& clock);
  Dispatcher* find(std::string_view name) const;
  DestinationStatus with_queue(const Dispatcher& d) const;
  ControlResult<bool> set_paused(std::string_view destination, bool paused, std::string_view actor);

  boost::asio::io_context& io_;
  store::MessageStore& store_;
  const Clock& clock_;
  std::shared_ptr<BlockingPool> pool_;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers_;
  std::set<const Dispatcher*> adopted_;  // running before start(): not started again
  std::map<std::string, std::shared_ptr<TlsSlot>> tls_slots_;  // mllp destinations with TLS
  // File destinations in batch mode: each batch is finished just after its period ends.
  // Shared with its coroutine, which never touches the service itself.
  struct PassCounter {
    std::mutex mutex;
    std::condition_variable passed;
    uint64_t n = 0;  // finish_if_due() calls completed, all destinations
  };
  struct BatchCloser {
    BatchCloser(boost::asio::io_context& io, std::string d, std::shared_ptr<FileBatch> b,
                std::shared_ptr<PassCounter> p)
        : destination(std::move(d)), batch(std::move(b)), timer(io), passes(std::move(p)) {}
    std::string destination;
    std::shared_ptr<FileBatch> batch;
    boost::asio::steady_timer timer;
    std::shared_ptr<PassCounter> passes;
    bool stopping = false;  // executor only
    bool running = false;   // executor only: its coroutine has been spawned and has not ended
    std::function<void()> on_end;  // executor only: stop()'s share, run when the coroutine ends
  };
  std::shared_ptr<PassCounter> batch_passes_ = std::make_shared<PassCounter>();
  static boost::asio::awaitable<void> close_batches_on_time(std::shared_ptr<BatchCloser> b,
                                                            std::shared_ptr<BlockingPool> pool,
                                                            const Clock& clock);
  std::vector<std::shared_ptr<BatchCloser>> batch_closers_;
};

}  // namespace irwell::delivery
