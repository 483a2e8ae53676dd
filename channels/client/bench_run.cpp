#include "channels/client/bench_run.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <numeric>

#include "channels/client/ack_verdict.h"
#include "channels/client/mllp_client.h"
#include "channels/client/tls_client_context.h"

namespace irwell::client {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

struct Run {
  const BenchOptions& options;
  const BenchMessages& messages;
  std::vector<std::unique_ptr<MllpClient>> clients;
  BenchResult result;
  std::string setup_error;
  std::uint64_t next = 0;  // the next message number to send
  std::uint64_t end = 0;   // one past the last number of the phase
};

void note_error(Run& run, const std::string& message) {
  if (run.result.first_error.empty()) run.result.first_error = message;
}

// One connection: send, await the ACK, record, repeat while the phase has messages left.
asio::awaitable<void> connection_loop(Run& run, MllpClient& client, bool measured) {
  BenchResult& r = run.result;
  while (run.next < run.end && client.is_open()) {
    std::uint64_t n = run.next++;
    std::string payload = run.messages.make(n);
    auto start = Clock::now();
    auto reply = co_await client.exchange(payload);
    auto latency = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!reply) note_error(run, reply.error().message);
    if (!measured) continue;
    ++r.sent;
    if (!reply) {
      ++r.failed;
      continue;
    }
    r.latencies_ms.push_back(latency);
    AckVerdict v = judge_reply(run.messages.control_id(n), *reply);
    if (!v.is_ack) {
      ++r.not_ack;
      note_error(run, v.problem);
      continue;
    }
    ++r.acked;
    ++r.acks[v.code];
    if (v.accepted) {
      ++r.accepted;
    } else if (v.control_id != run.messages.control_id(n)) {
      ++r.mismatched;
      note_error(run, v.problem);
    }
  }
}

// Runs message numbers [begin, end) over every open connection and returns when all are done.
asio::awaitable<void> run_phase(Run& run, std::uint64_t begin, std::uint64_t end, bool measured) {
  auto executor = co_await asio::this_coro::executor;
  run.next = begin;
  run.end = end;
  asio::steady_timer all_done(executor, Clock::time_point::max());
  size_t running = 0;
  std::exception_ptr failure;
  for (auto& client : run.clients) {
    ++running;
    asio::co_spawn(executor, connection_loop(run, *client, measured), [&](std::exception_ptr e) {
      if (e && !failure) failure = e;
      if (--running == 0) all_done.cancel();
    });
  }
  if (running > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  if (failure) std::rethrow_exception(failure);  // a bug, not a network error
}

asio::awaitable<void> drive(Run& run) {
  for (auto& client : run.clients) {
    auto connected = co_await client->connect(run.options.endpoint);
    if (!connected) {
      run.setup_error = connected.error().message;
      for (auto& c : run.clients) c->close();
      co_return;
    }
  }
  const std::uint64_t warmup = run.options.warmup;
  if (warmup > 0) co_await run_phase(run, 0, warmup, false);
  auto start = Clock::now();
  co_await run_phase(run, warmup, warmup + run.options.messages, true);
  run.result.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& c : run.clients) c->close();
}

}  // namespace

Result<BenchResult> run_bench(const BenchOptions& options, const BenchMessages& messages) {
  if (options.connections < 1) return fail("need at least one connection");
  std::unique_ptr<asio::ssl::context> tls;
  if (options.client.tls.enabled) {
    auto ctx = make_tls_client_context(options.client.tls);
    if (!ctx) return fail(ctx.error().message);
    tls = std::move(*ctx);
  }
  asio::io_context io(1);
  auto timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options.client.timeout_seconds));
  Run run{options, messages, {}, {}, {}, 0, 0};
  for (int i = 0; i < options.connections; ++i) {
    run.clients.push_back(std::make_unique<MllpClient>(io.get_executor(), tls.get(), timeout));
  }
  run.result.latencies_ms.reserve(options.messages);
  asio::co_spawn(io, drive(run), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  if (!run.setup_error.empty()) return fail(run.setup_error);
  return std::move(run.result);
}

LatencySummary summarize_latencies(std::vector<double> v) {
  LatencySummary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    auto idx = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
    idx = std::clamp<size_t>(idx, 1, v.size());
    return v[idx - 1];
  };
  s.p50_ms = rank(50);
  s.p90_ms = rank(90);
  s.p99_ms = rank(99);
  s.p999_ms = rank(99.9);
  s.max_ms = v.back();
  s.mean_ms = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  return s;
}

}  // namespace irwell::client
