// feed-sim: reproducible feeds (the same seed gives the same bytes), invented patients with valid
// 999-range NHS numbers, and every message of many seeds parsed by irwell's codec and taken by
// the shipped routes.yaml exactly as `irwell run` would (Ingest: checks, routing, ACK code).
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "channels/feed/feed_generator.h"
#include "channels/feed/feed_sim_command.h"
#include "channels/feed/patient_factory.h"
#include "engine/config/wildcard.h"
#include "engine/hl7/ack.h"
#include "engine/hl7/message.h"
#include "engine/hl7/patient_identifier.h"
#include "engine/pipeline/ingest.h"
#include "tests/pipeline/router_fixtures.h"
#include "tests/tools/test_mllp_server.h"
#include "tests/tools/tool_run.h"

using namespace irwell;
using irwell::testing::run_tool;

namespace {

std::vector<feed::GeneratedMessage> generate(uint64_t seed, int n,
                                             std::vector<std::string> trusts = {}) {
  auto gen = feed::FeedGenerator::create({seed, std::move(trusts)});
  REQUIRE(gen);
  std::vector<feed::GeneratedMessage> out;
  for (int i = 0; i < n; ++i) out.push_back((*gen)->next());
  return out;
}

std::string field(const hl7::Message& m, std::string_view path) {
  auto p = hl7::Path::parse(path);
  REQUIRE(p);
  return m.get(*p);
}

// The NHS numbers a message carries, wherever its trust writes them (PID-2, or a PID-3
// repetition of type NH/NHS, possibly with spaces).
std::vector<std::string> nhs_numbers(const hl7::Message& m) {
  std::vector<std::string> out;
  auto digits = [](std::string s) {
    std::erase(s, ' ');
    return s;
  };
  if (std::string pid2 = field(m, "PID-2.1"); !pid2.empty()) out.push_back(digits(pid2));
  for (int rep = 1; rep <= 3; ++rep) {
    const std::string r = std::to_string(rep);
    const std::string type = field(m, "PID-3[" + r + "].5");
    if (type == "NH" || type == "NHS") out.push_back(digits(field(m, "PID-3[" + r + "].1")));
  }
  return out;
}

}  // namespace

TEST_CASE("feed-sim: check digits and NHS numbers from the 999 test range") {
  CHECK(feed::nhs_check_digit("999000001") == 8);  // 9990000018, the well-known test number
  CHECK(feed::nhs_check_digit("999000002") == 6);  // 9990000026
  CHECK_FALSE(feed::nhs_check_digit("99900001"));  // eight digits
  CHECK(feed::spaced_nhs_number("9990000018") == "999 000 0018");
  feed::PatientFactory factory;
  feed::FeedRandom rng(7);
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    feed::Patient p = factory.make(rng, feed::builtin_trusts()[0], 0);
    CHECK(p.nhs_number.starts_with("999"));
    CHECK(hl7::is_valid_nhs_number(p.nhs_number));
    CHECK(seen.insert(p.nhs_number).second);
  }
}

TEST_CASE("feed-sim: the same seed gives the same feed, byte for byte; another seed another") {
  auto a = generate(42, 400), b = generate(42, 400), c = generate(43, 400);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].bytes == b[i].bytes);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].bytes == c[i].bytes;
  CHECK(same == 0);

  // Through the command too: two --out runs give identical directories.
  testing::TempDir dir;
  for (const char* sub : {"one", "two"}) {
    auto r = run_tool(feed::feed_sim_main,
                      {"--seed", "42", "--count", "50", "--out", (dir.path() / sub).string()});
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("50 messages") != std::string::npos);
  }
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "one")) {
    names.push_back(e.path().filename().string());
  }
  REQUIRE(names.size() == 50);
  for (const auto& n : names) {
    INFO(n);
    CHECK(testing::read_file(dir.path() / "one" / n) == testing::read_file(dir.path() / "two" / n));
  }
}

TEST_CASE("feed-sim: each trust keeps its habits") {
  std::map<std::string, int> seen;
  for (const auto& m : generate(5, 600)) {
    ++seen[m.trust];
    auto parsed = hl7::Message::parse(m.bytes);
    REQUIRE(parsed);
    INFO(m.trust << " " << m.control_id);
    if (m.trust == "NORTHGATE") {
      CHECK(m.bytes.find('\r') == std::string::npos);  // LF endings (B1)
      CHECK(field(*parsed, "MSH-12") == "2.3");
      CHECK(field(*parsed, "MSH-18") == "8859/1");
      CHECK(hl7::is_valid_nhs_number(field(*parsed, "PID-2")));       // the NHS number in PID-2
      CHECK(field(*parsed, "PID-7").find('/') != std::string::npos);  // DD/MM/YYYY
    } else if (m.trust == "ASHWORTH") {
      CHECK(m.bytes.starts_with("MSH|#!\\&|"));  // custom encoding characters (C1-C3)
      CHECK(m.bytes.find("\r\n") != std::string::npos);
      CHECK(field(*parsed, "MSH-9.1") == m.type.substr(0, 3));
    } else {
      REQUIRE(m.trust == "RIVERMEAD");
      CHECK(field(*parsed, "PID-3[2].5") == "NHS");
      CHECK(field(*parsed, "PID-3[2].1").find(' ') != std::string::npos);  // 999 000 0018
    }
  }
  CHECK(seen.size() == 3);
  // Latin-1 on the wire for Northgate (F1): some names are not ASCII, and decode to UTF-8.
  bool latin1 = false;
  for (const auto& m : generate(9, 800, {"NORTHGATE"})) {
    for (unsigned char ch : m.bytes) latin1 = latin1 || ch >= 0x80;
  }
  CHECK(latin1);
  auto only = feed::FeedGenerator::create({1, {"NOWHERE"}});
  REQUIRE_FALSE(only);
  CHECK(only.error().message == "unknown trust \"NOWHERE\"; known: RIVERMEAD, NORTHGATE, ASHWORTH");
}

