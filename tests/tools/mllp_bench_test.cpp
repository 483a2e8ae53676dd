// mllp-bench against a tiny in-test MLLP server: message counts, unique control IDs, ACK counts
// per code, the JSON fields, FILE templates and TLS.
#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "channels/client/bench_command.h"
#include "engine/hl7/salvage.h"
#include "tests/support/test_support.h"
#include "tests/tools/test_mllp_server.h"
#include "tests/tools/tool_run.h"

using irwell::client::bench_main;
using irwell::testing::control_id_of;
using irwell::testing::make_ack;
using irwell::testing::TempDir;
using irwell::testing::TestMllpServer;

namespace {

irwell::testing::ToolRun bench(const std::vector<std::string>& args) {
  return irwell::testing::run_tool(bench_main, args);
}

std::string ack_aa(const std::string& p) { return make_ack("AA", control_id_of(p)); }

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("mllp-bench: sends exactly -n messages with unique MSH-10 and counts the ACKs",
          "[tools][bench]") {
  TestMllpServer server(ack_aa);
  auto r = bench({"-c", "4", "-n", "50", "--warmup", "10", "--json", server.endpoint()});
  CHECK(r.rc == 0);
  INFO(r.out);
  CHECK(has(r.out, "\"sent\":50,"));
  CHECK(has(r.out, "\"acked\":50,"));
  CHECK(has(r.out, "\"acks\":{\"AA\":50}"));
  CHECK(has(r.out, "\"conns\":4,"));
  for (const char* key : {"\"msgs_per_s\":", "\"p50_ms\":", "\"p99_ms\":", "\"max_ms\":"}) {
    CHECK(has(r.out, key));
  }
  // Fixed decimals, never the 17 digits of a double (204.10000000000002).
  CHECK(std::regex_search(r.out, std::regex(R"("msgs_per_s":[0-9]+\.[0-9],)")));
  CHECK(std::regex_search(r.out, std::regex(R"("p99_ms":[0-9]+\.[0-9]{3},)")));
  CHECK(r.out.back() == '\n');
  CHECK(r.out.find('\n') == r.out.size() - 1);  // one object, one line

  auto got = server.payloads();
  CHECK(got.size() == 60);  // warmup included
  std::set<std::string> ids;
  std::set<std::string> types;
  for (const auto& p : got) {
    auto h = irwell::hl7::salvage_header(p);
    ids.insert(h.control_id);
    types.insert(h.message_code + "^" + h.trigger_event);
  }
  CHECK(ids.size() == 60);
  CHECK(types == std::set<std::string>{"ADT^A01", "ORU^R01"});
  CHECK(server.connections() == 4);
}

TEST_CASE("mllp-bench: counts acks per MSA-1 code and fails on NAKs", "[tools][bench]") {
  // AE for odd message numbers (MSH-10 ends with the number), AA for even ones.
  TestMllpServer server([](const std::string& p) {
    std::string cid = control_id_of(p);
    bool odd = (cid.back() - '0') % 2 == 1;
    return make_ack(odd ? "AE" : "AA", cid, odd ? "invented failure" : "");
  });
  auto r = bench({"-c", "3", "-n", "40", "--json", server.endpoint()});
  CHECK(r.rc == 1);
  INFO(r.out);
  CHECK(has(r.out, "\"acks\":{\"AA\":20,\"AE\":20}"));
  CHECK(has(r.out, "\"acked\":40,"));
  CHECK(has(r.out, "\"accepted\":20,"));
}

TEST_CASE("mllp-bench: a wrong MSA-2 and missing ACKs are counted", "[tools][bench]") {
  SECTION("wrong MSA-2") {
    TestMllpServer server([](const std::string&) { return make_ack("AA", "NOT-YOURS"); });
    auto r = bench({"-n", "5", "--json", server.endpoint()});
    CHECK(r.rc == 1);
    INFO(r.out);
    CHECK(has(r.out, "\"mismatched\":5,"));
    CHECK(has(r.out, "\"acks\":{\"AA\":5}"));
    CHECK(has(r.out, "\"accepted\":0,"));
  }
  SECTION("no ACK: the connection times out and stops") {
    TestMllpServer server([](const std::string&) { return std::nullopt; });
    auto r = bench({"-c", "2", "-n", "10", "--timeout", "0.2", "--json", server.endpoint()});
    CHECK(r.rc == 1);
    INFO(r.out);
    CHECK(has(r.out, "\"sent\":2,"));
    CHECK(has(r.out, "\"failed\":2,"));
    CHECK(has(r.out, "\"acked\":0,"));
    CHECK(has(r.out, "no ACK within 0.2 s"));
  }
}

TEST_CASE("mllp-bench: FILE... messages are cycled with fresh MSH-10 values", "[tools][bench]") {
  TempDir dir;
  irwell::testing::write_file(dir / "siu.hl7",
                              "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20261101093000||SIU^S12|FIXED|P|2.4\n"
                              "SCH|1|1\n");
  TestMllpServer server(ack_aa);
  // The endpoint comes first: a FILE in its place is a usage error.
  CHECK(bench({"-n", "7", (dir / "siu.hl7").string(), server.endpoint()}).rc == 2);
  auto r = bench({"-n", "7", server.endpoint(), (dir / "siu.hl7").string()});
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(has(r.out, "acks        AA 7"));
  auto got = server.payloads();
  REQUIRE(got.size() == 7);
  std::set<std::string> ids;
  for (const auto& p : got) {
    CHECK(p.rfind("MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20261101093000||SIU^S12|", 0) == 0);
    CHECK(has(p, "|P|2.4\rSCH|1|1\r"));
    ids.insert(control_id_of(p));
  }
  CHECK(ids.size() == 7);
  CHECK(ids.count("FIXED") == 0);
}

TEST_CASE("mllp-bench: usage errors and an unreachable endpoint", "[tools][bench]") {
  CHECK(bench({}).rc == 2);
  CHECK(bench({"-c", "0", "127.0.0.1:2575"}).rc == 2);
  CHECK(bench({"-n", "many", "127.0.0.1:2575"}).rc == 2);
  CHECK(bench({"--help"}).rc == 0);
  // A port nobody listens on: the server below is gone when the bench connects.
  std::string endpoint;
  {
    TestMllpServer gone(ack_aa);
    endpoint = gone.endpoint();
  }
  auto r = bench({"-n", "3", "--timeout", "2", endpoint});
  CHECK(r.rc == 1);
  CHECK(has(r.err, "cannot connect"));
}

TEST_CASE("mllp-bench --tls: drives a TLS endpoint", "[tools][bench][tls]") {
  TempDir dir;
  auto certs = irwell::testing::make_test_certs(dir.path().string());
  TestMllpServer server(ack_aa,
                        irwell::testing::TestTls{certs.server_cert, certs.server_key, certs.ca});
  auto r = bench({"--tls", "--ca", certs.ca, "--cert", certs.client_cert, "--key", certs.client_key,
                  "-c", "2", "-n", "20", "--json", "localhost:" + std::to_string(server.port())});
  CHECK(r.rc == 0);
  INFO(r.out << r.err);
  CHECK(has(r.out, "\"acks\":{\"AA\":20}"));
}
