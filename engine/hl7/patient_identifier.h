#pragma once
// PatientIdentifier: one repetition of PID-3 (CX), and the NHS number check.
//
// Contract: plain values, decoded (unescaped, UTF-8). `authority` is CX.4.1 (the assigning
// authority's namespace ID), `type` is CX.5 (identifier type code: MR, NH, NHS...).
#include <string>
#include <string_view>

namespace irwell::hl7 {

struct PatientIdentifier {
  std::string id;         // CX.1
  std::string authority;  // CX.4.1
  std::string type;       // CX.5
  bool operator==(const PatientIdentifier&) const = default;
};

// True for ten digits whose modulus-11 check digit is right (the NHS number rule).
bool is_valid_nhs_number(std::string_view digits);

}  // namespace irwell::hl7
