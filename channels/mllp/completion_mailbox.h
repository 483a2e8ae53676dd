#pragma once
// CompletionMailbox: hands work from other threads (the store writer completing commits) to one
// executor, one post per burst instead of one per item.
// - Contract: post() queues `f`; every queued function runs on the executor, in the order
//   posted. The first post after a drain schedules one drain; the posts that follow before it
//   runs ride along, so a batch of N commits wakes the network thread once, not N times.
// - Thread-safety: post() from any thread; the functions run only on the executor. Hold it by
//   shared_ptr: a scheduled drain keeps the mailbox alive.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace irwell::channels {

class CompletionMailbox : public std::enable_shared_from_this<CompletionMailbox> {
 public:
  explicit CompletionMailbox(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

  void post(std::function<void()> f) {
    bool schedule = false;
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(f));
      schedule = !scheduled_;
      scheduled_ = true;
    }
    if (schedule) boost::asio::post(ex_, [self = shared_from_this()] { self->drain(); });
  }

 private:
  void drain() {
    {
      std::lock_guard lock(mutex_);
      std::swap(items_, running_);
      scheduled_ = false;
    }
    for (auto& f : running_) f();
    running_.clear();  // keeps its capacity for the next drain
  }

  boost::asio::any_io_executor ex_;
  std::mutex mutex_;
  std::vector<std::function<void()>> items_;  // guarded by mutex_
  bool scheduled_ = false;                    // guarded by mutex_: a drain is posted
  std::vector<std::function<void()>> running_;  // executor only
};

}  // namespace irwell::channels
