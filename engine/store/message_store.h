#pragma once
// MessageStore: the durable record of every message the engine received, the ACK it sent back,
// and the deliveries it owes to destinations. The ACK contract rests on it: an AA/CA goes out
// only after commit() returned the message's outcome (DESIGN.md property 1).
//
// Contract:
// - Plain data in, plain data out: no HL7 codec, no network, no SQL in this interface. It is the
//   seam where a PostgreSQL store for several nodes plugs in later; the SQLite implementation is
//   in sqlite_store.h, the group-commit writer in commit_queue.h.
// - Errors (disk full, I/O error, a corrupt file) are values: Result<...> holding an Error whose
//   message is for operators' logs. A failed commit() stored nothing of its batch.
// - Thread-safety: each implementation states it; the SQLite one allows commit() from one thread
//   at a time and the reads (get_message, search, stats) from any thread, concurrently with it.
// - Times are wall-clock TimePoints; the store keeps microsecond precision.
// - Strings are bytes: no charset conversion happens here (raw, ack, payload may hold any byte,
//   including NUL).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/result.h"

namespace irwell::store {

// What became of a received message. Stored as its lower-case name.
enum class MessageStatus { accepted, rejected, duplicate, unrouted, filtered };
inline constexpr size_t kMessageStatusCount = 5;
std::string_view to_string(MessageStatus s);
// The inverse of to_string; nullopt for any other text.
std::optional<MessageStatus> parse_status(std::string_view text);

// One PID-3 repetition: identifier (CX.1), assigning authority (CX.4), identifier type (CX.5).
// Type "NH" is an NHS number; "MR" a hospital number (MRN).
struct PatientIdentifier {
  std::string id, authority, type;
  bool operator==(const PatientIdentifier&) const = default;
};

// A delivery owed to a destination, written in the same transaction as its message, queued.
struct NewDelivery {
  std::string destination;  // destination name from the config
  std::string route;        // the route that produced it
  std::string lane_key;     // ordering lane within the destination ("" = the single lane)
  std::string payload;      // the bytes to send; "" = the raw message unchanged
};

// A message as received, with its outcome, ready to be committed.
struct NewMessage {
  TimePoint received_at;
  std::string source;                 // listener (source) name
  std::string peer;                   // "ip:port" of the sender
  std::string control_id;             // MSH-10
  std::string sending_application;    // MSH-3
  std::string sending_facility;       // MSH-4
  std::string receiving_application;  // MSH-5
  std::string receiving_facility;     // MSH-6
  std::string message_time;           // MSH-7, raw
  std::string message_type;           // MSH-9.1, e.g. ADT
  std::string trigger_event;          // MSH-9.2, e.g. A01
  std::string version;                // MSH-12
  MessageStatus status = MessageStatus::accepted;
  std::string raw;       // bytes exactly as received (rejected messages too)
  std::string ack;       // the ACK we send, so a duplicate gets the same one back
  std::string ack_code;  // MSA-1: AA, AE, AR, CA, CE, CR
  std::string error;     // why it was rejected; "" otherwise
  std::vector<PatientIdentifier> patients;
  std::vector<NewDelivery> deliveries;
};

struct CommitOutcome {
  int64_t message_id = 0;  // the stored row, or the original when duplicate
  bool duplicate = false;
  std::string stored_ack;  // when duplicate: the ACK sent for the original
};

// One send attempt of a delivery and what came back.
struct StoredAttempt {
  TimePoint started_at, finished_at;
  std::string outcome;  // sent, nak, error, timeout
  std::string reply;    // the ACK or HTTP status line received, "" when none
  std::string error;    // why it did not deliver, "" when sent
};

struct StoredDelivery {
  int64_t id = 0;
  std::string destination, route, lane_key;
  std::string state;  // queued, in_flight, retry_wait, sent, dead
  int attempts = 0;
  std::string payload;     // "" = the raw message
  std::string last_error;  // "" when none
  int64_t replay_of = 0;   // the delivery this one replays; 0 when none
  std::vector<StoredAttempt> attempt_log;  // oldest first
};

// Every NewMessage field as stored, plus the row id and the deliveries' current state.
struct StoredMessage {
  int64_t id = 0;
  TimePoint received_at;
  std::string source, peer;
  std::string control_id, sending_application, sending_facility, receiving_application,
      receiving_facility, message_time, message_type, trigger_event, version;
  MessageStatus status = MessageStatus::accepted;
  std::string raw, ack, ack_code, error;
  std::vector<PatientIdentifier> patients;  // in the order given
  std::vector<StoredDelivery> deliveries;   // in the order given
};

// A search: every non-empty criterion must match (AND). Newest first (descending id).
struct MessageQuery {
  std::string control_id;     // MSH-10, exact
  std::string patient;        // any PID-3 identifier (NHS number, MRN), exact
  std::string message_type;   // exact, e.g. ADT
  std::string trigger_event;  // exact, e.g. A01
  std::string source;         // listener name
  std::string destination;    // has a delivery to this destination
  std::optional<MessageStatus> status;
  std::optional<TimePoint> since;  // received_at >= since
  std::optional<TimePoint> until;  // received_at < until
  int limit = 50;                  // clamped to [1, 1000]
  int64_t before_id = 0;           // paging cursor: only ids < before_id; 0 = from the newest
  // A search still running after this long stops with an error starting kSearchTooBroad (a
  // broad filter without a time window can otherwise read the whole store).
  std::chrono::milliseconds time_budget{2000};
};
inline constexpr std::string_view kSearchTooBroad = "search too broad";

struct MessageSummary {
  int64_t id = 0;
  TimePoint received_at;
  std::string source, control_id, message_type, trigger_event, status, ack_code;
};

// Counts of stored rows (duplicates detected by commit() are not stored, so not counted here;
// CommitQueue's counters count them).
struct StoreStats {
  int64_t messages = 0;  // all stored messages
  int64_t accepted = 0, rejected = 0, duplicate = 0, unrouted = 0, filtered = 0;
  int64_t queued_deliveries = 0;  // deliveries in state queued
};

// A delivery a dispatcher has to send (queued, retry_wait, or in_flight at a crash), with what
// it needs to send it and to name files or log lines.
struct PendingDelivery {
  int64_t id = 0, message_id = 0;
  std::string destination, lane_key;
  int attempts = 0;
  TimePoint next_attempt_at;  // not before this time
  TimePoint received_at;      // of the message
  std::string control_id, message_type, trigger_event;  // of the message
  std::string payload;  // the bytes to send: the route's output, or the raw message
};

// What one send attempt came to, and what happens next.
enum class DeliveryNext { sent, retry, dead };
struct DeliveryResult {
  int64_t delivery_id = 0;
  DeliveryNext next = DeliveryNext::sent;
  int attempts = 0;           // attempts made so far, this one included
  TimePoint next_attempt_at;  // when next == retry
  StoredAttempt attempt;
};

// Queue figures of one destination, read from indexes (never by counting sent rows).
struct QueueStats {
  int64_t queued = 0;    // unfinished: queued, in_flight or retry_wait
  int64_t retrying = 0;  // of those, in retry_wait
  int64_t dead = 0;      // dead-lettered and not replayed
  std::optional<TimePoint> oldest_received_at;  // of the oldest unfinished delivery's message
};

struct DeadDelivery {
  int64_t delivery_id = 0, message_id = 0;
  std::string destination, control_id, message_type, trigger_event, last_error;
  int attempts = 0;
  TimePoint received_at, dead_at;
};

// One pruning step for one source (retention): at most `limit` messages have their content
// erased and at most `limit` are deleted, in one transaction. Messages with an unfinished
// delivery are never touched.
struct PruneRequest {
  std::string source;
  std::optional<TimePoint> content_before;   // erase raw/ACK/payloads of messages older
  TimePoint content_after{};                 // ...and received at or after this (a cursor)
  std::optional<TimePoint> metadata_before;  // delete messages older than this
  int limit = 500;
};
struct PruneResult {
  int64_t content_erased = 0, deleted = 0;
  TimePoint last_content_at{};  // received_at of the newest message erased (the next cursor)
};

// An entry of the audit log: who did what to which target, when (operator actions, reads of
// message content or patient records).
struct AuditEntry {
  int64_t id = 0;  // assigned by the store
  TimePoint at;
  std::string actor;   // token name
  std::string action;  // e.g. replay, pause, resume, read_message, read_patient, reload
  std::string target;  // e.g. message:42, destination:subscriber, patient:9990000018
  std::string detail;  // free text, never message content
};

// Every non-empty criterion must match. Newest first.
struct AuditQuery {
  std::string actor, action, target;
  std::optional<TimePoint> since, until;
  int limit = 100;        // clamped to [1, 1000]
  int64_t before_id = 0;  // paging cursor; 0 = from the newest
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // Writes the batch in ONE transaction and commits durably; the outcomes are in batch order.
  // Duplicates (I1): for each message not rejected (accepted, unrouted, filtered: all taken)
  // with a non-empty control_id, looks up a message not rejected with the same
  // (sending_application, sending_facility, control_id)
  // received at or after `duplicate_since`, earlier in this same batch included. If found, the
  // message is NOT stored and its outcome is {original id, duplicate=true, stored_ack}.
  // duplicate_since = nullopt turns duplicate detection off. Either every outcome is returned
  // (all committed) or an error (nothing of the batch committed).
  // `results` (delivery outcomes reported by dispatchers) are applied in the same transaction,
  // before the messages; a result for a delivery that is already finished changes nothing.
  virtual Result<std::vector<CommitOutcome>> write(std::span<const NewMessage> batch,
                                                   std::optional<TimePoint> duplicate_since,
                                                   std::span<const DeliveryResult> results) = 0;
  Result<std::vector<CommitOutcome>> commit(std::span<const NewMessage> batch,
                                            std::optional<TimePoint> duplicate_since) {
    return write(batch, duplicate_since, {});
  }

