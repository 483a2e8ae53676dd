// RouteTable: fan-out, unrouted, filtered, errors, payloads, lane keys, source filtering, match on
// the original message, and the diagnostics only a transform builder can give.
#include "engine/pipeline/router.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "engine/app/commands.h"
#include "engine/hl7/message.h"
#include "tests/pipeline/router_fixtures.h"

using namespace irwell;
using irwell::testing::cr;

namespace {

const config::Registry& registry() { return testing::builtin_registry(); }

constexpr const char* kHead = R"(sources:
  a: {type: mllp, port: 0}
  b: {type: directory, path: /tmp/irwell-router-test-never-read}
destinations:
  one: {type: record_store, lane_key: PID-3.1, lanes: 2}
  two: {type: mllp, host: 127.0.0.1, port: 9}
  three: {type: record_store}
lookups:
  wards: {values: {W12: WARD-12}}
routes:
)";

config::Config load(const std::string& routes) {
  auto c = config::load_config_text(kHead + routes, "routes.yaml", "/tmp", registry(),
                                    config::fixed_environment({}));
  if (!c) {
    for (const auto& d : c.error()) UNSCOPED_INFO(d.to_string());
    FAIL("config does not load");
  }
  return std::move(*c);
}

std::unique_ptr<pipeline::RouteTable> build(const std::string& routes) {
  auto table = pipeline::RouteTable::build(load(routes), registry());
  if (!table) {
    for (const auto& d : table.error()) UNSCOPED_INFO(d.to_string());
    FAIL("routes do not build");
  }
  return std::move(*table);
}

hl7::Message msg(const char* text) {
  auto m = hl7::Message::parse(cr(text));
  REQUIRE(m);
  return *m;
}

const char* kAdmission =
    "MSH|^~\\&|PAS|RIVERMEAD|HUB|REGION|20240301083000||ADT^A01|RIV0001|P|2.4\n"
    "PID|1||RM100001^^^RIVERMEAD^MR||TESTPATIENT^ALICE||19800201|F\n"
    "PV1|1|I|W12^BED 4^^RIVERMEAD\n";

std::vector<std::string> destinations(const pipeline::RoutingOutcome& o) {
  std::vector<std::string> out;
  for (const auto& d : o.deliveries) out.push_back(d.route + "->" + d.destination);
  return out;
}

}  // namespace

TEST_CASE("router: fan-out across routes and destinations, in file order") {
  auto table = build(R"(  adt_all:
    sources: [a]
    match: {type: ADT^*}
    destinations: [one, two]
  admissions:
    sources: [a, b]
    match: {type: ADT^A01}
    destinations: [three]
  results:
    sources: [a]
    match: {type: ORU^R01}
    destinations: [one]
)");
  auto out = table->route(msg(kAdmission), "a");
  CHECK(destinations(out) ==
        std::vector<std::string>{"adt_all->one", "adt_all->two", "admissions->three"});
  CHECK(out.matched_routes == std::vector<std::string>{"adt_all", "admissions"});
  CHECK_FALSE(out.filtered);
  CHECK(out.errors.empty());
  // No transforms: the raw bytes are forwarded (payload ""); lane key from the destination.
  for (const auto& d : out.deliveries) CHECK(d.payload.empty());
  CHECK(out.deliveries[0].lane_key == "RM100001");
  CHECK(out.deliveries[1].lane_key.empty());
}

TEST_CASE("router: a route only takes messages from its sources") {
  auto table = build(R"(  from_a:
    sources: [a]
    destinations: [one]
  from_b:
    sources: [b]
    destinations: [two]
)");
  CHECK(destinations(table->route(msg(kAdmission), "a")) ==
        std::vector<std::string>{"from_a->one"});
  CHECK(destinations(table->route(msg(kAdmission), "b")) ==
        std::vector<std::string>{"from_b->two"});
  auto none = table->route(msg(kAdmission), "c");
  CHECK(none.deliveries.empty());
  CHECK(none.matched_routes.empty());
}

TEST_CASE("router: a message no route matches is unrouted, not filtered") {
  auto table = build(R"(  results:
    sources: [a]
    match: {type: ORU^R01}
    destinations: [one]
)");
  auto out = table->route(msg(kAdmission), "a");
  CHECK(out.deliveries.empty());
  CHECK(out.matched_routes.empty());
  CHECK_FALSE(out.filtered);
  CHECK(out.errors.empty());
}

