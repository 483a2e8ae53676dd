#include "channels/tls/tls_server_context.h"

#include <openssl/ssl.h>

namespace irwell::channels {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<const TlsServerContext>> make_tls_server_context(
    const config::TlsConfig& tls) {
  using ClientCert = config::TlsConfig::ClientCert;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  // SSLv2/3 and TLS 1.0/1.1 are broken; the floor below is 1.2 or 1.3 anyway. single_dh_use:
  // fresh (EC)DH keys per handshake.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  if (ec) return fail("TLS options: " + ec.message());
  const int floor =
      tls.min_version == config::TlsConfig::MinVersion::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), floor) != 1) {
    return fail("TLS: cannot set the minimum version");
  }

  const std::string cert = tls.cert.string(), key = tls.key.string(), ca = tls.ca.string();
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) return fail("cannot load TLS certificate " + cert + ": " + ec.message());
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) return fail("cannot load TLS key " + key + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return fail("TLS key " + key + " does not belong to the certificate " + cert);
  }

  if (tls.client_cert == ClientCert::off) {
    ctx->set_verify_mode(ssl::verify_none, ec);
  } else {
    if (ca.empty()) return fail("TLS: client certificates need a CA file to verify them with");
    ctx->load_verify_file(ca, ec);
    if (ec) return fail("cannot load TLS CA file " + ca + ": " + ec.message());
    // The CA names are sent in the CertificateRequest, so a client holding several certificates
    // can pick the right one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str())) {
      SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
    }
    ssl::verify_mode mode = ssl::verify_peer;
    if (tls.client_cert == ClientCert::required) mode |= ssl::verify_fail_if_no_peer_cert;
    ctx->set_verify_mode(mode, ec);
    if (ec) return fail("TLS verify mode: " + ec.message());
  }
  // A server that verifies clients must name its session cache, or OpenSSL fails every resumed
  // handshake ("session id context uninitialized").
  static const unsigned char kSessionContext[] = "irwell-mllp";
  SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionContext, sizeof kSessionContext - 1);
  return std::make_shared<const TlsServerContext>(TlsServerContext{tls, std::move(ctx)});
}

}  // namespace irwell::channels
