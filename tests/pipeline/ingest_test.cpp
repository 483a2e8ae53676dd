// The ingest step without sockets: what is stored and which ACK is sent for good, bad,
// duplicate and enhanced-mode input (HL7-EDGE-CASES H1-H9, I1, A9, B8, B9).
#include "engine/pipeline/ingest.h"

#include <catch2/catch.hpp>
#include <future>

#include "engine/core/clock.h"
#include "engine/hl7/ack.h"
#include "engine/store/commit_queue.h"
#include "engine/store/sqlite_store.h"
#include "tests/pipeline/ingest_fixtures.h"
#include "tests/support/test_support.h"

using namespace irwell;
using irwell::testing::ack_error_codes;
using irwell::testing::ack_field;
using irwell::testing::FakeRouter;
using irwell::testing::TestMessage;
using store::MessageStatus;

namespace {

struct Fixture {
  ManualClock clock;
  FakeRouter router;
  config::MllpSourceConfig settings;
  Fixture() { router.outcome = testing::one_delivery(); }
  pipeline::IngestResult run(const std::string& payload) {
    pipeline::Ingest ingest("pas_in", settings, clock, router);
    return ingest.frame(payload, "127.0.0.1:40000");
  }
};

}  // namespace

TEST_CASE("ingest: an accepted message is stored with its deliveries and answered AA (H4, H5)") {
  Fixture f;
  TestMessage msg;
  auto r = f.run(msg.text());
  const store::NewMessage& m = r.message;
  CHECK(m.status == MessageStatus::accepted);
  CHECK(m.raw == msg.text());
  CHECK(m.source == "pas_in");
  CHECK(m.peer == "127.0.0.1:40000");
  CHECK(m.control_id == "MSG00001");
  CHECK(m.sending_application == "PAS");
  CHECK(m.sending_facility == "RXA^1.2.3.4^ISO");
  CHECK(m.message_type == "ADT");
  CHECK(m.trigger_event == "A01");
  CHECK(m.version == "2.5.1");
  CHECK(m.received_at == f.clock.now());
  REQUIRE(m.deliveries.size() == 1);
  CHECK(m.deliveries[0].destination == "record_store");
  REQUIRE(m.patients.size() == 2);
  CHECK(m.patients[0] == store::PatientIdentifier{"9990000018", "NHS", "NH"});
  CHECK(m.patients[1] == store::PatientIdentifier{"RXA123456", "RXA", "MR"});
  CHECK(r.matched_routes == std::vector<std::string>{"all_adt"});

  REQUIRE(r.acknowledged());
  CHECK(m.ack == r.ack);  // stored, so that a duplicate gets the same bytes back
  CHECK(m.ack_code == "AA");
  CHECK(ack_field(r.ack, "MSA-1") == "AA");
  CHECK(ack_field(r.ack, "MSA-2") == "MSG00001");
  CHECK(ack_field(r.ack, "MSH-3") == "IRWELL");
  CHECK(ack_field(r.ack, "MSH-4") == "HUB");
  CHECK(ack_field(r.ack, "MSH-5") == "PAS");
  CHECK(ack_field(r.ack, "MSH-6") == "RXA^1.2.3.4^ISO");
  CHECK(ack_field(r.ack, "MSH-9") == "ACK^A01^ACK");
  CHECK(ack_field(r.ack, "MSH-12") == "2.5.1");
  CHECK(ack_field(r.ack, "MSH-10") != "MSG00001");
  CHECK(ack_error_codes(r.ack).empty());

  // If the commit fails, the sender is told to resend: AR with ERR 207, never AA.
  CHECK(ack_field(r.commit_failure_ack, "MSA-1") == "AR");
  CHECK(ack_field(r.commit_failure_ack, "MSA-2") == "MSG00001");
  CHECK(ack_error_codes(r.commit_failure_ack) == std::vector<std::string>{"207"});
}

