#include "channels/client/tls_client_context.h"

namespace irwell::client {

namespace ssl = boost::asio::ssl;

Result<std::unique_ptr<ssl::context>> make_tls_client_context(const TlsClientOptions& options) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  // TLS 1.0/1.1 are broken; no peer we talk to needs them.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return fail("TLS options: " + ec.message());
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return fail("TLS verify mode: " + ec.message());
  if (options.ca.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return fail("cannot load the system CA store: " + ec.message());
  } else {
    ctx->load_verify_file(options.ca, ec);
    if (ec) return fail("cannot load CA file " + options.ca + ": " + ec.message());
  }
  if (!options.key.empty() && options.cert.empty()) {
    return fail("--key needs --cert (the client certificate it belongs to)");
  }
  if (!options.cert.empty()) {
    ctx->use_certificate_chain_file(options.cert, ec);
    if (ec) return fail("cannot load client certificate " + options.cert + ": " + ec.message());
    const std::string& key = options.key.empty() ? options.cert : options.key;
    ctx->use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return fail("cannot load client key " + key + ": " + ec.message());
  }
  return ctx;
}

}  // namespace irwell::client
