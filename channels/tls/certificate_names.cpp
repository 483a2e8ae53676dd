#include "channels/tls/certificate_names.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace irwell::channels {

namespace {

void add_name(std::vector<std::string>& names, const ASN1_STRING* s) {
  if (!s) return;
  const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(s));
  const int len = ASN1_STRING_length(s);
  if (len <= 0 || std::memchr(data, '\0', static_cast<size_t>(len))) return;
  names.emplace_back(data, static_cast<size_t>(len));
}

bool same_ascii_case_blind(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> names;
  if (!cert) return names;
  if (X509_NAME* subject = X509_get_subject_name(cert)) {
    for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
      add_name(names, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
    }
  }
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
      if (n->type == GEN_DNS) add_name(names, n->d.dNSName);
    }
    GENERAL_NAMES_free(sans);
  }
  return names;
}

bool subject_allowed(const std::vector<std::string>& names,
                     const std::vector<std::string>& allowed) {
  for (const std::string& n : names) {
    for (const std::string& a : allowed) {
      if (same_ascii_case_blind(n, a)) return true;
    }
  }
  return false;
}

}  // namespace irwell::channels