TEST_CASE("ingest: each ACK gets a new control ID") {
  Fixture f;
  pipeline::Ingest ingest("pas_in", f.settings, f.clock, f.router);
  auto a = ingest.frame(TestMessage{}.text(), "p");
  auto b = ingest.frame(TestMessage{}.text(), "p");
  CHECK(ack_field(a.ack, "MSH-10") != ack_field(b.ack, "MSH-10"));
}

TEST_CASE("ingest: a message that cannot be parsed is rejected with its raw bytes (B8, H7)") {
  Fixture f;
  const std::string junk = "PID|1||9990000018^^^NHS^NH||TESTER^ALEX\r";
  auto r = f.run(junk);
  CHECK(r.message.status == MessageStatus::rejected);
  CHECK(r.message.raw == junk);
  CHECK_FALSE(r.message.error.empty());
  CHECK(r.message.deliveries.empty());
  CHECK(f.router.seen_control_ids.empty());  // never routed
  CHECK(r.message.patients.empty());
  CHECK(ack_field(r.ack, "MSA-1") == "AR");
  CHECK(ack_field(r.ack, "MSA-2") == "");
  CHECK(ack_error_codes(r.ack) == std::vector<std::string>{"100"});
  CHECK(r.commit_failure_ack == r.ack);  // a NAK stays a NAK whether or not it was stored

  f.settings.reject_code = "AE";
  CHECK(ack_field(f.run(junk).ack, "MSA-1") == "AE");
}

TEST_CASE("ingest: a salvageable MSH keeps its control ID in the NAK (H7)") {
  Fixture f;
  auto r = f.run("MSH|^~\\&|PAS|RXA|IRWELL|HUB|20261125|||CTRL9|P|2.4\rPID|1\r");  // no MSH-9
  CHECK(r.message.status == MessageStatus::rejected);
  CHECK(r.message.control_id == "CTRL9");
  CHECK(ack_field(r.ack, "MSA-1") == "AR");
  CHECK(ack_field(r.ack, "MSA-2") == "CTRL9");
  CHECK(ack_field(r.ack, "MSH-5") == "PAS");
}

TEST_CASE("ingest: the source's validation rejects versions, types and missing fields (H2)") {
  Fixture f;
  SECTION("allowed_versions: 2.5 allows 2.5.1, not 2.3 (AR 203)") {
    f.settings.allowed_versions = {"2.5"};
    CHECK(f.run(TestMessage{}.text()).message.status == MessageStatus::accepted);
    TestMessage old;
    old.version = "2.3";
    auto r = f.run(old.text());
    CHECK(r.message.status == MessageStatus::rejected);
    CHECK(ack_field(r.ack, "MSA-1") == "AR");
    CHECK(ack_error_codes(r.ack) == std::vector<std::string>{"203"});
  }
  SECTION("allowed_types: ADT^A0* allows A01, not ORU^R01 (AR 200)") {
    f.settings.allowed_types = {"ADT^A0*"};
    CHECK(f.run(TestMessage{}.text()).message.status == MessageStatus::accepted);
    TestMessage oru;
    oru.type = "ORU^R01^ORU_R01";
    auto r = f.run(oru.text());
    CHECK(r.message.status == MessageStatus::rejected);
    CHECK(ack_field(r.ack, "MSA-1") == "AR");
    CHECK(ack_error_codes(r.ack) == std::vector<std::string>{"200"});
    CHECK(r.message.raw == oru.text());
  }
  SECTION("required_fields: one ERR 101 per missing path, AE (content error)") {
    f.settings.required_fields = {"PID-5", "PID-8", "PV1-3", "PID-19", "ZZZ-1"};
    TestMessage nameless;
    nameless.patient_name = "";
    auto r = f.run(nameless.text());
    CHECK(r.message.status == MessageStatus::rejected);
    CHECK(ack_field(r.ack, "MSA-1") == "AE");
    CHECK(ack_error_codes(r.ack) == std::vector<std::string>{"101", "101", "101"});
    CHECK(ack_field(r.ack, "ERR[1]-2") == "PID^1^5");
    CHECK(ack_field(r.ack, "ERR[3]-2") == "ZZZ^1^1");
    CHECK(r.message.error.find("PID-5") != std::string::npos);
    CHECK(r.message.error.find("TESTER") == std::string::npos);  // never a value
  }
}

