// queue_bench: one million messages queued for a subscriber that is down, then drained.
// Prints: the time to queue them (the store's commit path, no fsync), the engine's start time
// with the queue full, the drain rate once the subscriber (an in-process MLLP sink that ACKs at
// once) is up, and the process RSS sampled every 100 ms throughout (target: under 150 MB and
// flat). Release build; the data goes under --dir (default: the current directory).
//
// Usage: queue_bench [--messages N] [--dir DIR]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "channels/delivery/delivery_service.h"
#include "engine/app/builtin_registry.h"
#include "engine/app/engine.h"
#include "engine/config/environment.h"
#include "engine/config/load_config.h"
#include "engine/core/log.h"
#include "engine/store/sqlite_store.h"

using namespace irwell;
using Steady = std::chrono::steady_clock;

namespace {

double rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1048576.0);
}

// A sink that ACKs every frame at once and counts them.
struct Sink {
  std::atomic<long> received{0};
  int lfd = -1;
  uint16_t port = 0;
  Sink() {
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  void start() {
    listen(lfd, 16);
    std::thread([this] {
      for (;;) {
        int fd = accept(lfd, nullptr, nullptr);
        if (fd < 0) return;
        std::thread([this, fd] { serve(fd); }).detach();
      }
    }).detach();
  }
  void serve(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::string buf, out;
    char chunk[65536];
    for (;;) {
      ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      out.clear();
      size_t s;
      while ((s = buf.find('\x0b')) != std::string::npos) {
        size_t e = buf.find('\x1c', s);
        if (e == std::string::npos) break;
        // MSH-10: after the 9th '|'.
        size_t p = s;
        for (int i = 0; i < 9 && p != std::string::npos; ++i) p = buf.find('|', p + 1);
        std::string id = p == std::string::npos ? "" : buf.substr(p + 1, buf.find('|', p + 1) - p - 1);
        buf.erase(0, e + 2);
        out += "\x0bMSH|^~\\&|S|S|I|I|20260101||ACK|A|P|2.5\rMSA|AA|" + id + "\r\x1c\r";
        ++received;
      }
      if (!out.empty()) send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    }
    close(fd);
  }
};

}  // namespace

int main(int argc, char** argv) {
  long total = 1'000'000;
  std::filesystem::path base = std::filesystem::current_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--messages") total = std::stol(argv[i + 1]);
    if (a == "--dir") base = argv[i + 1];
  }
  log::set_level(log::Level::warn);
  const auto dir = base / fmt::format("queue-bench-{}", getpid());
  std::filesystem::create_directories(dir / "data");
  Sink sink;

  // 1. Queue `total` messages for destination "sub" straight through the store.
  const auto t0 = Steady::now();
  {
    store::SqliteOptions o;
    o.path = dir / "data" / "irwell.db";
    o.synchronous_full = false;
    auto st = store::SqliteStore::open(o);
    if (!st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    std::vector<store::NewMessage> batch;
    for (long i = 0; i < total; ++i) {
      store::NewMessage m;
      m.received_at = SystemClock::instance().now();
      m.source = "feed";
      m.peer = "127.0.0.1:1";
      m.control_id = fmt::format("Q{:08}", i);
      m.sending_application = "PAS";
      m.sending_facility = "RIVERMEAD";
      m.message_type = "ADT";
      m.trigger_event = "A08";
      m.version = "2.5";
      m.raw = fmt::format(
          "MSH|^~\\&|PAS|RIVERMEAD|HUB|REGION|20260301101500||ADT^A08|{}|P|2.5\r"
          "EVN|A08|20260301101500\rPID|1||K{}^^^RIVERMEAD^MR~9990000018^^^NHS^NH||Tester^Alice"
          "||19800101|F\rPV1|1|I|WARD1^BED2\r",
          m.control_id, i % 50000);
      m.ack_code = "AA";
      m.patients.push_back({fmt::format("K{}", i % 50000), "RIVERMEAD", "MR"});
      m.deliveries.push_back({"sub", "all", "", ""});
      batch.push_back(std::move(m));
      if (batch.size() == 10000 || i + 1 == total) {
        if (auto r = (*st)->commit(batch, std::nullopt); !r) {
          std::fprintf(stderr, "%s\n", r.error().message.c_str());
          return 1;
        }
        batch.clear();
      }
    }
  }
  const double queue_s = std::chrono::duration<double>(Steady::now() - t0).count();

  const std::string yaml = fmt::format(
      "storage:\n  data_dir: {}\nadmin:\n  enabled: false\nsources:\n  feed:\n    type: mllp\n"
      "    port: 0\ndestinations:\n  sub:\n    type: mllp\n    host: 127.0.0.1\n    port: {}\n"
      "    retry_initial: 10ms\n    retry_max: 10ms\nroutes:\n  all:\n    sources: [feed]\n"
      "    destinations: [sub]\n",
      (dir / "data").string(), sink.port);
  auto config = config::load_config_text(yaml, "bench.yaml", dir, app::builtin_registry(),
                                         config::process_environment());
  if (!config) {
    std::fprintf(stderr, "config refused\n");
    return 1;
  }

  std::atomic<bool> sampling{true};
  std::vector<double> rss;
  std::vector<std::pair<long, double>> by_progress;  // (delivered so far, RSS) every 100 ms
  std::thread sampler([&] {
    while (sampling) {
      rss.push_back(rss_mb());
      by_progress.emplace_back(sink.received.load(), rss.back());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  // 2. Start with the queue full (the subscriber still down).
  const auto t1 = Steady::now();
  auto engine = app::Engine::start(*config);
  const double start_s = std::chrono::duration<double>(Steady::now() - t1).count();
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.error().message.c_str());
    return 1;
  }
  const double rss_full = rss_mb();

  // 3. The subscriber comes up: drain.
  sink.start();
  const auto t2 = Steady::now();
  while (sink.received < total) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double drain_s = std::chrono::duration<double>(Steady::now() - t2).count();
  (*engine)->stop();
  sampling = false;
  sampler.join();
  const double rss_max = *std::max_element(rss.begin(), rss.end());
  const double rss_min = *std::min_element(rss.begin(), rss.end());
  std::printf(
      "queue_bench: %ld messages queued in %.1f s (store commit, no fsync)\n"
      "engine start with the queue full: %.3f s\n"
      "drain: %.1f s, %.0f msg/s to an MLLP sink\n"
      "RSS during start and drain: min %.1f MB, max %.1f MB (%zu samples); right after start "
      "%.1f MB\n",
      total, queue_s, start_s, drain_s, total / drain_s, rss_min, rss_max, rss.size(), rss_full);
  std::printf("RSS by drain progress:");
  for (int tenth = 0; tenth <= 10; ++tenth) {
    const long mark = total * tenth / 10;
    for (const auto& [done, mb] : by_progress) {
      if (done >= mark) {
        std::printf(" %d%%=%.0fMB", tenth * 10, mb);
        break;
      }
    }
  }
  std::printf("\n");
  std::filesystem::remove_all(dir);
  return 0;
}
