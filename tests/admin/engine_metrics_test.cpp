// /metrics of a running engine: the store writer's transactions, the messages they carried and
// the time each took, after real messages over a real MLLP connection.
#include <catch2/catch.hpp>
#include <string>

#include "engine/admin/admin_client.h"
#include "engine/app/engine.h"
#include "tests/channels/mllp_test_client.h"
#include "tests/pipeline/ingest_fixtures.h"
#include "tests/support/test_support.h"

using namespace irwell;

namespace {

// The value of an unlabelled sample line "NAME VALUE" (-1 when absent).
double sample(const std::string& text, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const auto at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + key.size()));
}

}  // namespace

TEST_CASE("engine metrics: store commits, committed messages and commit time", "[admin][metrics]") {
  testing::TempDir dir;
  config::Config c;
  c.storage.data_dir = dir / "data";
  c.admin.enabled = true;
  c.admin.port = 0;
  c.admin.tokens.push_back({"ops", "operator", "secret-token", ""});
  config::SourceConfig in;
  in.name = "pas_in";
  in.type = "mllp";
  in.mllp.port = 0;
  c.sources.push_back(in);
  auto started = app::Engine::start(c);
  if (!started) FAIL(started.error().message);
  auto engine = std::move(started).value();

  admin::AdminUrl url;
  url.port = std::to_string(engine->admin_port().value());
  const auto metrics = [&] {
    auto reply = admin::admin_request(url, "GET", "/metrics", "secret-token");
    REQUIRE(reply);
    REQUIRE(reply->status == 200);
    return reply->body;
  };
  const std::string before = metrics();
  CHECK(sample(before, "irwell_store_commits_total") == 0);
  CHECK(sample(before, "irwell_store_commit_seconds_count") == 0);

  testing::MllpTestClient client(engine->port("pas_in").value());
  REQUIRE(client.connected());
  for (const char* id : {"MET00001", "MET00002", "MET00003"}) {
    auto ack = client.round_trip(testing::TestMessage{.control_id = id}.text());
    REQUIRE(ack);
    CHECK(testing::ack_field(*ack, "MSA-1") == "AA");
  }
  const std::string after = metrics();
  // One message in flight at a time: one transaction each (the ACK waits for its commit).
  CHECK(sample(after, "irwell_store_commits_total") == 3);
  CHECK(sample(after, "irwell_store_committed_messages_total") == 3);
  CHECK(sample(after, "irwell_store_commit_failures_total") == 0);
  CHECK(sample(after, "irwell_store_commit_seconds_count") == 3);
  CHECK(sample(after, "irwell_store_commit_seconds_sum") > 0);
  CHECK(after.find("# TYPE irwell_store_commit_seconds histogram\n") != std::string::npos);
  CHECK(after.find("\nirwell_store_commit_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  engine->stop();
}
