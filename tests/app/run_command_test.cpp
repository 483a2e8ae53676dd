// `irwell run` in-process: a bad config is refused before anything opens; a good one serves
// MLLP until SIGTERM, reloads on SIGHUP (refusing a bad file), and stops with exit code 0.
// Signals are sent to the thread running the command (pthread_kill), which takes them with
// sigwait, so the test process itself is never signalled.
#include <pthread.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "engine/admin/admin_client.h"
#include "engine/app/commands.h"
#include "engine/store/sqlite_store.h"
#include "tests/channels/mllp_test_client.h"
#include "tests/pipeline/ingest_fixtures.h"

using namespace irwell;
using irwell::testing::ack_field;
using irwell::testing::LogWatcher;
using irwell::testing::MllpTestClient;

namespace {

// A port that was free a moment ago (for a config that must NOT open it).
uint16_t some_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A loopback port held by a listening socket of the test's own (a port "something else"
// holds), until release() or the end of the scope.
struct HeldPort {
  HeldPort() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~HeldPort() { release(); }
  void release() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
};

// One MLLP source (with `extra` settings), messages of `type` routed to a file destination.
std::string config_text(const std::string& data_dir, int port, const std::string& extra = "",
                        const std::string& type = "ADT^A0*", const std::string& out = "out") {
  return "storage:\n  data_dir: " + data_dir +
         "\nadmin:\n  enabled: false\nsources:\n  pas_in:\n    type: mllp\n    port: " +
         std::to_string(port) + "\n" + extra +
         "destinations:\n  archive:\n    type: file\n    dir: " + data_dir + "/" + out +
         "\nroutes:\n  adt_archive:\n    sources: [pas_in]\n    match:\n"
         "      type: \"" +
         type + "\"\n    destinations: [archive]\n";
}

// The port of the latest listener_started line (of `source`, when given).
uint16_t started_port(LogWatcher& logs, const std::string& source = "") {
  uint16_t port = 0;
  for (const std::string& line : logs.lines()) {
    if (line.find("event=listener_started") == std::string::npos) continue;
    if (!source.empty() && line.find(" source=" + source + " ") == std::string::npos) continue;
    auto at = line.find(" port=");
    if (at != std::string::npos) port = static_cast<uint16_t>(std::stoi(line.substr(at + 6)));
  }
  return port;
}

// MSA-1 of the ACK to a test message with this control ID ("" when none came back).
std::string ack_code(MllpTestClient& c, const std::string& control_id) {
  auto ack = c.round_trip(testing::TestMessage{.control_id = control_id}.text());
  return ack ? ack_field(*ack, "MSA-1") : "";
}

// What every `irwell run` test starts from: a temp dir with routes.yaml and the data dir in it.
struct RunSetup {
  LogWatcher logs;
  testing::TempDir dir;
  const std::filesystem::path file = dir / "routes.yaml";
  const std::string data = (dir / "data").string();

  // The control IDs of the stored messages with a delivery to `destination` (or, when empty,
  // with `status`), newest first: read from the store file once the command has stopped.
  std::vector<std::string> stored(const std::string& destination,
                                  std::optional<store::MessageStatus> status = {}) {
    auto st = store::open_sqlite_store({std::filesystem::path(data) / "irwell.db"});
    REQUIRE(st);
    store::MessageQuery q;
    q.destination = destination;
    q.status = status;
    auto found = st.value()->search(q);
    REQUIRE(found);
    std::vector<std::string> ids;
    for (const auto& m : *found) ids.push_back(m.control_id);
    return ids;
  }
};

// `irwell run -c FILE` on its own thread, which takes the signals sent to it.
class RunningCommand {
 public:
  explicit RunningCommand(const std::filesystem::path& file)
      : thread_([this, f = file.string()] {
          rc_ = app::run_command({"-c", f}, out_, err_);
        }) {}
  ~RunningCommand() {
    if (thread_.joinable()) stop();
  }
  void signal(int sig) { pthread_kill(thread_.native_handle(), sig); }
  // SIGTERM, then the command's exit code.
  int stop() {
    signal(SIGTERM);
    thread_.join();
    return rc_;
  }
  std::string err() const { return err_.str(); }

 private:
  int rc_ = -1;
  std::ostringstream out_, err_;
  std::thread thread_;  // last: it starts once the streams exist
};

}  // namespace

