#pragma once
// Pruner: retention in the background. Every `interval` it erases the content of messages
// older than their source's content age and deletes the records older than its metadata age,
// in transactions of at most `batch` messages with a short pause between them, so a sender's
// ACK waits at most one small transaction for the store's single writer. Messages with an
// unfinished delivery are never pruned (the store guarantees it).
//
// Thread-safety: start()/stop() from one controlling thread; run_once() from one thread at a
// time (tests call it directly with a ManualClock instead of starting the thread). The store
// must outlive the Pruner. A failed step is logged and retried at the next interval.
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/clock.h"
#include "engine/store/message_store.h"

namespace irwell::store {

struct SourceRetention {
  std::string source;
  std::optional<Duration> content, metadata;  // nullopt: kept forever
};

struct PrunerOptions {
  std::vector<SourceRetention> sources;
  Duration interval = std::chrono::minutes(5);
  int batch = 500;
  Duration pause = std::chrono::milliseconds(5);  // between two transactions
};

struct PruneTotals {
  int64_t content_erased = 0, deleted = 0;
};

class Pruner {
 public:
  Pruner(MessageStore& store, const Clock& clock, PrunerOptions options);
  ~Pruner();  // stop()
  Pruner(const Pruner&) = delete;
  Pruner& operator=(const Pruner&) = delete;

  // Starts the background thread when any source has an age; otherwise does nothing.
  void start();
  void stop();
  // One full pass over every source; returns what it pruned.
  Result<PruneTotals> run_once();

 private:
  void run();

  MessageStore& store_;
  const Clock& clock_;
  const PrunerOptions options_;
  std::map<std::string, TimePoint> content_cursor_;  // per source; run_once()'s thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace irwell::store
