// The pure helpers of the client tools (channels/client): endpoints, reply verdicts, message
// files, bench messages, result-line quoting, options and latency percentiles.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "channels/client/ack_verdict.h"
#include "channels/client/bench_messages.h"
#include "channels/client/bench_run.h"
#include "channels/client/client_options.h"
#include "channels/client/endpoint.h"
#include "channels/client/message_file.h"
#include "channels/client/report_field.h"
#include "engine/hl7/salvage.h"

using namespace irwell::client;

TEST_CASE("parse_endpoint reads HOST:PORT and [IPv6]:PORT", "[client]") {
  auto a = parse_endpoint("localhost:2575");
  REQUIRE(a.ok());
  CHECK(a->host == "localhost");
  CHECK(a->port == 2575);
  auto b = parse_endpoint("[::1]:6661");
  REQUIRE(b.ok());
  CHECK(b->host == "::1");
  CHECK(to_string(*b) == "[::1]:6661");
  for (const char* bad : {"", "localhost", ":2575", "host:", "host:0", "host:65536", "host:25x",
                          "::1:2575", "[::1]2575"}) {
    INFO(bad);
    CHECK_FALSE(parse_endpoint(bad).ok());
  }
}

TEST_CASE("judge_reply accepts AA/CA for the control ID sent and nothing else (H2, H5)",
          "[client]") {
  const std::string msh = "MSH|^~\\&|LAB|X|PAS|RXA|20261101||ACK^A01^ACK|A1|P|2.5.1\r";
  auto aa = judge_reply("M1", msh + "MSA|AA|M1\r");
  CHECK(aa.accepted);
  CHECK(aa.code == "AA");
  CHECK(aa.problem.empty());
  CHECK(judge_reply("M1", msh + "MSA|CA|M1\r").accepted);

  auto ae = judge_reply("M1", msh + "MSA|AE|M1|Bad PID\r");
  CHECK_FALSE(ae.accepted);
  CHECK(ae.is_ack);
  CHECK(ae.code == "AE");
  CHECK(ae.problem.find("Bad PID") != std::string::npos);

  auto bare_ar = judge_reply("M1", msh + "MSA|AR|M1\r");
  CHECK_FALSE(bare_ar.accepted);
  CHECK_FALSE(bare_ar.problem.empty());

  auto other = judge_reply("M1", msh + "MSA|AA|M2\r");
  CHECK_FALSE(other.accepted);
  CHECK(other.code == "AA");
  CHECK(other.problem.find("M2") != std::string::npos);

  // MSA-2 must match verbatim, spaces included (H5).
  CHECK_FALSE(judge_reply("M1", msh + "MSA|AA|M1 \r").accepted);
  CHECK(judge_reply("M 1", msh + "MSA|AA|M 1\r").accepted);

  auto not_ack = judge_reply("M1", "MSH|^~\\&|A|B|C|D|20261101||ADT^A01|X|P|2.4\rPID|1\r");
  CHECK_FALSE(not_ack.accepted);
  CHECK_FALSE(not_ack.is_ack);
  CHECK_FALSE(not_ack.problem.empty());
}

TEST_CASE("judge_reply keeps the warning text of an AA (H6)", "[client]") {
  auto v = judge_reply("M1",
                       "MSH|^~\\&|LAB|X|PAS|RXA|20261101||ACK^A01^ACK|A1|P|2.5.1\r"
                       "MSA|AA|M1\r"
                       "ERR||PID^1^7|102^Data type error^HL70357|W\r");
  CHECK(v.accepted);
  CHECK_FALSE(v.warning.empty());
}

TEST_CASE("split_messages splits files and sends CR-terminated segments (J1, J5)", "[client]") {
  auto one = split_messages("MSH|^~\\&|A|B|C|D|20261101||ADT^A01|C1|P|2.4\r\nPID|1\r\n", "f");
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].label == "f#1");
  CHECK((*one)[0].control_id == "C1");
  CHECK((*one)[0].payload == "MSH|^~\\&|A|B|C|D|20261101||ADT^A01|C1|P|2.4\rPID|1\r");

  auto two = split_messages(
      "MSH|^~\\&|A|B|C|D|20261101||ADT^A01|C1|P|2.4\nPID|1\n\n"
      "MSH|^~\\&|A|B|C|D|20261101||ADT^A02|C2|P|2.4\nPID|2",
      "g");
  REQUIRE(two.ok());
  REQUIRE(two->size() == 2);
  CHECK((*two)[1].label == "g#2");
  CHECK((*two)[1].control_id == "C2");
  CHECK((*two)[1].payload == "MSH|^~\\&|A|B|C|D|20261101||ADT^A02|C2|P|2.4\rPID|2\r");

  auto none = split_messages("\r\n", "empty");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.rfind("empty: ", 0) == 0);
  CHECK_FALSE(load_message_file("/nonexistent/irwell/file.hl7").ok());
}