TEST_CASE("ingest: enhanced mode answers CA/CE/CR as MSH-15 and MSH-16 ask (H1, H3)") {
  Fixture f;
  TestMessage m;
  auto code = [&](const std::string& msh15, const std::string& msh16) {
    m.msh15 = msh15;
    m.msh16 = msh16;
    auto r = f.run(m.text());
    return std::make_pair(ack_field(r.ack, "MSA-1"), ack_field(r.commit_failure_ack, "MSA-1"));
  };
  CHECK(code("AL", "NE") == std::make_pair(std::string("CA"), std::string("CR")));
  CHECK(code("AL", "") == std::make_pair(std::string("CA"), std::string("CR")));
  CHECK(code("", "AL") == std::make_pair(std::string("CA"), std::string("CR")));  // empty = AL
  CHECK(code("ER", "NE") == std::make_pair(std::string(""), std::string("CR")));
  CHECK(code("SU", "NE") == std::make_pair(std::string("CA"), std::string("")));
  // No accept ACK wanted, an application ACK wanted: irwell's AA/AR (processing = commit).
  CHECK(code("NE", "AL") == std::make_pair(std::string("AA"), std::string("AR")));
  CHECK(code("NE", "ER") == std::make_pair(std::string(""), std::string("AR")));
  CHECK(code("NE", "NE") == std::make_pair(std::string(""), std::string("")));

  m.msh15 = "NE";
  m.msh16 = "NE";
  auto silent = f.run(m.text());
  CHECK_FALSE(silent.acknowledged());
  CHECK(silent.message.ack.empty());
  CHECK(silent.message.ack_code.empty());
  CHECK(silent.message.status == MessageStatus::accepted);  // stored and routed all the same

  SECTION("enhanced rejections are CE (content) and CR (not content)") {
    m.msh15 = "AL";
    f.settings.required_fields = {"PID-19"};
    CHECK(ack_field(f.run(m.text()).ack, "MSA-1") == "CE");
    f.settings.required_fields.clear();
    f.settings.allowed_versions = {"2.3"};
    CHECK(ack_field(f.run(m.text()).ack, "MSA-1") == "CR");
  }
  SECTION("ack_mode original ignores MSH-15/16; enhanced applies without them") {
    m.msh15 = "NE";
    f.settings.ack_mode = config::MllpSourceConfig::AckMode::original;
    CHECK(ack_field(f.run(m.text()).ack, "MSA-1") == "AA");
    f.settings.ack_mode = config::MllpSourceConfig::AckMode::enhanced;
    CHECK(ack_field(f.run(TestMessage{}.text()).ack, "MSA-1") == "CA");
  }
}

TEST_CASE("ingest: routing outcomes set the status (unrouted, filtered, routing failure)") {
  Fixture f;
  SECTION("no route matched: unrouted, AA by default") {
    f.router.outcome = {};
    auto r = f.run(TestMessage{}.text());
    CHECK(r.message.status == MessageStatus::unrouted);
    CHECK(ack_field(r.ack, "MSA-1") == "AA");
    f.settings.unrouted_ack = false;
    r = f.run(TestMessage{}.text());
    CHECK(r.message.status == MessageStatus::unrouted);
    CHECK(ack_field(r.ack, "MSA-1") == "AE");
    CHECK(ack_error_codes(r.ack) == std::vector<std::string>{"207"});
  }
  SECTION("dropped by every route's filter: filtered, AA") {
    f.router.outcome = {};
    f.router.outcome.filtered = true;
    auto r = f.run(TestMessage{}.text());
    CHECK(r.message.status == MessageStatus::filtered);
    CHECK(ack_field(r.ack, "MSA-1") == "AA");
  }
  SECTION("transform errors and no delivery: rejected, AE 207") {
    f.router.outcome = {};
    f.router.outcome.errors = {"route adt: transform set: PID-99 cannot be written"};
    auto r = f.run(TestMessage{}.text());
    CHECK(r.message.status == MessageStatus::rejected);
    CHECK(ack_field(r.ack, "MSA-1") == "AE");
    CHECK(r.message.error.find("PID-99") != std::string::npos);
  }
}

