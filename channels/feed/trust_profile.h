#pragma once
// TrustProfile: one invented acute trust that feed-sim writes messages for, with the habits of
// its systems (what interface analysts meet on real feeds, HL7-EDGE-CASES B1, C1-C3, F1-F3).
//
// Contract: plain values. builtin_trusts() returns the trusts feed-sim knows, in a fixed order:
//   RIVERMEAD  v2.4, NHS number in PID-3 written with spaces and type code NHS, local ward codes,
//              a private ZPI segment, the odd training message (MSH-11 T) on the live link;
//   NORTHGATE  v2.3, NHS number in PID-2, dates of birth DD/MM/YYYY, sex as words, observation
//              times DD/MM/YYYY HH:MM, a ZNG segment, LF segment endings, Latin-1 names with
//              MSH-18 8859/1;
//   ASHWORTH   v2.5.1, custom encoding characters (component '#', repetition '!'), CRLF
//              endings, UTF-8 names with MSH-18 UNICODE UTF-8.
// RIVERMEAD and NORTHGATE are the two trusts the shipped routes.yaml expects.
#include <string>
#include <vector>

#include "engine/hl7/delimiters.h"

namespace irwell::feed {

struct TrustProfile {
  std::string code;              // MSH-4 and the prefix of its identifiers ("RIVERMEAD")
  std::string name;              // for --help
  std::string id_prefix;         // MRN and control ID prefix ("RM", "RIV")
  std::string control_prefix;    // MSH-10 prefix
  std::string pas_app, lab_app;  // MSH-3 of ADT/SIU and of ORU
  std::string version;           // MSH-12
  hl7::Delimiters delimiters;
  std::string segment_end = "\r";
  std::string charset;  // MSH-18; "" = none written (ASCII only)
  enum class NhsPlacement {
    pid3_spaced,
    pid2_plain,
    pid3_standard
  } nhs = NhsPlacement::pid3_standard;
  bool dob_dd_mm_yyyy = false;   // PID-7 as 01/02/1980
  bool sex_as_words = false;     // PID-8 Male/Female/Unknown
  bool obr7_dd_mm_yyyy = false;  // OBR-7 as 01/02/2024 13:45
  std::string z_segment;         // "ZPI", "ZNG" or ""
  int training_percent = 0;      // MSH-11 T now and then
  std::string emergency;         // the emergency department's location code
  std::vector<std::string> wards, clinics;
  std::string town, postcode_area;
};

const std::vector<TrustProfile>& builtin_trusts();

}  // namespace irwell::feed
