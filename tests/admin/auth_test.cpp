// Admin tokens: roles, constant-time lookup by plain token or SHA-256, and the generated token
// file (SPEC.md "Admin access").
#include "engine/admin/auth.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "engine/core/log.h"
#include "tests/admin/admin_test_server.h"
#include "tests/support/test_support.h"

using namespace irwell;
using irwell::testing::TempDir;

TEST_CASE("auth: bearer tokens map to their name and role", "[admin][auth]") {
  admin::Authenticator auth(testing::test_tokens());
  auto v = auth.authenticate("Bearer viewer-token");
  REQUIRE(v);
  CHECK(v->name == "vera");
  CHECK(v->role == admin::Role::viewer);
  auto a = auth.authenticate("bearer admin-token");  // given as SHA-256 in the config
  REQUIRE(a);
  CHECK(a->name == "ada");
  CHECK(a->may(admin::Role::operator_));
  CHECK_FALSE(v->may(admin::Role::operator_));
  CHECK_FALSE(auth.authenticate(""));
  CHECK_FALSE(auth.authenticate("Bearer"));
  CHECK_FALSE(auth.authenticate("Bearer "));
  CHECK_FALSE(auth.authenticate("Basic dmlld2VyLXRva2Vu"));
  CHECK_FALSE(auth.authenticate("Bearer viewer-toke"));
  CHECK_FALSE(auth.authenticate("Bearer viewer-tokenX"));
  // The SHA-256 hex itself is not a token.
  CHECK_FALSE(auth.authenticate("Bearer " + testing::hex(admin::sha256("admin-token"))));
}

TEST_CASE("auth: empty tokens, unknown roles and bad hashes match nothing", "[admin][auth]") {
  std::vector<std::string> lines;
  log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
  admin::Authenticator auth({{"empty", "operator", "", ""},
                             {"odd", "superuser", "t1", ""},
                             {"short", "viewer", "", "abcd"}});
  log::set_sink(nullptr);
  CHECK_FALSE(auth.authenticate("Bearer "));
  CHECK_FALSE(auth.authenticate("Bearer t1"));
  CHECK_FALSE(auth.authenticate("Bearer abcd"));
  CHECK(lines.size() == 2);
}

TEST_CASE("auth: sha256 and its hex form", "[admin][auth]") {
  // SHA-256("abc"), FIPS 180-2 test vector.
  CHECK(testing::hex(admin::sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto parsed =
      admin::parse_sha256_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  REQUIRE(parsed);
  CHECK(*parsed == admin::sha256("abc"));
  CHECK_FALSE(admin::parse_sha256_hex("ba78"));
  CHECK_FALSE(admin::parse_sha256_hex(std::string(64, 'g')));
}

TEST_CASE("auth: ensure_admin_token creates a 0600 file once, logs its path, never the token",
          "[admin][auth]") {
  TempDir dir;
  auto data = dir / "data";
  std::vector<std::string> lines;
  log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
  auto t1 = admin::ensure_admin_token(data);
  auto t2 = admin::ensure_admin_token(data);
  log::set_sink(nullptr);
  REQUIRE(t1);
  REQUIRE(t2);
  CHECK(t1->size() == 64);
  CHECK(*t1 == *t2);
  struct stat st {};
  REQUIRE(::stat((data / "admin.token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("admin_token_created") != std::string::npos);
  CHECK(lines[1].find("admin_token_loaded") != std::string::npos);
  for (const auto& l : lines) {
    CHECK(l.find((data / "admin.token").string()) != std::string::npos);
    CHECK(l.find(*t1) == std::string::npos);
  }
  // Another data dir gets another token.
  TempDir other;
  auto t3 = admin::ensure_admin_token(other.path());
  REQUIRE(t3);
  CHECK(*t3 != *t1);
}

TEST_CASE("auth: an empty token file is refused rather than matching an empty token",
          "[admin][auth]") {
  TempDir dir;
  testing::write_file(dir / "admin.token", "  \n");
  auto t = admin::ensure_admin_token(dir.path());
  REQUIRE_FALSE(t);
  CHECK(t.error().message.find("empty") != std::string::npos);
}

TEST_CASE("auth: resolve_tokens fills empty tokens from the token file only when needed",
          "[admin][auth]") {
  TempDir dir;
  config::AdminConfig cfg;
  cfg.tokens = {{"ops", "operator", "", ""}, {"mon", "viewer", "plain", ""}};
  auto resolved = admin::resolve_tokens(cfg, dir.path());
  REQUIRE(resolved);
  auto file = testing::read_file(dir / "admin.token");
  CHECK(resolved->at(0).token + "\n" == file);
  CHECK(resolved->at(1).token == "plain");
  admin::Authenticator auth(*resolved);
  CHECK(auth.authenticate_token(resolved->at(0).token)->name == "ops");

  TempDir untouched;
  config::AdminConfig all_set;
  all_set.tokens = {{"mon", "viewer", "plain", ""}};
  REQUIRE(admin::resolve_tokens(all_set, untouched.path()));
  CHECK_FALSE(std::filesystem::exists(untouched / "admin.token"));
}
