// The MLLP listener end to end: a real Engine on 127.0.0.1:0 with a TempDir store, driven by a
// blocking test client (HL7-EDGE-CASES A2, A5, A8, A9, H3-H9, I1, V1-V15).
#include "channels/mllp/mllp_listener.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "engine/hl7/ack.h"
#include "engine/hl7/batch.h"
#include "engine/store/forwarding_store.h"
#include "engine/store/sqlite_store.h"
#include "tests/channels/mllp_test_client.h"
#include "tests/pipeline/ingest_fixtures.h"

using namespace irwell;
using irwell::testing::ack_error_codes;
using irwell::testing::ack_field;
using irwell::testing::LogWatcher;
using irwell::testing::MllpTestClient;
using irwell::testing::RunningEngine;
using irwell::testing::TestMessage;

namespace {

TestMessage numbered(int i) {
  TestMessage m;
  m.control_id = "MSG" + std::to_string(100000 + i);
  return m;
}

std::vector<store::MessageSummary> find(store::MessageStore& st, store::MessageQuery q) {
  auto r = st.search(q);
  REQUIRE(r);
  return r.value();
}

std::vector<store::MessageSummary> by_control_id(store::MessageStore& st, std::string id) {
  store::MessageQuery q;
  q.control_id = std::move(id);
  return find(st, q);
}

}  // namespace

TEST_CASE(
    "listener: an accepted message gets an AA built field by field, after it is stored (V1)") {
  LogWatcher logs;
  RunningEngine e;
  MllpTestClient c(e.port);
  REQUIRE(c.connected());
  TestMessage m;
  auto ack = c.round_trip(m.text());
  REQUIRE(ack);
  CHECK(ack_field(*ack, "MSH-3") == "IRWELL");
  CHECK(ack_field(*ack, "MSH-4") == "HUB");
  CHECK(ack_field(*ack, "MSH-5") == "PAS");
  CHECK(ack_field(*ack, "MSH-6") == "RXA^1.2.3.4^ISO");
  CHECK(ack_field(*ack, "MSH-9") == "ACK^A01^ACK");
  CHECK(ack_field(*ack, "MSH-12") == "2.5.1");
  CHECK(ack_field(*ack, "MSA-1") == "AA");
  CHECK(ack_field(*ack, "MSA-2") == "MSG00001");

  // The AA is a promise: the message is already in the store, byte for byte, with that ACK.
  auto found = by_control_id(e.engine->store(), "MSG00001");
  REQUIRE(found.size() == 1);
  auto stored = e.engine->store().get_message(found[0].id);
  REQUIRE(stored);
  REQUIRE(stored.value());
  CHECK(stored.value()->raw == m.text());
  CHECK(stored.value()->ack == *ack);
  CHECK(stored.value()->source == "pas_in");
  CHECK(stored.value()->status == store::MessageStatus::unrouted);  // no routes configured
  CHECK(e.counters().accepted == 1);

  // Logs carry source, peer and control_id, never the body or a patient identifier.
  for (const std::string& line : logs.lines()) {
    CHECK(line.find("9990000018") == std::string::npos);
    CHECK(line.find("TESTER") == std::string::npos);
  }
}

