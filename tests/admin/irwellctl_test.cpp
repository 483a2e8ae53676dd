// irwellctl run as a subprocess against a real AdminServer (port 0): tables, --json, tokens from
// the environment, and the exit codes its --help documents.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "tests/admin/admin_test_server.h"
#include "tests/admin/irwellctl_runner.h"
#include "tests/support/test_support.h"

using namespace irwell;
using irwell::testing::irwellctl;
using irwell::testing::TestServer;

TEST_CASE("irwellctl: status, queues and search print tables", "[admin][irwellctl]") {
  TestServer s;
  std::string url = s.url.text();
  auto status = irwellctl({"--url", url, "--token", "viewer-token", "status"});
  INFO(status.err);
  REQUIRE(status.rc == 0);
  CHECK(status.out.find("irwell 0.1.0") != std::string::npos);
  CHECK(status.out.find("SOURCE") != std::string::npos);
  CHECK(status.out.find("lab_in") != std::string::npos);
  CHECK(status.out.find("127.0.0.1:2575") != std::string::npos);
  CHECK(status.out.find("subscriber") != std::string::npos);

  auto queues = irwellctl({"--url", url, "queues"}, "IRWELL_ADMIN_TOKEN=viewer-token");
  REQUIRE(queues.rc == 0);
  CHECK(queues.out.find("QUEUED") != std::string::npos);
  CHECK(queues.out.find("1.5m") != std::string::npos);  // oldest queued: 90 s
  CHECK(queues.out.find("connection refused") != std::string::npos);

  auto search =
      irwellctl({"--url", url, "--token", "viewer-token", "search", "--control-id", "CTRL2"});
  REQUIRE(search.rc == 0);
  CHECK(search.out.find("CTRL2") != std::string::npos);
  CHECK(search.out.find("ADT^A01") != std::string::npos);
  CHECK(search.out.find("CTRL1") == std::string::npos);
  CHECK(s.backend.fake_store().last_query().control_id == "CTRL2");

  auto json = irwellctl({"--url", url, "--token", "viewer-token", "--json", "search", "--type",
                         "ADT^A01", "--limit", "2"});
  REQUIRE(json.rc == 0);
  CHECK(json.out.starts_with("{\"messages\":["));
  CHECK(json.out.find("\"next_cursor\":\"2\"") != std::string::npos);
  CHECK(s.backend.fake_store().last_query().trigger_event == "A01");
}

TEST_CASE("irwellctl: show, replay, pause, resume, patient and audit as operator",
          "[admin][irwellctl]") {
  TestServer s;
  std::string url = s.url.text();
  std::string env = "IRWELL_ADMIN_TOKEN=operator-token IRWELL_ADMIN_URL=" + url;
  auto show = irwellctl({"show", "1"}, env);
  INFO(show.err);
  REQUIRE(show.rc == 0);
  CHECK(show.out.find("control ID CTRL1") != std::string::npos);
  CHECK(show.out.find("\nPID|||9990000018") != std::string::npos);  // segments on lines
  CHECK(show.out.find("AE from subscriber") != std::string::npos);

  auto replay = irwellctl({"replay", "1", "--destination", "subscriber"}, env);
  REQUIRE(replay.rc == 0);
  CHECK(replay.out.find("replayed: 1 new delivery") != std::string::npos);

  auto pause = irwellctl({"pause", "subscriber"}, env);
  REQUIRE(pause.rc == 0);
  CHECK(pause.out == "subscriber: paused, 3 queued\n");
  CHECK(irwellctl({"resume", "subscriber"}, env).out == "subscriber: running, 3 queued\n");

  auto patient = irwellctl({"patient", "9990000018"}, env);
  REQUIRE(patient.rc == 0);
  CHECK(patient.out.find("TESTPATIENT, ALICE") != std::string::npos);

  auto audit = irwellctl({"audit", "--actor", "otto"}, env);
  REQUIRE(audit.rc == 0);
  for (const char* action : {"read_message", "replay", "pause", "resume", "read_patient"}) {
    CHECK(audit.out.find(action) != std::string::npos);
  }
  CHECK(s.backend.fake_store().audits().size() == 5);
}

TEST_CASE("irwellctl: exit codes", "[admin][irwellctl]") {
  TestServer s;
  std::string url = s.url.text();
  auto help = irwellctl({"--help"});
  CHECK(help.rc == 0);
  CHECK(help.out.find("Exit codes:") != std::string::npos);

  auto no_token = irwellctl({"--url", url, "status"});
  CHECK(no_token.rc == 4);
  CHECK(no_token.err.find("HTTP 401") != std::string::npos);
  CHECK(no_token.err.find("IRWELL_ADMIN_TOKEN") != std::string::npos);
  CHECK(irwellctl({"--url", url, "--token", "wrong", "status"}).rc == 4);
  auto viewer_show = irwellctl({"--url", url, "--token", "viewer-token", "show", "1"});
  CHECK(viewer_show.rc == 4);
  CHECK(viewer_show.err.find("HTTP 403") != std::string::npos);
  CHECK(viewer_show.out.find("MSH") == std::string::npos);

  CHECK(irwellctl({"--url", url, "--token", "operator-token", "show", "999"}).rc == 5);
  CHECK(irwellctl({"--url", url, "--token", "operator-token", "pause", "nowhere"}).rc == 5);
  CHECK(irwellctl({"--url", url, "--token", "viewer-token", "search", "--status", "lost"}).rc == 1);
  s.backend.set_reload({.ok = false, .diagnostics = {"routes.yaml:3:5: error: unknown key"}});
  auto reload = irwellctl({"--url", url, "--token", "admin-token", "reload"});
  CHECK(reload.rc == 1);
  CHECK(reload.err.find("routes.yaml:3:5: error: unknown key") != std::string::npos);
  s.backend.set_reload(
      {.ok = false, .status = "refused", .error = "source lab_in: port 2576 is in use"});
  auto taken = irwellctl({"--url", url, "--token", "admin-token", "reload"});
  CHECK(taken.rc == 1);
  CHECK(taken.err.find("HTTP 409: source lab_in: port 2576 is in use") != std::string::npos);
  s.backend.set_reload({.ok = true, .status = "applied"});
  auto applied = irwellctl({"--url", url, "--token", "admin-token", "reload"});
  CHECK(applied.rc == 0);
  CHECK(applied.out == "reload: applied\n");

  CHECK(irwellctl({"frobnicate"}).rc == 2);
  CHECK(irwellctl({"show"}).rc == 2);
  CHECK(irwellctl({"show", "abc"}).rc == 2);
  CHECK(irwellctl({"status", "--control-id", "x"}).rc == 2);
  CHECK(irwellctl({"--url", "ftp://x", "status"}).rc == 2);

  // Nothing listens on the port a stopped server had.
  std::string dead_url;
  {
    TestServer gone;
    dead_url = gone.url.text();
  }
  auto unreachable = irwellctl({"--url", dead_url, "--token", "t", "status"});
  CHECK(unreachable.rc == 3);
  CHECK(unreachable.err.find(dead_url) != std::string::npos);
}
