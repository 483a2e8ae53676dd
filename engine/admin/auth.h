#pragma once
// Admin API access: bearer tokens from routes.yaml (admin.tokens) with a role each, and the
// random token the engine creates when the configured one is empty (SPEC.md "Admin access").
//
// Roles are ordered: viewer < operator < admin; a role may do everything the roles below it may.
//   viewer:   counters and metadata; no message content, no patient identifiers
//   operator: message content, replay, pause, resume, patient records, the audit log
//   admin:    all of the above plus config reload
//
// Contract:
// - Authenticator compares a presented token against every configured one in constant time
//   (SHA-256 of the presented token against each stored digest with CRYPTO_memcmp, no early
//   exit), so neither timing nor the order of tokens tells an attacker anything. Plain tokens are
//   hashed once at construction; the plain text is not kept. Immutable after construction: safe
//   to share between threads.
// - A configured token with neither `token` nor `token_sha256` matches nothing: resolve_tokens()
//   fills it from DATA_DIR/admin.token first.
// - ensure_admin_token() logs the file's path, never the token.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"
#include "engine/core/result.h"

namespace irwell::admin {

enum class Role { viewer = 0, operator_ = 1, admin = 2 };
std::string_view to_string(Role r);
// "viewer", "operator", "admin"; nullopt otherwise.
std::optional<Role> parse_role(std::string_view text);

// Who is asking: the token's name from the config and its role.
struct Principal {
  std::string name;
  Role role = Role::viewer;
  bool may(Role needed) const { return static_cast<int>(role) >= static_cast<int>(needed); }
};

using Sha256 = std::array<unsigned char, 32>;
Sha256 sha256(std::string_view data);
// Lower-case hex of 32 bytes, or nullopt when `hex` is not 64 hex digits.
std::optional<Sha256> parse_sha256_hex(std::string_view hex);

class Authenticator {
 public:
  // Tokens with an unknown role or an unparsable token_sha256 are skipped with a warning log
  // (config checks refuse those before the engine starts).
  explicit Authenticator(const std::vector<config::AdminToken>& tokens);

  // The principal for an Authorization header value ("Bearer <token>", scheme case-insensitive);
  // nullopt for a missing, malformed or unknown token.
  std::optional<Principal> authenticate(std::string_view authorization) const;
  // The principal owning exactly this token; nullopt when none.
  std::optional<Principal> authenticate_token(std::string_view token) const;

 private:
  struct Entry {
    Principal principal;
    Sha256 digest;
  };
  std::vector<Entry> entries_;
};

// The token in data_dir/admin.token: read when the file exists (whitespace trimmed), otherwise a
// new random token (32 bytes from OpenSSL's RAND_bytes, hex) written there with mode 0600
// (creating data_dir if needed). Logs admin_token_created or admin_token_loaded with the path.
// Err when the file cannot be read or written, or exists but is empty.
Result<std::string> ensure_admin_token(const std::filesystem::path& data_dir);

// config.tokens with every token that has neither `token` nor `token_sha256` given the token of
// ensure_admin_token(data_dir) (called only when such a token exists).
Result<std::vector<config::AdminToken>> resolve_tokens(const config::AdminConfig& config,
                                                       const std::filesystem::path& data_dir);

}  // namespace irwell::admin