TEST_CASE("listener: every corpus message gets AA or a defined NAK, rejected ones stored raw") {
  if (testing::corpus_dir().empty()) {
    WARN("IRWELL_CORPUS is not set: corpus test skipped");
    return;
  }
  // Expected replies per category (ack_mode original so that MSH-15/16 in samples do not
  // change the codes under test):
  //   ack/ files whose MSH-9 is ACK: no reply at all (H8); every other file: AA;
  //   malformed/: AR with ERR when listed below (the parser cannot read them), else AA (the
  //   parser reads past what it does not expect, D2); an empty file is an empty frame (A12),
  //   no reply; batch/ files are split (J1-J5) and each message gets AA.
  const std::map<std::string, std::string> malformed_nak = {
      {"malformed/msh-missing-msh2.hl7", "AR"},
      {"malformed/msh-missing-msh9.hl7", "AR"},
      {"malformed/msh-only-no-fields.hl7", "AR"},
      {"malformed/no-msh-segment.hl7", "AR"},
      {"malformed/adt-a01-msh2-double-backslash-literal-cr.hl7", "AR"},  // MSH-2 ^~\\& (C6)
      {"malformed/adt-a01-v22-literal-backslash-r-zuk.hl7", "AR"},       // MSH-2 ^~\\& (C6)
      {"malformed/oru-r01-trailing-junk-lines.hl7", "AR"},  // junk lines before MSH (B8)
  };
  LogWatcher logs;  // keeps the run quiet
  RunningEngine e([](config::Config& c, app::EngineOptions&) {
    c.sources[0].mllp.ack_mode = config::MllpSourceConfig::AckMode::original;
  });
  MllpTestClient c(e.port);
  REQUIRE(c.connected());
  const std::string probe = numbered(0).text();
  int sent = 0, naks = 0, silent = 0;
  for (const std::string& rel : testing::corpus_files()) {
    const std::string bytes = testing::read_file(testing::corpus_dir() / rel);
    const std::string category = rel.substr(0, rel.find('/'));
    std::vector<std::string> messages;
    if (category == "batch") {
      auto batch = hl7::split_batch(bytes);
      REQUIRE(batch);
      messages = batch->messages;
    } else {
      messages.push_back(bytes);
    }
    for (const std::string& payload : messages) {
      INFO(rel);
      ++sent;
      if (payload.empty()) {  // A12: an empty frame is ignored; the probe's AA comes next
        ++silent;
        REQUIRE(c.send_frame(payload));
        auto reply = c.round_trip(probe);
        REQUIRE(reply);
        CHECK(ack_field(*reply, "MSA-2") == "MSG100000");
        continue;
      }
      const hl7::SalvagedHeader h = hl7::salvage_header(payload);
      if (h.message_code == "ACK") {  // H8: not acknowledged; the probe's reply comes next
        ++silent;
        REQUIRE(c.send_frame(payload));
        auto reply = c.round_trip(probe);
        REQUIRE(reply);
        CHECK(ack_field(*reply, "MSA-2") == "MSG100000");
        continue;
      }
      auto reply = c.round_trip(payload);
      REQUIRE(reply);
      auto nak = malformed_nak.find(rel);
      const std::string expected = nak == malformed_nak.end() ? "AA" : nak->second;
      CHECK(ack_field(*reply, "MSA-1") == expected);
      CHECK(ack_field(*reply, "MSA-2") == h.control_id);
      if (expected != "AA") {
        ++naks;
        CHECK_FALSE(ack_error_codes(*reply).empty());
        // The raw bytes of every rejected message are in the store with the reason.
        store::MessageQuery q;
        q.status = store::MessageStatus::rejected;
        q.limit = 1;
        auto latest = find(e.engine->store(), q);
        REQUIRE(latest.size() == 1);
        auto stored = e.engine->store().get_message(latest[0].id);
        REQUIRE(stored);
        REQUIRE(stored.value());
        CHECK(stored.value()->raw == payload);
        CHECK_FALSE(stored.value()->error.empty());
        CHECK(stored.value()->ack == *reply);
      }
    }
  }
  CHECK(naks == static_cast<int>(malformed_nak.size()));
  CHECK(sent > 200);
  CHECK(silent >= 1);
  INFO("corpus messages sent: " << sent << ", NAKs: " << naks << ", not acknowledged: " << silent);
}

TEST_CASE("listener: a malformed message gets AR with ERR and its raw bytes are stored (B8, H7)") {
  LogWatcher logs;
  RunningEngine e;
  MllpTestClient c(e.port);
  const std::string junk = "EVN|A01|20261125\rPID|1||9990000018^^^NHS^NH\r";
  auto reply = c.round_trip(junk);
  REQUIRE(reply);
  CHECK(ack_field(*reply, "MSA-1") == "AR");
  CHECK(ack_field(*reply, "MSA-2") == "");
  CHECK(ack_error_codes(*reply) == std::vector<std::string>{"100"});
  store::MessageQuery q;
  q.status = store::MessageStatus::rejected;
  auto rejected = find(e.engine->store(), q);
  REQUIRE(rejected.size() == 1);
  auto stored = e.engine->store().get_message(rejected[0].id);
  REQUIRE(stored);
  CHECK(stored.value()->raw == junk);
  CHECK(stored.value()->error.find("parse") != std::string::npos);
  CHECK(e.counters().rejected == 1);
  CHECK(logs.count("message_rejected", "control_id=") == 1);
}

