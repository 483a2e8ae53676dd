// store_bench: durable messages/s and commits/s through CommitQueue into the SQLite store.
//
// usage: store_bench [--dir DIR] [--messages N] [--threads 1,8,32] [--no-sync]
//
// For each thread count: a fresh store file in DIR (default: the current directory, so the disk
// under test is the one the engine would use), then THREADS submitters that each submit one
// message and wait for its own completion before the next, like MLLP sessions awaiting their
// ACKs. Each message is a ~400-byte ADT^A01 with two patient identifiers and one delivery, all
// written as the engine writes them. Prints one JSON line per thread count: messages/s, commits
// (batches)/s, mean batch size, and completion latency percentiles in ms. Build it in Release;
// never run as a test.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/store/commit_queue.h"
#include "engine/store/sqlite_store.h"
#include "tests/store/sample_message.h"

using namespace irwell;
using namespace irwell::store;
using Steady = std::chrono::steady_clock;

namespace {

NewMessage bench_message(int thread, int i) {
  // fmt, not "B" + std::to_string(...): GCC 12 -O2 gives a false -Wrestrict on the latter.
  NewMessage m =
      test::sample_message(fmt::format("B{}-{}", thread, i), SystemClock::instance().now());
  m.peer = "127.0.0.1:" + std::to_string(40000 + thread);
  return m;
}

void remove_store_files(const std::filesystem::path& file) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(file.string() + suffix);
  }
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * sorted.size() + 0.999999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// Store and queue live in this function: the queue stops (and the store closes) at its end.
int run_one(const std::filesystem::path& file, int threads, int messages, bool sync) {
  SqliteOptions o;
  o.path = file;
  o.synchronous_full = sync;
  auto store = SqliteStore::open(o);
  if (!store) {
    std::fprintf(stderr, "store_bench: %s\n", store.error().message.c_str());
    return 1;
  }
  CommitQueue queue(**store, SystemClock::instance());
  queue.start();

  const int per_thread = std::max(1, messages / threads);
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<int> failures{0};
  const auto start = Steady::now();
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      // A mutex and condition variable, not std::binary_semaphore: libstdc++'s semaphore spins
      // with sched_yield before it sleeps, and 32 spinning waiters would starve the writer.
      std::mutex mutex;
      std::condition_variable cv;
      bool completed = false;
      latencies[t].reserve(per_thread);
      for (int i = 0; i < per_thread; ++i) {
        NewMessage m = bench_message(t, i);
        const auto sent = Steady::now();
        queue.submit(std::move(m), [&](Result<CommitOutcome> r) {
          if (!r || r->duplicate) failures.fetch_add(1);
          std::lock_guard lock(mutex);
          completed = true;
          cv.notify_one();
        });
        {
          std::unique_lock lock(mutex);
          cv.wait(lock, [&] { return completed; });
          completed = false;
        }
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Steady::now() - sent).count());
      }
    });
  }
  for (auto& s : submitters) s.join();
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
  queue.stop();
  const CommitQueueCounters c = queue.counters();

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const double total = static_cast<double>(all.size());
  std::printf(
      "{\"bench\":\"store_commit_queue\",\"threads\":%d,\"sync\":\"%s\",\"messages\":%zu,"
      "\"seconds\":%.3f,\"msgs_per_s\":%.0f,\"commits_per_s\":%.0f,\"mean_batch\":%.2f,"
      "\"largest_batch\":%llu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
      "\"failures\":%d}\n",
      threads, sync ? "full" : "normal", all.size(), seconds, total / seconds,
      static_cast<double>(c.batches) / seconds,
      c.batches ? total / static_cast<double>(c.batches) : 0.0,
      static_cast<unsigned long long>(c.largest_batch), percentile(all, 50), percentile(all, 99),
      all.empty() ? 0.0 : all.back(), failures.load());
  std::fflush(stdout);
  return failures.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = ".";
  int messages = 20000;
  std::vector<int> thread_counts = {1, 8, 32};
  bool sync = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--messages" && i + 1 < argc) {
      messages = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      thread_counts.clear();
      for (const char* p = argv[++i]; *p;) {
        thread_counts.push_back(std::max(1, std::atoi(p)));
        p = std::strchr(p, ',') ? std::strchr(p, ',') + 1 : p + std::strlen(p);
      }
    } else if (arg == "--no-sync") {
      sync = false;
    } else {
      std::fprintf(stderr,
                   "usage: store_bench [--dir DIR] [--messages N] [--threads 1,8,32] "
                   "[--no-sync]\n");
      return arg == "--help" ? 0 : 2;
    }
  }
  int rc = 0;
  for (int threads : thread_counts) {
    const auto file = dir / ("store_bench_" + std::to_string(threads) + ".db");
    remove_store_files(file);
    rc |= run_one(file, threads, messages, sync);
    remove_store_files(file);
  }
  return rc;
}