TEST_CASE("ingest: an ACK sent to the listener is stored and not acknowledged (H8)") {
  Fixture f;
  TestMessage ack;
  ack.type = "ACK^A01^ACK";
  auto r = f.run(ack.text());
  CHECK(r.message.status == MessageStatus::rejected);
  CHECK_FALSE(r.acknowledged());
  CHECK(r.commit_failure_ack.empty());
  CHECK(f.router.seen_control_ids.empty());
}

TEST_CASE("ingest: two messages in one frame are rejected, one message per frame (B9)") {
  Fixture f;
  TestMessage a, b;
  b.control_id = "MSG00002";
  auto r = f.run(a.text() + b.text());
  CHECK(r.message.status == MessageStatus::rejected);
  CHECK(ack_field(r.ack, "MSA-1") == "AR");
  CHECK(ack_field(r.ack, "MSA-2") == "MSG00001");
  CHECK(ack_error_codes(r.ack) == std::vector<std::string>{"100"});
}

TEST_CASE("ingest: an oversize frame is NAKed from its salvaged prefix (A9)") {
  Fixture f;
  pipeline::Ingest ingest("pas_in", f.settings, f.clock, f.router);
  const std::string prefix = TestMessage{}.text().substr(0, 90);  // MSH up to MSH-11
  auto r = ingest.oversize(prefix, 20'000'000, "p");
  CHECK(r.message.status == MessageStatus::rejected);
  CHECK(r.message.raw == prefix);
  CHECK(r.message.error.find("20000000") != std::string::npos);
  CHECK(ack_field(r.ack, "MSA-1") == "AR");
  CHECK(ack_field(r.ack, "MSA-2") == "MSG00001");
  CHECK(ack_error_codes(r.ack) == std::vector<std::string>{"199"});
}

TEST_CASE("ingest: a duplicate committed through the store gets the first ACK back (I1)") {
  testing::TempDir dir;
  Fixture f;
  auto st = store::SqliteStore::open({dir / "t.db"});
  REQUIRE(st);
  store::CommitQueue queue(*st.value(), f.clock);
  queue.start();
  pipeline::Ingest ingest("pas_in", f.settings, f.clock, f.router);
  auto commit = [&](store::NewMessage m) {
    std::promise<Result<store::CommitOutcome>> done;
    auto fut = done.get_future();
    queue.submit(std::move(m), [&](Result<store::CommitOutcome> r) { done.set_value(r); });
    return fut.get();
  };
  auto first = ingest.frame(TestMessage{}.text(), "p");
  auto second = ingest.frame(TestMessage{}.text(), "p");
  REQUIRE(first.ack != second.ack);  // a new ACK control ID each time...
  const std::string first_ack = first.ack;
  auto a = commit(std::move(first.message));
  auto b = commit(std::move(second.message));
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(a->duplicate);
  CHECK(b->duplicate);
  CHECK(b->message_id == a->message_id);
  CHECK(b->stored_ack == first_ack);  // ...but the duplicate is answered with the first one

  store::MessageQuery q;
  q.control_id = "MSG00001";
  auto found = st.value()->search(q);
  REQUIRE(found);
  CHECK(found->size() == 1);
  queue.stop();
}