TEST_CASE("listener: a duplicate gets the same ACK bytes and is stored once (I1, V14)") {
  LogWatcher logs;
  RunningEngine e;
  MllpTestClient c(e.port);
  auto first = c.round_trip(TestMessage{}.text());
  auto second = c.round_trip(TestMessage{}.text());
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*second == *first);
  // Another connection, same sender and control ID: still the same answer.
  MllpTestClient other(e.port);
  auto third = other.round_trip(TestMessage{}.text());
  REQUIRE(third);
  CHECK(*third == *first);
  CHECK(by_control_id(e.engine->store(), "MSG00001").size() == 1);
  CHECK(e.counters().duplicates == 2);
  CHECK(logs.count("duplicate", "control_id=MSG00001") == 2);
  // A different sending facility with the same control ID is another message.
  TestMessage elsewhere;
  elsewhere.sending_facility = "RXB";
  auto fourth = c.round_trip(elsewhere.text());
  REQUIRE(fourth);
  CHECK(ack_field(*fourth, "MSA-1") == "AA");
  CHECK(*fourth != *first);
  CHECK(by_control_id(e.engine->store(), "MSG00001").size() == 2);
}

TEST_CASE("listener: enhanced mode gets CA after commit; NE gets nothing (H1, H3)") {
  LogWatcher logs;
  RunningEngine e;
  MllpTestClient c(e.port);
  TestMessage m = numbered(1);
  m.msh15 = "AL";
  m.msh16 = "NE";
  auto reply = c.round_trip(m.text());
  REQUIRE(reply);
  CHECK(ack_field(*reply, "MSA-1") == "CA");
  CHECK(ack_field(*reply, "MSA-2") == m.control_id);

  TestMessage quiet = numbered(2);
  quiet.msh15 = "NE";
  quiet.msh16 = "NE";
  REQUIRE(c.send_frame(quiet.text()));
  auto next = c.round_trip(numbered(3).text());  // the next reply is the next message's
  REQUIRE(next);
  CHECK(ack_field(*next, "MSA-2") == "MSG100003");
  CHECK(by_control_id(e.engine->store(), "MSG100002").size() == 1);  // stored all the same
}

TEST_CASE("listener: pipelined frames are ACKed in order, one each, same connection (A5, H9, V3)") {
  LogWatcher logs;
  RunningEngine e;
  MllpTestClient c(e.port);
  std::string burst;
  for (int i = 1; i <= 25; ++i) {
    mllp::append_frame(burst, numbered(i).text());
    // A malformed one in the middle still gets its one reply in its place.
    if (i == 12) mllp::append_frame(burst, "not hl7\r");
  }
  REQUIRE(c.send_raw(burst));
  std::vector<std::string> order;
  for (int i = 0; i < 26; ++i) {
    auto reply = c.read_frame();
    REQUIRE(reply);
    order.push_back(ack_field(*reply, "MSA-1") == "AA" ? ack_field(*reply, "MSA-2") : "NAK");
  }
  std::vector<std::string> expected;
  for (int i = 1; i <= 25; ++i) expected.push_back("MSG" + std::to_string(100000 + i));
  expected.insert(expected.begin() + 12, "NAK");
  CHECK(order == expected);
  CHECK(e.counters().replies == 26);
}

TEST_CASE("listener: junk before a frame is skipped; a TLS ClientHello closes (A2, V2, V15)") {
  LogWatcher logs;
  RunningEngine e;
  SECTION("whitespace and stray bytes before 0x0B") {
    MllpTestClient c(e.port);
    REQUIRE(c.send_raw("\r\n \r\n"));
    auto reply = c.round_trip(numbered(1).text());
    REQUIRE(reply);
    CHECK(ack_field(*reply, "MSA-1") == "AA");
    REQUIRE(c.send_raw("\n"));  // a sender that appends LF after every frame
    reply = c.round_trip(numbered(2).text());
    REQUIRE(reply);
    CHECK(ack_field(*reply, "MSA-2") == "MSG100002");
    CHECK(e.counters().junk_bytes == 6);
  }
  SECTION("a TLS ClientHello on the plain port") {
    MllpTestClient c(e.port);
    const std::string hello("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11);
    REQUIRE(c.send_raw(hello));
    CHECK(c.closed_by_peer());
    CHECK(logs.wait_for("tls_on_plain_port"));
    CHECK(logs.wait_for("connection_closed", 1, "TLS"));
  }
  SECTION("an HTTP request on the plain port") {
    MllpTestClient c(e.port);
    REQUIRE(c.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(c.closed_by_peer());
    CHECK(logs.wait_for("http_on_plain_port"));
  }
}

TEST_CASE("listener: an oversize frame is NAKed and the connection stays usable (A9, V11)") {
  LogWatcher logs;
  RunningEngine e(
      [](config::Config& c, app::EngineOptions&) { c.sources[0].mllp.max_frame_bytes = 2048; });
  MllpTestClient c(e.port);
  TestMessage big = numbered(1);
  big.patient_name = std::string(5000, 'X');
  auto reply = c.round_trip(big.text());
  REQUIRE(reply);
  CHECK(ack_field(*reply, "MSA-1") == "AR");
  CHECK(ack_field(*reply, "MSA-2") == "MSG100001");  // salvaged from the prefix
  CHECK(ack_error_codes(*reply) == std::vector<std::string>{"199"});
  auto after = c.round_trip(numbered(2).text());
  REQUIRE(after);
  CHECK(ack_field(*after, "MSA-1") == "AA");
  CHECK(e.counters().frames_oversize == 1);
  auto rejected = by_control_id(e.engine->store(), "MSG100001");
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].status == "rejected");
}

