#pragma once
// TestSubscriber: an MLLP receiver for delivery tests, on plain POSIX sockets in its own
// threads. It records every message it receives (in arrival order) and answers according to
// its mode: AA, AE, AR, a wrong MSA-2, no answer at all (hang), or closing the connection.
// down() closes the port and every connection (a subscriber that is down: connections are
// refused); up() listens again on the same port.
//
// Test-only. Thread-safe: the test thread changes the mode and reads what was received while
// the subscriber's threads serve the engine.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/hl7/salvage.h"
#include "engine/mllp/frame_decoder.h"

namespace irwell::testing {

class TestSubscriber {
 public:
  enum class Mode { aa, ae, ar, wrong_id, hang, close };

  TestSubscriber() { up(); }
  ~TestSubscriber() { down(); }
  TestSubscriber(const TestSubscriber&) = delete;
  TestSubscriber& operator=(const TestSubscriber&) = delete;

  uint16_t port() const { return port_; }
  void set_mode(Mode m) { mode_ = m; }
  // From hold_replies() until release_replies(), answers wait (a subscriber slow to answer:
  // what it has received is recorded at once, the ACK goes out on release). down() releases
  // them too, so its threads can end.
  void hold_replies() {
    std::lock_guard lock(mu_);
    holding_ = true;
  }
  void release_replies() {
    {
      std::lock_guard lock(mu_);
      holding_ = false;
    }
    cv_.notify_all();
  }

  void up() {
    std::lock_guard lock(mu_);
    if (listen_fd_ >= 0) return;
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      throw std::runtime_error("test subscriber cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this, fd = listen_fd_] { accept_loop(fd); });
  }

  void down() {
    std::thread accept;
    std::vector<std::thread> conns;
    {
      std::lock_guard lock(mu_);
      if (listen_fd_ < 0) return;
      ::shutdown(listen_fd_, SHUT_RDWR);
      ::close(listen_fd_);
      listen_fd_ = -1;
      for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
      accept = std::move(accept_thread_);
      conns = std::move(conn_threads_);
      conn_threads_.clear();
      holding_ = false;
    }
    cv_.notify_all();
    if (accept.joinable()) accept.join();
    for (auto& t : conns) t.join();
    std::lock_guard lock(mu_);
    for (int fd : conn_fds_) ::close(fd);
    conn_fds_.clear();
  }

  // Control IDs (MSH-10) of every message received, in arrival order (duplicates included).
  std::vector<std::string> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  std::vector<std::string> payloads() {
    std::lock_guard lock(mu_);
    return payloads_;
  }
  size_t connections_accepted() const { return accepted_; }

  // Waits until at least n messages were received; false after the guard.
  bool wait_received(size_t n, std::chrono::seconds guard = std::chrono::seconds(60)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, guard, [&] { return received_.size() >= n; });
  }

 private:
  void accept_loop(int listen_fd) {
    for (;;) {
      const int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) return;
      ++accepted_;
      std::lock_guard lock(mu_);
      if (listen_fd_ != listen_fd) {
        ::close(fd);
        return;
      }
      conn_fds_.push_back(fd);
      conn_threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    mllp::FrameDecoder decoder;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      decoder.feed(std::string_view(buf, static_cast<size_t>(n)));
      while (auto event = decoder.next()) {
        const auto* frame = std::get_if<mllp::Frame>(&*event);
        if (!frame) continue;
        const std::string payload = frame->payload;
        const std::string id = hl7::salvage_header(payload).control_id;
        {
          std::lock_guard lock(mu_);
          received_.push_back(id);
          payloads_.push_back(payload);
        }
        cv_.notify_all();
        const Mode mode = mode_;
        if (mode == Mode::hang) continue;
        if (mode == Mode::close) {
          ::shutdown(fd, SHUT_RDWR);
          return;
        }
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [this] { return !holding_; });
        }
        const char* code = mode == Mode::ae ? "AE" : mode == Mode::ar ? "AR" : "AA";
        const std::string acked = mode == Mode::wrong_id ? id + "X" : id;
        std::string ack = "MSH|^~\\&|SUB|SUBFAC|IRWELL|IRWELL|20260101000000||ACK|A" + id +
                          "|P|2.5\rMSA|" + code + "|" + acked + "\r";
        const std::string reply = "\x0b" + ack + "\x1c\r";
        ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
    }
  }

  std::atomic<Mode> mode_{Mode::aa};
  std::atomic<size_t> accepted_{0};
  uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool holding_ = false;  // guarded by mu_
  int listen_fd_ = -1;
  std::thread accept_thread_;
  std::vector<int> conn_fds_;
  std::vector<std::thread> conn_threads_;
  std::vector<std::string> received_;
  std::vector<std::string> payloads_;
};

}  // namespace irwell::testing
