#pragma once
// The OpenSSL server context of a TLS listener, built from a source's `tls:` settings.
//
// Contract: make_tls_server_context reads the certificate chain, the key (checked against the
// certificate) and, when client certificates are asked for, the CA bundle, and sets the version
// floor (TLS 1.2 or 1.3; never older) and the client certificate mode (off: not requested;
// optional: requested, verified when sent; required: a handshake without a valid one fails).
// Unreadable or mismatched files are an Error naming the file and OpenSSL's reason; nothing is
// half-built. The allowed subject names are not checked by the context: every connection checks
// them itself (TlsSubjectCheck), so one context serves every connection of a listener.
//
// Ownership: a TlsServerContext (the settings it was built from and the OpenSSL context) is
// immutable once built and shared (shared_ptr) by the listener and every connection accepted
// while it was current, so a reload can replace it without touching established connections. An
// OpenSSL context is safe to use from several connections at once.
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "engine/config/source_config.h"
#include "engine/core/result.h"

namespace irwell::channels {

struct TlsServerContext {
  config::TlsConfig settings;                      // handshake_timeout, allowed_subjects, ...
  std::unique_ptr<boost::asio::ssl::context> ssl;  // never null
};

Result<std::shared_ptr<const TlsServerContext>> make_tls_server_context(
    const config::TlsConfig& tls);

}  // namespace irwell::channels