TEST_CASE("listener: a frame not completed in time is dropped; later bytes are junk (A8, V8)") {
  LogWatcher logs;
  RunningEngine e([](config::Config& c, app::EngineOptions&) {
    c.sources[0].mllp.frame_timeout = std::chrono::milliseconds(50);
  });
  MllpTestClient c(e.port);
  const std::string first = numbered(1).text();
  REQUIRE(c.send_raw("\x0b" + first.substr(0, 30)));
  REQUIRE(logs.wait_for("frame_timeout"));
  // The rest of the dropped frame is junk; the next complete frame is processed.
  REQUIRE(c.send_raw(first.substr(30) + "\x1c\r"));
  auto reply = c.round_trip(numbered(2).text());
  REQUIRE(reply);
  CHECK(ack_field(*reply, "MSA-2") == "MSG100002");
  CHECK(by_control_id(e.engine->store(), "MSG100001").empty());
  CHECK(e.counters().frames_aborted == 1);
}

TEST_CASE("listener: an idle connection is closed after the idle timeout (A8)") {
  LogWatcher logs;
  RunningEngine e([](config::Config& c, app::EngineOptions&) {
    c.sources[0].mllp.idle_timeout = std::chrono::milliseconds(50);
  });
  MllpTestClient c(e.port);
  REQUIRE(c.connected());
  CHECK(c.closed_by_peer());
  CHECK(logs.wait_for("idle_timeout"));
}

TEST_CASE("listener: a connection in use outlives its idle timeout many times over (A8)") {
  // The idle deadline moves with every message; the session's timer fires at the old deadline,
  // finds it moved, and waits again. Round trips for four idle timeouts, then silence.
  LogWatcher logs;
  const auto idle = std::chrono::milliseconds(200);
  RunningEngine e(
      [&](config::Config& c, app::EngineOptions&) { c.sources[0].mllp.idle_timeout = idle; });
  MllpTestClient c(e.port);
  const auto until = std::chrono::steady_clock::now() + 4 * idle;
  int sent = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto reply = c.round_trip(numbered(++sent).text());
    REQUIRE(reply);
    REQUIRE(ack_field(*reply, "MSA-1") == "AA");
  }
  CHECK(sent > 5);
  CHECK(logs.count("idle_timeout") == 0);
  CHECK(c.closed_by_peer());
  CHECK(logs.wait_for("idle_timeout"));
}

TEST_CASE("listener: connections beyond max_connections are refused") {
  LogWatcher logs;
  RunningEngine e(
      [](config::Config& c, app::EngineOptions&) { c.sources[0].mllp.max_connections = 2; });
  MllpTestClient a(e.port), b(e.port);
  REQUIRE(a.round_trip(numbered(1).text()));  // both sessions are running
  REQUIRE(b.round_trip(numbered(2).text()));
  MllpTestClient refused(e.port);
  CHECK(refused.closed_by_peer());
  CHECK(e.counters().connections_refused == 1);
  CHECK(logs.count("connection_refused", "max_connections") == 1);
  auto still = a.round_trip(numbered(3).text());  // the others are unaffected
  REQUIRE(still);
  CHECK(ack_field(*still, "MSA-1") == "AA");
}

