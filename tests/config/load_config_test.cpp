// What the loader decodes: the good fixtures' values, defaults, path resolution, lookups,
// match trees and transform params; and load_config() on files.
#include "engine/config/load_config.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/config/test_registry.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace irwell;
using namespace std::chrono_literals;
using config::MatchExpr;

namespace {

const config::Registry& registry() {
  static const config::Registry r = testing::config_test_registry();
  return r;
}

config::Config load_good(const std::string& name, config::Environment env = {}) {
  fs::path p = testing::data_dir() / "config" / "good" / name;
  auto loaded = config::load_config(p, registry(), env ? env : testing::config_test_environment());
  if (!loaded) {
    for (const auto& d : loaded.error()) UNSCOPED_INFO(d.to_string());
  }
  REQUIRE(loaded.ok());
  return std::move(loaded).value();
}

Result<config::Config, std::vector<config::Diagnostic>> load_text(const std::string& text) {
  return config::load_config_text(text, "routes.yaml", "/srv/irwell", registry(),
                                  testing::config_test_environment());
}

}  // namespace

TEST_CASE("the brief's example config decodes with environment defaults") {
  const fs::path dir = fs::absolute(testing::data_dir() / "config" / "good").lexically_normal();
  auto c = load_good("example.yaml", config::fixed_environment({{"IRWELL_ADMIN_TOKEN", "s3cret"}}));

  CHECK(c.storage.data_dir == dir / "data");  // relative to routes.yaml, not the cwd
  CHECK(c.storage.duplicate_window == 24h);
  REQUIRE(c.storage.max_size_bytes);
  CHECK(*c.storage.max_size_bytes == 10'000'000'000LL);
  CHECK(c.storage.commit_batch_max == 1024);

  CHECK(c.admin.enabled);
  CHECK(c.admin.bind == "127.0.0.1");
  CHECK(c.admin.port == 8080);
  REQUIRE(c.admin.tokens.size() == 2);
  CHECK(c.admin.tokens[0].name == "ops");
  CHECK(c.admin.tokens[0].role == "operator");
  CHECK(c.admin.tokens[0].token == "s3cret");
  CHECK(c.admin.tokens[1].name == "dashboard");
  CHECK(c.admin.tokens[1].token.empty());
  CHECK(c.admin.tokens[1].token_sha256 ==
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");  // lower-cased
  CHECK(c.logging.level == "info");

  REQUIRE(c.sources.size() == 1);
  const config::SourceConfig* s = c.find_source("acute_feeds");
  REQUIRE(s);
  CHECK(s->type == "mllp");
  CHECK(s->mark.line == 15);
  CHECK(s->mark.column == 3);
  CHECK(s->mllp.port == 2575);
  CHECK(s->mllp.ack_mode == config::MllpSourceConfig::AckMode::auto_);
  CHECK(s->mllp.reject_code == "AR");
  CHECK(s->mllp.allowed_versions == std::vector<std::string>{"2.3", "2.4", "2.5"});
  CHECK(s->mllp.allowed_types == std::vector<std::string>{"ADT^*", "ORU^R01", "SIU^S1?"});
  CHECK(s->mllp.required_fields == std::vector<std::string>{"PID-3"});
  CHECK(s->mllp.max_frame_bytes == 16u * 1024 * 1024);  // defaults
  CHECK(s->mllp.idle_timeout == 10min);
  CHECK(s->mllp.dedupe);
  CHECK_FALSE(s->mllp.tls.enabled);

  REQUIRE(c.destinations.size() == 2);
  const config::DestinationConfig* sub = c.find_destination("subscriber");
  REQUIRE(sub);
  CHECK(sub->params.at("host").text == "127.0.0.1");
  CHECK(sub->params.at("host").given);
  CHECK(sub->params.at("port").integer == 2576);
  CHECK(sub->params.at("ack_timeout").duration == 30s);  // default filled in
  CHECK_FALSE(sub->params.at("ack_timeout").given);
  CHECK(sub->params.at("on_ar").text == "dead_letter");
  CHECK(sub->params.at("on_ae").text == "retry");
  const config::DestinationConfig* rec = c.find_destination("records");
  REQUIRE(rec);
  CHECK(rec->type == "record_store");
  CHECK(rec->params.at("lane_key").text == "PID-3");
  CHECK(rec->params.at("lanes").integer == 4);
  CHECK(c.find_destination("nope") == nullptr);

  REQUIRE(c.routes.size() == 2);
  const config::RouteConfig& r = c.routes[0];
  CHECK(r.name == "adt_to_subscriber");
  CHECK(r.sources == std::vector<std::string>{"acute_feeds"});
  CHECK(r.destinations == std::vector<std::string>{"subscriber"});
  REQUIRE(r.match.kind == MatchExpr::Kind::all);
  REQUIRE(r.match.children.size() == 2);
  CHECK(r.match.children[0].kind == MatchExpr::Kind::type);
  CHECK(r.match.children[0].values == std::vector<std::string>{"ADT^A0*", "ADT^A1*"});
  CHECK(r.match.children[1].kind == MatchExpr::Kind::field);
  CHECK(r.match.children[1].path == "MSH-4");
  CHECK(r.match.children[1].op == MatchExpr::Op::equals);
  CHECK(r.match.children[1].values == std::vector<std::string>{"RXA"});
  REQUIRE(r.transforms.size() == 2);
  CHECK(r.transforms[0].type == "set");
  CHECK(r.transforms[0].params.at("path").text == "MSH-5");
  CHECK(r.transforms[0].params.at("value").text == "SUBSCRIBER");
  CHECK(r.transforms[1].type == "lookup");
  CHECK(r.transforms[1].params.at("table").text == "wards");
  CHECK_FALSE(r.transforms[1].params.at("target").given);
  const config::RouteConfig& all = c.routes[1];
  CHECK(all.sources == std::vector<std::string>{"acute_feeds"});  // a scalar: a list of one
  CHECK(all.match.kind == MatchExpr::Kind::always);
  CHECK(all.transforms.empty());

  const config::LookupTable* wards = c.find_lookup("wards");
  REQUIRE(wards);
  CHECK(wards->default_value == std::optional<std::string>("UNKNOWN"));
  CHECK(wards->values == std::map<std::string, std::string>{
                             {"W1", "Ward One"}, {"W2", "Ward, Two"}, {"W3", "Ward Three"}});
}

TEST_CASE("every field of every built-in type decodes into the structs") {
  const fs::path dir = fs::absolute(testing::data_dir() / "config" / "good").lexically_normal();
  auto c = load_good("all_types.yaml");
  CHECK(c.storage.data_dir == "/var/lib/irwell");
  CHECK(c.storage.duplicate_window == 90min);
  CHECK(*c.storage.max_size_bytes == 512LL * 1024 * 1024);
  CHECK(c.storage.commit_batch_max == 256);
  CHECK_FALSE(c.admin.enabled);
  CHECK(c.admin.port == 0);
  CHECK(c.logging.level == "debug");

  const auto& m = c.find_source("tls_in")->mllp;
  CHECK(m.bind == "0.0.0.0");
  CHECK(m.port == 2600);  // ${IRWELL_TEST_PORT}
  CHECK(m.max_connections == 20);
  CHECK(m.idle_timeout == 5min);
  CHECK(m.frame_timeout == 500ms);
  CHECK(m.max_frame_bytes == 1'000'000u);
  CHECK(m.strict_framing);
  CHECK(m.ack_mode == config::MllpSourceConfig::AckMode::enhanced);
  CHECK(m.reject_code == "AE");
  CHECK(m.default_charset == "8859/1");
  CHECK(m.allowed_versions == std::vector<std::string>{"2.5"});
  CHECK(m.allowed_types == std::vector<std::string>{"ADT^A01"});
  CHECK(m.required_fields == std::vector<std::string>{"PID-3", "PV1-19"});
  CHECK_FALSE(m.unrouted_ack);
  CHECK_FALSE(m.dedupe);
  CHECK(m.tls.enabled);
  CHECK(m.tls.cert == dir / "certs/server.pem");
  CHECK(m.tls.key == dir / "certs/server.key");
  CHECK(m.tls.ca == dir / "certs/ca.pem");
  CHECK(m.tls.verify_client);

  const auto& d = c.find_source("drop")->directory;
  CHECK(d.path == dir / "inbox");
  CHECK(d.pattern == "*.txt");
  CHECK(d.poll_interval == 30s);
  CHECK(d.done_dir == dir / "done");
  CHECK(d.error_dir == "/var/irwell/errors");

  const auto& hub = c.find_destination("hub")->params;
  CHECK(hub.at("host").text == "receiver.example");
  CHECK(hub.at("on_ar").text == "retry");
  CHECK(hub.at("tls").map.at("server_name") == "hub.example");
  CHECK(hub.at("tls").map.at("ca") == (dir / "certs/ca.pem").string());  // resolved in place
  CHECK(hub.at("retry_initial").duration == 500ms);
  CHECK(hub.at("max_attempts").integer == 20);
  CHECK(hub.at("lanes").integer == 8);
  const auto& disk = c.find_destination("disk")->params;
  CHECK(disk.at("dir").text == (dir / "out").string());
  CHECK(disk.at("filename").text == "{type}_{control_id}.hl7");
  CHECK(disk.at("line_ending").text == "crlf");
  const auto& api = c.find_destination("api")->params;
  CHECK(api.at("method").text == "PUT");
  CHECK(api.at("headers").map == std::map<std::string, std::string>{{"X-Feed", "irwell"}});
  CHECK(api.at("timeout").duration == 10s);
  CHECK(c.find_destination("record")->params.at("lanes").integer == 1);

  const auto& t = c.routes.at(0).transforms.at(0);
  CHECK(t.type == "replace");
  CHECK(t.params.at("regex").text == "[^A-Z]");
  CHECK(t.params.at("with").text.empty());
  CHECK(t.params.at("with").given);
  CHECK(t.params.at("max").integer == 3);
  CHECK(c.lookups.at("inline").values ==
        std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}});
}