  // One message with its patients and deliveries; nullopt when there is no such id.
  virtual Result<std::optional<StoredMessage>> get_message(int64_t id) = 0;
  // Summaries matching q, newest first, at most q.limit. Never reads bodies. Control ID,
  // patient, a status other than accepted and a time window go through indexes; source, type and
  // destination filter a newest-first walk, bounded by q.time_budget.
  virtual Result<std::vector<MessageSummary>> search(const MessageQuery& q) = 0;
  virtual Result<StoreStats> stats() = 0;

  // Up to `limit` unfinished deliveries of a destination with id > after_id, oldest first: the
  // dispatcher's window onto its queue (FIFO by id). Served by a partial index of unfinished
  // deliveries, so it costs the same with a million sent rows behind it.
  virtual Result<std::vector<PendingDelivery>> pending_deliveries(std::string_view destination,
                                                                  int64_t after_id, int limit) = 0;
  virtual Result<QueueStats> queue_stats(std::string_view destination) = 0;
  // Dead letters (not replayed) of a destination ("" = all), newest first; before_id pages.
  virtual Result<std::vector<DeadDelivery>> dead_deliveries(std::string_view destination,
                                                            int limit, int64_t before_id) = 0;

  // Replays, each in one durable transaction with its audit entry: new queued deliveries at the
  // tail of their destination's queue, linked to the delivery they replay (replay_of).
  // One message: its latest delivery to `destination`, or to every destination ("" ).
  virtual Result<std::vector<int64_t>> replay_message(int64_t message_id,
                                                      std::string_view destination,
                                                      const AuditEntry& audit) = 0;
  // Every dead, not yet replayed delivery of a destination.
  virtual Result<std::vector<int64_t>> replay_dead(std::string_view destination,
                                                   const AuditEntry& audit) = 0;

  // Paused destinations lease nothing; the flag survives restarts.
  virtual Status<> set_paused(std::string_view destination, bool paused,
                              const AuditEntry& audit) = 0;
  virtual Result<std::vector<std::string>> paused_destinations() = 0;

  virtual Result<PruneResult> prune(const PruneRequest& r) = 0;

  // Appends to the audit log (its own small durable transaction); returns the entry's id.
  virtual Result<int64_t> record_audit(const AuditEntry& e) = 0;
  virtual Result<std::vector<AuditEntry>> audit_log(const AuditQuery& q) = 0;
};

}  // namespace irwell::store
