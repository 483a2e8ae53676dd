#pragma once
// SharingPolicy: what the shared view of a record leaves out (routes.yaml's record_store
// destination fields), and who may see an opted-out patient.
//
// Contract: plain value, immutable once the store is open; const members are thread-safe.
// - Sensitivity: facts from a suppressed clinic (an encounter's or appointment's location
//   point of care or facility, the ordering location of a result), a suppressed specialty
//   (an encounter's hospital service PV1-10) or a suppressed code (result OBR-4.1 / OBX-3.1,
//   appointment service AIS-3.1) are marked `suppressed` by mark_suppressed() and never printed
//   by to_json(). Matching is exact and case-sensitive, as the codes are sent.
// - Opt-out: an ADT message whose `opt_out_field` (an HL7 path, default PD1-12, the protection
//   indicator) holds one of `opt_out_values` marks the patient opted out; another value or
//   `""` (HL7 null) marks them in again; an empty or absent field changes nothing. "" as the
//   path turns the rule off. An opted-out record is withheld except from `override_roles`;
//   the caller checks may_override() and audits each override it allows.
#include <string>
#include <string_view>
#include <vector>

#include "engine/record/patient_record.h"

namespace irwell::record {

struct SharingPolicy {
  std::vector<std::string> suppressed_clinics;
  std::vector<std::string> suppressed_specialties;
  std::vector<std::string> suppressed_codes;
  std::string opt_out_field = "PD1-12";
  std::vector<std::string> opt_out_values = {"Y"};
  std::vector<std::string> override_roles;  // none by default: nobody sees opted-out records

  bool may_override(std::string_view role) const;
  // Sets every `suppressed` flag of the record from the rules above.
  void mark_suppressed(PatientRecord& record) const;
};

}  // namespace irwell::record
