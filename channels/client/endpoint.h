#pragma once
// Endpoint: the HOST:PORT a client tool connects to, as typed on the command line.
//
// Contract: parse_endpoint accepts "host:port", "1.2.3.4:port" and "[v6]:port" with a port in
// 1..65535; anything else is an Error whose message says what was wrong. Plain values, no I/O.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/result.h"

namespace irwell::client {

struct Endpoint {
  std::string host;  // without brackets for IPv6 literals
  std::uint16_t port = 0;
  // TLS only: the name the server certificate must carry and SNI sends, when it is not `host`
  // (e.g. dialling an address whose certificate names the service). Empty: `host`.
  std::string tls_name{};
};

Result<Endpoint> parse_endpoint(std::string_view text);

// "host:port", with brackets around an IPv6 literal: for messages and logs.
std::string to_string(const Endpoint& endpoint);

}  // namespace irwell::client