TEST_CASE("with_cr_segments normalises every line end to CR", "[client]") {
  CHECK(with_cr_segments("A\r\nB\nC\rD") == "A\rB\rC\rD\r");
  CHECK(with_cr_segments("A\r") == "A\r");
  CHECK(with_cr_segments("") == "");
}

TEST_CASE("replace_control_id rewrites MSH-10 only", "[client]") {
  CHECK(replace_control_id("MSH|^~\\&|A|B|C|D|T||ADT^A01|OLD|P|2.4\rPID|1|OLD\r", "NEW") ==
        "MSH|^~\\&|A|B|C|D|T||ADT^A01|NEW|P|2.4\rPID|1|OLD\r");
  // MSH-10 as the last field, and a custom field separator (C3).
  CHECK(replace_control_id("MSH#^~\\&#A#B#C#D#T##ADT^A01#OLD\r", "N") ==
        "MSH#^~\\&#A#B#C#D#T##ADT^A01#N\r");
  // A short MSH gets the missing fields.
  CHECK(replace_control_id("MSH|^~\\&|A\rPID|1\r", "N") == "MSH|^~\\&|A|||||||N\rPID|1\r");
  CHECK(replace_control_id("PID|1\r", "N") == "PID|1\r");
}

TEST_CASE("test_nhs_number gives valid 999-range numbers", "[client]") {
  std::set<std::string> seen;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    std::string n = test_nhs_number(seed);
    REQUIRE(n.size() == 10);
    CHECK(n.rfind("999", 0) == 0);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (n[i] - '0') * (10 - i);
    int check = (11 - sum % 11) % 11;
    CHECK(check != 10);
    CHECK(n[9] - '0' == check);
    seen.insert(n);
  }
  CHECK(seen.size() > 1700);  // mostly distinct: only seeds with check digit 10 collide
}

TEST_CASE("BenchMessages: built-in ADT/ORU mix with unique control IDs", "[client]") {
  BenchMessages m("RUN-");
  std::set<std::string> ids;
  for (std::uint64_t n = 0; n < 100; ++n) {
    std::string msg = m.make(n);
    auto h = irwell::hl7::salvage_header(msg);
    REQUIRE(h.found_msh);
    CHECK(h.control_id == "RUN-" + std::to_string(n));
    CHECK(h.message_code == (n % 2 == 0 ? "ADT" : "ORU"));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.back() == '\r');
    ids.insert(h.control_id);
  }
  CHECK(ids.size() == 100);
  CHECK(new_run_id() != "");
}

TEST_CASE("report_field quotes values like logfmt", "[client]") {
  CHECK(report_field("ack", "AA") == "ack=AA");
  CHECK(report_field("error", "no ACK within 2 s") == "error=\"no ACK within 2 s\"");
  CHECK(report_field("control_id", "") == "control_id=\"\"");
  CHECK(report_field("e", "a\"b\\c\r") == "e=\"a\\\"b\\\\c\\r\"");
  CHECK(report_field("e", std::string("x\x01", 2)) == "e=\"x\\u0001\"");
}

TEST_CASE("take_client_option reads the shared options", "[client]") {
  std::vector<std::string> args{"--timeout", "2.5", "--ca=ca.pem", "--cert", "c.pem", "-n"};
  ClientOptions o;
  std::string msg;
  size_t i = 0;
  CHECK(take_client_option(args, i, o, msg) == OptionTaken::taken);
  CHECK(o.timeout_seconds == 2.5);
  CHECK(i == 1);
  ++i;
  CHECK(take_client_option(args, i, o, msg) == OptionTaken::taken);
  CHECK(o.tls.ca == "ca.pem");
  CHECK(o.tls.enabled);
  ++i;
  CHECK(take_client_option(args, i, o, msg) == OptionTaken::taken);
  CHECK(o.tls.cert == "c.pem");
  ++i;
  CHECK(take_client_option(args, i, o, msg) == OptionTaken::not_mine);
  std::vector<std::string> missing{"--key"};
  i = 0;
  CHECK(take_client_option(missing, i, o, msg) == OptionTaken::error);
  CHECK(msg == "--key needs a value");
  std::vector<std::string> zero{"--timeout", "0"};
  i = 0;
  CHECK(take_client_option(zero, i, o, msg) == OptionTaken::error);
}

TEST_CASE("summarize_latencies uses nearest-rank percentiles", "[client]") {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // 1..100 ms, unsorted
  auto s = summarize_latencies(v);
  CHECK(s.p50_ms == 50);
  CHECK(s.p90_ms == 90);
  CHECK(s.p99_ms == 99);
  CHECK(s.p999_ms == 100);
  CHECK(s.max_ms == 100);
  CHECK(s.mean_ms == Approx(50.5));
  CHECK(summarize_latencies({}).max_ms == 0);
}