TEST_CASE("listener: a failed commit gets AR 207, never AA; AA again once space returns") {
  LogWatcher logs;
  store::SqliteStore* sqlite = nullptr;
  testing::TempDir store_dir;
  RunningEngine e([&](config::Config&, app::EngineOptions& o) {
    auto opened = store::SqliteStore::open({store_dir / "small.db"});
    REQUIRE(opened);
    sqlite = opened.value().get();
    o.store = std::move(opened).value();
  });
  MllpTestClient c(e.port);
  REQUIRE(c.round_trip(numbered(1).text()));
  // "Disk full": no page beyond the ones in use.
  REQUIRE(sqlite->set_max_page_count(1));
  TestMessage big = numbered(2);
  big.patient_name = std::string(20000, 'Y');
  auto nak = c.round_trip(big.text());
  REQUIRE(nak);
  CHECK(ack_field(*nak, "MSA-1") == "AR");
  CHECK(ack_field(*nak, "MSA-2") == "MSG100002");
  CHECK(ack_error_codes(*nak) == std::vector<std::string>{"207"});
  CHECK(by_control_id(*sqlite, "MSG100002").empty());
  CHECK(e.counters().commit_failures == 1);
  CHECK(logs.count("commit_failed", "control_id=MSG100002") == 1);
  // Space returns: the resent message is accepted.
  REQUIRE(sqlite->set_max_page_count(std::nullopt));
  auto aa = c.round_trip(big.text());
  REQUIRE(aa);
  CHECK(ack_field(*aa, "MSA-1") == "AA");
  CHECK(by_control_id(*sqlite, "MSG100002").size() == 1);
}

namespace {

// A store whose commits wait at a gate, so a test can hold a message "in flight".
class GatedStore final : public store::ForwardingStore {
 public:
  explicit GatedStore(std::unique_ptr<store::MessageStore> inner)
      : ForwardingStore(*inner), inner_(std::move(inner)) {}
  Result<std::vector<store::CommitOutcome>> write(
      std::span<const store::NewMessage> batch, std::optional<TimePoint> since,
      std::span<const store::DeliveryResult> results) override {
    {
      std::unique_lock lock(mu_);
      entered_ += batch.size();
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
    }
    return inner_->write(batch, since, results);
  }

  bool wait_entered(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, testing::kGuard, [&] { return entered_ >= n; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::unique_ptr<store::MessageStore> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t entered_ = 0;
  bool open_ = false;
};

}  // namespace

TEST_CASE("listener: graceful stop commits and ACKs what was received, then refuses") {
  LogWatcher logs;
  testing::TempDir store_dir;
  GatedStore* gate = nullptr;
  RunningEngine e([&](config::Config&, app::EngineOptions& o) {
    auto opened = store::open_sqlite_store({store_dir / "gated.db"});
    REQUIRE(opened);
    auto gated = std::make_unique<GatedStore>(std::move(opened).value());
    gate = gated.get();
    o.store = std::move(gated);
  });
  MllpTestClient c(e.port);
  REQUIRE(c.send_frame(numbered(1).text()));
  REQUIRE(gate->wait_entered(1));  // received, and its commit is in flight
  auto stopped = std::async(std::launch::async, [&] { e.engine->stop(); });
  REQUIRE(logs.wait_for("listener_stopping"));
  MllpTestClient late(e.port);
  CHECK_FALSE(late.connected());  // no longer accepting
  gate->open();
  auto reply = c.read_frame();  // the in-flight message is still committed and acknowledged
  REQUIRE(reply);
  CHECK(ack_field(*reply, "MSA-1") == "AA");
  CHECK(ack_field(*reply, "MSA-2") == "MSG100001");
  stopped.get();
  CHECK(c.closed_by_peer());
  // After the stop, the store on disk holds the message.
  auto reopened = store::open_sqlite_store({store_dir / "gated.db"});
  REQUIRE(reopened);
  CHECK(by_control_id(*reopened.value(), "MSG100001").size() == 1);
  CHECK(logs.count("engine_stopped") == 1);  // logged before stop() returned
}

TEST_CASE("listener: strict_framing closes on bytes outside a frame and aborts 1C without 0D") {
  LogWatcher logs;
  RunningEngine e(
      [](config::Config& c, app::EngineOptions&) { c.sources[0].mllp.strict_framing = true; });
  MllpTestClient c(e.port);
  // A3/V10: an end block followed by LF aborts the frame (no reply); whitespace is tolerated.
  REQUIRE(c.send_raw("\x0b" + numbered(1).text() + "\x1c\n"));
  auto reply = c.round_trip(numbered(2).text());
  REQUIRE(reply);
  CHECK(ack_field(*reply, "MSA-2") == "MSG100002");
  CHECK(by_control_id(e.engine->store(), "MSG100001").empty());
  CHECK(e.counters().frames_aborted == 1);
  // Anything else outside a frame is a protocol error: the connection is closed.
  REQUIRE(c.send_raw("hello"));
  CHECK(c.closed_by_peer());
  CHECK(logs.wait_for("junk_outside_frame"));
}
