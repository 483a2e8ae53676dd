#pragma once
// RecordStore: the shared care record (issue #7), kept in its own SQLite file and fed by the
// record_store destination with ADT, ORU and SIU messages.
//
// Contract:
// - open() creates the file and its schema (versioned in PRAGMA user_version, PRAGMA
//   application_id "IRWR"), or opens an existing one; it refuses a file of another application
//   or of a newer schema, and an opt-out rule whose path does not parse.
// - apply_batch() applies many messages in ONE transaction (one fsync for the batch), each in
//   its own SAVEPOINT so that one message that fails is rolled back alone. It returns one
//   ApplyOutcome per input, in order:
//     applied  the record changed;
//     ignored  nothing to do, with the reason: "not a patient event (ACK^A01)", "ADT^A17 is not
//              applied to the record", "older than stored data", "already applied";
//     failed   the message can never be applied (unparseable, no PID, no usable identifier):
//              a permanent failure, the dispatcher dead-letters it.
//   An error Result means the batch as a whole was not committed (disk full, I/O error): none
//   of it is applied and the same batch may be retried. Reasons never hold patient data.
// - Semantics (record_applier.h): identity, encounters with transfers and cancellations,
//   appointments keyed by SCH-1/SCH-2, results with corrected-result history, allergies,
//   contacts, provenance, merges (the merged identifiers find the survivor afterwards).
//   Idempotent (the same message twice changes nothing) and order-tolerant (an older MSH-7 /
//   EVN-2 never overwrites newer data).
// - get_patient() finds a patient by NHS number (also a merged one: it answers with the
//   survivor), with the `suppressed` flags set from the SharingPolicy. An invalid NHS number is
//   an error (the caller answers 400); an unknown one is nullopt. It returns the whole record
//   even for an opted-out patient: the caller decides with sharing().may_override(role), audits
//   an override, and prints with to_json(record, include_withheld).
// - counts() is O(1): the committed totals, kept in memory and in the file.
// - Thread-safety: apply_batch() from one thread at a time (the destination's dispatcher);
//   get_patient(), counts() and sharing() from any thread at the same time, on a second,
//   read-only connection (WAL lets reads run beside a commit and see only committed data).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/result.h"
#include "engine/hl7/message.h"
#include "engine/record/patient_record.h"
#include "engine/record/record_json.h"
#include "engine/record/sharing_policy.h"

namespace irwell::record {

// PRAGMA application_id of a record store file: "IRWR" in ASCII.
inline constexpr int32_t kRecordApplicationId = 0x49525752;
// The schema version this build writes and understands.
inline constexpr int kRecordSchemaVersion = 1;

struct RecordStoreOptions {
  std::filesystem::path path;  // the SQLite file (created if missing)
  SharingPolicy sharing;
  int busy_timeout_ms = 5000;
  // true: fsync the WAL at every commit. false only for throwaway stores (benchmarks).
  bool synchronous_full = true;
};

// Where a message came from: the message store's id and what the record cites.
struct Provenance {
  int64_t message_id = 0;  // the message store's id (the tie-break between equal event times)
  std::string control_id;  // MSH-10; "" = read it from the message
  TimePoint received_at{};
};

struct ApplyInput {
  const hl7::Message* message = nullptr;  // the parsed message, or nullptr to parse `raw`
  std::string_view raw;                   // the bytes, when `message` is nullptr
  Provenance provenance;
};

enum class ApplyStatus { applied, ignored, failed };
const char* to_string(ApplyStatus status);  // "applied", "ignored", "failed"

struct ApplyOutcome {
  ApplyStatus status = ApplyStatus::applied;
  std::string reason;  // empty when applied
};

// Committed totals for /metrics. Merged-away patients are not in `patients`.
struct RecordCounts {
  int64_t patients = 0;
  int64_t merged_patients = 0;
  int64_t opted_out = 0;
  int64_t encounters = 0;
  int64_t appointments = 0;
  int64_t results = 0;  // orders (OBR)
  int64_t observations = 0;
  int64_t allergies = 0;
  int64_t contacts = 0;
};

class RecordStore {
 public:
  static Result<std::unique_ptr<RecordStore>> open(const RecordStoreOptions& options);
  ~RecordStore();
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  Result<std::vector<ApplyOutcome>> apply_batch(std::span<const ApplyInput> batch);
  // One message: apply_batch() of one.
  Result<ApplyOutcome> apply(const ApplyInput& input);

  Result<std::optional<PatientRecord>> get_patient(std::string_view nhs_number);
  // Any identifier (authority "NHS" for the NHS number, else PID-3's CX.4.1 and CX.1).
  Result<std::optional<PatientRecord>> get_patient_by_identifier(std::string_view authority,
                                                                 std::string_view id);
  RecordCounts counts() const;
  const SharingPolicy& sharing() const;

 private:
  struct Impl;
  explicit RecordStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace irwell::record
