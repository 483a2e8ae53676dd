#pragma once
// The record store's on-disk form of a PatientRecord: a compact, versioned binary encoding
// (one blob per patient row), so a lookup is one row read and an update one row write.
//
// Contract: pure functions. decode_record(encode_record(r)) == r for every field except the
// read-time `suppressed` flags, which are never stored. decode_record() never throws: bytes
// that are truncated, of an unknown format version, or otherwise malformed give an error.
// Integers are LEB128 varints (zig-zag for signed); strings a varint length then the bytes.
#include <string>
#include <string_view>

#include "engine/core/result.h"
#include "engine/record/patient_record.h"

namespace irwell::record {

std::string encode_record(const PatientRecord& record);
Result<PatientRecord> decode_record(std::string_view bytes);

}  // namespace irwell::record