TEST_CASE("run: a bad config is refused with its diagnostics; no port, no store") {
  testing::TempDir dir;
  const uint16_t port = some_free_port();
  const auto file = dir / "routes.yaml";
  testing::write_file(file, config_text((dir / "data").string(), port, "    prot: 1\n"));
  std::ostringstream out, err;
  int rc = app::run_command({"-c", file.string()}, out, err);
  CHECK(rc == 1);
  CHECK(err.str().find("routes.yaml:") != std::string::npos);
  CHECK(err.str().find("error:") != std::string::npos);
  CHECK(err.str().find("prot") != std::string::npos);
  CHECK(out.str().empty());
  CHECK_FALSE(std::filesystem::exists(dir / "data"));  // the store was never opened
  MllpTestClient c(port);
  CHECK_FALSE(c.connected());
}

TEST_CASE("run: a missing config file is refused") {
  testing::TempDir dir;
  std::ostringstream out, err;
  CHECK(app::run_command({"-c", (dir / "nope.yaml").string()}, out, err) == 1);
  CHECK_FALSE(err.str().empty());
}

TEST_CASE_METHOD(RunSetup,
                 "run: serves MLLP, reloads on SIGHUP, stops on SIGTERM with exit code 0") {
  testing::write_file(file, config_text(data, 0));
  RunningCommand run(file);

  REQUIRE(logs.wait_for("engine_started"));
  {
    MllpTestClient c(started_port(logs));
    auto ack = c.round_trip(testing::TestMessage{}.text());
    REQUIRE(ack);
    CHECK(ack_field(*ack, "MSA-1") == "AA");
  }

  // A bad file on SIGHUP is refused and the running engine stays.
  testing::write_file(file, config_text(data, 0, "    nonsense: true\n"));
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reload_refused"));
  CHECK(run.err().find("nonsense") != std::string::npos);
  {
    MllpTestClient c(started_port(logs));
    auto ack = c.round_trip(testing::TestMessage{.control_id = "MSG00002"}.text());
    REQUIRE(ack);
    CHECK(ack_field(*ack, "MSA-1") == "AA");
  }

  // A good one that changes the source restarts its listener.
  testing::write_file(file, config_text(data, 0, "    ack_mode: enhanced\n"));
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reloaded"));
  CHECK(logs.count("sources_restarted", "started=pas_in") == 1);
  {
    MllpTestClient c(started_port(logs));
    auto ack = c.round_trip(testing::TestMessage{.control_id = "MSG00003"}.text());
    REQUIRE(ack);
    CHECK(ack_field(*ack, "MSA-1") == "CA");
  }

  // One that changes the storage section restarts the whole engine.
  std::string text = config_text(data, 0, "    ack_mode: enhanced\n");
  text.insert(text.find("admin:"), "  duplicate_window: 1h\n");
  testing::write_file(file, text);
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("engine_started", 2));
  CHECK(logs.count("config_reloading", "changed=storage") == 1);
  {
    MllpTestClient c(started_port(logs));
    CHECK(ack_code(c, "MSG00004") == "CA");
  }

  CHECK(run.stop() == 0);
  CHECK(logs.count("engine_stopped") == 2);
  {
    auto st = store::open_sqlite_store({std::filesystem::path(data) / "irwell.db"});
    REQUIRE(st);
    auto stats = st.value()->stats();
    REQUIRE(stats);
    CHECK(stats->messages == 4);
    CHECK(stats->accepted == 4);  // routed by routes.yaml, not unrouted
  }
  CHECK(stored("archive").size() == 4);
}