TEST_CASE("match: the general form, nesting, shorthands and canonical paths") {
  auto c = load_good("match_forms.yaml");
  const MatchExpr& m = c.find_route("general_form")->match;
  REQUIRE(m.kind == MatchExpr::Kind::all);  // `all` and `any` side by side: both must hold
  REQUIRE(m.children.size() == 2);
  const MatchExpr& all = m.children[0];
  REQUIRE(all.kind == MatchExpr::Kind::all);
  REQUIRE(all.children.size() == 6);
  CHECK(all.children[0].op == MatchExpr::Op::equals);
  CHECK(all.children[1].op == MatchExpr::Op::in);
  CHECK(all.children[1].values == std::vector<std::string>{"RXA", "RXB"});
  CHECK(all.children[2].op == MatchExpr::Op::regex);
  CHECK(all.children[2].path == "PID-3[1].5");
  CHECK(all.children[2].values == std::vector<std::string>{"^(NHS|MR)$"});
  CHECK(all.children[3].op == MatchExpr::Op::present);
  CHECK(all.children[3].path == "OBX[2]-5");
  CHECK(all.children[4].op == MatchExpr::Op::absent);
  REQUIRE(all.children[5].kind == MatchExpr::Kind::not_);
  CHECK(all.children[5].children.at(0).path == "MSH-11");
  const MatchExpr& any = m.children[1];
  REQUIRE(any.kind == MatchExpr::Kind::any);
  CHECK(any.children.at(0).kind == MatchExpr::Kind::type);
  CHECK(any.children.at(1).path == "MSH-3");

  const MatchExpr& s = c.find_route("shorthands")->match;
  REQUIRE(s.children.size() == 4);
  CHECK(s.children[1].path == "MSH-3");
  CHECK(s.children[1].op == MatchExpr::Op::in);
  CHECK(s.children[2].path == "MSH-6");
  CHECK(s.children[3].path == "MSH-12");
  CHECK(s.children[3].values == std::vector<std::string>{"2.5"});

  // "PV1[1]-2" and "PV1-2" are one path: canonical form.
  auto canon = load_text(
      "sources: {a: {type: mllp, port: 0}}\ndestinations: {b: {type: record_store}}\n"
      "routes:\n  r:\n    sources: a\n    destinations: b\n"
      "    match: {field: \"PV1[1]-2[1].1\", equals: E}\n");
  REQUIRE(canon.ok());
  CHECK(canon->routes[0].match.path == "PV1-2[1].1");
}

