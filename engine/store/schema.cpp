#include "engine/store/schema.h"

#include <fmt/format.h>

#include <chrono>
#include <string>

#include "engine/core/log.h"
#include "engine/store/sqlite_store.h"

namespace irwell::store {
namespace {

// Version 1. Conventions: times are INTEGER microseconds since the Unix epoch (UTC); bytes that
// must come back exactly (raw messages, ACKs, payloads) are BLOBs; states are readable TEXT with
// a CHECK, so an operator with the sqlite3 shell sees words, not numbers. STRICT tables refuse a
// value of the wrong type instead of silently storing it.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE messages (
  id                    INTEGER PRIMARY KEY,
  received_at           INTEGER NOT NULL,
  source                TEXT NOT NULL,      -- listener name
  peer                  TEXT NOT NULL,      -- ip:port
  control_id            TEXT NOT NULL,      -- MSH-10
  sending_application   TEXT NOT NULL,      -- MSH-3
  sending_facility      TEXT NOT NULL,      -- MSH-4
  receiving_application TEXT NOT NULL,      -- MSH-5
  receiving_facility    TEXT NOT NULL,      -- MSH-6
  message_time          TEXT NOT NULL,      -- MSH-7 as received
  message_type          TEXT NOT NULL,      -- MSH-9.1
  trigger_event         TEXT NOT NULL,      -- MSH-9.2
  version               TEXT NOT NULL,      -- MSH-12
  status                TEXT NOT NULL
    CHECK (status IN ('accepted', 'rejected', 'duplicate', 'unrouted', 'filtered')),
  ack_code              TEXT NOT NULL,
  error                 TEXT NOT NULL,
  -- The large columns last: a search reads the small ones from the row's first page and never
  -- touches the overflow pages holding the bodies.
  ack                   BLOB NOT NULL,
  raw                   BLOB NOT NULL
) STRICT;
-- Duplicate detection (I1) and search by control ID in one index: MSH-10 first (it is nearly
-- unique, so a search by control ID alone uses the prefix), then the rest of the key (MSH-3,
-- MSH-4) and the window bound. One index instead of two: every index costs each insert.
CREATE INDEX messages_control_id
  ON messages(control_id, sending_application, sending_facility, received_at);
CREATE INDEX messages_received_at ON messages(received_at);
CREATE INDEX messages_type ON messages(message_type, trigger_event);
CREATE INDEX messages_status ON messages(status);
CREATE INDEX messages_source ON messages(source);

-- PID-3 repetitions, so a search by NHS number or MRN is an index lookup, never a body scan.
CREATE TABLE message_patients (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  identifier TEXT NOT NULL,   -- CX.1
  authority  TEXT NOT NULL,   -- CX.4
  type       TEXT NOT NULL    -- CX.5: NH = NHS number, MR = hospital number
) STRICT;
CREATE INDEX message_patients_identifier ON message_patients(identifier, message_id);
CREATE INDEX message_patients_message ON message_patients(message_id);

-- What each destination is owed. Written queued in the message's own transaction; dispatchers
-- move it through in_flight / retry_wait to sent or dead.
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  message_id      INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  destination     TEXT NOT NULL,
  route           TEXT NOT NULL,
  lane_key        TEXT NOT NULL,      -- ordering lane within the destination ('' = one lane)
  seq             INTEGER NOT NULL,   -- position among its message's deliveries
  state           TEXT NOT NULL
    CHECK (state IN ('queued', 'in_flight', 'retry_wait', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,   -- not to be sent before this time
  last_error      TEXT NOT NULL DEFAULT '',
  payload         BLOB,               -- the bytes to send; NULL = the message's raw bytes
  replay_of       INTEGER REFERENCES deliveries(id) ON DELETE SET NULL
) STRICT;
-- A dispatcher's lease: the oldest delivery of one destination in one state.
CREATE INDEX deliveries_destination_state ON deliveries(destination, state, id);
CREATE INDEX deliveries_message ON deliveries(message_id);
CREATE INDEX deliveries_replay_of ON deliveries(replay_of) WHERE replay_of IS NOT NULL;

-- One row per send attempt of a delivery: what was sent when, and what came back.
CREATE TABLE attempts (
  id          INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  outcome     TEXT NOT NULL,          -- sent, nak, error, timeout
  reply       BLOB,                   -- the ACK or response received, if any
  error       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX attempts_delivery ON attempts(delivery_id);

-- Operator actions through the admin API (replay, pause, resume, ...).
CREATE TABLE audit (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT NOT NULL,               -- token name or role
  action TEXT NOT NULL,
  target TEXT NOT NULL,               -- e.g. message:42, destination:pas_out
  detail TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_at ON audit(at);

-- Row counts kept by triggers in the writing transaction, so stats() and queue depths are
-- O(1) reads instead of counting millions of rows on every /metrics scrape.
CREATE TABLE message_counts (
  status TEXT PRIMARY KEY,
  n      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
  INSERT INTO message_counts(status, n) VALUES (NEW.status, 1)
    ON CONFLICT(status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
  UPDATE message_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER messages_count_update AFTER UPDATE OF status ON messages
  WHEN OLD.status <> NEW.status BEGIN
  UPDATE message_counts SET n = n - 1 WHERE status = OLD.status;
  INSERT INTO message_counts(status, n) VALUES (NEW.status, 1)
    ON CONFLICT(status) DO UPDATE SET n = n + 1;
END;

CREATE TABLE delivery_counts (
  destination TEXT NOT NULL,
  state       TEXT NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (destination, state)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries BEGIN
  INSERT INTO delivery_counts(destination, state, n) VALUES (NEW.destination, NEW.state, 1)
    ON CONFLICT(destination, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries BEGIN
  UPDATE delivery_counts SET n = n - 1
    WHERE destination = OLD.destination AND state = OLD.state;
END;
CREATE TRIGGER deliveries_count_update AFTER UPDATE OF state, destination ON deliveries
  WHEN OLD.state <> NEW.state OR OLD.destination <> NEW.destination BEGIN
  UPDATE delivery_counts SET n = n - 1
    WHERE destination = OLD.destination AND state = OLD.state;
  INSERT INTO delivery_counts(destination, state, n) VALUES (NEW.destination, NEW.state, 1)
    ON CONFLICT(destination, state) DO UPDATE SET n = n + 1;
END;
)sql";

// Version 2: what the delivery side needs.
constexpr const char* kSchemaV2 = R"sql(
-- The dispatcher's window onto a destination's queue: unfinished deliveries by id. Partial, so
-- it holds only the queue itself; with a million sent rows behind it a lease costs the same.
CREATE INDEX deliveries_pending ON deliveries(destination, id)
  WHERE state IN ('queued', 'in_flight', 'retry_wait');
-- Dead letters, for listings and bulk replay.
CREATE INDEX deliveries_dead ON deliveries(destination, id) WHERE state = 'dead';
-- When a delivery finished (sent or dead-lettered); NULL while unfinished.
ALTER TABLE deliveries ADD COLUMN finished_at INTEGER;

-- Per-destination settings operators change at run time; they survive restarts.
CREATE TABLE destination_settings (
  destination TEXT PRIMARY KEY,
  paused      INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  changed_at  INTEGER NOT NULL,
  changed_by  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_actor ON audit(actor, id);
)sql";

// Version 3: a lighter write path for ingest, where every index and trigger costs each message
// a B-tree insert (and a page in the log) before its ACK can go.
// - The low-cardinality indexes on type, source and status go: a search on those alone would
//   read most of the table through them anyway; the search walks messages newest first (by id,
//   with a time window through messages_received_at) and filters. The statuses worth finding
//   (rejected, duplicate, unrouted, filtered) are rare and keep a partial index.
// - deliveries_destination_state goes: deliveries_pending and deliveries_dead serve the queues,
//   deliveries_message serves a message's deliveries.
// - message_patients becomes one B-tree: WITHOUT ROWID, keyed by the identifier a search asks
//   for. It had a rowid table and two indexes (three inserts per identifier); the identifiers of
//   one message now also sit on its row (messages.patients: CX.1, CX.4, CX.5 separated by 0x1F,
//   repetitions by 0x1E), which is what reading a message and pruning use instead of an index
//   by message. The old rows are copied over, in PID-3 order.
// - The count triggers on INSERT go: the store adds one row per status and per destination
//   once per transaction instead of once per row (the UPDATE and DELETE triggers stay: those
//   paths are not the ingest path, and cascades must keep the counts right).
constexpr const char* kSchemaV3 = R"sql(
DROP INDEX messages_type;
DROP INDEX messages_source;
DROP INDEX messages_status;
CREATE INDEX messages_not_accepted ON messages(status, id) WHERE status <> 'accepted';
DROP INDEX deliveries_destination_state;
DROP TRIGGER messages_count_insert;
DROP TRIGGER deliveries_count_insert;

ALTER TABLE messages ADD COLUMN patients TEXT NOT NULL DEFAULT '';
UPDATE messages SET patients = coalesce((
    SELECT group_concat(identifier || char(31) || authority || char(31) || type, char(30))
    FROM (SELECT identifier, authority, type FROM message_patients p
          WHERE p.message_id = messages.id ORDER BY p.rowid)), '')
  WHERE id IN (SELECT message_id FROM message_patients);
CREATE TABLE patient_index (
  identifier TEXT NOT NULL,      -- CX.1
  message_id INTEGER NOT NULL,   -- messages.id (deleted with it by the store, not by a cascade)
  seq        INTEGER NOT NULL,   -- position in PID-3
  authority  TEXT NOT NULL,      -- CX.4
  type       TEXT NOT NULL,      -- CX.5: NH = NHS number, MR = hospital number
  PRIMARY KEY (identifier, message_id, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO patient_index(identifier, message_id, seq, authority, type)
  SELECT identifier, message_id,
         row_number() OVER (PARTITION BY message_id ORDER BY rowid) - 1, authority, type
  FROM message_patients;
DROP TABLE message_patients;
ALTER TABLE patient_index RENAME TO message_patients;
)sql";

struct Migration {
  int version;
  const char* sql;
};

// Append only: a released step is never edited, a change is a new step.
constexpr Migration kMigrations[] = {
    {1, kSchemaV1},
    {2, kSchemaV2},
    {3, kSchemaV3},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

}  // namespace

namespace {

// The checks and the pending steps, inside the caller's transaction.
Status<> check_and_apply(SqliteConnection& db, int up_to) {
  const char* file = sqlite3_db_filename(db.get(), "main");
  auto app_id = db.query_int("PRAGMA application_id");
  if (!app_id) return fail(app_id.error());
  if (*app_id != 0 && *app_id != kApplicationId) {
    return fail(fmt::format("store: {} is not an irwell message store (application_id {:#x})", file,
                            *app_id));
  }
  auto version = db.query_int("PRAGMA user_version");
  if (!version) return fail(version.error());
  if (*version > kSchemaVersion) {
    return fail(
        fmt::format("store: {} has schema version {}, newer than this irwell understands ({}); "
                    "run a newer irwell or restore a backup",
                    file, *version, kSchemaVersion));
  }
  if (*version == 0) {
    auto objects = db.query_int("SELECT count(*) FROM sqlite_schema");
    if (!objects) return fail(objects.error());
    if (*objects != 0) {
      return fail(fmt::format("store: {} already holds tables but no irwell schema version", file));
    }
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *version || m.version > up_to) continue;
    // An upgrade rewrites indexes over every stored message (about 12 s per million messages
    // for version 3 on the benchmark disk), before the engine accepts anything: say so.
    const bool upgrade = *version != 0;
    const auto started = std::chrono::steady_clock::now();
    if (upgrade) {
      log::info("store_migrating", {{"file", file}, {"from", m.version - 1}, {"to", m.version}});
    }
    // user_version and application_id live in the file header, written inside the transaction:
    // the schema and its version number commit together or not at all.
    auto s = db.exec(std::string(m.sql) +
                     fmt::format("\nPRAGMA application_id = {};\nPRAGMA user_version = {};\n",
                                 kApplicationId, m.version));
    if (!s) {
      return fail(
          Error{fmt::format("{} (migrating to schema version {})", s.error().message, m.version)});
    }
    if (upgrade) {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      log::info("store_migrated", {{"file", file},
                                   {"version", m.version},
                                   {"seconds", fmt::format("{:.1f}", took.count())}});
    }
  }
  return ok();
}

}  // namespace

Status<> migrate(SqliteConnection& db, int up_to) {
  if (up_to < 0) up_to = kSchemaVersion;
  // IMMEDIATE: take the write lock before reading the version, so two engines started on the
  // same file one after the other migrate it once, never both from the same old version.
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s;
  auto s = check_and_apply(db, up_to);
  if (s) s = db.exec("COMMIT");
  if (!s && db.in_transaction()) (void)db.exec("ROLLBACK");
  return s;
}

}  // namespace irwell::store
