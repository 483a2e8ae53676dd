#include "engine/record/record_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "engine/hl7/patient_identifier.h"
#include "engine/record/record_applier.h"
#include "engine/record/record_codec.h"
#include "engine/record/record_db.h"

namespace irwell::record {
namespace {

using Statement = RecordDb::Statement;

// Version 1. A patient is one row holding the whole record (record_codec.h), so a lookup is
// one index probe plus one row read, and applying a message rewrites one row. Identifiers
// (NHS number, hospital numbers) map to the row; a merge repoints them at the survivor.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE patients (
  id          INTEGER PRIMARY KEY,
  merged_into INTEGER,        -- the survivor's id once merged away (A40, A34...), else NULL
  record      BLOB NOT NULL   -- the PatientRecord; empty once merged away
) STRICT;
CREATE TABLE identifiers (
  authority TEXT NOT NULL,    -- "NHS" for the NHS number, else PID-3 CX.4.1
  id        TEXT NOT NULL,    -- CX.1
  patient   INTEGER NOT NULL, -- patients.id
  PRIMARY KEY (authority, id)
) STRICT, WITHOUT ROWID;
-- The totals /metrics shows, kept with each commit so a scrape never counts rows.
CREATE TABLE record_counts (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  patients        INTEGER NOT NULL,
  merged_patients INTEGER NOT NULL,
  opted_out       INTEGER NOT NULL,
  encounters      INTEGER NOT NULL,
  appointments    INTEGER NOT NULL,
  results         INTEGER NOT NULL,
  observations    INTEGER NOT NULL,
  allergies       INTEGER NOT NULL,
  contacts        INTEGER NOT NULL
) STRICT;
INSERT INTO record_counts VALUES (1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
)sql";

Status<> migrate(RecordDb& db) {
  auto app = db.query_int("PRAGMA application_id");
  if (!app) return fail(app.error());
  if (*app != 0 && *app != kRecordApplicationId) {
    return fail(
        fmt::format("record: the file belongs to another application (application_id {})", *app));
  }
  auto version = db.query_int("PRAGMA user_version");
  if (!version) return fail(version.error());
  if (*version > kRecordSchemaVersion) {
    return fail(fmt::format("record: the file's schema version {} is newer than this build's {}",
                            *version, kRecordSchemaVersion));
  }
  if (*version == kRecordSchemaVersion) return ok();
  auto tables = db.query_int("SELECT count(*) FROM sqlite_schema");
  if (!tables) return fail(tables.error());
  if (*tables != 0) return fail("record: the file holds tables but no record store schema");
  // One transaction: the schema and the version that says it is there land together.
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s;
  Status<> s = db.exec(kSchemaV1);
  if (s) s = db.exec(fmt::format("PRAGMA application_id = {}", kRecordApplicationId));
  if (s) s = db.exec(fmt::format("PRAGMA user_version = {}", kRecordSchemaVersion));
  if (s) s = db.exec("COMMIT");
  if (!s) (void)db.exec("ROLLBACK");
  return s;
}

Status<> configure(RecordDb& db, const RecordStoreOptions& o, bool writer) {
  // busy_timeout: a backup or an operator's sqlite3 shell may hold a lock for a moment; wait
  // rather than fail a batch (which the dispatcher would only retry).
  if (auto s = db.exec(fmt::format("PRAGMA busy_timeout = {}", o.busy_timeout_ms)); !s) return s;
  // cache_size: the identifier index of millions of patients is the hot part; 64 MiB for the
  // writer keeps its inner pages and much of the leaves in memory (negative = KiB).
  if (auto s = db.exec(writer ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -32768"); !s) {
    return s;
  }
  if (!writer) {
    // query_only: the read connection can never write, even by mistake.
    return db.exec("PRAGMA query_only = ON");
  }
  // journal_mode=WAL: a commit appends to the log (one fsync per batch) and the admin API's
  // reads run beside it without blocking it. Checked: SQLite silently keeps the old mode where
  // WAL is unavailable.
  auto mode = db.prepare("PRAGMA journal_mode = WAL");
  if (!mode) return fail(mode.error());
  if (mode->step() != SQLITE_ROW || mode->bytes_at(0) != "wal") {
    return fail("record: cannot use WAL journal mode for the record store");
  }
  mode->reset();
  // synchronous=FULL: fsync the log at every COMMIT. When apply_batch() returns, the
  // dispatcher marks those deliveries sent in the message store; with NORMAL a power cut could
  // lose a committed batch the message store already calls delivered, and the record would
  // silently miss those messages for good.
  if (auto s =
          db.exec(o.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      !s) {
    return s;
  }
  // journal_size_limit: after a burst (a bulk load) truncate the log back to 64 MiB at the next
  // checkpoint instead of keeping it at its largest forever.
  if (auto s = db.exec("PRAGMA journal_size_limit = 67108864"); !s) return s;
  return db.exec("PRAGMA temp_store = MEMORY");
}

// Per-record tallies, for keeping RecordCounts by difference.
RecordCounts tally(const PatientRecord& r) {
  RecordCounts c;
  c.opted_out = r.opted_out ? 1 : 0;
  c.encounters = static_cast<int64_t>(r.encounters.size());
  c.appointments = static_cast<int64_t>(r.appointments.size());
  c.results = static_cast<int64_t>(r.results.size());
  for (const Order& o : r.results) c.observations += static_cast<int64_t>(o.observations.size());
  c.allergies = static_cast<int64_t>(r.allergies.size());
  c.contacts = static_cast<int64_t>(r.contacts.size());
  return c;
}

void add(RecordCounts& into, const RecordCounts& c, int sign) {
  into.patients += sign * c.patients;
  into.merged_patients += sign * c.merged_patients;
  into.opted_out += sign * c.opted_out;
  into.encounters += sign * c.encounters;
  into.appointments += sign * c.appointments;
  into.results += sign * c.results;
  into.observations += sign * c.observations;
  into.allergies += sign * c.allergies;
  into.contacts += sign * c.contacts;
}

// A patient row loaded for change.
struct Loaded {
  int64_t row = 0;  // 0: not stored yet
  PatientRecord record;
  std::string blob;     // as stored (empty when new)
  std::string corrupt;  // why the stored record could not be read ("" = it could)
};

ApplyOutcome applied() { return {ApplyStatus::applied, ""}; }
ApplyOutcome ignored(std::string reason) { return {ApplyStatus::ignored, std::move(reason)}; }
ApplyOutcome failed(std::string reason) { return {ApplyStatus::failed, std::move(reason)}; }

}  // namespace

const char* to_string(ApplyStatus status) {
  switch (status) {
    case ApplyStatus::applied:
      return "applied";
    case ApplyStatus::ignored:
      return "ignored";
    case ApplyStatus::failed:
      return "failed";
  }
  return "?";
}

struct RecordStore::Impl {
  RecordStoreOptions options;
  std::optional<hl7::Path> opt_out;

  // The writer: only apply_batch() uses it (serialised by write_mutex).
  std::mutex write_mutex;
  RecordDb writer;
  Statement w_find, w_load, w_insert_patient, w_update_patient, w_mark_merged, w_put_identifier,
      w_save_counts, w_begin, w_commit, w_rollback, w_savepoint, w_release, w_rollback_to;

  // The reader: get_patient() from any thread, one at a time on this connection.
  std::mutex read_mutex;
  RecordDb reader;
  Statement r_find, r_load;

  mutable std::mutex counts_mutex;
  RecordCounts committed;  // guarded by counts_mutex

  Status<> prepare_all();
  Result<std::optional<int64_t>> find(Statement& st, const Identifier& id);
  Result<std::optional<int64_t>> resolve(const std::vector<Identifier>& ids);
  Result<Loaded> load(int64_t row);
  Result<Loaded> find_or_new(const std::vector<Identifier>& ids);
  ApplyNotes apply_to(Loaded& l, const hl7::Message& m, const MessageFacts& facts,
                      const MessageFacts::Subject& subject, const Source& src);
  Result<bool> save(Loaded& l);
  Status<> put_identifier(const Identifier& id, int64_t row);
  Status<> claim_new_identifiers(Loaded& l, const std::vector<Identifier>& before,
                                 const std::vector<Identifier>& absent);
  Result<ApplyOutcome> apply_one(const ApplyInput& in, RecordCounts& delta);
  Result<ApplyOutcome> apply_patient(const hl7::Message& m, const MessageFacts& facts,
                                     const Source& src, RecordCounts& delta);
  Result<ApplyOutcome> apply_merge(const hl7::Message& m, const MessageFacts& facts,
                                   const Source& src, RecordCounts& delta);
  Status<> step(Statement& st) { return writer.run(st); }
};

Status<> RecordStore::Impl::prepare_all() {
  struct Item {
    Statement* st;
    RecordDb* db;
    std::string_view sql;
  };
  const Item items[] = {
      {&w_find, &writer, "SELECT patient FROM identifiers WHERE authority = ? AND id = ?"},
      {&w_load, &writer, "SELECT record, merged_into FROM patients WHERE id = ?"},
      {&w_insert_patient, &writer, "INSERT INTO patients(record) VALUES (?)"},
      {&w_update_patient, &writer, "UPDATE patients SET record = ? WHERE id = ?"},
      {&w_mark_merged, &writer, "UPDATE patients SET record = x'', merged_into = ? WHERE id = ?"},
      {&w_put_identifier, &writer,
       "INSERT INTO identifiers(authority, id, patient) VALUES (?, ?, ?) "
       "ON CONFLICT (authority, id) DO UPDATE SET patient = excluded.patient"},
      {&w_save_counts, &writer,
       "UPDATE record_counts SET patients = ?, merged_patients = ?, opted_out = ?, "
       "encounters = ?, appointments = ?, results = ?, observations = ?, allergies = ?, "
       "contacts = ? WHERE id = 1"},
      // IMMEDIATE: take the write lock at BEGIN, so a busy file shows up before any work.
      {&w_begin, &writer, "BEGIN IMMEDIATE"},
      {&w_commit, &writer, "COMMIT"},
      {&w_rollback, &writer, "ROLLBACK"},
      {&w_savepoint, &writer, "SAVEPOINT message"},
      {&w_release, &writer, "RELEASE message"},
      {&w_rollback_to, &writer, "ROLLBACK TO message"},
      {&r_find, &reader, "SELECT patient FROM identifiers WHERE authority = ? AND id = ?"},
      {&r_load, &reader, "SELECT record, merged_into FROM patients WHERE id = ?"},
  };
  for (const Item& i : items) {
    auto st = i.db->prepare(i.sql);
    if (!st) return fail(st.error());
    *i.st = std::move(*st);
  }
  return ok();
}

Result<std::optional<int64_t>> RecordStore::Impl::find(Statement& st, const Identifier& id) {
  st.bind(id.authority, id.id);
  const int rc = st.step();
  std::optional<int64_t> row;
  if (rc == SQLITE_ROW) row = st.int_at(0);
  st.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(writer.error("find identifier", rc));
  return row;
}

Result<std::optional<int64_t>> RecordStore::Impl::resolve(const std::vector<Identifier>& ids) {
  // The NHS number comes first (read_facts puts it there): it wins over a local number that
  // points elsewhere.
  for (const Identifier& id : ids) {
    auto row = find(w_find, id);
    if (!row) return fail(row.error());
    if (*row) return row;
  }
  return std::optional<int64_t>();
}

Result<Loaded> RecordStore::Impl::load(int64_t row) {
  Loaded l;
  // A merged row points at its survivor; identifiers are repointed at merge time, so this
  // only follows a chain left by an older file. Bounded, in case a chain loops.
  for (int hops = 0; hops < 16; ++hops) {
    w_load.bind(row);
    const int rc = w_load.step();
    if (rc != SQLITE_ROW) {
      w_load.reset();
      if (rc == SQLITE_DONE) return fail("record: an identifier points at a missing patient");
      return fail(writer.error("load patient", rc));
    }
    const int64_t merged_into = w_load.int_at(1);
    if (merged_into == 0) {
      l.row = row;
      l.blob = std::string(w_load.bytes_at(0));
      w_load.reset();
      // A record that cannot be read fails the message, not the batch (a SQLite error does).
      auto rec = decode_record(l.blob);
      if (rec) l.record = std::move(*rec);
      if (!rec) l.corrupt = rec.error().message;
      return l;
    }
    w_load.reset();
    row = merged_into;
  }
  return fail("record: a chain of merged patients is too long");
}

// The patient the identifiers find, or a new one (row 0) when none does.
Result<Loaded> RecordStore::Impl::find_or_new(const std::vector<Identifier>& ids) {
  auto row = resolve(ids);
  if (!row) return fail(row.error());
  if (!*row) return Loaded{};
  return load(**row);
}

ApplyNotes RecordStore::Impl::apply_to(Loaded& l, const hl7::Message& m, const MessageFacts& facts,
                                       const MessageFacts::Subject& subject, const Source& src) {
  return apply_message(l.record, m, facts, subject, src, opt_out ? &*opt_out : nullptr,
                       options.sharing.opt_out_values);
}

// Writes the record if it changed; returns whether it did.
Result<bool> RecordStore::Impl::save(Loaded& l) {
  std::string blob = encode_record(l.record);
  if (l.row != 0 && blob == l.blob) return false;
  if (l.row == 0) {
    w_insert_patient.bind(Statement::Blob{blob});
    if (auto s = step(w_insert_patient); !s) return fail(s.error());
    l.row = writer.last_insert_rowid();
  } else {
    w_update_patient.bind(Statement::Blob{blob}, l.row);
    if (auto s = step(w_update_patient); !s) return fail(s.error());
  }
  l.blob = std::move(blob);
  return true;
}

Status<> RecordStore::Impl::put_identifier(const Identifier& id, int64_t row) {
  w_put_identifier.bind(id.authority, id.id, row);
  return step(w_put_identifier);
}

// Identifiers the record gained in this message: each one new to the store is claimed for this
// patient; one that already finds another patient stays with that patient (two records that
// may be one person are for a merge message to join, not for a guess here).
// `absent` lists identifiers already looked up and found nowhere (a new patient's): they need
// no second lookup.
Status<> RecordStore::Impl::claim_new_identifiers(Loaded& l, const std::vector<Identifier>& before,
                                                  const std::vector<Identifier>& absent) {
  std::vector<Identifier> kept;
  for (const Identifier& id : l.record.identifiers) {
    if (std::find(before.begin(), before.end(), id) != before.end()) {
      kept.push_back(id);
      continue;
    }
    std::optional<int64_t> row;
    if (std::find(absent.begin(), absent.end(), id) == absent.end()) {
      auto found = find(w_find, id);
      if (!found) return fail(found.error());
      row = *found;
    }
    if (row && *row != l.row) continue;
    if (!row) {
      if (auto s = put_identifier(id, l.row); !s) return s;
    }
    kept.push_back(id);
  }
  l.record.identifiers = std::move(kept);
  return ok();
}

Result<ApplyOutcome> RecordStore::Impl::apply_patient(const hl7::Message& m,
                                                      const MessageFacts& facts, const Source& src,
                                                      RecordCounts& delta) {
  const MessageFacts::Subject& subject = facts.subjects.front();
  auto found = find_or_new(subject.identifiers);
  if (!found) return fail(found.error());
  Loaded& l = *found;
  if (!l.corrupt.empty()) return failed(l.corrupt);
  const std::vector<Identifier> before_ids = l.record.identifiers;
  const RecordCounts before = tally(l.record);
  const ApplyNotes notes = apply_to(l, m, facts, subject, src);
  const bool fresh = l.row == 0;
  if (fresh) {
    // The row first, so the identifiers can point at it.
    auto saved = save(l);
    if (!saved) return fail(saved.error());
  }
  static const std::vector<Identifier> kNone;
  const std::vector<Identifier>& absent = fresh ? subject.identifiers : kNone;
  if (auto s = claim_new_identifiers(l, before_ids, absent); !s) return fail(s.error());
  auto changed = save(l);
  if (!changed) return fail(changed.error());
  if (!fresh && !*changed) {
    return ignored(notes.stale ? "older than stored data" : "already applied");
  }
  if (fresh) delta.patients += 1;
  add(delta, tally(l.record), +1);
  add(delta, before, -1);
  return applied();
}

Result<ApplyOutcome> RecordStore::Impl::apply_merge(const hl7::Message& m,
                                                    const MessageFacts& facts, const Source& src,
                                                    RecordCounts& delta) {
  bool any_change = false, stale = false;
  for (const MessageFacts::Subject& subject : facts.subjects) {
    auto survivor = find_or_new(subject.identifiers);
    if (!survivor) return fail(survivor.error());
    Loaded& s = *survivor;
    if (!s.corrupt.empty()) return failed(s.corrupt);
    auto mrow = resolve(subject.merged);
    if (!mrow) return fail(mrow.error());
    const std::vector<Identifier> before_ids = s.record.identifiers;
    const RecordCounts before = tally(s.record);
    const bool fresh = s.row == 0;
    if (apply_to(s, m, facts, subject, src).stale) stale = true;
    if (fresh) {
      auto saved = save(s);
      if (!saved) return fail(saved.error());
      delta.patients += 1;
      any_change = true;
    }
    if (*mrow && **mrow != s.row) {
      auto merged = load(**mrow);
      if (!merged) return fail(merged.error());
      if (!merged->corrupt.empty()) return failed(merged->corrupt);
      if (merged->row != s.row) {
        add(delta, tally(merged->record), -1);
        // Every identifier of the merged record finds the survivor from now on.
        for (const Identifier& id : merged->record.identifiers) {
          if (auto st = put_identifier(id, s.row); !st) return fail(st.error());
        }
        merge_into(s.record, std::move(merged->record));
        w_mark_merged.bind(s.row, merged->row);
        if (auto st = step(w_mark_merged); !st) return fail(st.error());
        delta.patients -= 1;
        delta.merged_patients += 1;
      }
    }
    // MRG-1 identifiers the store never saw (the merged record was never sent to us) still
    // find the survivor from now on, so a late message about them lands there.
    for (const Identifier& id : subject.merged) {
      if (std::find(s.record.merged_identifiers.begin(), s.record.merged_identifiers.end(), id) ==
          s.record.merged_identifiers.end()) {
        s.record.merged_identifiers.push_back(id);
      }
      if (std::find(s.record.identifiers.begin(), s.record.identifiers.end(), id) ==
          s.record.identifiers.end()) {
        s.record.identifiers.push_back(id);
        if (auto st = put_identifier(id, s.row); !st) return fail(st.error());
      }
    }
    if (auto st = claim_new_identifiers(s, before_ids, {}); !st) return fail(st.error());
    // Identifiers just merged in point here already; claim_new_identifiers kept them.
    auto changed = save(s);
    if (!changed) return fail(changed.error());
    if (*changed) any_change = true;
    add(delta, tally(s.record), +1);
    add(delta, before, -1);
  }
  if (!any_change) return ignored(stale ? "older than stored data" : "already applied");
  return applied();
}

Result<ApplyOutcome> RecordStore::Impl::apply_one(const ApplyInput& in, RecordCounts& delta) {
  std::optional<hl7::Message> parsed;
  const hl7::Message* m = in.message;
  if (!m) {
    auto p = hl7::Message::parse(in.raw);
    if (!p) return failed("cannot parse the message: " + p.error().message);
    parsed = std::move(*p);
    m = &*parsed;
  }
  Source src;
  src.message_id = in.provenance.message_id;
  src.control_id = in.provenance.control_id;
  src.received_at = to_micros(in.provenance.received_at);
  {
    const hl7::Header h = m->header();
    if (src.control_id.empty()) src.control_id = h.control_id;
    src.message_type = h.message_type + "^" + h.trigger_event;
    src.message_time = h.message_time;
  }
  auto facts = read_facts(*m, src);
  if (!facts) {
    return facts.error().permanent ? failed(facts.error().reason) : ignored(facts.error().reason);
  }
  if (auto s = step(w_savepoint); !s) return fail(s.error());
  RecordCounts message_delta;
  auto outcome = facts->merge ? apply_merge(*m, *facts, src, message_delta)
                              : apply_patient(*m, *facts, src, message_delta);
  if (!outcome || outcome->status == ApplyStatus::failed) {
    // This message alone is undone; the rest of the batch stands.
    if (auto s = step(w_rollback_to); !s) return fail(s.error());
    if (auto s = step(w_release); !s) return fail(s.error());
    return outcome;
  }
  if (auto s = step(w_release); !s) return fail(s.error());
  add(delta, message_delta, +1);
  return outcome;
}

RecordStore::RecordStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordStore::~RecordStore() = default;

Result<std::unique_ptr<RecordStore>> RecordStore::open(const RecordStoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!options.sharing.opt_out_field.empty()) {
    auto p = hl7::Path::parse(options.sharing.opt_out_field);
    if (!p) return fail("record: opt_out_field: " + p.error().message);
    impl->opt_out = std::move(*p);
  }
  auto w = RecordDb::open(options.path, /*read_only=*/false);
  if (!w) return fail(w.error());
  impl->writer = std::move(*w);
  if (auto s = configure(impl->writer, options, true); !s) return fail(s.error());
  if (auto s = migrate(impl->writer); !s) return fail(s.error());
  auto r = RecordDb::open(options.path, /*read_only=*/true);
  if (!r) return fail(r.error());
  impl->reader = std::move(*r);
  if (auto s = configure(impl->reader, options, false); !s) return fail(s.error());
  if (auto s = impl->prepare_all(); !s) return fail(s.error());
  auto counts = impl->writer.prepare(
      "SELECT patients, merged_patients, opted_out, encounters, appointments, results, "
      "observations, allergies, contacts FROM record_counts WHERE id = 1");
  if (!counts) return fail(counts.error());
  if (counts->step() != SQLITE_ROW) return fail("record: the record_counts row is missing");
  RecordCounts& c = impl->committed;
  int64_t* fields[] = {&c.patients,     &c.merged_patients, &c.opted_out,
                       &c.encounters,   &c.appointments,    &c.results,
                       &c.observations, &c.allergies,       &c.contacts};
  for (int i = 0; i < 9; ++i) *fields[i] = counts->int_at(i);
  return std::unique_ptr<RecordStore>(new RecordStore(std::move(impl)));
}

Result<std::vector<ApplyOutcome>> RecordStore::apply_batch(std::span<const ApplyInput> batch) {
  Impl& d = *impl_;
  std::lock_guard lock(d.write_mutex);
  std::vector<ApplyOutcome> outcomes;
  outcomes.reserve(batch.size());
  if (auto s = d.step(d.w_begin); !s) return fail(s.error());
  RecordCounts delta;
  auto abandon = [&](Error e) -> Result<std::vector<ApplyOutcome>> {
    // SQLite may already have rolled back by itself (disk full, I/O error).
    (void)d.step(d.w_rollback);
    return fail(std::move(e));
  };
  for (const ApplyInput& in : batch) {
    auto outcome = d.apply_one(in, delta);
    if (!outcome) return abandon(outcome.error());
    outcomes.push_back(std::move(*outcome));
  }
  RecordCounts total;
  {
    std::lock_guard c(d.counts_mutex);
    total = d.committed;
  }
  add(total, delta, +1);
  d.w_save_counts.bind(total.patients, total.merged_patients, total.opted_out, total.encounters,
                       total.appointments, total.results, total.observations, total.allergies,
                       total.contacts);
  if (auto s = d.step(d.w_save_counts); !s) return abandon(s.error());
  if (auto s = d.step(d.w_commit); !s) return abandon(s.error());
  std::lock_guard c(d.counts_mutex);
  d.committed = total;
  return outcomes;
}

Result<ApplyOutcome> RecordStore::apply(const ApplyInput& input) {
  auto outcomes = apply_batch(std::span<const ApplyInput>(&input, 1));
  if (!outcomes) return fail(outcomes.error());
  return std::move(outcomes->front());
}

Result<std::optional<PatientRecord>> RecordStore::get_patient(std::string_view nhs_number) {
  if (!hl7::is_valid_nhs_number(nhs_number)) {
    return fail("not a valid NHS number (ten digits with a modulus 11 check digit)");
  }
  return get_patient_by_identifier("NHS", nhs_number);
}

Result<std::optional<PatientRecord>> RecordStore::get_patient_by_identifier(
    std::string_view authority, std::string_view id) {
  Impl& d = *impl_;
  std::lock_guard lock(d.read_mutex);
  d.r_find.bind(authority, id);
  int rc = d.r_find.step();
  if (rc == SQLITE_DONE) {
    d.r_find.reset();
    return std::optional<PatientRecord>();
  }
  if (rc != SQLITE_ROW) {
    d.r_find.reset();
    return fail(d.reader.error("find identifier", rc));
  }
  int64_t row = d.r_find.int_at(0);
  d.r_find.reset();
  for (int hops = 0; hops < 16; ++hops) {
    d.r_load.bind(row);
    rc = d.r_load.step();
    if (rc != SQLITE_ROW) {
      d.r_load.reset();
      if (rc == SQLITE_DONE) return std::optional<PatientRecord>();
      return fail(d.reader.error("load patient", rc));
    }
    const int64_t merged_into = d.r_load.int_at(1);
    if (merged_into != 0) {
      d.r_load.reset();
      row = merged_into;
      continue;
    }
    auto record = decode_record(d.r_load.bytes_at(0));
    d.r_load.reset();
    if (!record) return fail(record.error());
    d.options.sharing.mark_suppressed(*record);
    return std::optional<PatientRecord>(std::move(*record));
  }
  return fail("record: a chain of merged patients is too long");
}

RecordCounts RecordStore::counts() const {
  std::lock_guard lock(impl_->counts_mutex);
  return impl_->committed;
}

const SharingPolicy& RecordStore::sharing() const { return impl_->options.sharing; }

}  // namespace irwell::record
