#pragma once
// TLS settings of the client tools (mllp-send, mllp-bench) and the OpenSSL context built from them.
//
// Contract: make_tls_client_context builds a TLS 1.2+ client context that always verifies the
// server: against the CA file given as `ca`, or the system's trust store when `ca` is empty. A
// client certificate (`cert`, PEM chain) and its key (`key`, PEM; defaults to `cert`) are
// presented when `cert` is set. Unreadable or mismatched files are an Error naming the file and
// OpenSSL's reason. Host name checks and SNI are per connection (see MllpClient). The context is
// shared by every connection of a tool; it must outlive them.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "engine/core/result.h"

namespace irwell::client {

struct TlsClientOptions {
  bool enabled = false;
  std::string ca;    // PEM file of the CA(s) that signed the server certificate
  std::string cert;  // PEM client certificate chain (mutual TLS), optional
  std::string key;   // PEM private key of `cert`; empty means "in the cert file"
};

Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_client_context(
    const TlsClientOptions& options);

}  // namespace irwell::client
