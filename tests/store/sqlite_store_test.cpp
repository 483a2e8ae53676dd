// SqliteStore: round trips, duplicate detection (I1, I2), search, schema versions, disk full.
#include <fmt/format.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <set>

#include "engine/store/schema.h"
#include "engine/store/sqlite_connection.h"
#include "tests/channels/mllp_test_client.h"
#include "tests/store/store_fixtures.h"

using namespace irwell;
using namespace irwell::store;
using namespace irwell::store::test;
using irwell::testing::TempDir;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

std::vector<int64_t> ids_of(const std::vector<MessageSummary>& found) {
  std::vector<int64_t> ids;
  for (const auto& s : found) ids.push_back(s.id);
  return ids;
}

std::vector<int64_t> search_ids(MessageStore& store, const MessageQuery& q) {
  auto found = store.search(q);
  INFO((found ? std::string() : found.error().message));
  REQUIRE(found.ok());
  return ids_of(*found);
}

StoredMessage get(MessageStore& store, int64_t id) {
  auto m = store.get_message(id);
  REQUIRE(m.ok());
  REQUIRE(m->has_value());
  return std::move(**m);
}

// Runs SQL on the file through a connection of its own (as an operator's sqlite3 shell would).
void sql_on_file(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// One integer from SQL run on the file through a connection of its own.
int64_t int_on_file(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// S1 accepted, S2 rejected, S3 with `third` and no deliveries, S4 to two destinations
// (subscriber, record_store), then S1 again (a duplicate: not stored).
std::vector<NewMessage> mixed_batch(MessageStatus third) {
  NewMessage rejected = make_message("S2");
  rejected.status = MessageStatus::rejected;
  rejected.deliveries.clear();
  NewMessage other = make_message("S3");
  other.status = third;
  other.deliveries.clear();
  NewMessage two_destinations = make_message("S4");
  two_destinations.deliveries.push_back({"record_store", "adt_records", "", ""});
  return {make_message("S1"), rejected, other, two_destinations, make_message("S1")};
}

// Rows of message_counts and delivery_counts that differ from counting the rows themselves.
int64_t count_mismatches(const std::filesystem::path& file) {
  return int_on_file(file,
                     "SELECT (SELECT count(*) FROM (SELECT status, count(*) AS c FROM messages "
                     "GROUP BY status) r FULL JOIN message_counts k USING (status) "
                     "WHERE coalesce(r.c, 0) <> coalesce(k.n, 0)) + "
                     "(SELECT count(*) FROM (SELECT destination, state, count(*) AS c FROM "
                     "deliveries GROUP BY destination, state) r FULL JOIN delivery_counts k "
                     "USING (destination, state) WHERE coalesce(r.c, 0) <> coalesce(k.n, 0))");
}

}  // namespace

TEST_CASE("status names round trip and unknown names are refused", "[store]") {
  for (auto s : {MessageStatus::accepted, MessageStatus::rejected, MessageStatus::duplicate,
                 MessageStatus::unrouted, MessageStatus::filtered}) {
    REQUIRE(parse_status(to_string(s)) == s);
  }
  CHECK(to_string(MessageStatus::unrouted) == "unrouted");
  CHECK_FALSE(parse_status("Accepted").has_value());
  CHECK_FALSE(parse_status("").has_value());
}

TEST_CASE("commit and get_message round-trip every field, raw bytes included", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");

  NewMessage m = make_message("MSG0001", t0() + std::chrono::microseconds(123456));
  // Bytes as they come off the wire: NUL, 8859-1 high bytes, an invalid UTF-8 sequence.
  m.raw = std::string("MSH|^~\\&|PAS|RXA\rNTE|1||caf\xe9 \0 \x80\xff\xfe end\r", 33);
  m.ack = std::string("MSA|AA|MSG0001\r\0\x9f", 18);
  m.error = "";
  m.peer = "10.1.2.3:5555";
  m.patients = {{"9990000026", "NHS", "NH"}, {"RXA2002", "RXA", "MR"}, {"", "", "PI"}};
  m.deliveries = {{"subscriber", "adt_all", "9990000026", ""},
                  {"record_store", "adt_records", "", std::string("PAY\0LOAD\xff", 9)}};

  const auto outcomes = commit_ok(*store, {m});
  REQUIRE_FALSE(outcomes[0].duplicate);
  CHECK(outcomes[0].stored_ack.empty());

  const StoredMessage s = get(*store, outcomes[0].message_id);
  CHECK(s.id == outcomes[0].message_id);
  CHECK(s.received_at == m.received_at);
  CHECK(s.source == m.source);
  CHECK(s.peer == m.peer);
  CHECK(s.control_id == m.control_id);
  CHECK(s.sending_application == m.sending_application);
  CHECK(s.sending_facility == m.sending_facility);
  CHECK(s.receiving_application == m.receiving_application);
  CHECK(s.receiving_facility == m.receiving_facility);
  CHECK(s.message_time == m.message_time);
  CHECK(s.message_type == m.message_type);
  CHECK(s.trigger_event == m.trigger_event);
  CHECK(s.version == m.version);
  CHECK(s.status == MessageStatus::accepted);
  CHECK(s.raw.size() == 33);
  CHECK(s.raw == m.raw);
  CHECK(s.ack == m.ack);
  CHECK(s.ack_code == "AA");
  CHECK(s.error.empty());
  CHECK(s.patients == m.patients);
  REQUIRE(s.deliveries.size() == 2);
  CHECK(s.deliveries[0].destination == "subscriber");
  CHECK(s.deliveries[0].route == "adt_all");
  CHECK(s.deliveries[0].lane_key == "9990000026");
  CHECK(s.deliveries[0].state == "queued");
  CHECK(s.deliveries[0].attempts == 0);
  CHECK(s.deliveries[0].payload.empty());  // "" = send the raw message
  CHECK(s.deliveries[1].destination == "record_store");
  CHECK(s.deliveries[1].payload == m.deliveries[1].payload);
  CHECK(s.deliveries[0].id != s.deliveries[1].id);

  auto missing = store->get_message(outcomes[0].message_id + 1000);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("a rejected message keeps its raw bytes, error and NAK", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  NewMessage m = make_message("");
  m.status = MessageStatus::rejected;
  m.raw = std::string("\x0bnot hl7 at all\x1c", 17);
  m.ack_code = "AR";
  m.error = "MSH segment missing";
  m.patients.clear();
  m.deliveries.clear();
  const auto outcomes = commit_ok(*store, {m});
  const StoredMessage s = get(*store, outcomes[0].message_id);
  CHECK(s.status == MessageStatus::rejected);
  CHECK(s.raw == m.raw);
  CHECK(s.error == "MSH segment missing");
  CHECK(s.ack_code == "AR");
  CHECK(s.deliveries.empty());
}

TEST_CASE("I1: a resent message within the window gets the first stored ACK back", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  const auto first = commit_ok(*store, {make_message("DUP1", t0())});

  NewMessage resent = make_message("DUP1", t0() + hours(2));
  resent.ack = "a different ACK we must not send";
  const auto second = commit_ok(*store, {resent}, t0() + hours(2) - hours(24));
  REQUIRE(second[0].duplicate);
  CHECK(second[0].message_id == first[0].message_id);
  CHECK(second[0].stored_ack == make_message("DUP1").ack);

  // Not stored: one message, one delivery.
  auto stats = store->stats();
  REQUIRE(stats.ok());
  CHECK(stats->messages == 1);
  CHECK(stats->queued_deliveries == 1);

  SECTION("another sending facility or application is another key") {
    NewMessage other_facility = make_message("DUP1", t0() + hours(2));
    other_facility.sending_facility = "RM3";
    NewMessage other_application = make_message("DUP1", t0() + hours(2));
    other_application.sending_application = "LAB";
    const auto out = commit_ok(*store, {other_facility, other_application}, t0());
    CHECK_FALSE(out[0].duplicate);
    CHECK_FALSE(out[1].duplicate);
    CHECK(out[0].message_id != out[1].message_id);
  }
}

TEST_CASE("I1: the same key outside the window is stored as a new message", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  const auto first = commit_ok(*store, {make_message("DUP2", t0())});
  const TimePoint later = t0() + hours(25);
  const auto second = commit_ok(*store, {make_message("DUP2", later)}, later - hours(24));
  CHECK_FALSE(second[0].duplicate);
  CHECK(second[0].message_id != first[0].message_id);

  // The window bound is inclusive: received exactly at duplicate_since still counts.
  const auto third = commit_ok(*store, {make_message("DUP2", later)}, later);
  CHECK(third[0].duplicate);
  CHECK(third[0].message_id == second[0].message_id);
}

TEST_CASE("I1: the same key twice inside one batch stores the first only", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  const auto out = commit_ok(
      *store, {make_message("B1"), make_message("DUPB"), make_message("DUPB"), make_message("B2")});
  CHECK_FALSE(out[0].duplicate);
  CHECK_FALSE(out[1].duplicate);
  REQUIRE(out[2].duplicate);
  CHECK(out[2].message_id == out[1].message_id);
  CHECK(out[2].stored_ack == make_message("DUPB").ack);
  CHECK_FALSE(out[3].duplicate);
  CHECK(store->stats()->messages == 3);
}

TEST_CASE("I1: rejected messages never count as originals", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  NewMessage rejected = make_message("REJ1");
  rejected.status = MessageStatus::rejected;
  rejected.ack_code = "AE";
  const auto first = commit_ok(*store, {rejected});
  // The sender fixed it and resent with the same MSH-10: processed, not a duplicate.
  const auto second = commit_ok(*store, {make_message("REJ1", t0() + minutes(1))});
  CHECK_FALSE(second[0].duplicate);
  CHECK(second[0].message_id != first[0].message_id);
  // A rejected message is itself never deduplicated either.
  const auto third = commit_ok(*store, {rejected});
  CHECK_FALSE(third[0].duplicate);
  CHECK(store->stats()->messages == 3);
}

TEST_CASE("I2: an empty control_id never deduplicates", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  const auto out = commit_ok(*store, {make_message(""), make_message("")});
  CHECK_FALSE(out[0].duplicate);
  CHECK_FALSE(out[1].duplicate);
  const auto again = commit_ok(*store, {make_message("")});
  CHECK_FALSE(again[0].duplicate);
  CHECK(store->stats()->messages == 3);
}

TEST_CASE("duplicate detection is off when duplicate_since is nullopt", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  const auto out = commit_ok(*store, {make_message("SAME"), make_message("SAME")}, std::nullopt);
  CHECK_FALSE(out[1].duplicate);
  CHECK(out[0].message_id != out[1].message_id);
}

TEST_CASE("search by each criterion, newest first, with paging", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");

  NewMessage adt = make_message("C1", t0());
  NewMessage oru = make_message("C2", t0() + minutes(10));
  oru.message_type = "ORU";
  oru.trigger_event = "R01";
  oru.source = "lab_in";
  oru.patients = {{"9990000034", "NHS", "NH"}, {"LAB77", "RM3", "MR"}};
  oru.deliveries = {{"record_store", "results", "", ""}};
  NewMessage a08 = make_message("C3", t0() + minutes(20));
  a08.trigger_event = "A08";
  NewMessage rejected = make_message("C4", t0() + minutes(30));
  rejected.status = MessageStatus::rejected;
  rejected.patients.clear();
  rejected.deliveries.clear();
  const auto out = commit_ok(*store, {adt, oru, a08, rejected});
  const int64_t id_adt = out[0].message_id, id_oru = out[1].message_id, id_a08 = out[2].message_id,
                id_rej = out[3].message_id;

  MessageQuery q;
  CHECK(search_ids(*store, q) == std::vector<int64_t>{id_rej, id_a08, id_oru, id_adt});

  q = {};
  q.control_id = "C2";
  CHECK(search_ids(*store, q) == std::vector<int64_t>{id_oru});
  q = {};
  q.message_type = "ADT";
  CHECK(search_ids(*store, q) == std::vector<int64_t>{id_rej, id_a08, id_adt});
  q.trigger_event = "A08";
  CHECK(search_ids(*store, q) == std::vector<int64_t>{id_a08});
  q = {};
  q.source = "lab_in";
  CHECK(search_ids(*store, q) == std::vector<int64_t>{id_oru});
  q = {};
  q.status = MessageStatus::rejected;
  CHECK(search_ids(*store, q) == std::vector<int64_t>{id_rej});
  q = {};
  q.destination = "record_store";
  CHECK(search_ids(*store, q) == std::vector<int64_t>{id_oru});
  q = {};
  q.since = t0() + minutes(10);  // inclusive
  q.until = t0() + minutes(30);  // exclusive
  CHECK(search_ids(*store, q) == std::vector<int64_t>{id_a08, id_oru});

  SECTION("patients by NHS number and by MRN") {
    q = {};
    q.patient = "9990000018";  // NHS number on C1 and C3
    CHECK(search_ids(*store, q) == std::vector<int64_t>{id_a08, id_adt});
    q.patient = "LAB77";  // the lab's MRN on C2
    CHECK(search_ids(*store, q) == std::vector<int64_t>{id_oru});
    q.patient = "9990000042";
    CHECK(search_ids(*store, q).empty());
  }

  SECTION("paging with before_id walks every message once") {
    q = {};
    q.limit = 3;
    auto page1 = store->search(q);
    REQUIRE(page1.ok());
    CHECK(ids_of(*page1) == std::vector<int64_t>{id_rej, id_a08, id_oru});
    q.before_id = page1->back().id;
    CHECK(search_ids(*store, q) == std::vector<int64_t>{id_adt});
    q.before_id = id_adt;
    CHECK(search_ids(*store, q).empty());
  }

  SECTION("summaries carry what a list shows") {
    q = {};
    q.control_id = "C2";
    auto found = store->search(q);
    REQUIRE(found.ok());
    REQUIRE(found->size() == 1);
    const MessageSummary& s = found->front();
    CHECK(s.received_at == oru.received_at);
    CHECK(s.source == "lab_in");
    CHECK(s.message_type == "ORU");
    CHECK(s.trigger_event == "R01");
    CHECK(s.status == "accepted");
    CHECK(s.ack_code == "AA");
  }

  SECTION("limit is clamped to at least one") {
    q = {};
    q.limit = 0;
    CHECK(search_ids(*store, q) == std::vector<int64_t>{id_rej});
  }
}

TEST_CASE("selective search criteria use an index; broad ones walk newest first", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  auto plan_of = [&](const MessageQuery& q) {
    auto plan = store->explain_search(q);
    REQUIRE(plan.ok());
    return *plan;
  };
  // Selective: control ID, patient, a rare status, a time window, paging. "SCAN messages"
  // would read every row; SEARCH ... USING INDEX / INTEGER PRIMARY KEY reads what matches.
  std::vector<std::pair<std::string, MessageQuery>> selective;
  MessageQuery q;
  q.control_id = "X";
  selective.emplace_back("control_id", q);
  q = {};
  q.patient = "9990000018";
  selective.emplace_back("patient", q);
  for (MessageStatus s : {MessageStatus::rejected, MessageStatus::duplicate,
                          MessageStatus::unrouted, MessageStatus::filtered}) {
    q = {};
    q.status = s;
    selective.emplace_back(std::string("status ") + std::string(to_string(s)), q);
  }
  q = {};
  q.since = t0();
  q.until = t0() + hours(1);
  selective.emplace_back("time range", q);
  q = {};
  q.message_type = "ADT";
  q.since = t0();
  selective.emplace_back("type within a time window", q);
  q = {};
  q.before_id = 1000;
  selective.emplace_back("paging only", q);
  for (const auto& [name, query] : selective) {
    const std::string plan = plan_of(query);
    INFO(name << ":\n" << plan);
    CHECK(plan.find("SCAN messages\n") == std::string::npos);
    CHECK(plan.find("SEARCH messages") != std::string::npos);
  }
  // Broad: type, source, destination, the common status. Schema version 3 gave up their
  // indexes (each cost every message an insert before its ACK): the search walks the messages
  // newest first and stops at the page size, never sorting, so a frequent value costs one page.
  std::vector<std::pair<std::string, MessageQuery>> broad;
  q = {};
  q.message_type = "ADT";
  q.trigger_event = "A01";
  broad.emplace_back("type", q);
  q = {};
  q.source = "pas_in";
  broad.emplace_back("source", q);
  q = {};
  q.destination = "subscriber";
  broad.emplace_back("destination", q);
  q = {};
  q.status = MessageStatus::accepted;
  broad.emplace_back("status accepted", q);
  for (const auto& [name, query] : broad) {
    const std::string plan = plan_of(query);
    INFO(name << ":\n" << plan);
    CHECK(plan.find("USE TEMP B-TREE") == std::string::npos);
    CHECK(plan.find("messages") != std::string::npos);
  }
}

TEST_CASE("a broad search that outruns its time budget stops with a clear error", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  std::vector<NewMessage> batch;
  for (int i = 0; i < 3000; ++i) batch.push_back(make_message("B" + std::to_string(i)));
  commit_ok(*store, batch);
  // A type that never occurs, without a window: the walk reads every message.
  MessageQuery q;
  q.trigger_event = "A40";
  q.time_budget = std::chrono::milliseconds(0);
  auto stopped = store->search(q);
  REQUIRE_FALSE(stopped.ok());
  CHECK(stopped.error().message.starts_with(kSearchTooBroad));
  CHECK_THAT(stopped.error().message, Catch::Contains("time window"));
  // The reader is usable afterwards, and with its default budget the same search completes.
  q.time_budget = MessageQuery{}.time_budget;
  CHECK(search_ids(*store, q).empty());
  q = {};
  q.control_id = "B17";
  CHECK(search_ids(*store, q).size() == 1);
}

TEST_CASE("stats count stored messages by status and queued deliveries", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "store.db");
  commit_ok(*store, mixed_batch(MessageStatus::unrouted));
  auto stats = store->stats();
  REQUIRE(stats.ok());
  CHECK(stats->messages == 4);
  CHECK(stats->accepted == 2);
  CHECK(stats->rejected == 1);
  CHECK(stats->unrouted == 1);
  CHECK(stats->duplicate == 0);
  CHECK(stats->filtered == 0);
  CHECK(stats->queued_deliveries == 3);
}

TEST_CASE("the count tables match the rows after every kind of write", "[store]") {
  // Since schema version 3 the store adds new rows to message_counts and delivery_counts once
  // per transaction (no INSERT triggers); updates and deletes keep their triggers. Whatever the
  // path, a count must equal the rows it stands for.
  TempDir dir;
  const auto file = dir / "store.db";
  auto store = open_store(file);
  auto mismatches = [&] { return count_mismatches(file); };
  const auto first = commit_ok(*store, mixed_batch(MessageStatus::filtered));
  CHECK(mismatches() == 0);
  CHECK(int_on_file(file,
                    "SELECT n FROM delivery_counts WHERE destination = 'record_store' "
                    "AND state = 'queued'") == 1);

  // Results: one sent, one dead (UPDATE triggers), in a batch that also inserts.
  const auto m4 = get(*store, first[3].message_id);
  REQUIRE(m4.deliveries.size() == 2);
  std::vector<DeliveryResult> results(2);
  for (size_t i = 0; i < 2; ++i) {
    results[i].delivery_id = m4.deliveries[i].id;
    results[i].next = i == 0 ? DeliveryNext::sent : DeliveryNext::dead;
    results[i].attempts = 1;
    results[i].attempt = StoredAttempt{t0(), t0(), i == 0 ? "sent" : "nak", "", ""};
  }
  std::vector<NewMessage> more{make_message("C5")};
  REQUIRE(store->write(more, std::nullopt, results));
  CHECK(mismatches() == 0);

  // Replays insert deliveries outside the ingest path.
  const AuditEntry audit{0, t0(), "tester", "replay", "message", ""};
  REQUIRE(store->replay_message(first[3].message_id, "", audit));
  CHECK(mismatches() == 0);
  REQUIRE(store->replay_dead("", audit));
  CHECK(mismatches() == 0);

  // Deleting messages (retention) takes their deliveries with them (DELETE triggers).
  PruneRequest prune;
  prune.source = make_message("X").source;
  prune.metadata_before = t0() + hours(1);
  auto pruned = store->prune(prune);
  REQUIRE(pruned.ok());
  CHECK(pruned->deleted > 0);
  CHECK(mismatches() == 0);
  // The identifier index has no cascade: the store deletes a message's identifiers itself.
  CHECK(int_on_file(file,
                    "SELECT count(*) FROM message_patients WHERE message_id NOT IN "
                    "(SELECT id FROM messages)") == 0);
  CHECK(int_on_file(file, "SELECT count(*) FROM message_patients") > 0);  // the kept ones
}

TEST_CASE("a version 2 store is upgraded in place, identifiers and counts intact", "[store]") {
  TempDir dir;
  const auto file = dir / "store.db";
  {
    auto db = SqliteConnection::open(file, SqliteConnection::Mode::read_write_create);
    REQUIRE(db.ok());
    REQUIRE(migrate(*db, 2));
    constexpr std::string_view row =
        "INSERT INTO messages(received_at, source, peer, control_id, sending_application, "
        "sending_facility, receiving_application, receiving_facility, message_time, "
        "message_type, trigger_event, version, status, ack_code, error, ack, raw) VALUES "
        "({}, 'pas_in', '127.0.0.1:1', '{}', 'PAS', 'RXA', 'IRWELL', 'GMIH', '20261101', "
        "'ADT', 'A01', '2.4', 'accepted', 'AA', '', x'00', x'00');";
    REQUIRE(
        db->exec(fmt::format(fmt::runtime(row), to_micros(t0()), "OLD1") +
                 fmt::format(fmt::runtime(row), to_micros(t0()), "OLD2") +
                 // Message 1: NHS number then hospital number (PID-3 order); message 2
                 // shares the NHS number. One delivery queued for message 1.
                 "INSERT INTO message_patients(message_id, identifier, authority, type) "
                 "VALUES (1, '9990000018', 'NHS', 'NH'), (1, 'RXA0000001', 'RXA', 'MR'), "
                 "(2, '9990000018', 'NHS', 'NH');"
                 "INSERT INTO deliveries(message_id, destination, route, lane_key, seq, "
                 "state, next_attempt_at) VALUES (1, 'subscriber', 'adt', '', 0, 'queued', 0);"));
  }
  irwell::testing::LogWatcher logs;
  auto store = open_store(file);
  CHECK(store->schema_version().value() == 3);
  // The upgrade says what it does and how long it took (it can take minutes on a big store).
  CHECK(logs.count("store_migrating", "from=2 to=3") == 1);
  CHECK(logs.count("store_migrated", "version=3") == 1);
  CHECK(get(*store, 1).patients ==
        std::vector<PatientIdentifier>{{"9990000018", "NHS", "NH"}, {"RXA0000001", "RXA", "MR"}});
  CHECK(get(*store, 2).patients == std::vector<PatientIdentifier>{{"9990000018", "NHS", "NH"}});
  MessageQuery q;
  q.patient = "9990000018";
  CHECK(search_ids(*store, q) == std::vector<int64_t>{2, 1});
  q.patient = "RXA0000001";
  CHECK(search_ids(*store, q) == std::vector<int64_t>{1});
  CHECK(count_mismatches(file) == 0);
  auto stats = store->stats();
  REQUIRE(stats.ok());
  CHECK(stats->accepted == 2);
  CHECK(stats->queued_deliveries == 1);
  // New messages after the upgrade count on from the copied figures.
  commit_ok(*store, {make_message("NEW1")});
  CHECK(count_mismatches(file) == 0);
}

TEST_CASE("a reopened store has its data and the current schema version", "[store]") {
  TempDir dir;
  int64_t id = 0;
  {
    auto store = open_store(dir / "store.db");
    REQUIRE(store->schema_version().value() == kSchemaVersion);
    id = commit_ok(*store, {make_message("KEEP1")})[0].message_id;
  }
  auto store = open_store(dir / "store.db");
  CHECK(store->schema_version().value() == kSchemaVersion);
  CHECK(get(*store, id).control_id == "KEEP1");
  // Duplicate detection works across restarts: the resend after a crash gets the stored ACK.
  const auto again = commit_ok(*store, {make_message("KEEP1", t0() + minutes(5))});
  CHECK(again[0].duplicate);
  CHECK(again[0].message_id == id);
}

TEST_CASE("files the store does not understand are refused untouched", "[store]") {
  TempDir dir;
  const auto file = dir / "store.db";
  SqliteOptions o;
  o.path = file;

  SECTION("a newer schema version") {
    { open_store(file); }
    sql_on_file(file, "PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
    auto store = SqliteStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK_THAT(store.error().message, Catch::Contains("newer than this irwell"));
  }
  SECTION("another application's database") {
    sql_on_file(file, "PRAGMA application_id = 1234; CREATE TABLE t(x)");
    auto store = open_sqlite_store(o);
    REQUIRE_FALSE(store.ok());
    CHECK_THAT(store.error().message, Catch::Contains("not an irwell message store"));
  }
  SECTION("an unversioned file that already holds tables") {
    sql_on_file(file, "CREATE TABLE messages(x)");
    auto store = open_sqlite_store(o);
    REQUIRE_FALSE(store.ok());
    CHECK_THAT(store.error().message, Catch::Contains("no irwell schema version"));
  }
}

TEST_CASE("disk full: the batch fails whole, then commits resume when space returns", "[store]") {
  TempDir dir;
  const auto file = dir / "store.db";
  NewMessage big = make_message("BIG1");
  big.raw.append(256 * 1024, 'x');  // needs overflow pages the capped file cannot grow
  int64_t kept = 0;
  {
    auto store = open_store(file);
    kept = commit_ok(*store, {make_message("BEFORE")})[0].message_id;
    // Capped at (at least) the file's current size: any growth is "disk full".
    REQUIRE(store->set_max_page_count(1).ok());

    auto failed = store->commit(std::vector<NewMessage>{make_message("SMALL"), big}, t0());
    REQUIRE_FALSE(failed.ok());
    CHECK_THAT(failed.error().message, Catch::Contains("full"));
    // Nothing of the batch is stored, not even the small message before the big one.
    MessageQuery q;
    CHECK(search_ids(*store, q) == std::vector<int64_t>{kept});
    CHECK(store->stats()->messages == 1);
    CHECK(store->stats()->queued_deliveries == 1);

    // Still full: fails again, and the connection is not left inside a transaction.
    REQUIRE_FALSE(store->commit(std::vector<NewMessage>{big}, t0()).ok());

    // Space returns: the same batch commits, with the same duplicate answers as ever.
    REQUIRE(store->set_max_page_count(std::nullopt).ok());
    const auto out = commit_ok(*store, {make_message("SMALL"), big, make_message("BEFORE")});
    CHECK_FALSE(out[0].duplicate);
    CHECK_FALSE(out[1].duplicate);
    CHECK(out[2].duplicate);
    CHECK(get(*store, out[1].message_id).raw == big.raw);
  }
  // A restart with a bigger cap (an operator freed space) lets commits through too.
  {
    auto capped = open_store(file, 1);
    NewMessage big2 = big;
    big2.control_id = "BIG2";
    REQUIRE_FALSE(capped->commit(std::vector<NewMessage>{big2}, t0()).ok());
  }
  auto roomy = open_store(file, 1'000'000);
  NewMessage big3 = big;
  big3.control_id = "BIG3";
  CHECK_FALSE(commit_ok(*roomy, {big3})[0].duplicate);
  CHECK(roomy->stats()->messages == 4);
}
