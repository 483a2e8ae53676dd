#include "tests/channels/test_certs.h"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace irwell::testing {

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

EVP_PKEY* new_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn`, valid from now+not_before to now+not_after, not yet signed.
X509* new_cert(EVP_PKEY* key, const std::string& cn, std::chrono::seconds not_before,
               std::chrono::seconds not_after) {
  static std::atomic<long> serial{1000};
  X509* cert = X509_new();
  check(cert != nullptr, "X509_new");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), static_cast<long>(not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(not_after.count()));
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("irwell tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

void write_pem(const std::filesystem::path& path, auto writer) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "fopen");
  const bool ok = writer(f);
  std::fclose(f);
  check(ok, "PEM write");
}

}  // namespace

TestCa::TestCa(const std::string& name) {
  key_ = new_key();
  cert_ = new_cert(key_, name, std::chrono::hours(-1), std::chrono::hours(24 * 365));
  check(X509_set_issuer_name(cert_, X509_get_subject_name(cert_)) == 1, "issuer");
  add_ext(cert_, cert_, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert_, cert_, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert_, cert_, NID_subject_key_identifier, "hash");
  check(X509_sign(cert_, key_, EVP_sha256()) > 0, "X509_sign (CA)");
}

TestCa::~TestCa() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

std::filesystem::path TestCa::write_ca(const std::filesystem::path& dir,
                                       const std::string& stem) const {
  const auto path = dir / (stem + ".pem");
  write_pem(path, [&](FILE* f) { return PEM_write_X509(f, cert_) == 1; });
  return path;
}

CertFiles TestCa::issue(const LeafSpec& spec, const std::filesystem::path& dir,
                        const std::string& stem) const {
  EVP_PKEY* key = new_key();
  X509* cert = new_cert(key, spec.cn, spec.not_before, spec.not_after);
  check(X509_set_issuer_name(cert, X509_get_subject_name(cert_)) == 1, "issuer");
  add_ext(cert, cert_, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert, cert_, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext(cert, cert_, NID_ext_key_usage, "serverAuth,clientAuth");
  add_ext(cert, cert_, NID_authority_key_identifier, "keyid");
  std::string san = "IP:127.0.0.1";
  for (const std::string& d : spec.dns) san += ",DNS:" + d;
  add_ext(cert, cert_, NID_subject_alt_name, san);
  check(X509_sign(cert, key_, EVP_sha256()) > 0, "X509_sign");
  CertFiles files{dir / (stem + ".pem"), dir / (stem + ".key")};
  write_pem(files.cert, [&](FILE* f) { return PEM_write_X509(f, cert) == 1; });
  write_pem(files.key, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

}  // namespace irwell::testing
