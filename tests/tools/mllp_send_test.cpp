// mllp-send against a tiny in-test MLLP server: exit codes, result lines, batch splitting,
// timeouts and reconnects, and TLS with certificates made at test time.
#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "channels/client/send_command.h"
#include "engine/hl7/salvage.h"
#include "tests/support/test_support.h"
#include "tests/tools/test_mllp_server.h"
#include "tests/tools/tool_run.h"

using irwell::client::send_main;
using irwell::testing::control_id_of;
using irwell::testing::make_ack;
using irwell::testing::TempDir;
using irwell::testing::TestMllpServer;
using irwell::testing::write_file;

namespace {

irwell::testing::ToolRun send(const std::vector<std::string>& args) {
  return irwell::testing::run_tool(send_main, args);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TestMllpServer::Responder answer(const std::string& code, const std::string& text = "") {
  return [code, text](const std::string& p) { return make_ack(code, control_id_of(p), text); };
}

// Invented patients only; LF line ends as a text editor would save them.
const char* kAdt =
    "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20261101093000||ADT^A01^ADT_A01|MSG0001|P|2.4\n"
    "EVN|A01|20261101092900\n"
    "PID|1||9990000018^^^NHS^NH||Testpatient^Alys||19800101|F\n";

const char* kBatch =
    "FHS|^~\\&|PAS|RXA|||20261101\r"
    "BHS|^~\\&|PAS|RXA|||20261101\r"
    "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20261101093000||ADT^A01|B1|P|2.4\r"
    "PID|1||9990000026^^^NHS^NH||Testpatient^Bo\r"
    "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20261101093001||ADT^A02|B2|P|2.4\r"
    "PID|1||9990000034^^^NHS^NH||Testpatient^Cy\r"
    "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20261101093002||ADT^A03|B3|P|2.4\r"
    "PID|1||9990000018^^^NHS^NH||Testpatient^Alys\r"
    "BTS|3\r"
    "FTS|1\r";

}  // namespace

TEST_CASE("mllp-send: an accepted message prints ack=AA and exits 0", "[tools][send]") {
  TempDir dir;
  write_file(dir / "adt.hl7", kAdt);
  TestMllpServer server(answer("AA"));
  auto r = send({server.endpoint(), (dir / "adt.hl7").string()});
  CHECK(r.rc == 0);
  REQUIRE(lines(r.out).size() == 1);
  CHECK(lines(r.out)[0] == (dir / "adt.hl7").string() + "#1 control_id=MSG0001 ack=AA");
  // Segments go out CR-terminated whatever the file's line ends (SPEC "MLLP").
  auto got = server.payloads();
  REQUIRE(got.size() == 1);
  CHECK(got[0].find('\n') == std::string::npos);
  CHECK(got[0] == irwell::testing::cr(kAdt));
}

TEST_CASE("mllp-send: CA counts as accepted", "[tools][send]") {
  TempDir dir;
  write_file(dir / "adt.hl7", kAdt);
  TestMllpServer server(answer("CA"));
  auto r = send({server.endpoint(), (dir / "adt.hl7").string()});
  CHECK(r.rc == 0);
  CHECK(r.out.find("ack=CA") != std::string::npos);
}

TEST_CASE("mllp-send: an FHS/BHS batch is split and each message ACKed (J1)", "[tools][send]") {
  TempDir dir;
  write_file(dir / "batch.hl7", kBatch);
  write_file(dir / "adt.hl7", kAdt);
  TestMllpServer server(answer("AA"));
  auto r = send({server.endpoint(), (dir / "batch.hl7").string(), (dir / "adt.hl7").string()});
  CHECK(r.rc == 0);
  auto l = lines(r.out);
  REQUIRE(l.size() == 4);
  CHECK(l[0] == (dir / "batch.hl7").string() + "#1 control_id=B1 ack=AA");
  CHECK(l[1] == (dir / "batch.hl7").string() + "#2 control_id=B2 ack=AA");
  CHECK(l[2] == (dir / "batch.hl7").string() + "#3 control_id=B3 ack=AA");
  CHECK(l[3] == (dir / "adt.hl7").string() + "#1 control_id=MSG0001 ack=AA");
  auto got = server.payloads();
  REQUIRE(got.size() == 4);
  // Batch headers and trailers are not sent: every frame is one message starting with MSH.
  for (const auto& p : got) CHECK(p.rfind("MSH|", 0) == 0);
  CHECK(got[2].find("BTS") == std::string::npos);
  CHECK(server.connections() == 1);  // one connection for all files
}

TEST_CASE("mllp-send: a NAK prints its code and text and exits 1 (H2)", "[tools][send]") {
  TempDir dir;
  write_file(dir / "adt.hl7", kAdt);
  TestMllpServer server(answer("AE", "PID-5 is required"));
  auto r = send({server.endpoint(), (dir / "adt.hl7").string()});
  CHECK(r.rc == 1);
  CHECK(r.out ==
        (dir / "adt.hl7").string() + "#1 control_id=MSG0001 ack=AE error=\"PID-5 is required\"\n");
  CHECK(r.err.find("1 failed") != std::string::npos);
}

TEST_CASE("mllp-send: an ACK for another control ID is a failure (H5)", "[tools][send]") {
  TempDir dir;
  write_file(dir / "adt.hl7", kAdt);
  TestMllpServer server([](const std::string&) { return make_ack("AA", "SOMEONE-ELSE"); });
  auto r = send({server.endpoint(), (dir / "adt.hl7").string()});
  CHECK(r.rc == 1);
  CHECK(r.out.find("control_id=MSG0001 ack=AA error=") != std::string::npos);
  CHECK(r.out.find("SOMEONE-ELSE") != std::string::npos);
}

TEST_CASE("mllp-send: no ACK is a timeout; the next message uses a new connection (A8)",
          "[tools][send]") {
  TempDir dir;
  write_file(dir / "batch.hl7", kBatch);
  std::atomic<int> seen{0};
  // Silent on the first message, then AA.
  TestMllpServer server([&](const std::string& p) -> std::optional<std::string> {
    if (seen++ == 0) return std::nullopt;
    return make_ack("AA", control_id_of(p));
  });
  auto r = send({"--timeout", "0.2", server.endpoint(), (dir / "batch.hl7").string()});
  CHECK(r.rc == 1);
  auto l = lines(r.out);
  REQUIRE(l.size() == 3);
  CHECK(l[0] ==
        (dir / "batch.hl7").string() + "#1 control_id=B1 ack=none error=\"no ACK within 0.2 s\"");
  CHECK(l[1] == (dir / "batch.hl7").string() + "#2 control_id=B2 ack=AA");
  CHECK(l[2] == (dir / "batch.hl7").string() + "#3 control_id=B3 ack=AA");
  CHECK(server.connections() == 2);
}

TEST_CASE("mllp-send: a server that hangs up without replying is reported (A7)", "[tools][send]") {
  TempDir dir;
  write_file(dir / "adt.hl7", kAdt);
  TestMllpServer server([](const std::string&) { return TestMllpServer::kClose; });
  auto r = send({server.endpoint(), (dir / "adt.hl7").string()});
  CHECK(r.rc == 1);
  CHECK(r.out.find("ack=none error=\"the server closed the connection\"") != std::string::npos);
}

TEST_CASE("mllp-send: a file that cannot be read or holds no message fails", "[tools][send]") {
  TempDir dir;
  write_file(dir / "adt.hl7", kAdt);
  write_file(dir / "empty.hl7", "\r\n\r\n");
  TestMllpServer server(answer("AA"));
  auto r = send({server.endpoint(), (dir / "missing.hl7").string(), (dir / "empty.hl7").string(),
                 (dir / "adt.hl7").string()});
  CHECK(r.rc == 1);
  auto l = lines(r.out);
  REQUIRE(l.size() == 3);
  CHECK(l[0].rfind((dir / "missing.hl7").string() + " error=", 0) == 0);
  CHECK(l[1].rfind((dir / "empty.hl7").string() + " error=", 0) == 0);
  CHECK(l[2] == (dir / "adt.hl7").string() + "#1 control_id=MSG0001 ack=AA");
}

TEST_CASE("mllp-send: usage errors exit 2, --help exits 0", "[tools][send]") {
  CHECK(send({}).rc == 2);
  CHECK(send({"127.0.0.1:2575"}).rc == 2);
  CHECK(send({"no-port", "x.hl7"}).rc == 2);
  CHECK(send({"127.0.0.1:70000", "x.hl7"}).rc == 2);
  CHECK(send({"--timeout", "-1", "127.0.0.1:2575", "x.hl7"}).rc == 2);
  CHECK(send({"--frobnicate", "127.0.0.1:2575", "x.hl7"}).rc == 2);
  auto help = send({"--help"});
  CHECK(help.rc == 0);
  CHECK(help.out.find("usage: mllp-send") != std::string::npos);
  CHECK(help.out.find("--tls") != std::string::npos);
}

TEST_CASE("mllp-send --tls: verifies the server against --ca; mutual TLS with --cert",
          "[tools][send][tls]") {
  TempDir dir;
  write_file(dir / "adt.hl7", kAdt);
  auto certs = irwell::testing::make_test_certs(dir.path().string());
  const std::string file = (dir / "adt.hl7").string();

  SECTION("the right CA: accepted, by host name and by IP address") {
    TestMllpServer server(answer("AA"),
                          irwell::testing::TestTls{certs.server_cert, certs.server_key, ""});
    auto port = std::to_string(server.port());
    auto by_name = send({"--tls", "--ca", certs.ca, "localhost:" + port, file});
    CHECK(by_name.rc == 0);
    CHECK(by_name.out.find("ack=AA") != std::string::npos);
    auto by_ip = send({"--ca", certs.ca, "127.0.0.1:" + port, file});  // --ca implies --tls
    INFO(by_ip.out);
    CHECK(by_ip.rc == 0);
    CHECK(server.payloads().size() == 2);
  }
  SECTION("a wrong CA: the handshake fails and nothing is sent") {
    TestMllpServer server(answer("AA"),
                          irwell::testing::TestTls{certs.server_cert, certs.server_key, ""});
    auto r = send({"--tls", "--ca", certs.other_ca, server.endpoint(), file});
    CHECK(r.rc == 1);
    CHECK(r.out.find("ack=none error=\"TLS handshake") != std::string::npos);
    CHECK(r.out.find("certificate") != std::string::npos);
    CHECK(server.payloads().empty());
  }
  SECTION("a plain client on a TLS port gets no ACK") {
    TestMllpServer server(answer("AA"),
                          irwell::testing::TestTls{certs.server_cert, certs.server_key, ""});
    auto r = send({"--timeout", "0.3", server.endpoint(), file});
    CHECK(r.rc == 1);
    CHECK(server.payloads().empty());
  }
  SECTION("a server that requires a client certificate") {
    TestMllpServer server(answer("AA"),
                          irwell::testing::TestTls{certs.server_cert, certs.server_key, certs.ca});
    auto with_cert = send({"--tls", "--ca", certs.ca, "--cert", certs.client_cert, "--key",
                           certs.client_key, server.endpoint(), file});
    INFO(with_cert.out);
    CHECK(with_cert.rc == 0);
    auto without = send({"--tls", "--ca", certs.ca, "--timeout", "5", server.endpoint(), file});
    CHECK(without.rc == 1);
    CHECK(server.payloads().size() == 1);
  }
  SECTION("unreadable TLS files are a setup error (exit 2)") {
    auto r = send({"--ca", (dir / "nope.pem").string(), "127.0.0.1:2575", file});
    CHECK(r.rc == 2);
    CHECK(r.err.find("nope.pem") != std::string::npos);
    auto k = send({"--ca", certs.ca, "--cert", certs.client_cert, "--key", certs.server_key,
                   "127.0.0.1:2575", file});
    CHECK(k.rc == 2);
  }
}
