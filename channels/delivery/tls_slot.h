#pragma once
// TlsSlot: the TLS client context a destination's new connections use, replaceable while they
// run (certificate reload without a restart).
// - Contract: get() returns the current context; set() replaces it for connections made after
//   it. A connection holds the shared_ptr it started with, so an old context lives as long as
//   the connections made with it.
// - Thread-safety: get() and set() from any thread.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>

namespace irwell::delivery {

class TlsSlot {
 public:
  explicit TlsSlot(std::shared_ptr<boost::asio::ssl::context> c) : context_(std::move(c)) {}
  std::shared_ptr<boost::asio::ssl::context> get() const {
    std::lock_guard lock(mutex_);
    return context_;
  }
  void set(std::shared_ptr<boost::asio::ssl::context> c) {
    std::lock_guard lock(mutex_);
    context_ = std::move(c);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

}  // namespace irwell::delivery
