#include "channels/feed/trust_profile.h"

namespace irwell::feed {

namespace {

std::vector<TrustProfile> make_trusts() {
  std::vector<TrustProfile> t;

  TrustProfile r;
  r.code = "RIVERMEAD";
  r.name = "Rivermead Hospitals (v2.4; NHS number with spaces; ZPI; training messages)";
  r.id_prefix = "RM";
  r.control_prefix = "RIV";
  r.pas_app = "PAS";
  r.lab_app = "LIMS";
  r.version = "2.4";
  r.nhs = TrustProfile::NhsPlacement::pid3_spaced;
  r.z_segment = "ZPI";
  r.training_percent = 2;
  // The first six are in rivermead_wards.csv; W40 is not (passed on as it came).
  r.emergency = "ED";
  r.wards = {"W12", "W14", "AMU", "MAT2", "CCU", "W40"};
  r.clinics = {"OPD1", "OPD3", "CARDIO2", "ORTHO1", "DERM1", "GUM1"};
  r.town = "RIVERMEAD";
  r.postcode_area = "RV";
  t.push_back(r);

  TrustProfile n;
  n.code = "NORTHGATE";
  n.name = "Northgate University Hospitals (v2.3; NHS number in PID-2; LF; Latin-1)";
  n.id_prefix = "NG";
  n.control_prefix = "NG";
  n.pas_app = "NGPAS";
  n.lab_app = "NGLAB";
  n.version = "2.3";
  n.segment_end = "\n";
  n.charset = "8859/1";
  n.nhs = TrustProfile::NhsPlacement::pid2_plain;
  n.dob_dd_mm_yyyy = true;
  n.sex_as_words = true;
  n.obr7_dd_mm_yyyy = true;
  n.z_segment = "ZNG";
  n.emergency = "NG-ED";
  n.wards = {"NG-W1", "NG-W2", "NG-AMU", "NG-ICU", "NG-SURG3"};
  n.clinics = {"CARDIO1", "RESP2", "DIAB1", "NEURO4", "SHC2"};
  n.town = "NORTHGATE";
  n.postcode_area = "NG";
  t.push_back(n);

  TrustProfile a;
  a.code = "ASHWORTH";
  a.name = "Ashworth and Vale NHS Trust (v2.5.1; custom delimiters #!; CRLF; UTF-8)";
  a.id_prefix = "AV";
  a.control_prefix = "ASH";
  a.pas_app = "CAREFLOW";
  a.lab_app = "WINPATH";
  a.version = "2.5.1";
  a.delimiters.component = '#';
  a.delimiters.repetition = '!';
  a.segment_end = "\r\n";
  a.charset = "UNICODE UTF-8";
  a.emergency = "ASH-ED";
  a.wards = {"ASH-A1", "ASH-B2", "ASH-CDU", "ASH-HDU"};
  a.clinics = {"AV-OPD", "AV-ENT", "AV-EYE", "AV-FRAC"};
  a.town = "ASHWORTH";
  a.postcode_area = "AV";
  t.push_back(a);
  return t;
}

}  // namespace

const std::vector<TrustProfile>& builtin_trusts() {
  static const std::vector<TrustProfile> trusts = make_trusts();
  return trusts;
}

}  // namespace irwell::feed
