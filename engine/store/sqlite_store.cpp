#include "engine/store/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "engine/store/schema.h"
#include "engine/store/sqlite_connection.h"
#include "engine/store/sqlite_statement.h"

namespace irwell::store {
namespace {

constexpr std::string_view kMessageColumns =
    "id, received_at, source, peer, control_id, sending_application, sending_facility, "
    "receiving_application, receiving_facility, message_time, message_type, trigger_event, "
    "version, status, ack_code, error, ack, raw";

constexpr int kMaxSearchLimit = 1000;

// messages.patients: the PID-3 identifiers of a message in order, CX.1, CX.4 and CX.5 separated
// by 0x1F (unit separator), repetitions by 0x1E (record separator); neither survives into a
// parsed HL7 field value. The identifier index (message_patients) is keyed by identifier only, so
// this column is how a message's identifiers are read back and found again for deletion.
constexpr char kUnitSeparator = '\x1f';
constexpr char kRecordSeparator = '\x1e';

void encode_patients(const std::vector<PatientIdentifier>& patients, std::string& out) {
  for (const PatientIdentifier& p : patients) {
    if (&p != &patients.front()) out += kRecordSeparator;
    out += p.id;
    out += kUnitSeparator;
    out += p.authority;
    out += kUnitSeparator;
    out += p.type;
  }
}

std::vector<PatientIdentifier> decode_patients(std::string_view text) {
  std::vector<PatientIdentifier> out;
  while (!text.empty()) {
    const size_t end = std::min(text.find(kRecordSeparator), text.size());
    std::string_view one = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    PatientIdentifier p;
    std::string* fields[] = {&p.id, &p.authority, &p.type};
    for (std::string* f : fields) {
      const size_t cut = std::min(one.find(kUnitSeparator), one.size());
      *f = std::string(one.substr(0, cut));
      one.remove_prefix(std::min(cut + 1, one.size()));
    }
    out.push_back(std::move(p));
  }
  return out;
}

// Runs a statement that returns no rows and resets it.
Status<> run(SqliteConnection& db, SqliteStatement& st, std::string_view what) {
  SqliteStatement::Reset reset(st);
  const int rc = st.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(db.error(what, rc));
  return ok();
}

Result<MessageStatus> status_column(SqliteStatement& st, int index) {
  const std::string text = st.column_string(index);
  auto status = parse_status(text);
  if (!status) return fail(fmt::format("store: unknown message status '{}' in the file", text));
  return *status;
}

// Pragmas shared by both connections.
Status<> configure_common(SqliteConnection& db, const SqliteOptions& o) {
  // busy_timeout: another process (an operator's sqlite3 shell, a backup) may hold a lock for a
  // moment; wait that long for it instead of failing a commit, and with it the ACKs, at once.
  if (auto s = db.exec(fmt::format("PRAGMA busy_timeout = {}", o.busy_timeout_ms)); !s) return s;
  // cache_size: 16 MiB of pages per connection keeps the hot index pages (duplicate lookups,
  // searches) in memory; negative means KiB rather than pages.
  return db.exec("PRAGMA cache_size = -16384");
}

Status<> configure_writer(SqliteConnection& db, const SqliteOptions& o) {
  if (auto s = configure_common(db, o); !s) return s;
  // journal_mode=WAL (persistent in the file): a commit appends to the log and fsyncs it once,
  // and readers (admin API, searches) run beside the writer without blocking it or being
  // blocked. Checked, because SQLite silently keeps the old mode where WAL is unavailable.
  auto mode = db.prepare("PRAGMA journal_mode = WAL");
  if (!mode) return fail(mode.error());
  {
    SqliteStatement::Reset reset(*mode);
    if (const int rc = mode->step(); rc != SQLITE_ROW) return fail(db.error("journal_mode", rc));
    if (const std::string m = mode->column_string(0); m != "wal") {
      return fail(fmt::format("store: cannot use WAL journal mode here (got '{}')", m));
    }
  }
  // synchronous=FULL: in WAL mode this fsyncs the log at every COMMIT, so a transaction that
  // returned survives power loss: the promise an AA makes. NORMAL would only fsync at
  // checkpoints and could lose acknowledged messages.
  if (auto s =
          db.exec(o.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      !s)
    return s;
  // foreign_keys: patients and deliveries always point at a stored message, and deleting old
  // messages (pruning) takes their rows with them (ON DELETE CASCADE). Off by default in SQLite.
  if (auto s = db.exec("PRAGMA foreign_keys = ON"); !s) return s;
  // wal_autocheckpoint: the default (1000 pages, ~4 MiB) keeps the log short so reads stay fast;
  // the checkpoint runs inside an occasional commit. journal_size_limit: after a burst has grown
  // the log, truncate it back to 64 MiB at the next checkpoint instead of keeping it forever.
  if (auto s = db.exec("PRAGMA wal_autocheckpoint = 1000"); !s) return s;
  if (auto s = db.exec("PRAGMA journal_size_limit = 67108864"); !s) return s;
  // temp_store: sorts and temporary indexes of searches in memory, never in temp files.
  return db.exec("PRAGMA temp_store = MEMORY");
}

Status<> configure_reader(SqliteConnection& db, const SqliteOptions& o) {
  if (auto s = configure_common(db, o); !s) return s;
  // query_only: the read connection is opened read-only already; this also makes any attempt
  // to write through it an error SQLite reports by name.
  return db.exec("PRAGMA query_only = ON");
}

// A search as SQL text plus its parameters in order. Strings point into the query.
struct SearchSql {
  std::string sql;
  std::vector<std::variant<int64_t, std::string_view>> params;
};

SearchSql build_search(const MessageQuery& q) {
  SearchSql out;
  out.sql =
      "SELECT id, received_at, source, control_id, message_type, trigger_event, status, "
      "ack_code FROM messages WHERE 1";
  auto text = [&](const std::string& value, std::string_view condition) {
    if (value.empty()) return;
    out.sql += condition;
    out.params.emplace_back(std::string_view(value));
  };
  text(q.control_id, " AND control_id = ?");
  text(q.message_type, " AND message_type = ?");
  text(q.trigger_event, " AND trigger_event = ?");
  text(q.source, " AND source = ?");
  // Patients and destinations through their own indexes, never through the bodies.
  text(q.patient, " AND id IN (SELECT message_id FROM message_patients WHERE identifier = ?)");
  // Newest first through the messages, each checked through deliveries_message: a busy
  // destination (most messages) finds its page at once; no destination-wide index to maintain.
  text(q.destination,
       " AND EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id"
       " AND d.destination = ?)");
  if (q.status) {
    // The rare statuses through the partial index messages_not_accepted, which SQLite uses only
    // when the query repeats the index's own condition word for word.
    if (*q.status != MessageStatus::accepted) out.sql += " AND status <> 'accepted'";
    out.sql += " AND status = ?";
    out.params.emplace_back(to_string(*q.status));
  }
  if (q.since) {
    // A window is nearly always a small part of the store (the last hour, a day): said so, or
    // SQLite walks every message newest first to apply an open-ended lower bound.
    out.sql += " AND likelihood(received_at >= ?, 0.01)";
    out.params.emplace_back(int64_t{to_micros(*q.since)});
  }
  if (q.until) {
    out.sql += " AND received_at < ?";
    out.params.emplace_back(int64_t{to_micros(*q.until)});
  }
  if (q.before_id > 0) {
    out.sql += " AND id < ?";
    out.params.emplace_back(q.before_id);
  }
  out.sql += " ORDER BY id DESC LIMIT ?";
  out.params.emplace_back(int64_t{std::clamp(q.limit, 1, kMaxSearchLimit)});
  return out;
}

}  // namespace

struct SqliteStore::Impl {
  // Connections first: members are destroyed in reverse order, statements before connections.
  SqliteConnection writer;
  SqliteConnection reader;
  int64_t default_max_page_count = 0;

