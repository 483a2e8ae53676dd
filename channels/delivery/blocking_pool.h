#pragma once
// BlockingPool: a few threads for work that blocks (SQLite reads, file writes with fsync, the
// record store), so the network thread never waits on a disk. `offload` runs a function there
// and resumes the awaiting coroutine on its own executor with the result.
//
// Thread-safety: offload() may be called from any coroutine; the function runs on a pool thread
// and must not touch the caller's sockets or other executor-bound state. stop() waits for work
// already handed over; the pool must outlive every offload() awaiting it.
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>
#include <utility>

namespace irwell::delivery {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  ~BlockingPool() { stop(); }
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  void stop() { pool_.join(); }

  // Runs `f` on a pool thread and does not wait for it (stop() does).
  template <class F>
  void post(F f) {
    boost::asio::post(pool_, std::move(f));
  }

  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F>> offload(F f) {
    namespace asio = boost::asio;
    using R = std::invoke_result_t<F>;
    auto home = co_await asio::this_coro::executor;
    std::optional<R> result;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [&](auto handler) {
          asio::post(pool_, [&, handler = std::move(handler), home]() mutable {
            result.emplace(f());
            // Back to the coroutine's executor: it resumes there, never on a pool thread.
            auto ex = asio::get_associated_executor(handler, home);
            asio::post(ex, std::move(handler));
          });
        },
        asio::use_awaitable);
    co_return std::move(*result);
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace irwell::delivery