TEST_CASE("feed-sim: every message of many seeds parses and is taken by the shipped routes") {
  const testing::ShippedRoutes& shipped = testing::shipped_routes();
  INFO(shipped.problems.size() << " problems in routes.yaml");
  REQUIRE(shipped.routes);
  REQUIRE(shipped.config.sources.size() >= 1);
  const config::SourceConfig& source = shipped.config.sources[0];
  auto router = pipeline::build_router(shipped.config, testing::builtin_registry());
  REQUIRE(router);
  ManualClock clock;
  pipeline::Ingest ingest(source.name, source.mllp, clock, **router);

  std::map<std::string, int> types, outcomes;
  std::set<std::string> control_ids;
  int messages = 0, missed_appointments = 0;
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    for (const auto& m : generate(seed, 200)) {
      ++messages;
      ++types[m.type];
      INFO("seed " << seed << " " << m.control_id << " " << m.type);
      CHECK(control_ids.insert(std::to_string(seed) + "/" + m.control_id).second);
      auto parsed = hl7::Message::parse(m.bytes);
      REQUIRE(parsed);
      CHECK(field(*parsed, "MSH-10") == m.control_id);
      CHECK(field(*parsed, "MSH-4") == m.trust);
      const auto numbers = nhs_numbers(*parsed);
      REQUIRE(numbers.size() == 1);
      CHECK(numbers[0].starts_with("999"));
      CHECK(hl7::is_valid_nhs_number(numbers[0]));

      pipeline::IngestResult r = ingest.frame(m.bytes, "127.0.0.1:1");
      const std::string code = r.message.ack_code;
      if (m.type == "SIU^S26" &&
          !std::any_of(
              source.mllp.allowed_types.begin(), source.mllp.allowed_types.end(),
              [](const std::string& p) { return config::message_type_matches(p, "SIU", "S26"); })) {
        // The shipped listener does not take missed-appointment notifications (its
        // allowed_types): NAKed AR with ERR 200, never stored as accepted.
        ++missed_appointments;
        CHECK(code == "AR");
        continue;
      }
      CHECK(code == "AA");
      INFO(r.message.error);
      CHECK(r.message.status != store::MessageStatus::rejected);
      ++outcomes[std::string(store::to_string(r.message.status))];
      // The two trusts the shipped routes know reach at least one destination, except what
      // the routes drop on purpose (training messages, sexual-health clinics).
      if (m.trust != "ASHWORTH" && r.message.status == store::MessageStatus::unrouted) {
        FAIL_CHECK("unrouted");
      }
    }
  }
  CHECK(messages == 5000);
  for (const char* t : {"ADT^A04", "ADT^A01", "ADT^A02", "ADT^A03", "ADT^A08", "ADT^A31", "ADT^A28",
                        "ADT^A40", "SIU^S12", "SIU^S13", "SIU^S15", "SIU^S26", "ORU^R01"}) {
    INFO(t);
    CHECK(types[t] > 0);
  }
  CHECK(outcomes["accepted"] > 3000);
  WARN("feed-sim over 25 seeds: " << messages << " messages, " << missed_appointments
                                  << " SIU^S26 NAKed by the shipped allowed_types");
}

TEST_CASE("feed-sim: --to sends over MLLP, waits for each ACK and lists the accepted ones") {
  testing::TestMllpServer server([](const std::string& payload) -> std::optional<std::string> {
    return testing::make_ack("AA", testing::control_id_of(payload));
  });
  testing::TempDir dir;
  const auto acked = dir.path() / "acked.txt";
  auto r = run_tool(feed::feed_sim_main,
                    {"--seed", "3", "--count", "30", "--to",
                     "127.0.0.1:" + std::to_string(server.port()), "--acked", acked.string()});
  CHECK(r.rc == 0);
  CHECK(r.out.find("sent 30 of 30 messages") != std::string::npos);
  CHECK(r.out.find("acks: AA=30") != std::string::npos);
  const auto sent = generate(3, 30);
  std::string expected;
  for (const auto& m : sent) expected += m.control_id + "\n";
  CHECK(testing::read_file(acked) == expected);
  const auto received = server.payloads();
  REQUIRE(received.size() == 30);
  // Byte for byte, except that MLLP framing carries the trust's own segment endings unchanged.
  for (size_t i = 0; i < sent.size(); ++i) CHECK(received[i] == sent[i].bytes);
}

TEST_CASE("feed-sim: usage errors") {
  CHECK(run_tool(feed::feed_sim_main, {"--count", "3"}).rc == 2);  // neither --out nor --to
  CHECK(run_tool(feed::feed_sim_main, {"--out", "x", "--to", "h:1"}).rc == 2);
  CHECK(run_tool(feed::feed_sim_main, {"--out", "x", "--rate", "5"}).rc == 2);
  CHECK(run_tool(feed::feed_sim_main, {"--out", "-", "--count", "x"}).rc == 2);
  auto bad = run_tool(feed::feed_sim_main, {"--out", "-", "--trusts", "nowhere"});
  CHECK(bad.rc == 2);
  CHECK(bad.err.find("unknown trust \"NOWHERE\"") != std::string::npos);
  auto help = run_tool(feed::feed_sim_main, {"--help"});
  CHECK(help.rc == 0);
  CHECK(help.out.find("NORTHGATE") != std::string::npos);
  CHECK(help.out.find("--tls") != std::string::npos);
}
