// The directory source end to end: a real Engine with a TempDir store and a `type: directory`
// source decoded from YAML, fed files dropped into its inbox (HL7-EDGE-CASES J1, J2, J5, B8).
#include "channels/directory/directory_source.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/app/engine.h"
#include "engine/config/load_config.h"
#include "engine/config/registry.h"
#include "tests/channels/mllp_test_client.h"
#include "tests/pipeline/ingest_fixtures.h"
#include "tests/support/test_support.h"

using namespace irwell;
using irwell::testing::LogWatcher;
using irwell::testing::TempDir;
using irwell::testing::TestMessage;
namespace fs = std::filesystem;

namespace {

TestMessage patient(const std::string& control_id, const std::string& name) {
  TestMessage m;
  m.control_id = control_id;
  m.patient_name = name;
  return m;
}

// Starts an Engine from YAML text whose relative paths resolve against `dir`.
std::unique_ptr<app::Engine> start_engine(const TempDir& dir, const std::string& yaml) {
  config::Registry registry;
  config::register_builtin_sources(registry);
  config::register_builtin_destinations(registry);
  auto loaded = config::load_config_text(yaml, "routes.yaml", dir.path(), registry,
                                         config::fixed_environment({}));
  if (!loaded) {
    for (const auto& d : loaded.error()) UNSCOPED_INFO(d.to_string());
  }
  REQUIRE(loaded);
  config::Config c = loaded.value();
  c.admin.enabled = false;  // hermetic: no admin port (8080 by default)
  auto started = app::Engine::start(c);
  REQUIRE(started);
  return std::move(started).value();
}

// Spins (yielding) until `done()` or a generous deadline; never sleeps, never asserts a time.
template <typename F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

std::vector<store::MessageSummary> stored_from(app::Engine& e, const std::string& source) {
  store::MessageQuery q;
  q.source = source;
  q.limit = 100;
  auto r = e.store().search(q);
  REQUIRE(r);
  return r.value();
}

store::StoredMessage stored_message(app::Engine& e, int64_t id) {
  auto m = e.store().get_message(id);
  REQUIRE(m);
  REQUIRE(m.value());
  return *m.value();
}

}  // namespace

TEST_CASE("directory: a batch file is stored message by message, then moved to done_dir (J1, J2)") {
  LogWatcher logs;
  TempDir dir;
  fs::create_directories(dir / "inbox");
  // Written before the engine starts, so each file is complete when first seen.
  const std::string batch = "FHS|^~\\&|PAS|RXA\rBHS|^~\\&|PAS|RXA\r" +
                            patient("FILE0001", "ALDER^ROWAN").text() +
                            patient("FILE0002", "BIRCH^SAGE").text() +
                            patient("FILE0003", "CEDAR^QUINN").text() + "BTS|3\rFTS|1\r";
  testing::write_file(dir / "inbox" / "a_batch.hl7", batch);
  // A good file holding one message Ingest rejects (no MSH-9): stored as rejected, file done.
  const std::string no_type =
      "MSH|^~\\&|PAS|RXA|IRWELL|HUB|20261125103000|||FILE0005|P|2.5.1\rPID|1||9990000018^^^NHS^"
      "NH\r";
  testing::write_file(dir / "inbox" / "b_mixed.hl7",
                      patient("FILE0004", "DAWSON^ELM").text() + "\n" + no_type);
  testing::write_file(dir / "inbox" / "c_broken.hl7", "this is not HL7 at all\n");  // B8
  testing::write_file(dir / "inbox" / "notes.txt", patient("FILE0009", "FIR^ASH").text());

  auto engine = start_engine(dir, R"(
storage:
  data_dir: data
sources:
  files_in:
    type: directory
    path: inbox
    pattern: "*.hl7"
    poll_interval: 10ms
    done_dir: done
    error_dir: error
)");

  REQUIRE(eventually([&] {
    return fs::exists(dir / "done" / "a_batch.hl7") && fs::exists(dir / "done" / "b_mixed.hl7") &&
           fs::exists(dir / "error" / "c_broken.hl7");
  }));
  CHECK_FALSE(fs::exists(dir / "inbox" / "a_batch.hl7"));
  CHECK_FALSE(fs::exists(dir / "inbox" / "b_mixed.hl7"));
  CHECK_FALSE(fs::exists(dir / "inbox" / "c_broken.hl7"));
  CHECK(testing::read_file(dir / "done" / "a_batch.hl7") == batch);  // moved, not rewritten
  CHECK(fs::exists(dir / "inbox" / "notes.txt"));                    // pattern does not match

  // Moving the file is the acknowledgement: by now every message of it is in the store.
  auto stored = stored_from(*engine, "files_in");
  REQUIRE(stored.size() == 5);
  std::map<std::string, std::string> status;
  for (const auto& s : stored) status[s.control_id] = s.status;
  CHECK(status["FILE0001"] == "unrouted");
  CHECK(status["FILE0002"] == "unrouted");
  CHECK(status["FILE0003"] == "unrouted");
  CHECK(status["FILE0004"] == "unrouted");
  CHECK(status.count("FILE0009") == 0);

  store::MessageQuery q;
  q.control_id = "FILE0002";
  auto found = engine->store().search(q);
  REQUIRE(found);
  REQUIRE(found.value().size() == 1);
  const store::StoredMessage message = stored_message(*engine, found.value()[0].id);
  CHECK(message.raw == patient("FILE0002", "BIRCH^SAGE").text());
  CHECK(message.peer == "file:a_batch.hl7");

  // The message without MSH-9 is kept raw with its reason.
  store::MessageQuery rejected;
  rejected.source = "files_in";
  rejected.status = store::MessageStatus::rejected;
  auto bad = engine->store().search(rejected);
  REQUIRE(bad);
  REQUIRE(bad.value().size() == 1);
  const store::StoredMessage bad_message = stored_message(*engine, bad.value()[0].id);
  CHECK(bad_message.raw.rfind("MSH|^~\\&|PAS|RXA|IRWELL|HUB|20261125103000|||FILE0005", 0) == 0);
  CHECK_FALSE(bad_message.error.empty());
  CHECK(bad_message.peer == "file:b_mixed.hl7");

  engine->stop();
  for (const std::string& line : logs.lines()) {
    CHECK(line.find("9990000018") == std::string::npos);
    CHECK(line.find("BIRCH") == std::string::npos);
  }
}

TEST_CASE(
    "directory: without done_dir a stored file is deleted; without error_dir a bad one stays") {
  LogWatcher logs;
  TempDir dir;
  fs::create_directories(dir / "inbox");
  // Sorted by name: the bad file is seen first, logged and left; the good one is taken next.
  testing::write_file(dir / "inbox" / "a_broken.hl7", "PID|1||9990000018^^^NHS^NH\r");
  testing::write_file(dir / "inbox" / "b_single.hl7", patient("FILE0101", "GORSE^WREN").text());

  auto engine = start_engine(dir, R"(
storage:
  data_dir: data
sources:
  files_in: { type: directory, path: inbox, poll_interval: 10ms }
)");

  REQUIRE(eventually([&] { return !fs::exists(dir / "inbox" / "b_single.hl7"); }));
  auto stored = stored_from(*engine, "files_in");
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].control_id == "FILE0101");
  CHECK(fs::exists(dir / "inbox" / "a_broken.hl7"));
  CHECK_FALSE(fs::exists(dir / "done"));
  engine->stop();
  CHECK(logs.wait_for("file_bad", 1));
  CHECK(logs.wait_for("file_done", 1));
}