TEST_CASE("router: dropped by every matching route is filtered; by some, delivered") {
  auto table = build(R"(  drops:
    sources: [a]
    transforms:
      - {type: filter, types: [ADT^*], reason: no ADT here}
    destinations: [one]
  keeps:
    sources: [a]
    match: {sending_facility: NORTHGATE}
    destinations: [two]
)");
  auto out = table->route(msg(kAdmission), "a");
  CHECK(out.deliveries.empty());
  CHECK(out.filtered);
  CHECK(out.matched_routes == std::vector<std::string>{"drops"});
  auto northgate =
      msg("MSH|^~\\&|PAS|NORTHGATE|HUB|REGION|20240301083000||ADT^A01|NG1|P|2.3\n"
          "PID|1||NG1^^^NORTHGATE^MR\n");
  auto both = table->route(northgate, "a");
  CHECK(destinations(both) == std::vector<std::string>{"keeps->two"});
  CHECK_FALSE(both.filtered);
}

TEST_CASE("router: a transform error is reported with route, step and place; others deliver") {
  auto table = build(R"(  strict:
    sources: [a]
    transforms:
      - type: lookup
        path: PID-8
        values: {M: MALE}
    destinations: [one]
  lenient:
    sources: [a]
    destinations: [two]
)");
  auto out = table->route(msg(kAdmission), "a");
  CHECK(destinations(out) == std::vector<std::string>{"lenient->two"});
  REQUIRE(out.errors.size() == 1);
  CHECK(out.errors[0] ==
        "route \"strict\": transform 1 (lookup, routes.yaml:14:9): lookup PID-8: value not in "
        "table (inline values) and no default");
  CHECK_FALSE(out.filtered);
}

TEST_CASE("router: each route transforms its own copy; matches see the original") {
  auto table = build(R"(  renames:
    sources: [a]
    transforms:
      - {type: set, path: MSH-4, value: CHANGED}
      - {type: lookup, path: PV1-3.1, table: wards}
    destinations: [one]
  sees_original:
    sources: [a]
    match: {sending_facility: RIVERMEAD}
    destinations: [two]
)");
  auto in = msg(kAdmission);
  auto out = table->route(in, "a");
  REQUIRE(out.deliveries.size() == 2);
  auto changed = hl7::Message::parse(out.deliveries[0].payload);
  REQUIRE(changed);
  CHECK(changed->get(*hl7::Path::parse("MSH-4")) == "CHANGED");
  CHECK(changed->get(*hl7::Path::parse("PV1-3.1")) == "WARD-12");
  CHECK(out.deliveries[0].lane_key == "RM100001");
  CHECK(out.deliveries[1].route == "sees_original");
  CHECK(out.deliveries[1].payload.empty());
  CHECK(in.get(*hl7::Path::parse("MSH-4")) == "RIVERMEAD");  // the input is never changed
}

TEST_CASE("router: a transform that changes nothing leaves the payload empty (F3 byte-exact)") {
  auto table = build(R"(  noop:
    sources: [a]
    transforms:
      - {type: delete_segment, segment: ZPI}
      - {type: nhs_number}
    destinations: [one]
)");
  auto out = table->route(msg(kAdmission), "a");
  REQUIRE(out.deliveries.size() == 1);
  CHECK(out.deliveries[0].payload.empty());
}

TEST_CASE("router: the lane key is read from the message as delivered") {
  auto table = build(R"(  renumber:
    sources: [a]
    transforms:
      - {type: set, path: PID-3.1, value: NEW-MRN}
    destinations: [one]
)");
  auto out = table->route(msg(kAdmission), "a");
  REQUIRE(out.deliveries.size() == 1);
  CHECK(out.deliveries[0].lane_key == "NEW-MRN");
}

