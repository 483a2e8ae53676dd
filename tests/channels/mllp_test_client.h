#pragma once
// Test helpers for the MLLP listener: a small blocking client on plain POSIX sockets, a log
// watcher to wait for engine events (instead of sleeping), and an in-process Engine on port 0
// with a TempDir store.
//
// Contract: test-only. Every blocking call has a generous failure guard (the socket receive
// timeout, the watcher's deadline) so that a broken engine fails a test instead of hanging it;
// the guards are never used as synchronisation.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/app/engine.h"
#include "engine/core/log.h"
#include "engine/mllp/frame_encoder.h"
#include "tests/support/test_support.h"

namespace irwell::testing {

inline constexpr auto kGuard = std::chrono::seconds(20);  // failure guard, not a wait

class MllpTestClient {
 public:
  explicit MllpTestClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(kGuard.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~MllpTestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  MllpTestClient(const MllpTestClient&) = delete;
  MllpTestClient& operator=(const MllpTestClient&) = delete;

  bool connected() const { return connected_; }

  bool send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  bool send_frame(std::string_view payload) { return send_raw(mllp::encode_frame(payload)); }

  // The next frame's payload; nullopt when the peer closed (or the guard expired).
  std::optional<std::string> read_frame() {
    for (;;) {
      size_t start = buf_.find('\x0b');
      if (start != std::string::npos) {
        size_t end = buf_.find("\x1c\r", start);
        if (end != std::string::npos) {
          std::string payload = buf_.substr(start + 1, end - start - 1);
          buf_.erase(0, end + 2);
          return payload;
        }
      }
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        eof_ = n == 0;
        return std::nullopt;
      }
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }
  // True when the server closed the connection (read returned 0, not the guard).
  bool closed_by_peer() {
    while (read_frame()) {
    }
    return eof_;
  }
  // One message, one reply.
  std::optional<std::string> round_trip(std::string_view payload) {
    if (!send_frame(payload)) return std::nullopt;
    return read_frame();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

// Captures log lines (process-wide sink) so a test can wait for an event the engine logs.
class LogWatcher {
 public:
  LogWatcher() {
    log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
      cv_.notify_all();
    });
  }
  ~LogWatcher() { log::set_sink(nullptr); }
  LogWatcher(const LogWatcher&) = delete;
  LogWatcher& operator=(const LogWatcher&) = delete;

  // Waits until `count` lines contain `event=NAME` (and `also`, if given); false on the guard.
  bool wait_for(std::string_view name, size_t count = 1, std::string_view also = {}) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kGuard, [&] { return count_locked(name, also) >= count; });
  }
  size_t count(std::string_view name, std::string_view also = {}) {
    std::lock_guard lock(mu_);
    return count_locked(name, also);
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  size_t count_locked(std::string_view name, std::string_view also) const {
    const std::string key = "event=" + std::string(name);
    size_t n = 0;
    for (const std::string& l : lines_) {
      const size_t at = l.find(key);
      if (at == std::string::npos) continue;
      const size_t end = at + key.size();
      if (end < l.size() && l[end] != ' ') continue;  // event=NAME_longer
      if (also.empty() || l.find(also) != std::string::npos) ++n;
    }
    return n;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

// An in-process engine with one MLLP source "pas_in" on 127.0.0.1:0 and its store in a TempDir.
struct RunningEngine {
  TempDir dir;
  config::Config config;
  std::unique_ptr<app::Engine> engine;
  uint16_t port = 0;

  explicit RunningEngine(std::function<void(config::Config&, app::EngineOptions&)> adjust = {}) {
    config.storage.data_dir = dir.path() / "data";
    config.admin.enabled = false;  // hermetic: no admin port (8080 by default)
    config::SourceConfig source;
    source.name = "pas_in";
    source.type = "mllp";
    source.mllp.port = 0;
    config.sources.push_back(source);
    app::EngineOptions options;
    if (adjust) adjust(config, options);
    auto started = app::Engine::start(config, std::move(options));
    if (!started) throw std::runtime_error("engine did not start: " + started.error().message);
    engine = std::move(started).value();
    port = engine->port("pas_in").value_or(0);
  }
  const channels::MllpListenerCounters& counters() const { return *engine->counters("pas_in"); }
};

}  // namespace irwell::testing
