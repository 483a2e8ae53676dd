#pragma once
// Test-only X.509 certificates made at test time with the OpenSSL API: a CA and the server and
// client certificates it signs, written as PEM files into a directory (a TempDir). Nothing is
// checked in, so nothing expires in the repository.
//
// Contract: EC P-256 keys, SHA-256 signatures. A leaf carries its CN, the SAN DNS names given and
// IP 127.0.0.1 (MllpClient checks the server's name against the address it dialled). Validity is
// given relative to now, so an expired certificate is just `not_after = -1h`. Any OpenSSL
// failure throws std::runtime_error (a test setup failure, not behaviour under test).
// Not thread-safe; objects own their key and certificate.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace irwell::testing {

struct CertFiles {
  std::filesystem::path cert, key;
};

struct LeafSpec {
  std::string cn;
  std::vector<std::string> dns;                    // SAN DNS names
  std::chrono::seconds not_before{-3600};          // relative to now
  std::chrono::seconds not_after{30 * 24 * 3600};  // relative to now
};

class TestCa {
 public:
  explicit TestCa(const std::string& name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // The CA certificate as <dir>/<stem>.pem.
  std::filesystem::path write_ca(const std::filesystem::path& dir, const std::string& stem) const;
  // A certificate this CA signs, as <dir>/<stem>.pem and <dir>/<stem>.key.
  CertFiles issue(const LeafSpec& spec, const std::filesystem::path& dir,
                  const std::string& stem) const;

 private:
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
};

}  // namespace irwell::testing