  std::mutex write_mutex;     // guards writer and the write statements
  std::string patients_text;  // scratch for messages.patients (writer only)
  SqliteStatement begin, commit, rollback, find_original, insert_message, insert_patient,
      insert_delivery, finish_delivery, retry_delivery, insert_attempt, insert_audit,
      latest_deliveries, replay_one, dead_to_replay, upsert_paused, prune_select_content,
      prune_erase_message, prune_erase_payloads, prune_erase_replies, prune_select_delete,
      prune_delete_patient, prune_delete, add_message_count, add_delivery_count;

  std::mutex read_mutex;  // guards reader and the read statements
  SqliteStatement read_begin, read_end, select_message, select_deliveries, select_message_counts,
      select_queued, select_attempts, select_pending, select_queue_counts, select_oldest,
      select_dead_count, select_dead, select_dead_all, select_paused;
  std::map<std::string, SqliteStatement, std::less<>> search_statements;

  Status<> prepare_all();
  Status<> write_batch(std::span<const NewMessage> batch, std::optional<TimePoint> since,
                       std::span<const DeliveryResult> results,
                       std::vector<CommitOutcome>& outcomes);
  Status<> apply_result(const DeliveryResult& r);
  Result<int64_t> insert_audit_row(const AuditEntry& e);
  Result<int64_t> replay_delivery(int64_t delivery_id, TimePoint now);
  // Adds n to one row of message_counts or delivery_counts (the insert-side counting).
  Status<> add_count(SqliteStatement& st, std::string_view key, int64_t n);
  // Runs `body` in one write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on failure.
  template <class F>
  auto in_write_transaction(F&& body) -> decltype(body());
  Result<std::optional<CommitOutcome>> find_duplicate(const NewMessage& m, TimePoint since);
  Result<int64_t> insert(const NewMessage& m);
  void rollback_if_open();
  Result<SqliteStatement*> search_statement(const std::string& sql);
  Result<std::optional<StoredMessage>> read_message(int64_t id);
  Result<StoreStats> read_stats();
};

Status<> SqliteStore::Impl::prepare_all() {
  struct {
    SqliteConnection& db;
    SqliteStatement& st;
    std::string sql;
  } all[] = {
      // IMMEDIATE: take the write lock when the batch starts, so a busy file shows up at BEGIN
      // (waited for by busy_timeout) and never as a failed lock upgrade halfway through a batch.
      {writer, begin, "BEGIN IMMEDIATE"},
      {writer, commit, "COMMIT"},
      {writer, rollback, "ROLLBACK"},
      // The first processed (not rejected) message with this key in the window: its ACK is
      // what a resent duplicate gets back (I1). Served by messages_control_id.
      {writer, find_original,
       "SELECT id, ack FROM messages WHERE sending_application = ?1 AND sending_facility = ?2 "
       "AND control_id = ?3 AND received_at >= ?4 AND status <> 'rejected' "
       "ORDER BY received_at, id LIMIT 1"},
      {writer, insert_message,
       fmt::format("INSERT INTO messages({}, patients) VALUES "
                   "(NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   kMessageColumns)},
      {writer, insert_patient,
       "INSERT INTO message_patients(identifier, message_id, seq, authority, type) "
       "VALUES (?, ?, ?, ?, ?)"},
      {writer, insert_delivery,
       "INSERT INTO deliveries(message_id, destination, route, lane_key, seq, state, "
       "next_attempt_at, payload) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)"},
      // A delivery result only moves an unfinished delivery: a late or repeated result for one
      // already sent or dead changes nothing (and adds no attempt row: changes() is 0).
      {writer, finish_delivery,
       "UPDATE deliveries SET state = ?2, attempts = ?3, last_error = ?4, finished_at = ?5 "
       "WHERE id = ?1 AND state IN ('queued', 'in_flight', 'retry_wait')"},
      {writer, retry_delivery,
       "UPDATE deliveries SET state = 'retry_wait', attempts = ?2, last_error = ?3, "
       "next_attempt_at = ?4 WHERE id = ?1 AND state IN ('queued', 'in_flight', 'retry_wait')"},
      {writer, insert_attempt,
       "INSERT INTO attempts(delivery_id, started_at, finished_at, outcome, reply, error) "
       "VALUES (?, ?, ?, ?, ?, ?)"},
      {writer, insert_audit,
       "INSERT INTO audit(at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)"},
      // The newest delivery of a message per destination (the one a replay copies).
      {writer, latest_deliveries,
       "SELECT max(id) FROM deliveries WHERE message_id = ?1 AND (?2 = '' OR destination = ?2) "
       "GROUP BY destination ORDER BY destination"},
      // Counts of new rows, added once per transaction (schema version 3 says why).
      {writer, add_message_count,
       "INSERT INTO message_counts(status, n) VALUES (?1, ?2) "
       "ON CONFLICT(status) DO UPDATE SET n = n + excluded.n"},
      {writer, add_delivery_count,
       "INSERT INTO delivery_counts(destination, state, n) VALUES (?1, 'queued', ?2) "
       "ON CONFLICT(destination, state) DO UPDATE SET n = n + excluded.n"},
      {writer, replay_one,
       "INSERT INTO deliveries(message_id, destination, route, lane_key, seq, state, "
       "next_attempt_at, payload, replay_of) "
       "SELECT message_id, destination, route, lane_key, "
       "(SELECT max(seq) + 1 FROM deliveries WHERE message_id = d.message_id), 'queued', ?2, "
       "payload, id FROM deliveries d WHERE id = ?1 RETURNING destination"},
      {writer, dead_to_replay,
       "SELECT d.id FROM deliveries d WHERE d.destination = ?1 AND d.state = 'dead' "
       "AND NOT EXISTS (SELECT 1 FROM deliveries r WHERE r.replay_of = d.id) ORDER BY d.id"},
      {writer, upsert_paused,
       "INSERT INTO destination_settings(destination, paused, changed_at, changed_by) "
       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(destination) DO UPDATE SET paused = ?2, "
       "changed_at = ?3, changed_by = ?4"},
      // Retention: oldest first through messages_received_at; never a message with an unfinished
      // delivery (deliveries_message answers that).
      {writer, prune_select_content,
       "SELECT m.id, m.received_at FROM messages m WHERE m.received_at >= ?2 "
       "AND m.received_at < ?3 AND m.source = ?1 AND length(m.raw) > 0 AND NOT EXISTS "
       "(SELECT 1 FROM deliveries d WHERE d.message_id = m.id "
       "AND d.state IN ('queued', 'in_flight', 'retry_wait')) ORDER BY m.received_at LIMIT ?4"},
      {writer, prune_erase_message, "UPDATE messages SET raw = x'', ack = x'' WHERE id = ?"},
      {writer, prune_erase_payloads,
       "UPDATE deliveries SET payload = NULL WHERE message_id = ? AND payload IS NOT NULL"},
      {writer, prune_erase_replies,
       "UPDATE attempts SET reply = NULL WHERE reply IS NOT NULL AND delivery_id IN "
       "(SELECT id FROM deliveries WHERE message_id = ?)"},
      {writer, prune_select_delete,
       "SELECT m.id, m.patients FROM messages m WHERE "
       "m.received_at < ?2 AND m.source = ?1 AND NOT EXISTS "
       "(SELECT 1 FROM deliveries d WHERE d.message_id = m.id "
       "AND d.state IN ('queued', 'in_flight', 'retry_wait')) ORDER BY m.received_at LIMIT ?3"},
      {writer, prune_delete_patient,
       "DELETE FROM message_patients WHERE identifier = ?1 AND message_id = ?2"},
      // Deliveries and their attempts go with the message (ON DELETE CASCADE).
      {writer, prune_delete, "DELETE FROM messages WHERE id = ?"},
      // A deferred read transaction around the several SELECTs of one answer, so they all see
      // the same committed state.
      {reader, read_begin, "BEGIN"},
      {reader, read_end, "COMMIT"},
      {reader, select_message,
       fmt::format("SELECT {}, patients FROM messages WHERE id = ?", kMessageColumns)},
      {reader, select_deliveries,
       "SELECT id, destination, route, lane_key, state, attempts, payload, last_error, "
       "coalesce(replay_of, 0) FROM deliveries WHERE message_id = ? ORDER BY seq"},
      {reader, select_attempts,
       "SELECT started_at, coalesce(finished_at, started_at), outcome, coalesce(reply, ''), "
       "error FROM attempts WHERE delivery_id = ? ORDER BY id"},
      {reader, select_message_counts, "SELECT status, n FROM message_counts"},
      {reader, select_queued,
       "SELECT coalesce(sum(n), 0) FROM delivery_counts "
       "WHERE state IN ('queued', 'in_flight', 'retry_wait')"},
      // Served by deliveries_pending (the IN list must match the index's WHERE to use it).
      {reader, select_pending,
       "SELECT d.id, d.message_id, d.lane_key, d.attempts, d.next_attempt_at, m.received_at, "
       "m.control_id, m.message_type, m.trigger_event, coalesce(d.payload, m.raw) "
       "FROM deliveries d JOIN messages m ON m.id = d.message_id "
       "WHERE d.destination = ?1 AND d.state IN ('queued', 'in_flight', 'retry_wait') "
       "AND d.id > ?2 ORDER BY d.id LIMIT ?3"},
      {reader, select_queue_counts, "SELECT state, n FROM delivery_counts WHERE destination = ?1"},
      {reader, select_oldest,
       "SELECT m.received_at FROM deliveries d JOIN messages m ON m.id = d.message_id "
       "WHERE d.destination = ?1 AND d.state IN ('queued', 'in_flight', 'retry_wait') "
       "ORDER BY d.id LIMIT 1"},
      {reader, select_dead_count,
       "SELECT count(*) FROM deliveries d WHERE d.destination = ?1 AND d.state = 'dead' "
       "AND NOT EXISTS (SELECT 1 FROM deliveries r WHERE r.replay_of = d.id)"},
      {reader, select_dead,
       "SELECT d.id, d.message_id, d.destination, m.control_id, m.message_type, "
       "m.trigger_event, d.last_error, d.attempts, m.received_at, coalesce(d.finished_at, 0) "
       "FROM deliveries d JOIN messages m ON m.id = d.message_id "
       "WHERE d.destination = ?1 AND d.state = 'dead' AND d.id < ?2 "
       "AND NOT EXISTS (SELECT 1 FROM deliveries r WHERE r.replay_of = d.id) "
       "ORDER BY d.id DESC LIMIT ?3"},
      {reader, select_dead_all,
       "SELECT d.id, d.message_id, d.destination, m.control_id, m.message_type, "
       "m.trigger_event, d.last_error, d.attempts, m.received_at, coalesce(d.finished_at, 0) "
       "FROM deliveries d JOIN messages m ON m.id = d.message_id "
       "WHERE d.state = 'dead' AND d.id < ?2 AND ?1 = '' "
       "AND NOT EXISTS (SELECT 1 FROM deliveries r WHERE r.replay_of = d.id) "
       "ORDER BY d.id DESC LIMIT ?3"},
      {reader, select_paused,
       "SELECT destination FROM destination_settings WHERE paused = 1 ORDER BY destination"},
  };
  for (auto& [db, st, sql] : all) {
    auto prepared = db.prepare(sql);
    if (!prepared) return fail(prepared.error());
    st = std::move(*prepared);
  }
  return ok();
}

void SqliteStore::Impl::rollback_if_open() {
  // After SQLITE_FULL or an I/O error SQLite may already have rolled the transaction back by
  // itself; otherwise it is still open and must be ended here, or the next BEGIN would fail and
  // the connection would be stuck.
  if (!writer.in_transaction()) return;
  if (auto s = run(writer, rollback, "store: rollback"); !s) {
    // A ROLLBACK that fails leaves nothing better to do than retrying once as plain SQL.
    (void)writer.exec("ROLLBACK");
  }
}

Result<std::optional<CommitOutcome>> SqliteStore::Impl::find_duplicate(const NewMessage& m,
                                                                       TimePoint since) {
  SqliteStatement& st = find_original;
  SqliteStatement::Reset reset(st);
  st.bind_text(1, m.sending_application);
  st.bind_text(2, m.sending_facility);
  st.bind_text(3, m.control_id);
  st.bind(4, to_micros(since));
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<CommitOutcome>();
  if (rc != SQLITE_ROW) return fail(writer.error("store: duplicate lookup", rc));
  return std::optional<CommitOutcome>(CommitOutcome{st.column_int64(0), true, st.column_string(1)});
}

Result<int64_t> SqliteStore::Impl::insert(const NewMessage& m) {
  {
    SqliteStatement& st = insert_message;
    SqliteStatement::Reset reset(st);
    int i = 0;
    st.bind(++i, to_micros(m.received_at));
    for (const std::string* text :
         {&m.source, &m.peer, &m.control_id, &m.sending_application, &m.sending_facility,
          &m.receiving_application, &m.receiving_facility, &m.message_time, &m.message_type,
          &m.trigger_event, &m.version}) {
      st.bind_text(++i, *text);
    }
    st.bind_text(++i, to_string(m.status));
    st.bind_text(++i, m.ack_code);
    st.bind_text(++i, m.error);
    // Only the bodies can be too big to bind (SQLITE_TOOBIG); a failed bind would leave NULL.
    if (const int rc = st.bind_blob(++i, m.ack); rc != SQLITE_OK) {
      return fail(writer.error("store: bind ack", rc));
    }
    if (const int rc = st.bind_blob(++i, m.raw); rc != SQLITE_OK) {
      return fail(writer.error("store: bind raw message", rc));
    }
    patients_text.clear();
    encode_patients(m.patients, patients_text);
    st.bind_text(++i, patients_text);
    if (const int rc = st.step(); rc != SQLITE_DONE) {
      return fail(writer.error("store: insert message", rc));
    }
  }
  const int64_t id = sqlite3_last_insert_rowid(writer.get());

  for (size_t seq = 0; seq < m.patients.size(); ++seq) {
    const PatientIdentifier& p = m.patients[seq];
    SqliteStatement& st = insert_patient;
    SqliteStatement::Reset reset(st);
    st.bind_text(1, p.id);
    st.bind(2, id);
    st.bind(3, static_cast<int64_t>(seq));
    st.bind_text(4, p.authority);
    st.bind_text(5, p.type);
    if (const int rc = st.step(); rc != SQLITE_DONE) {
      return fail(writer.error("store: insert patient identifier", rc));
    }
  }
  for (size_t seq = 0; seq < m.deliveries.size(); ++seq) {
    const NewDelivery& d = m.deliveries[seq];
    SqliteStatement& st = insert_delivery;
    SqliteStatement::Reset reset(st);
    st.bind(1, id);
    st.bind_text(2, d.destination);
    st.bind_text(3, d.route);
    st.bind_text(4, d.lane_key);
    st.bind(5, static_cast<int64_t>(seq));
    st.bind(6, to_micros(m.received_at));  // due at once
    // NULL = send the raw message; a failed bind would silently mean the same, so check it.
    if (!d.payload.empty()) {
      if (const int rc = st.bind_blob(7, d.payload); rc != SQLITE_OK) {
        return fail(writer.error("store: bind delivery payload", rc));
      }
    }
    if (const int rc = st.step(); rc != SQLITE_DONE) {
      return fail(writer.error("store: insert delivery", rc));
    }
  }
  return id;
}

Status<> SqliteStore::Impl::apply_result(const DeliveryResult& r) {
  const StoredAttempt& a = r.attempt;
  SqliteStatement& st = r.next == DeliveryNext::retry ? retry_delivery : finish_delivery;
  {
    SqliteStatement::Reset reset(st);
    st.bind(1, r.delivery_id);
    if (r.next == DeliveryNext::retry) {
      st.bind(2, r.attempts);
      st.bind_text(3, a.error);
      st.bind(4, to_micros(r.next_attempt_at));
    } else {
      st.bind_text(2, r.next == DeliveryNext::sent ? "sent" : "dead");
      st.bind(3, r.attempts);
      st.bind_text(4, a.error);
      st.bind(5, to_micros(a.finished_at));
    }
    if (const int rc = st.step(); rc != SQLITE_DONE) {
      return fail(writer.error("store: update delivery", rc));
    }
  }
  if (sqlite3_changes(writer.get()) == 0) return ok();  // already finished: nothing to record
  SqliteStatement& at = insert_attempt;
  SqliteStatement::Reset reset(at);
  at.bind(1, r.delivery_id);
  at.bind(2, to_micros(a.started_at));
  at.bind(3, to_micros(a.finished_at));
  at.bind_text(4, a.outcome);
  if (!a.reply.empty()) {
    if (const int rc = at.bind_blob(5, a.reply); rc != SQLITE_OK) {
      return fail(writer.error("store: bind attempt reply", rc));
    }
  }
  at.bind_text(6, a.error);
  if (const int rc = at.step(); rc != SQLITE_DONE) {
    return fail(writer.error("store: insert attempt", rc));
  }
  return ok();
}

Status<> SqliteStore::Impl::write_batch(std::span<const NewMessage> batch,
                                        std::optional<TimePoint> since,
                                        std::span<const DeliveryResult> results,
                                        std::vector<CommitOutcome>& outcomes) {
  // The transaction boundary of the ACK contract: every message of the batch (its row, its
  // patients, its queued deliveries) is in this one transaction, and no outcome leaves this
  // function before COMMIT returned SQLITE_DONE, i.e. before the log was fsynced.
  if (auto s = run(writer, begin, "store: begin"); !s) return s;
  for (const DeliveryResult& r : results) {
    if (auto s = apply_result(r); !s) return s;
  }
  // New rows counted per transaction, not per row: a handful of keys per batch.
  std::array<int64_t, kMessageStatusCount> by_status{};
  std::vector<std::pair<std::string_view, int64_t>> by_destination;
  for (const NewMessage& m : batch) {
    // Only processed messages (accepted, unrouted, filtered: all ACKed as taken) are
    // deduplicated: a rejected one was never processed, so its resend deserves a fresh look;
    // an empty MSH-10 identifies nothing (I2).
    if (since && m.status != MessageStatus::rejected && !m.control_id.empty()) {
      // The lookup runs inside the transaction, so it also finds originals inserted earlier in
      // this same batch.
      auto original = find_duplicate(m, *since);
      if (!original) return fail(original.error());
      if (*original) {
        outcomes.push_back(std::move(**original));
        continue;
      }
    }
    auto id = insert(m);
    if (!id) return fail(id.error());
    outcomes.push_back(CommitOutcome{*id, false, {}});
    ++by_status[static_cast<size_t>(m.status)];
    for (const NewDelivery& d : m.deliveries) {
      auto it = std::find_if(by_destination.begin(), by_destination.end(),
                             [&](const auto& e) { return e.first == d.destination; });
      if (it == by_destination.end()) {
        by_destination.emplace_back(d.destination, 1);
      } else {
        ++it->second;
      }
    }
  }
  for (size_t i = 0; i < by_status.size(); ++i) {
    if (by_status[i] == 0) continue;
    const auto status = to_string(static_cast<MessageStatus>(i));
    if (auto s = add_count(add_message_count, status, by_status[i]); !s) return s;
  }
  for (const auto& [destination, n] : by_destination) {
    if (auto s = add_count(add_delivery_count, destination, n); !s) return s;
  }
  return run(writer, commit, "store: commit");
}

Result<SqliteStatement*> SqliteStore::Impl::search_statement(const std::string& sql) {
  // One prepared statement per combination of criteria in use (a few dozen at most).
  if (auto it = search_statements.find(sql); it != search_statements.end()) return &it->second;
  auto prepared = reader.prepare(sql);
  if (!prepared) return fail(prepared.error());
  return &search_statements.emplace(sql, std::move(*prepared)).first->second;
}

Result<std::optional<StoredMessage>> SqliteStore::Impl::read_message(int64_t id) {
  SqliteStatement& st = select_message;
  SqliteStatement::Reset reset(st);
  st.bind(1, id);
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<StoredMessage>();
  if (rc != SQLITE_ROW) return fail(reader.error("store: read message", rc));

  StoredMessage m;
  int c = 0;
  m.id = st.column_int64(c++);
  m.received_at = from_micros(st.column_int64(c++));
  for (std::string* text : {&m.source, &m.peer, &m.control_id, &m.sending_application,
                            &m.sending_facility, &m.receiving_application, &m.receiving_facility,
                            &m.message_time, &m.message_type, &m.trigger_event, &m.version}) {
    *text = st.column_string(c++);
  }
  auto status = status_column(st, c++);
  if (!status) return fail(status.error());
  m.status = *status;
  m.ack_code = st.column_string(c++);
  m.error = st.column_string(c++);
  m.ack = st.column_string(c++);
  m.raw = st.column_string(c++);
  m.patients = decode_patients(st.column_string(c++));
  {
    SqliteStatement& d = select_deliveries;
    SqliteStatement::Reset reset_deliveries(d);
    d.bind(1, id);
    while ((rc = d.step()) == SQLITE_ROW) {
      StoredDelivery sd;
      sd.id = d.column_int64(0);
      sd.destination = d.column_string(1);
      sd.route = d.column_string(2);
      sd.lane_key = d.column_string(3);
      sd.state = d.column_string(4);
      sd.attempts = static_cast<int>(d.column_int64(5));
      sd.payload = d.column_string(6);
      sd.last_error = d.column_string(7);
      sd.replay_of = d.column_int64(8);
      m.deliveries.push_back(std::move(sd));
    }
    if (rc != SQLITE_DONE) return fail(reader.error("store: read deliveries", rc));
  }
  for (StoredDelivery& sd : m.deliveries) {
    SqliteStatement& a = select_attempts;
    SqliteStatement::Reset reset_attempts(a);
    a.bind(1, sd.id);
    while ((rc = a.step()) == SQLITE_ROW) {
      sd.attempt_log.push_back(StoredAttempt{from_micros(a.column_int64(0)),
                                             from_micros(a.column_int64(1)), a.column_string(2),
                                             a.column_string(3), a.column_string(4)});
    }
    if (rc != SQLITE_DONE) return fail(reader.error("store: read attempts", rc));
  }
  return std::optional<StoredMessage>(std::move(m));
}

Result<StoreStats> SqliteStore::Impl::read_stats() {
  StoreStats stats;
  {
    SqliteStatement& st = select_message_counts;
    SqliteStatement::Reset reset(st);
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      auto status = status_column(st, 0);
      if (!status) return fail(status.error());
      const int64_t n = st.column_int64(1);
      stats.messages += n;
      switch (*status) {
        case MessageStatus::accepted:
          stats.accepted = n;
          break;
        case MessageStatus::rejected:
          stats.rejected = n;
          break;
        case MessageStatus::duplicate:
          stats.duplicate = n;
          break;
        case MessageStatus::unrouted:
          stats.unrouted = n;
          break;
        case MessageStatus::filtered:
          stats.filtered = n;
          break;
      }
    }
    if (rc != SQLITE_DONE) return fail(reader.error("store: read message counts", rc));
  }
  SqliteStatement& st = select_queued;
  SqliteStatement::Reset reset(st);
  if (const int rc = st.step(); rc != SQLITE_ROW) {
    return fail(reader.error("store: read delivery counts", rc));
  }
  stats.queued_deliveries = st.column_int64(0);
  return stats;
}

namespace {

// Holds a deferred read transaction on the reader for the scope, so the several SELECTs of one
// answer see one snapshot; ends it however the scope ends (a read transaction left open would
// stop checkpoints from ever finishing).
class ReadTransaction {
 public:
  ReadTransaction(SqliteConnection& db, SqliteStatement& begin, SqliteStatement& end)
      : db_(db), end_(end), status_(run(db, begin, "store: begin read")) {}
  ~ReadTransaction() {
    if (db_.in_transaction()) (void)run(db_, end_, "store: end read");
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  const Status<>& status() const { return status_; }

 private:
  SqliteConnection& db_;
  SqliteStatement& end_;
  Status<> status_;
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& o) {
  auto impl = std::make_unique<Impl>();
  // The writer first: it creates the file, turns on WAL and migrates the schema, all before a
  // reader could see a half-made file.
  auto writer = SqliteConnection::open(o.path, SqliteConnection::Mode::read_write_create);
  if (!writer) return fail(writer.error());
  impl->writer = std::move(*writer);
  if (auto s = configure_writer(impl->writer, o); !s) return fail(s.error());
  if (auto s = migrate(impl->writer); !s) return fail(s.error());
  auto pages = impl->writer.query_int("PRAGMA max_page_count");
  if (!pages) return fail(pages.error());
  impl->default_max_page_count = *pages;
  if (o.max_page_count) {
    if (auto s = impl->writer.exec(fmt::format("PRAGMA max_page_count = {}", *o.max_page_count));
        !s)
      return fail(s.error());
  }

  auto reader = SqliteConnection::open(o.path, SqliteConnection::Mode::read_only);
  if (!reader) return fail(reader.error());
  impl->reader = std::move(*reader);
  if (auto s = configure_reader(impl->reader, o); !s) return fail(s.error());

  if (auto s = impl->prepare_all(); !s) return fail(s.error());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::vector<CommitOutcome>> SqliteStore::write(std::span<const NewMessage> batch,
                                                      std::optional<TimePoint> duplicate_since,
                                                      std::span<const DeliveryResult> results) {
  std::lock_guard lock(impl_->write_mutex);
  std::vector<CommitOutcome> outcomes;
  outcomes.reserve(batch.size());
  if (auto s = impl_->write_batch(batch, duplicate_since, results, outcomes); !s) {
    impl_->rollback_if_open();
    return fail(s.error());
  }
  return outcomes;
}

Result<std::optional<StoredMessage>> SqliteStore::get_message(int64_t id) {
  std::lock_guard lock(impl_->read_mutex);
  ReadTransaction txn(impl_->reader, impl_->read_begin, impl_->read_end);
  if (!txn.status()) return fail(txn.status().error());
  return impl_->read_message(id);
}

Result<std::vector<MessageSummary>> SqliteStore::search(const MessageQuery& q) {
  const SearchSql query = build_search(q);
  std::lock_guard lock(impl_->read_mutex);
  auto prepared = impl_->search_statement(query.sql);
  if (!prepared) return fail(prepared.error());
  SqliteStatement& st = **prepared;
  SqliteStatement::Reset reset(st);
  for (size_t i = 0; i < query.params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    if (const auto* n = std::get_if<int64_t>(&query.params[i])) {
      st.bind(index, *n);
    } else {
      st.bind_text(index, std::get<std::string_view>(query.params[i]));
    }
  }
  std::vector<MessageSummary> out;
  // The time budget: SQLite calls the handler every few thousand VM steps; non-zero interrupts.
  const auto deadline = std::chrono::steady_clock::now() + q.time_budget;
  sqlite3* db = impl_->reader.get();
  sqlite3_progress_handler(
      db, 1000,
      [](void* at) {
        return std::chrono::steady_clock::now() > *static_cast<decltype(deadline)*>(at) ? 1 : 0;
      },
      const_cast<void*>(static_cast<const void*>(&deadline)));
  struct ClearHandler {
    sqlite3* db;
    ~ClearHandler() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
  } clear_handler{db};
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    MessageSummary s;
    s.id = st.column_int64(0);
    s.received_at = from_micros(st.column_int64(1));
    s.source = st.column_string(2);
    s.control_id = st.column_string(3);
    s.message_type = st.column_string(4);
    s.trigger_event = st.column_string(5);
    s.status = st.column_string(6);
    s.ack_code = st.column_string(7);
    out.push_back(std::move(s));
  }
  if (rc == SQLITE_INTERRUPT) {
    return fail(fmt::format("{}: stopped after {} ms; add a time window, a control ID or a patient",
                            kSearchTooBroad, q.time_budget.count()));
  }
  if (rc != SQLITE_DONE) return fail(impl_->reader.error("store: search", rc));
  return out;
}

Result<StoreStats> SqliteStore::stats() {
  std::lock_guard lock(impl_->read_mutex);
  ReadTransaction txn(impl_->reader, impl_->read_begin, impl_->read_end);
  if (!txn.status()) return fail(txn.status().error());
  return impl_->read_stats();
}

Result<int64_t> SqliteStore::set_max_page_count(std::optional<int64_t> pages) {
  std::lock_guard lock(impl_->write_mutex);
  return impl_->writer.query_int(
      fmt::format("PRAGMA max_page_count = {}", pages.value_or(impl_->default_max_page_count)));
}

Result<int> SqliteStore::schema_version() {
  std::lock_guard lock(impl_->write_mutex);
  auto v = impl_->writer.query_int("PRAGMA user_version");
  if (!v) return fail(v.error());
  return static_cast<int>(*v);
}

Result<std::string> SqliteStore::explain_search(const MessageQuery& q) {
  const SearchSql query = build_search(q);
  std::lock_guard lock(impl_->read_mutex);
  auto st = impl_->reader.prepare("EXPLAIN QUERY PLAN " + query.sql);
  if (!st) return fail(st.error());
  std::string plan;
  int rc;
  while ((rc = st->step()) == SQLITE_ROW) {
    plan += st->column_string(3);  // the "detail" column
    plan += '\n';
  }
  if (rc != SQLITE_DONE) return fail(impl_->reader.error("store: explain", rc));
  return plan;
}

template <class F>
auto SqliteStore::Impl::in_write_transaction(F&& body) -> decltype(body()) {
  if (auto s = run(writer, begin, "store: begin"); !s) return fail(s.error());
  auto result = body();
  if (result) {
    if (auto s = run(writer, commit, "store: commit"); !s) {
      rollback_if_open();
      return fail(s.error());
    }
  } else {
    rollback_if_open();
  }
  return result;
}

Result<int64_t> SqliteStore::Impl::insert_audit_row(const AuditEntry& e) {
  SqliteStatement& st = insert_audit;
  SqliteStatement::Reset reset(st);
  st.bind(1, to_micros(e.at));
  st.bind_text(2, e.actor);
  st.bind_text(3, e.action);
  st.bind_text(4, e.target);
  st.bind_text(5, e.detail);
  if (const int rc = st.step(); rc != SQLITE_DONE) {
    return fail(writer.error("store: insert audit entry", rc));
  }
  return int64_t{sqlite3_last_insert_rowid(writer.get())};
}

Status<> SqliteStore::Impl::add_count(SqliteStatement& st, std::string_view key, int64_t n) {
  SqliteStatement::Reset reset(st);
  st.bind_text(1, key);
  st.bind(2, n);
  if (const int rc = st.step(); rc != SQLITE_DONE) {
    return fail(writer.error("store: update counts", rc));
  }
  return ok();
}

Result<int64_t> SqliteStore::Impl::replay_delivery(int64_t delivery_id, TimePoint now) {
  SqliteStatement& st = replay_one;
  SqliteStatement::Reset reset(st);
  st.bind(1, delivery_id);
  st.bind(2, to_micros(now));
  int rc = st.step();
  if (rc == SQLITE_DONE) return int64_t{0};  // no such delivery: nothing inserted
  if (rc != SQLITE_ROW) return fail(writer.error("store: replay delivery", rc));
  const int64_t id = sqlite3_last_insert_rowid(writer.get());
  const std::string destination = st.column_string(0);
  if (rc = st.step(); rc != SQLITE_DONE) return fail(writer.error("store: replay delivery", rc));
  if (auto s = add_count(add_delivery_count, destination, 1); !s) return fail(s.error());
  return id;
}

Result<std::vector<PendingDelivery>> SqliteStore::pending_deliveries(std::string_view destination,
                                                                     int64_t after_id, int limit) {
  std::lock_guard lock(impl_->read_mutex);
  SqliteStatement& st = impl_->select_pending;
  SqliteStatement::Reset reset(st);
  st.bind_text(1, destination);
  st.bind(2, after_id);
  st.bind(3, std::max(1, limit));
  std::vector<PendingDelivery> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    PendingDelivery d;
    d.id = st.column_int64(0);
    d.message_id = st.column_int64(1);
    d.destination = std::string(destination);
    d.lane_key = st.column_string(2);
    d.attempts = static_cast<int>(st.column_int64(3));
    d.next_attempt_at = from_micros(st.column_int64(4));
    d.received_at = from_micros(st.column_int64(5));
    d.control_id = st.column_string(6);
    d.message_type = st.column_string(7);
    d.trigger_event = st.column_string(8);
    d.payload = st.column_string(9);
    out.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return fail(impl_->reader.error("store: read pending deliveries", rc));
  return out;
}

Result<QueueStats> SqliteStore::queue_stats(std::string_view destination) {
  std::lock_guard lock(impl_->read_mutex);
  ReadTransaction txn(impl_->reader, impl_->read_begin, impl_->read_end);
  if (!txn.status()) return fail(txn.status().error());
  QueueStats q;
  int rc;
  {
    SqliteStatement& st = impl_->select_queue_counts;
    SqliteStatement::Reset reset(st);
    st.bind_text(1, destination);
    while ((rc = st.step()) == SQLITE_ROW) {
      const std::string state = st.column_string(0);
      const int64_t n = st.column_int64(1);
      if (state == "queued" || state == "in_flight" || state == "retry_wait") q.queued += n;
      if (state == "retry_wait") q.retrying += n;
    }
    if (rc != SQLITE_DONE) return fail(impl_->reader.error("store: read queue counts", rc));
  }
  {
    SqliteStatement& st = impl_->select_oldest;
    SqliteStatement::Reset reset(st);
    st.bind_text(1, destination);
    rc = st.step();
    if (rc == SQLITE_ROW) q.oldest_received_at = from_micros(st.column_int64(0));
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return fail(impl_->reader.error("store: read oldest delivery", rc));
    }
  }
  SqliteStatement& st = impl_->select_dead_count;
  SqliteStatement::Reset reset(st);
  st.bind_text(1, destination);
  if (rc = st.step(); rc != SQLITE_ROW) {
    return fail(impl_->reader.error("store: count dead letters", rc));
  }
  q.dead = st.column_int64(0);
  return q;
}

Result<std::vector<DeadDelivery>> SqliteStore::dead_deliveries(std::string_view destination,
                                                               int limit, int64_t before_id) {
  std::lock_guard lock(impl_->read_mutex);
  SqliteStatement& st = destination.empty() ? impl_->select_dead_all : impl_->select_dead;
  SqliteStatement::Reset reset(st);
  st.bind_text(1, destination);
  st.bind(2, before_id > 0 ? before_id : std::numeric_limits<int64_t>::max());
  st.bind(3, int64_t{std::clamp(limit, 1, kMaxSearchLimit)});
  std::vector<DeadDelivery> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    DeadDelivery d;
    d.delivery_id = st.column_int64(0);
    d.message_id = st.column_int64(1);
    d.destination = st.column_string(2);
    d.control_id = st.column_string(3);
    d.message_type = st.column_string(4);
    d.trigger_event = st.column_string(5);
    d.last_error = st.column_string(6);
    d.attempts = static_cast<int>(st.column_int64(7));
    d.received_at = from_micros(st.column_int64(8));
    d.dead_at = from_micros(st.column_int64(9));
    out.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return fail(impl_->reader.error("store: read dead letters", rc));
  return out;
}

Result<std::vector<int64_t>> SqliteStore::replay_message(int64_t message_id,
                                                         std::string_view destination,
                                                         const AuditEntry& audit) {
  std::lock_guard lock(impl_->write_mutex);
  return impl_->in_write_transaction([&]() -> Result<std::vector<int64_t>> {
    std::vector<int64_t> sources;
    {
      SqliteStatement& st = impl_->latest_deliveries;
      SqliteStatement::Reset reset(st);
      st.bind(1, message_id);
      st.bind_text(2, destination);
      int rc;
      while ((rc = st.step()) == SQLITE_ROW) sources.push_back(st.column_int64(0));
      if (rc != SQLITE_DONE) return fail(impl_->writer.error("store: find deliveries", rc));
    }
    std::vector<int64_t> created;
    for (int64_t id : sources) {
      auto made = impl_->replay_delivery(id, audit.at);
      if (!made) return fail(made.error());
      if (*made != 0) created.push_back(*made);
    }
    if (!created.empty()) {
      if (auto a = impl_->insert_audit_row(audit); !a) return fail(a.error());
    }
    return created;
  });
}

Result<std::vector<int64_t>> SqliteStore::replay_dead(std::string_view destination,
                                                      const AuditEntry& audit) {
  std::lock_guard lock(impl_->write_mutex);
  return impl_->in_write_transaction([&]() -> Result<std::vector<int64_t>> {
    std::vector<int64_t> dead;
    {
      SqliteStatement& st = impl_->dead_to_replay;
      SqliteStatement::Reset reset(st);
      st.bind_text(1, destination);
      int rc;
      while ((rc = st.step()) == SQLITE_ROW) dead.push_back(st.column_int64(0));
      if (rc != SQLITE_DONE) return fail(impl_->writer.error("store: find dead letters", rc));
    }
    std::vector<int64_t> created;
    for (int64_t id : dead) {
      auto made = impl_->replay_delivery(id, audit.at);
      if (!made) return fail(made.error());
      if (*made != 0) created.push_back(*made);
    }
    AuditEntry entry = audit;
    if (entry.detail.empty()) entry.detail = fmt::format("{} deliveries", created.size());
    if (auto a = impl_->insert_audit_row(entry); !a) return fail(a.error());
    return created;
  });
}

Status<> SqliteStore::set_paused(std::string_view destination, bool paused,
                                 const AuditEntry& audit) {
  std::lock_guard lock(impl_->write_mutex);
  auto done = impl_->in_write_transaction([&]() -> Result<bool> {
    SqliteStatement& st = impl_->upsert_paused;
    {
      SqliteStatement::Reset reset(st);
      st.bind_text(1, destination);
      st.bind(2, paused ? 1 : 0);
      st.bind(3, to_micros(audit.at));
      st.bind_text(4, audit.actor);
      if (const int rc = st.step(); rc != SQLITE_DONE) {
        return fail(impl_->writer.error("store: set paused", rc));
      }
    }
    if (auto a = impl_->insert_audit_row(audit); !a) return fail(a.error());
    return true;
  });
  if (!done) return fail(done.error());
  return ok();
}

Result<std::vector<std::string>> SqliteStore::paused_destinations() {
  std::lock_guard lock(impl_->read_mutex);
  SqliteStatement& st = impl_->select_paused;
  SqliteStatement::Reset reset(st);
  std::vector<std::string> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(st.column_string(0));
  if (rc != SQLITE_DONE) return fail(impl_->reader.error("store: read paused destinations", rc));
  return out;
}

Result<PruneResult> SqliteStore::prune(const PruneRequest& r) {
  std::lock_guard lock(impl_->write_mutex);
  return impl_->in_write_transaction([&]() -> Result<PruneResult> {
    PruneResult out;
    out.last_content_at = r.content_after;
    SqliteConnection& db = impl_->writer;
    if (r.metadata_before) {
      std::vector<std::pair<int64_t, std::string>> doomed;  // id, patients
      {
        SqliteStatement& st = impl_->prune_select_delete;
        SqliteStatement::Reset reset(st);
        st.bind_text(1, r.source);
        st.bind(2, to_micros(*r.metadata_before));
        st.bind(3, std::max(1, r.limit));
        int rc;
        while ((rc = st.step()) == SQLITE_ROW) {
          doomed.emplace_back(st.column_int64(0), st.column_string(1));
        }
        if (rc != SQLITE_DONE) return fail(db.error("store: prune select", rc));
      }
      for (const auto& [id, patients] : doomed) {
        for (const PatientIdentifier& p : decode_patients(patients)) {
          SqliteStatement& st = impl_->prune_delete_patient;
          SqliteStatement::Reset reset(st);
          st.bind_text(1, p.id);
          st.bind(2, id);
          if (const int rc = st.step(); rc != SQLITE_DONE)
            return fail(db.error("store: prune", rc));
        }
        SqliteStatement& st = impl_->prune_delete;
        SqliteStatement::Reset reset(st);
        st.bind(1, id);
        if (const int rc = st.step(); rc != SQLITE_DONE) return fail(db.error("store: prune", rc));
        out.deleted += sqlite3_changes(db.get());
      }
    }
    if (r.content_before) {
      std::vector<int64_t> ids;
      {
        SqliteStatement& st = impl_->prune_select_content;
        SqliteStatement::Reset reset(st);
        st.bind_text(1, r.source);
        st.bind(2, to_micros(r.content_after));
        st.bind(3, to_micros(*r.content_before));
        st.bind(4, std::max(1, r.limit));
        int rc;
        while ((rc = st.step()) == SQLITE_ROW) {
          ids.push_back(st.column_int64(0));
          out.last_content_at = from_micros(st.column_int64(1));
        }
        if (rc != SQLITE_DONE) return fail(db.error("store: prune select", rc));
      }
      for (int64_t id : ids) {
        for (SqliteStatement* st : {&impl_->prune_erase_message, &impl_->prune_erase_payloads,
                                    &impl_->prune_erase_replies}) {
          SqliteStatement::Reset reset(*st);
          st->bind(1, id);
          if (const int rc = st->step(); rc != SQLITE_DONE) {
            return fail(db.error("store: prune content", rc));
          }
        }
      }
      out.content_erased = static_cast<int64_t>(ids.size());
    }
    return out;
  });
}

Result<int64_t> SqliteStore::record_audit(const AuditEntry& e) {
  std::lock_guard lock(impl_->write_mutex);
  return impl_->in_write_transaction([&] { return impl_->insert_audit_row(e); });
}

Result<std::vector<AuditEntry>> SqliteStore::audit_log(const AuditQuery& q) {
  std::string sql = "SELECT id, at, actor, action, target, detail FROM audit WHERE 1";
  std::vector<std::variant<int64_t, std::string_view>> params;
  auto text = [&](const std::string& value, std::string_view condition) {
    if (value.empty()) return;
    sql += condition;
    params.emplace_back(std::string_view(value));
  };
  text(q.actor, " AND actor = ?");
  text(q.action, " AND action = ?");
  text(q.target, " AND target = ?");
  if (q.since) {
    sql += " AND at >= ?";
    params.emplace_back(int64_t{to_micros(*q.since)});
  }
  if (q.until) {
    sql += " AND at < ?";
    params.emplace_back(int64_t{to_micros(*q.until)});
  }
  if (q.before_id > 0) {
    sql += " AND id < ?";
    params.emplace_back(q.before_id);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(int64_t{std::clamp(q.limit, 1, kMaxSearchLimit)});

  std::lock_guard lock(impl_->read_mutex);
  auto prepared = impl_->search_statement(sql);
  if (!prepared) return fail(prepared.error());
  SqliteStatement& st = **prepared;
  SqliteStatement::Reset reset(st);
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    if (const auto* n = std::get_if<int64_t>(&params[i])) {
      st.bind(index, *n);
    } else {
      st.bind_text(index, std::get<std::string_view>(params[i]));
    }
  }
  std::vector<AuditEntry> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(AuditEntry{st.column_int64(0), from_micros(st.column_int64(1)),
                             st.column_string(2), st.column_string(3), st.column_string(4),
                             st.column_string(5)});
  }
  if (rc != SQLITE_DONE) return fail(impl_->reader.error("store: read audit log", rc));
  return out;
}

Result<std::unique_ptr<MessageStore>> open_sqlite_store(const SqliteOptions& o) {
  auto store = SqliteStore::open(o);
  if (!store) return fail(store.error());
  return std::unique_ptr<MessageStore>(std::move(*store));
}

}  // namespace irwell::store