TEST_CASE_METHOD(
    RunSetup, "run: a reload that changes only the routes keeps connections open and routes anew") {
  testing::write_file(file, config_text(data, 0, "", "ADT^A01"));
  RunningCommand run(file);
  REQUIRE(logs.wait_for("engine_started"));
  const uint16_t port = started_port(logs);

  // One connection for the whole test, as a trust's feed would keep it.
  MllpTestClient c(port);
  REQUIRE(c.connected());
  auto a01 = c.round_trip(testing::TestMessage{.control_id = "HOT00001"}.text());
  REQUIRE(a01);
  CHECK(ack_field(*a01, "MSA-1") == "AA");
  auto a08_before = c.round_trip(
      testing::TestMessage{.control_id = "HOT00002", .type = "ADT^A08^ADT_A01"}.text());
  REQUIRE(a08_before);
  CHECK(ack_field(*a08_before, "MSA-1") == "AA");  // taken, but no route for an A08 yet

  // The route now takes A08 instead of A01; comments and layout changed elsewhere do not count.
  testing::write_file(file, "# edited\n" + config_text(data, 0, "", "ADT^A08"));
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reloaded"));
  CHECK(logs.count("config_reloaded", "restarted=0") == 1);
  CHECK(logs.count("engine_stopping") == 0);

  auto a08 = c.round_trip(
      testing::TestMessage{.control_id = "HOT00003", .type = "ADT^A08^ADT_A01"}.text());
  REQUIRE(a08);  // the same connection, still open
  CHECK(ack_field(*a08, "MSA-1") == "AA");
  auto a01_after = c.round_trip(testing::TestMessage{.control_id = "HOT00004"}.text());
  REQUIRE(a01_after);
  CHECK(ack_field(*a01_after, "MSA-1") == "AA");

  // A change to the source restarts its listener: this connection ends (the sender reconnects).
  testing::write_file(file, config_text(data, 0, "    ack_mode: enhanced\n", "ADT^A08"));
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("sources_restarted"));
  CHECK(c.closed_by_peer());

  CHECK(run.stop() == 0);
  // HOT00001 before the reload, HOT00003 after it.
  CHECK(stored("archive") == std::vector<std::string>{"HOT00003", "HOT00001"});
  // The A08 before the reload, the A01 after it.
  CHECK(stored("", store::MessageStatus::unrouted) ==
        std::vector<std::string>{"HOT00004", "HOT00002"});
}

TEST_CASE_METHOD(
    RunSetup, "run: a reload that changes a destination restarts delivery only; the feed stays") {
  testing::write_file(file, config_text(data, 0));
  RunningCommand run(file);
  REQUIRE(logs.wait_for("engine_started"));

  MllpTestClient c(started_port(logs));
  REQUIRE(c.connected());
  CHECK(ack_code(c, "DST00001") == "AA");

  // The archive moves to another directory.
  testing::write_file(file, config_text(data, 0, "", "ADT^A0*", "out2"));
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reloaded"));
  CHECK(logs.count("config_reloaded", "restarted=0") == 1);
  CHECK(logs.count("deliveries_restarted") == 1);
  CHECK(logs.count("engine_stopping") == 0);
  CHECK(logs.count("listener_stopping") == 0);

  CHECK(ack_code(c, "DST00002") == "AA");

  // A destination that passes the checks but cannot be built (its CA file holds no
  // certificate) refuses the reload: nothing stops, the running config stays.
  const auto bogus = dir / "bogus-ca.pem";
  testing::write_file(bogus, "not a certificate\n");
  std::string text = config_text(data, 0, "", "ADT^A0*", "out2");
  text.insert(text.find("routes:"),
              "  hook:\n    type: http\n    url: https://127.0.0.1:9/in\n"
              "    tls:\n      ca: " +
                  bogus.string() + "\n");
  testing::write_file(file, text);
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reload_failed"));
  CHECK(logs.count("config_reload_failed", "bogus-ca.pem") == 1);
  CHECK(logs.count("deliveries_restarted") == 1);
  CHECK(logs.count("engine_stopping") == 0);
  CHECK(ack_code(c, "DST00003") == "AA");

  CHECK(run.stop() == 0);
  CHECK(logs.count("engine_stopped") == 1);
  CHECK(stored("archive") == std::vector<std::string>{"DST00003", "DST00002", "DST00001"});
}