TEST_CASE("a minimal config: defaults everywhere") {
  auto c = load_good("minimal.yaml");
  CHECK(c.storage.data_dir.filename() == "data");
  CHECK_FALSE(c.storage.max_size_bytes);
  CHECK(c.admin.enabled);
  CHECK(c.admin.port == 8080);
  CHECK(c.admin.tokens.empty());
  CHECK(c.find_source("in")->mllp.port == 0);
  CHECK(c.find_source("in")->mllp.bind == "127.0.0.1");
  CHECK(c.lookups.empty());
}

TEST_CASE("load_config: the file name as given; a missing file is one whole-file diagnostic") {
  testing::TempDir tmp;
  auto missing = config::load_config(tmp / "nope.yaml", registry());
  REQUIRE_FALSE(missing.ok());
  REQUIRE(missing.error().size() == 1);
  CHECK(missing.error()[0].line == 0);
  CHECK(missing.error()[0].to_string() == (tmp / "nope.yaml").string() +
                                              ": error: cannot read: no such file (give another "
                                              "with -c FILE)");

  testing::write_file(tmp / "routes.yaml", "storage: {data_dir: store}\nadmin: {port: x}\n");
  auto bad = config::load_config(tmp / "routes.yaml", registry());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error()[0].file == (tmp / "routes.yaml").string());

  testing::write_file(tmp / "routes.yaml", "storage: {data_dir: store}\n");
  auto good = config::load_config(tmp / "routes.yaml", registry());
  REQUIRE(good.ok());
  CHECK(good->storage.data_dir == tmp.path() / "store");
  CHECK(good->file == tmp / "routes.yaml");
}