TEST_CASE("router: an xml step makes the payload an XML document") {
  auto table = build(R"(  as_xml:
    sources: [a]
    transforms:
      - {type: xml}
    destinations: [one]
)");
  auto out = table->route(msg(kAdmission), "a");
  REQUIRE(out.deliveries.size() == 1);
  CHECK(out.deliveries[0].payload.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  CHECK(out.deliveries[0].payload.find("<ADT_A01 xmlns=\"urn:hl7-org:v2xml\">") !=
        std::string::npos);
}

TEST_CASE("router: what only a builder can refuse comes back as located diagnostics") {
  auto config = load(R"(  bad:
    sources: [a]
    transforms:
      - {type: copy, from: PID-3, to: PID-3}
      - type: lookup
        path: PID-8
        table: wards
        values: {M: MALE}
      - {type: set, path: MSH-2, value: x}
      - {type: format_date, path: PID-7, to: "%d/%m/%Q"}
      - {type: filter, path: PID-8}
      - {type: suppress}
      - {type: add_segment, segment: "PID1|x"}
    destinations: [one]
)");
  auto table = pipeline::RouteTable::build(config, registry());
  REQUIRE_FALSE(table);
  std::vector<std::string> lines;
  for (const auto& d : table.error()) lines.push_back(d.to_string());
  CHECK(lines == std::vector<std::string>{
                     "routes.yaml:14:39: error: route \"bad\": transform 1 (copy): to: `from` and "
                     "`to` are the same path",
                     "routes.yaml:17:16: error: route \"bad\": transform 2 (lookup): table: give "
                     "a `table` name or inline `values`, exactly one of them",
                     "routes.yaml:19:27: error: route \"bad\": transform 3 (set): path: MSH-1 and "
                     "MSH-2 are the delimiters; they cannot be set",
                     "routes.yaml:20:46: error: route \"bad\": transform 4 (format_date): to: "
                     "unknown directive %Q; known: %Y %y %m %d %H %M %S %f %b %B %z %:z %%",
                     "routes.yaml:21:30: error: route \"bad\": transform 5 (filter): path: say "
                     "how to test it: equals, in, regex, present or absent",
                     "routes.yaml:22:9: error: route \"bad\": transform 6 (suppress): codes: give "
                     "at least one list: codes, clinics or specialties",
                     "routes.yaml:23:38: error: route \"bad\": transform 7 (add_segment): "
                     "segment: expected segment text such as \"ZIR|1|A\": \"PID1\" is not a "
                     "segment ID: three characters, an upper-case letter then letters or digits",
                 });
  // build_router gives the same diagnostics through the Router seam.
  CHECK_FALSE(pipeline::build_router(config, registry()));
}

TEST_CASE("router: the shipped routes.yaml builds") {
  const testing::ShippedRoutes& shipped = testing::shipped_routes();
  for (const auto& p : shipped.problems) UNSCOPED_INFO(p);
  REQUIRE(shipped.routes);
  const config::Config* config = &shipped.config;
  // Every destination the SPEC names is there, and the subscriber is where the SPEC says.
  REQUIRE(config->find_destination("subscriber"));
  REQUIRE(config->find_destination("shared_record"));
  CHECK(config->find_destination("subscriber")->params.at("port").integer == 2576);
  CHECK(config->find_destination("subscriber")->params.at("host").text == "127.0.0.1");
  REQUIRE(config->sources.size() == 1);
  CHECK(config->sources[0].mllp.port == 2575);
  CHECK(config->sources[0].mllp.bind == "127.0.0.1");
  CHECK(config->admin.port == 8080);
  CHECK(config->admin.bind == "127.0.0.1");
  CHECK(config->storage.data_dir.filename() == "data");
}

TEST_CASE("router: the shipped routes.yaml comments every key") {
  // Each line holding a key is either a comment or follows one: the file explains itself.
  std::string text = testing::read_file(testing::source_dir() / "routes.yaml");
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto is_comment = [](const std::string& l) {
    auto p = l.find_first_not_of(' ');
    return p != std::string::npos && l[p] == '#';
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    auto p = l.find_first_not_of(' ');
    if (p == std::string::npos || l[p] == '#') continue;
    bool is_key = l.find(':') != std::string::npos;
    if (!is_key) continue;
    INFO("routes.yaml line " << i + 1 << ": " << l);
    CHECK((i > 0 && is_comment(lines[i - 1])));
  }
}

TEST_CASE("router: the shipped routes.yaml takes ports, data dir and subscriber from the env") {
  auto config =
      config::load_config(testing::source_dir() / "routes.yaml", registry(),
                          config::fixed_environment({{"IRWELL_MLLP_PORT", "3101"},
                                                     {"IRWELL_ADMIN_PORT", "3102"},
                                                     {"IRWELL_DATA_DIR", "/var/lib/irwell-test"},
                                                     {"IRWELL_SUBSCRIBER_HOST", "10.0.0.7"},
                                                     {"IRWELL_SUBSCRIBER_PORT", "3103"},
                                                     {"IRWELL_ADMIN_TOKEN", "not-a-real-token"}}));
  REQUIRE(config);
  CHECK(config->sources[0].mllp.port == 3101);
  CHECK(config->admin.port == 3102);
  CHECK(config->storage.data_dir == "/var/lib/irwell-test");
  CHECK(config->find_destination("subscriber")->params.at("host").text == "10.0.0.7");
  CHECK(config->find_destination("subscriber")->params.at("port").integer == 3103);
  REQUIRE(config->admin.tokens.size() == 1);
  CHECK(config->admin.tokens[0].role == "operator");
  CHECK(config->admin.tokens[0].token == "not-a-real-token");
}

TEST_CASE("router: irwell check builds the router, so builder diagnostics are reported too") {
  testing::TempDir dir;
  testing::write_file(dir / "routes.yaml", std::string(kHead) + R"(  r:
    sources: [a]
    transforms:
      - {type: format_date, path: PID-7, to: "%Q"}
    destinations: [one]
)");
  std::ostringstream out, err;
  CHECK(app::check_command({"-c", (dir / "routes.yaml").string()}, out, err) == 1);
  CHECK(out.str().empty());
  CHECK(err.str() == (dir / "routes.yaml").string() +
                         ":14:46: error: route \"r\": transform 1 (format_date): to: unknown "
                         "directive %Q; known: %Y %y %m %d %H %M %S %f %b %B %z %:z %%\n");
}