TEST_CASE_METHOD(RunSetup, "run: a reload that changes one source restarts that listener only") {
  const std::string lab = "  lab_in:\n    type: mllp\n    port: 0\n";
  testing::write_file(file, config_text(data, 0, lab));
  RunningCommand run(file);
  REQUIRE(logs.wait_for("engine_started"));
  MllpTestClient pas(started_port(logs, "pas_in")), lab_before(started_port(logs, "lab_in"));
  CHECK(ack_code(pas, "TWO00001") == "AA");
  CHECK(ack_code(lab_before, "TWO00002") == "AA");

  testing::write_file(file, config_text(data, 0, lab + "    ack_mode: enhanced\n"));
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reloaded"));
  CHECK(logs.count("sources_restarted", "started=lab_in removed=") == 1);
  CHECK(logs.count("listener_stopping") == 1);
  CHECK(logs.count("engine_stopping") == 0);
  CHECK(lab_before.closed_by_peer());
  CHECK(ack_code(pas, "TWO00003") == "AA");  // the other feed's connection is untouched
  MllpTestClient lab_after(started_port(logs, "lab_in"));
  CHECK(ack_code(lab_after, "TWO00004") == "CA");  // the new settings

  // Removing it closes its port; the other feed carries on.
  testing::write_file(file, config_text(data, 0));
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reloaded", 2));
  CHECK(logs.count("sources_restarted", "removed=lab_in") == 1);
  CHECK(lab_after.closed_by_peer());
  CHECK_FALSE(MllpTestClient(started_port(logs, "lab_in")).connected());
  CHECK(ack_code(pas, "TWO00005") == "AA");

  // A new source on a port something else holds refuses the reload; nothing stops.
  HeldPort held;
  testing::write_file(
      file,
      config_text(data, 0,
                  "  lab_in:\n    type: mllp\n    port: " + std::to_string(held.port) + "\n"));
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reload_failed"));
  held.release();
  CHECK(logs.count("config_reload_failed", "cannot listen") == 1);
  CHECK(ack_code(pas, "TWO00006") == "AA");

  CHECK(run.stop() == 0);
  CHECK(logs.count("engine_started") == 1);
  CHECK(stored("").size() == 6);
}

TEST_CASE_METHOD(RunSetup,
                 "run: an edited lookup CSV is picked up by SIGHUP with routes.yaml unchanged") {
  testing::write_file(dir / "wards.csv", "WARD1,NORTH-1\n");
  testing::write_file(
      file, "storage:\n  data_dir: " + data +
                "\nadmin:\n  enabled: false\nsources:\n  pas_in:\n    type: mllp\n    port: 0\n"
                "destinations:\n  archive:\n    type: file\n    dir: " + data + "/out\n"
                "lookups:\n  wards:\n    file: wards.csv\n"
                "routes:\n  to_archive:\n    sources: [pas_in]\n    transforms:\n"
                "      - {type: lookup, path: PV1-3.1, table: wards, on_miss: keep}\n"
                "    destinations: [archive]\n");
  RunningCommand run(file);
  REQUIRE(logs.wait_for("engine_started"));
  MllpTestClient c(started_port(logs));
  REQUIRE(c.connected());
  auto first = c.round_trip(testing::TestMessage{.control_id = "CSV00001"}.text());
  REQUIRE(first);
  CHECK(ack_field(*first, "MSA-1") == "AA");

  // Nothing changed: the signal reloads certificates only, no config_reloaded line.
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_unchanged"));
  CHECK(logs.count("config_reloaded") == 0);
  testing::write_file(dir / "wards.csv", "WARD1,SOUTH-1\n");
  run.signal(SIGHUP);
  REQUIRE(logs.wait_for("config_reloaded"));
  CHECK(logs.count("config_reloaded", "restarted=0") == 1);
  CHECK(logs.count("engine_stopping") == 0);
  auto second = c.round_trip(testing::TestMessage{.control_id = "CSV00002"}.text());
  REQUIRE(second);  // the same connection
  CHECK(ack_field(*second, "MSA-1") == "AA");

  CHECK(run.stop() == 0);
  // Each message's delivery as stored for the destination, mapped by the table of its time.
  auto st = store::open_sqlite_store({std::filesystem::path(data) / "irwell.db"});
  REQUIRE(st);
  const auto payload_of = [&](const std::string& control_id) -> std::string {
    store::MessageQuery q;
    q.control_id = control_id;
    auto found = st.value()->search(q);
    if (!found || found->size() != 1) return "not found";
    auto m = st.value()->get_message(found->front().id);
    if (!m || !*m || (*m)->deliveries.size() != 1) return "no delivery";
    return (*m)->deliveries.front().payload;
  };
  CHECK_THAT(payload_of("CSV00001"), Catch::Contains("PV1|1|I|NORTH-1"));
  CHECK_THAT(payload_of("CSV00002"), Catch::Contains("PV1|1|I|SOUTH-1"));
}

