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

struct StoredDelivery {
  int64_t id = 0;
  std::string destination, route, lane_key;
  std::string state;  // queued, in_flight, retry_wait, sent, dead
  int attempts = 0;
  std::string payload;     // "" = the raw message
  std::string last_error;  // "" when none
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
};

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
  virtual Result<std::vector<CommitOutcome>> commit(std::span<const NewMessage> batch,
                                                    std::optional<TimePoint> duplicate_since) = 0;

  // One message with its patients and deliveries; nullopt when there is no such id.
  virtual Result<std::optional<StoredMessage>> get_message(int64_t id) = 0;
  // Summaries matching q, newest first, at most q.limit. Uses indexes, never reads bodies.
  virtual Result<std::vector<MessageSummary>> search(const MessageQuery& q) = 0;
  virtual Result<StoreStats> stats() = 0;
};

}  // namespace irwell::store