TEST_CASE("diagnostics come sorted by position whatever order the checks ran in") {
  // The route (checked last) comes first in the file; the storage problem last.
  auto r = load_text(
      "routes:\n  r: {sources: [x], destinations: [y]}\n"
      "sources: {a: {type: mllp, port: 0, bogus: 1}}\n"
      "storage: {duplicate_window: never}\n");
  REQUIRE_FALSE(r.ok());
  const auto& d = r.error();
  REQUIRE(d.size() == 4);
  for (size_t i = 1; i < d.size(); ++i) {
    CHECK((d[i - 1].line < d[i].line ||
           (d[i - 1].line == d[i].line && d[i - 1].column <= d[i].column)));
  }
  CHECK(d[0].message == "route \"r\": unknown source \"x\"; defined: a");
  CHECK(d[3].line == 4);
}

TEST_CASE("YAML anchors and aliases share settings; a second document is refused") {
  auto r =
      load_text("sources:\n  a: &base {type: mllp, port: 0, allowed_types: [ADT^*]}\n  b: *base\n");
  REQUIRE(r.ok());
  CHECK(r->find_source("b")->mllp.allowed_types == std::vector<std::string>{"ADT^*"});

  auto two = load_text("logging: {level: info}\n---\nlogging: {level: debug}\n");
  REQUIRE_FALSE(two.ok());
  CHECK(two.error()[0].message.find("more than one document") != std::string::npos);
}