namespace {

// The admin API's port from the latest admin_started line.
uint16_t admin_port(LogWatcher& logs) {
  uint16_t port = 0;
  for (const std::string& line : logs.lines()) {
    if (line.find("event=admin_started") == std::string::npos) continue;
    if (auto at = line.find(" port="); at != std::string::npos) {
      port = static_cast<uint16_t>(std::stoi(line.substr(at + 6)));
    }
  }
  return port;
}

// config_text with the admin API on (port 0, one admin token, and `more_tokens`).
std::string with_admin(std::string text, const std::string& more_tokens = "") {
  const std::string off = "admin:\n  enabled: false\n";
  const auto at = text.find(off);
  REQUIRE(at != std::string::npos);
  return text.replace(at, off.size(),
                      "admin:\n  bind: 127.0.0.1\n  port: 0\n  tokens:\n"
                      "    ops: {role: admin, token: run-test-admin-token}\n" +
                          more_tokens);
}

admin::AdminReply post_reload(LogWatcher& logs) {
  admin::AdminUrl url;
  url.port = std::to_string(admin_port(logs));
  auto reply = admin::admin_request(url, "POST", "/api/v1/reload", "run-test-admin-token");
  REQUIRE(reply);
  return *reply;
}

}  // namespace

TEST_CASE_METHOD(RunSetup, "run: POST /api/v1/reload answers with what the reload came to") {
  testing::write_file(file, with_admin(config_text(data, 0)));
  RunningCommand run(file);
  REQUIRE(logs.wait_for("admin_started"));
  MllpTestClient pas(started_port(logs, "pas_in"));
  CHECK(ack_code(pas, "API00001") == "AA");

  // Nothing changed.
  auto unchanged = post_reload(logs);
  CHECK(unchanged.status == 200);
  CHECK_THAT(unchanged.body, Catch::Contains("\"status\":\"unchanged\""));

  // A file that fails its checks: 422 with FILE:LINE:COL diagnostics; the engine runs on.
  testing::write_file(file, with_admin(config_text(data, 0, "    prot: 1\n")));
  auto bad = post_reload(logs);
  CHECK(bad.status == 422);
  CHECK_THAT(bad.body, Catch::Contains("\"status\":\"refused\""));
  CHECK_THAT(bad.body, Catch::Contains("routes.yaml:"));
  CHECK_THAT(bad.body, Catch::Contains("prot"));

  // Routes changed: applied in place, on the same connection.
  testing::write_file(file, with_admin(config_text(data, 0, "", "ADT^*")));
  auto applied = post_reload(logs);
  CHECK(applied.status == 200);
  CHECK_THAT(applied.body, Catch::Contains("\"status\":\"applied\""));
  CHECK(logs.count("config_reloaded", "restarted=0") == 1);
  CHECK(ack_code(pas, "API00002") == "AA");

  // A new source on a port something else holds: 409 with the reason; nothing changed.
  HeldPort held;
  testing::write_file(
      file, with_admin(config_text(
                data, 0, "  lab_in:\n    type: mllp\n    port: " + std::to_string(held.port) + "\n",
                "ADT^*")));
  auto taken = post_reload(logs);
  held.release();
  CHECK(taken.status == 409);
  CHECK_THAT(taken.body, Catch::Contains("\"ok\":false"));
  CHECK_THAT(taken.body, Catch::Contains("cannot listen"));
  CHECK(ack_code(pas, "API00003") == "AA");

  // The admin section changed: a restart, announced (202) before it begins.
  testing::write_file(file, with_admin(config_text(data, 0, "", "ADT^*"),
                                       "    viewer: {role: viewer, token: run-test-view-token}\n"));
  auto restarting = post_reload(logs);
  CHECK(restarting.status == 202);
  CHECK_THAT(restarting.body, Catch::Contains("\"status\":\"restarting\""));
  REQUIRE(logs.wait_for("config_reloaded", 2));
  CHECK(logs.count("config_reloaded", "restarted=1") == 1);
  REQUIRE(logs.wait_for("admin_started", 2));
  CHECK(post_reload(logs).status == 200);  // the new admin API answers: unchanged

  CHECK(run.stop() == 0);
  CHECK(stored("").size() == 3);
}
