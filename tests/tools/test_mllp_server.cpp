#include "tests/tools/test_mllp_server.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <variant>

#include "engine/mllp/frame_decoder.h"
#include "engine/mllp/frame_encoder.h"
#include "tests/support/test_support.h"

namespace irwell::testing {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

const std::string TestMllpServer::kClose = "\x01close";

struct TestMllpServer::Impl {
  Responder responder;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::unique_ptr<ssl::context> tls;
  std::thread thread;
  mutable std::mutex mu;
  std::vector<std::string> payloads;
  std::atomic<int> connections{0};

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream) {
    constexpr auto tok = asio::as_tuple(asio::use_awaitable);
    mllp::FrameDecoder decoder;
    std::vector<char> buf(16384);
    for (;;) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), tok);
      if (ec) co_return;
      decoder.feed(std::string_view(buf.data(), n));
      while (auto event = decoder.next()) {
        auto* frame = std::get_if<mllp::Frame>(&*event);
        if (!frame) continue;
        {
          std::lock_guard lock(mu);
          payloads.push_back(frame->payload);
        }
        std::optional<std::string> reply = responder(frame->payload);
        if (!reply) continue;
        if (*reply == kClose) co_return;
        std::string out = mllp::encode_frame(*reply);
        auto [wec, w] = co_await asio::async_write(stream, asio::buffer(out), tok);
        if (wec) co_return;
      }
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    if (!tls) {
      co_await serve(socket);
      co_return;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), *tls);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    if (!ec) co_await serve(stream);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++connections;
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }
};

TestMllpServer::TestMllpServer(Responder responder, std::optional<TestTls> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->responder = std::move(responder);
  if (tls) {
    impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls->cert);
    impl_->tls->use_private_key_file(tls->key, ssl::context::pem);
    if (!tls->client_ca.empty()) {
      impl_->tls->load_verify_file(tls->client_ca);
      impl_->tls->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
  }
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestMllpServer::~TestMllpServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t TestMllpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::vector<std::string> TestMllpServer::payloads() const {
  std::lock_guard lock(impl_->mu);
  return impl_->payloads;
}

int TestMllpServer::connections() const { return impl_->connections; }

std::string make_ack(const std::string& code, const std::string& control_id,
                     const std::string& text) {
  std::string ack = "MSH|^~\\&|TESTSRV|LAB|PAS|RXA|20261101093000||ACK^A01^ACK|ACK" + control_id +
                    "|P|2.4\rMSA|" + code + "|" + control_id;
  if (!text.empty()) ack += "|" + text;
  return ack + "\r";
}

namespace {

void run(const std::string& command) {
  std::string quiet = command + " >/dev/null 2>&1";
  if (std::system(quiet.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace

TestCerts make_test_certs(const std::string& dir) {
  TestCerts c;
  c.ca = dir + "/ca.pem";
  c.other_ca = dir + "/other-ca.pem";
  c.server_cert = dir + "/server.pem";
  c.server_key = dir + "/server.key";
  c.client_cert = dir + "/client.pem";
  c.client_key = dir + "/client.key";
  // EC keys: fast to generate.
  const std::string newkey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  for (auto [name, cn] : {std::pair{"ca", "irwell test CA"}, std::pair{"other-ca", "other CA"}}) {
    run("openssl req -x509 " + newkey + " -days 2 -subj '/CN=" + cn + "' -keyout " + dir + "/" +
        name + ".key -out " + dir + "/" + name +
        ".pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign");
  }
  std::string ext = dir + "/server.ext";
  write_file(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  std::string client_ext = dir + "/client.ext";
  write_file(client_ext, "extendedKeyUsage=clientAuth\n");
  for (auto [name, cn, e] : {std::tuple{"server", "localhost", ext},
                             std::tuple{"client", "irwell test client", client_ext}}) {
    std::string base = dir + "/" + name;
    run("openssl req " + newkey + " -subj '/CN=" + cn + "' -keyout " + base + ".key -out " + base +
        ".csr");
    run("openssl x509 -req -in " + base + ".csr -CA " + c.ca + " -CAkey " + dir +
        "/ca.key -CAcreateserial -days 2 -out " + base + ".pem -extfile " + e);
  }
  return c;
}

}  // namespace irwell::testing
