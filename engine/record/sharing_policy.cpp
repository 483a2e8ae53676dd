#include "engine/record/sharing_policy.h"

#include <algorithm>

namespace irwell::record {
namespace {

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return !value.empty() && std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool SharingPolicy::may_override(std::string_view role) const {
  return listed(override_roles, role);
}

void SharingPolicy::mark_suppressed(PatientRecord& r) const {
  auto clinic = [&](const Location& l) {
    return listed(suppressed_clinics, l.point_of_care) || listed(suppressed_clinics, l.facility);
  };
  for (Encounter& e : r.encounters) {
    e.suppressed = clinic(e.location) || listed(suppressed_specialties, e.hospital_service) ||
                   std::any_of(e.transfers.begin(), e.transfers.end(), [&](const Transfer& t) {
                     return !t.cancelled && (clinic(t.from) || clinic(t.to));
                   });
  }
  for (Appointment& a : r.appointments) {
    a.suppressed = clinic(a.clinic) || listed(suppressed_codes, a.service.code) ||
                   listed(suppressed_specialties, a.service.code);
  }
  for (Order& o : r.results) {
    o.suppressed = listed(suppressed_clinics, o.clinic) || listed(suppressed_codes, o.service.code);
    for (Observation& ob : o.observations) ob.suppressed = listed(suppressed_codes, ob.code);
  }
}

}  // namespace irwell::record
