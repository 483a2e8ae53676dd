#include "engine/admin/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/core/log.h"

namespace irwell::admin {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::viewer:
      return "viewer";
    case Role::operator_:
      return "operator";
    case Role::admin:
      return "admin";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "viewer") return Role::viewer;
  if (text == "operator") return Role::operator_;
  if (text == "admin") return Role::admin;
  return std::nullopt;
}

Sha256 sha256(std::string_view data) {
  Sha256 out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    invariant_broken("EVP_Digest(SHA-256) failed");
  }
  return out;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kDigits[p[i] >> 4]);
    s.push_back(kDigits[p[i] & 0xf]);
  }
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The auth scheme is case-insensitive (RFC 9110 11.1).
bool is_bearer(std::string_view scheme) {
  return std::ranges::equal(scheme, std::string_view("bearer"), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

}  // namespace

std::optional<Sha256> parse_sha256_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Sha256 out{};
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

Authenticator::Authenticator(const std::vector<config::AdminToken>& tokens) {
  for (const auto& t : tokens) {
    auto role = parse_role(t.role);
    if (!role) {
      log::warn("admin_token_skipped", {{"token_name", t.name}, {"reason", "unknown role"}});
      continue;
    }
    std::optional<Sha256> digest;
    if (!t.token.empty()) {
      digest = sha256(t.token);
    } else if (!t.token_sha256.empty()) {
      digest = parse_sha256_hex(t.token_sha256);
      if (!digest) {
        log::warn("admin_token_skipped",
                  {{"token_name", t.name}, {"reason", "token_sha256 is not 64 hex digits"}});
        continue;
      }
    } else {
      continue;  // empty: matches nothing (resolve_tokens fills it)
    }
    entries_.push_back({Principal{t.name, *role}, *digest});
  }
}

std::optional<Principal> Authenticator::authenticate(std::string_view authorization) const {
  authorization = trim(authorization);
  size_t space = authorization.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  if (!is_bearer(authorization.substr(0, space))) return std::nullopt;
  std::string_view token = trim(authorization.substr(space + 1));
  if (token.empty()) return std::nullopt;
  return authenticate_token(token);
}

std::optional<Principal> Authenticator::authenticate_token(std::string_view token) const {
  Sha256 presented = sha256(token);
  const Entry* match = nullptr;
  // Every entry is compared, whatever matched before: the time taken does not depend on which
  // token (if any) matched.
  for (const auto& e : entries_) {
    bool equal = CRYPTO_memcmp(presented.data(), e.digest.data(), presented.size()) == 0;
    if (equal && match == nullptr) match = &e;
  }
  if (!match) return std::nullopt;
  return match->principal;
}

Result<std::string> ensure_admin_token(const std::filesystem::path& data_dir) {
  auto path = data_dir / "admin.token";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read " + path.string() + ": " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token(trim(ss.str()));
    if (token.empty()) return fail(path.string() + " is empty; delete it to create a new token");
    log::info("admin_token_loaded", {{"path", path.string()}});
    return token;
  }
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return fail("cannot create " + data_dir.string() + ": " + ec.message());

  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return fail("no random bytes for the admin token");
  std::string token = to_hex(bytes, sizeof bytes);
  OPENSSL_cleanse(bytes, sizeof bytes);

  // O_EXCL: never overwrite a token another process created meanwhile; 0600 from the start so
  // the token is never readable by others, not even for a moment.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + path.string() + ": " + std::strerror(errno));
  std::string line = token + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) {
    return fail("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  log::info("admin_token_created", {{"path", path.string()}});
  return token;
}

Result<std::vector<config::AdminToken>> resolve_tokens(const config::AdminConfig& config,
                                                       const std::filesystem::path& data_dir) {
  std::vector<config::AdminToken> out = config.tokens;
  std::optional<std::string> generated;
  for (auto& t : out) {
    if (!t.token.empty() || !t.token_sha256.empty()) continue;
    if (!generated) {
      auto token = ensure_admin_token(data_dir);
      if (!token) return fail(token.error());
      generated = std::move(token.value());
    }
    t.token = *generated;
  }
  return out;
}

}  // namespace irwell::admin
