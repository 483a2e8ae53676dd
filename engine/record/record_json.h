#pragma once
// to_json: a PatientRecord as the JSON the admin API (`GET /api/v1/patients/{nhs_number}`) and
// `irwellctl patient` show.
//
// Contract: pure. Facts marked `suppressed` (SharingPolicy) are never printed, nor are
// cancelled encounters and transfers (a cancellation undoes what it cancels) or deleted
// observations (OBX-11 D). A record whose patient opted out prints only
// `{"nhs_number": ..., "withheld": true, "reason": "..."}` unless include_withheld is true (the
// caller has checked SharingPolicy::may_override() and audits the override); the full form has
// `"withheld": false` and `"opted_out"`. Times are ISO 8601 (hl7_time.h). Keys are fixed and in
// a fixed order, so equal records print equal text. `indent` as json::Writer's.
#include <string>

#include "engine/record/patient_record.h"

namespace irwell::record {

std::string to_json(const PatientRecord& record, bool include_withheld, int indent = 0);

}  // namespace irwell::record
