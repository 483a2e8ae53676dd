#pragma once
// The names a peer's X.509 certificate carries, for the listener's `allowed_subjects` check.
//
// Contract: certificate_names returns the subject's common name(s) (CN) and every DNS name of the
// subjectAltName extension, as written in the certificate (an entry holding a NUL byte is
// skipped: it could make "good.example\0.evil" look like "good.example"). subject_allowed
// compares them with the allowed names without regard to ASCII case; no wildcards either way.
// Pure functions on a borrowed certificate; thread-safe.
#include <openssl/x509.h>

#include <string>
#include <vector>

namespace irwell::channels {

std::vector<std::string> certificate_names(X509* cert);
bool subject_allowed(const std::vector<std::string>& names,
                     const std::vector<std::string>& allowed);

}  // namespace irwell::channels