TEST_CASE("Registry lists each kind sorted by name and finds by kind and name") {
  const auto& r = registry();
  auto sources = r.list(config::TypeKind::source);
  REQUIRE(sources.size() == 2);
  CHECK(sources[0]->name == "directory");
  CHECK(sources[1]->name == "mllp");
  CHECK(r.find(config::TypeKind::destination, "http") != nullptr);
  CHECK(r.find(config::TypeKind::source, "http") == nullptr);
  auto dests = r.list(config::TypeKind::destination);
  std::vector<std::string> names;
  for (auto* s : dests) names.push_back(s->name);
  CHECK(names == std::vector<std::string>{"file", "http", "mllp", "record_store"});
}

TEST_CASE("changed_sections: content decides, not comments or layout") {
  const std::string base =
      "sources:\n  in:\n    type: mllp\n    port: 2575\n"
      "destinations:\n  out:\n    type: file\n    dir: /tmp/out\n"
      "routes:\n  all:\n    sources: [in]\n    destinations: [out]\n";
  auto a = load_text(base);
  REQUIRE(a);
  // The same content written differently: a comment, flow style, other indentation.
  auto same = load_text(
      "# a comment\nsources: { in: { type: mllp, port: 2575 } }\n"
      "destinations:\n    out:\n        type: file   # trailing comment\n        dir: /tmp/out\n"
      "routes:\n  all: { sources: [in], destinations: [out] }\n");
  REQUIRE(same);
  CHECK(config::changed_sections(*a, *same).empty());

  auto routes = load_text(base + "    match: { type: \"ADT^A01\" }\n");
  REQUIRE(routes);
  CHECK(config::changed_sections(*a, *routes) == std::vector<std::string>{"routes"});

  // A changed port and a section that only one of them has.
  auto other = load_text(
      "sources:\n  in:\n    type: mllp\n    port: 2576\n"
      "destinations:\n  out:\n    type: file\n    dir: /tmp/out\n"
      "routes:\n  all:\n    sources: [in]\n    destinations: [out]\n"
      "logging:\n  level: debug\n");
  REQUIRE(other);
  CHECK(config::changed_sections(*a, *other) == std::vector<std::string>{"logging", "sources"});
  CHECK(config::changed_sections(*other, *a) == std::vector<std::string>{"logging", "sources"});
}

TEST_CASE("changed_sections: an edited lookup CSV changes lookups, routes.yaml untouched") {
  testing::TempDir tmp;
  const std::string yaml =
      "sources:\n  in:\n    type: mllp\n    port: 2575\n"
      "destinations:\n  out:\n    type: file\n    dir: /tmp/out\n"
      "lookups:\n  wards:\n    file: wards.csv\n"
      "routes:\n  all:\n    sources: [in]\n    destinations: [out]\n";
  testing::write_file(tmp / "routes.yaml", yaml);
  testing::write_file(tmp / "wards.csv", "W1,NORTH-1\nW2,NORTH-2\n");
  auto before = config::load_config(tmp / "routes.yaml", registry());
  REQUIRE(before);
  testing::write_file(tmp / "wards.csv", "W1,NORTH-1\nW2,SOUTH-2\n");
  auto after = config::load_config(tmp / "routes.yaml", registry());
  REQUIRE(after);
  CHECK(config::changed_sections(*before, *after) == std::vector<std::string>{"lookups"});
  // Written again with the same rows (and a comment line): nothing changed.
  testing::write_file(tmp / "wards.csv", "# wards\nW1,NORTH-1\nW2,SOUTH-2\n");
  auto again = config::load_config(tmp / "routes.yaml", registry());
  REQUIRE(again);
  CHECK(config::changed_sections(*after, *again).empty());
}
