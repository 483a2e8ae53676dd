#pragma once
// TlsTestSubscriber: an MLLP receiver over TLS for delivery tests, on blocking OpenSSL calls in
// its own threads (one per connection). It presents `cert`/`key`; with `client_ca` set it
// requires a client certificate signed by that CA (mutual TLS). Every message received is
// recorded (control IDs in arrival order) and answered AA. Handshakes that fail are counted.
//
// Test-only. Thread-safe: the test thread reads what was received while the subscriber's
// threads serve the engine. Setup failures throw std::runtime_error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/hl7/salvage.h"
#include "engine/mllp/frame_decoder.h"

namespace irwell::testing {

class TlsTestSubscriber {
 public:
  TlsTestSubscriber(const std::filesystem::path& cert, const std::filesystem::path& key,
                    const std::filesystem::path& client_ca = {}) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (!ctx_ || SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw std::runtime_error("tls test subscriber: cannot load its certificate");
    }
    if (!client_ca.empty()) {
      if (SSL_CTX_load_verify_locations(ctx_, client_ca.c_str(), nullptr) != 1) {
        throw std::runtime_error("tls test subscriber: cannot load the client CA");
      }
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      throw std::runtime_error("tls test subscriber cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~TlsTestSubscriber() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      ::shutdown(listen_fd_, SHUT_RDWR);
      for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    accept_thread_.join();
    for (auto& t : conn_threads_) t.join();
    for (int fd : conn_fds_) ::close(fd);
    ::close(listen_fd_);
    SSL_CTX_free(ctx_);
  }
  TlsTestSubscriber(const TlsTestSubscriber&) = delete;
  TlsTestSubscriber& operator=(const TlsTestSubscriber&) = delete;

  uint16_t port() const { return port_; }
  // The SNI name the last successful handshake carried ("" when none).
  std::string last_sni() {
    std::lock_guard lock(mu_);
    return last_sni_;
  }
  std::vector<std::string> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  size_t handshake_failures() {
    std::lock_guard lock(mu_);
    return handshake_failures_;
  }

  // Waits until at least n handshakes failed; false after the guard.
  bool wait_failures(size_t n, std::chrono::seconds guard = std::chrono::seconds(60)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, guard, [&] { return handshake_failures_ >= n; });
  }
  bool wait_received(size_t n, std::chrono::seconds guard = std::chrono::seconds(60)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, guard, [&] { return received_.size() >= n; });
  }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard lock(mu_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      conn_fds_.push_back(fd);
      conn_threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      ERR_clear_error();
      SSL_free(ssl);
      ::shutdown(fd, SHUT_RDWR);
      {
        std::lock_guard lock(mu_);
        ++handshake_failures_;
      }
      cv_.notify_all();
      return;
    }
    {
      std::lock_guard lock(mu_);
      const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      last_sni_ = sni ? sni : "";
    }
    mllp::FrameDecoder decoder;
    char buf[16384];
    for (;;) {
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      decoder.feed(std::string_view(buf, static_cast<size_t>(n)));
      while (auto event = decoder.next()) {
        const auto* frame = std::get_if<mllp::Frame>(&*event);
        if (!frame) continue;
        const std::string id = hl7::salvage_header(frame->payload).control_id;
        {
          std::lock_guard lock(mu_);
          received_.push_back(id);
        }
        cv_.notify_all();
        const std::string reply = "\x0bMSH|^~\\&|SUB|SUBFAC|IRWELL|IRWELL|20260101000000||ACK|A" +
                                  id + "|P|2.5\rMSA|AA|" + id + "\r\x1c\r";
        SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
      }
    }
    ERR_clear_error();
    SSL_free(ssl);
  }

  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread accept_thread_;
  std::vector<int> conn_fds_;
  std::vector<std::thread> conn_threads_;
  std::vector<std::string> received_;
  std::string last_sni_;
  size_t handshake_failures_ = 0;
};

}  // namespace irwell::testing
