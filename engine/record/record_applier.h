#pragma once
// The record applier: what an ADT, ORU or SIU message means for a patient's record, as pure
// functions over PatientRecord values (the RecordStore finds, loads and saves the records).
//
// Contract: pure, never throws, no I/O.
// - read_facts() classifies a message: which event, when (EVN-2, else MSH-7, else the receipt
//   time), about whom (PID-3 identifiers; the NHS number validated with modulus 11 and
//   normalised to authority "NHS"), and for merges which identifiers were merged (MRG-1). A
//   message the record does not use gives NotApplied{permanent = false} with the reason (ACKs,
//   ORM, ADT^A17...); one it should use but cannot (no PID, no usable identifier) gives
//   NotApplied{permanent = true}. Reasons never contain patient data.
// - apply_message() applies one patient's part of the message to `record`. Every fact is
//   versioned by a Stamp; a part of the message older than the fact it would change leaves it
//   alone and sets ApplyNotes::stale. Applying the same message again changes nothing.
//   Identity (demographics, PD1, death, opt-out) comes from ADT only; ORU and SIU fill it only
//   while no ADT has set it.
// - merge_into() moves everything of `merged` into `survivor` (facts with the same key keep
//   the newer version) and lists the merged record's identifiers as merged identifiers.
#include <optional>
#include <string>
#include <vector>

#include "engine/core/result.h"
#include "engine/hl7/message.h"
#include "engine/hl7/path.h"
#include "engine/record/patient_record.h"

namespace irwell::record {

struct MessageFacts {
  enum class Kind { adt, oru, siu };
  struct Subject {
    int pid_occurrence = 1;               // which PID (merges may carry several PID/MRG pairs)
    std::vector<Identifier> identifiers;  // the NHS number (if valid) first
    std::string rejected_nhs_number;
    std::vector<Identifier> merged;  // MRG-1, for merges
  };
  Kind kind = Kind::adt;
  std::string message_type;  // "ADT^A01"
  std::string event;         // "A01"
  std::string event_time;    // EVN-2 or MSH-7 as sent
  Stamp stamp;
  bool merge = false;
  std::vector<Subject> subjects;
};

struct NotApplied {
  bool permanent = false;  // true: a failure (dead-letter it); false: nothing to apply
  std::string reason;
};

Result<MessageFacts, NotApplied> read_facts(const hl7::Message& message, const Source& source);

struct ApplyNotes {
  bool stale = false;  // some part was older than the stored data and was not applied
};

// `opt_out` is the parsed SharingPolicy::opt_out_field (nullptr: no opt-out rule).
ApplyNotes apply_message(PatientRecord& record, const hl7::Message& message,
                         const MessageFacts& facts, const MessageFacts::Subject& subject,
                         const Source& source, const hl7::Path* opt_out,
                         const std::vector<std::string>& opt_out_values);

void merge_into(PatientRecord& survivor, PatientRecord&& merged);

}  // namespace irwell::record
