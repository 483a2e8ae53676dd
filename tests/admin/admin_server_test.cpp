// The admin HTTP API over a real socket (port 0): every endpoint with every role, no token and
// a wrong token; parameters, errors, the audit log, limits and keep-alive.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/src.hpp>  // Boost.JSON header-only, compiled into this test binary once
#include <atomic>
#include <catch2/catch.hpp>
#include <future>

#include "tests/admin/admin_test_server.h"

using namespace irwell;
using irwell::testing::dead_letter;
using irwell::testing::TestServer;
namespace json = boost::json;

namespace {

json::value parse(const admin::AdminReply& r) { return json::parse(r.body); }

struct Endpoint {
  const char* method;
  const char* target;
  admin::Role least;
};

// Every API endpoint and the least role that may use it.
const Endpoint kEndpoints[] = {
    {"GET", "/metrics", admin::Role::viewer},
    {"GET", "/api/v1/whoami", admin::Role::viewer},
    {"GET", "/api/v1/channels", admin::Role::viewer},
    {"GET", "/api/v1/history", admin::Role::viewer},
    {"GET", "/api/v1/messages?control_id=CTRL1", admin::Role::viewer},
    {"GET", "/api/v1/messages?patient=9990000018", admin::Role::operator_},
    {"GET", "/api/v1/messages/1", admin::Role::operator_},
    {"POST", "/api/v1/messages/1/replay", admin::Role::operator_},
    {"POST", "/api/v1/destinations/subscriber/pause", admin::Role::operator_},
    {"POST", "/api/v1/destinations/subscriber/resume", admin::Role::operator_},
    {"GET", "/api/v1/destinations/subscriber/dead-letters", admin::Role::viewer},
    {"POST", "/api/v1/destinations/subscriber/replay-dead", admin::Role::operator_},
    {"GET", "/api/v1/patients/9990000018", admin::Role::operator_},
    {"GET", "/api/v1/patients/9990000018?include_withheld=true", admin::Role::admin},
    {"GET", "/api/v1/audit", admin::Role::operator_},
    {"POST", "/api/v1/reload", admin::Role::admin},
};

const std::pair<admin::Role, const char*> kRoleTokens[] = {
    {admin::Role::viewer, "viewer-token"},
    {admin::Role::operator_, "operator-token"},
    {admin::Role::admin, "admin-token"},
};

// Sends raw bytes on one connection and reads `replies` responses from it.
std::vector<boost::beast::http::response<boost::beast::http::string_body>> raw_exchange(
    uint16_t port, const std::string& bytes, int replies) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(bytes));
  boost::beast::flat_buffer buffer;
  std::vector<http::response<http::string_body>> out;
  for (int i = 0; i < replies; ++i) {
    http::response<http::string_body> res;
    boost::beast::error_code ec;
    http::read(socket, buffer, res, ec);
    if (ec) break;
    out.push_back(std::move(res));
  }
  return out;
}

}  // namespace

TEST_CASE("admin: every endpoint refuses no token and a wrong token with 401", "[admin]") {
  TestServer s;
  for (const auto& e : kEndpoints) {
    INFO(e.method << " " << e.target);
    auto none = s.request(e.method, e.target);
    CHECK(none.status == 401);
    CHECK(none.www_authenticate.starts_with("Bearer"));
    CHECK(parse(none).at("error").as_string().size() > 0);
    auto wrong = s.request(e.method, e.target, "not-a-token");
    CHECK(wrong.status == 401);
    CHECK(wrong.www_authenticate.starts_with("Bearer"));
  }
  CHECK(s.backend.fake_store().audits().empty());
  CHECK(s.backend.reloads() == 0);
}

TEST_CASE("admin: every endpoint with every role: 403 below its role, success at or above",
          "[admin]") {
  TestServer s;
  for (const auto& e : kEndpoints) {
    for (const auto& [role, token] : kRoleTokens) {
      INFO(e.method << " " << e.target << " as " << admin::to_string(role));
      auto r = s.request(e.method, e.target, token);
      if (static_cast<int>(role) < static_cast<int>(e.least)) {
        CHECK(r.status == 403);
        CHECK(parse(r).at("error").as_string().size() > 0);
      } else {
        CHECK(r.status == 200);
      }
    }
  }
}

TEST_CASE("admin: /healthz and the dashboard need no token", "[admin]") {
  TestServer s;
  auto h = s.get("/healthz");
  CHECK(h.status == 200);
  CHECK(parse(h).at("status") == "ok");
  auto page = s.get("/");
  CHECK(page.status == 200);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(page.body.find("<title>irwell</title>") != std::string::npos);
  // Self-contained: nothing is loaded from another host.
  CHECK(page.body.find("src=\"http") == std::string::npos);
  CHECK(page.body.find("href=\"http") == std::string::npos);
  CHECK(page.body.find("sessionStorage") != std::string::npos);
  CHECK(s.get("/nothing-here").status == 404);
  CHECK(s.post("/healthz").status == 405);
}

TEST_CASE("admin: unknown API paths are 404 with a token, wrong methods 405", "[admin]") {
  TestServer s;
  CHECK(s.get("/api/v1/nothing", "viewer-token").status == 404);
  CHECK(s.get("/api/v2/channels", "viewer-token").status == 404);
  CHECK(s.get("/api/v1/destinations/subscriber/explode", "admin-token").status == 404);
  auto r = s.get("/api/v1/messages/1/replay", "operator-token");
  CHECK(r.status == 405);
  CHECK(s.post("/api/v1/channels", "admin-token").status == 405);
  CHECK(s.get("/api/v1/reload", "admin-token").status == 405);
}

TEST_CASE("admin: whoami names the token and its role", "[admin]") {
  TestServer s;
  auto j = parse(s.get("/api/v1/whoami", "admin-token"));
  CHECK(j.at("name") == "ada");
  CHECK(j.at("role") == "admin");
  CHECK(parse(s.get("/api/v1/whoami", "operator-token")).at("role") == "operator");
}

TEST_CASE("admin: channels lists sources, routes and destinations with queue state", "[admin]") {
  TestServer s;
  auto j = parse(s.get("/api/v1/channels", "viewer-token"));
  auto& src = j.at("sources").as_array().at(0);
  CHECK(src.at("name") == "lab_in");
  CHECK(src.at("received").as_int64() == 10);
  CHECK(src.at("rejected").as_int64() == 1);
  CHECK(src.at("connections").as_int64() == 2);
  CHECK(j.at("routes").as_array().at(0).at("matched").as_int64() == 7);
  auto& dst = j.at("destinations").as_array().at(0);
  CHECK(dst.at("name") == "subscriber");
  CHECK(dst.at("queued").as_int64() == 3);
  CHECK(dst.at("oldest_queued_age_seconds").to_number<double>() == 90.0);
  CHECK(dst.at("last_error") == "connection refused");
  CHECK(dst.at("paused") == false);
  CHECK(j.at("engine").at("version") == "0.1.0");
  CHECK(j.at("engine").at("uptime_seconds").to_number<double>() == 3600.0);
  CHECK(s.get("/api/v1/channels?x=1", "viewer-token").status == 400);
}

TEST_CASE("admin: search maps parameters onto the store query and pages", "[admin]") {
  TestServer s;
  auto r = s.get("/api/v1/messages?control_id=CTRL2", "viewer-token");
  REQUIRE(r.status == 200);
  auto j = parse(r);
  REQUIRE(j.at("messages").as_array().size() == 1);
  auto& m = j.at("messages").as_array().at(0);
  CHECK(m.at("id").as_int64() == 2);
  CHECK(m.at("type") == "ADT^A01");
  CHECK(m.at("status") == "accepted");
  CHECK(m.at("received_at") == "2023-11-14T22:13:22.000Z");
  // No patient identifiers in search results, whoever asks.
  CHECK(r.body.find("9990000018") == std::string::npos);

  s.get(
      "/api/v1/messages?type=ADT%5EA01&status=accepted&source=lab_in&destination=subscriber"
      "&since=2023-11-14T22:00:00Z&until=1700000100000&limit=5&cursor=9",
      "viewer-token");
  auto q = s.backend.fake_store().last_query();
  CHECK(q.message_type == "ADT");
  CHECK(q.trigger_event == "A01");
  CHECK(q.status == store::MessageStatus::accepted);
  CHECK(q.source == "lab_in");
  CHECK(q.destination == "subscriber");
  CHECK(q.since == TimePoint(std::chrono::seconds(1700000000 - 13 * 60 - 20)));
  CHECK(q.until == TimePoint(std::chrono::seconds(1700000100)));
  CHECK(q.limit == 5);
  CHECK(q.before_id == 9);

  s.get("/api/v1/messages?type=ORU", "viewer-token");
  CHECK(s.backend.fake_store().last_query().message_type == "ORU");
  CHECK(s.backend.fake_store().last_query().trigger_event.empty());

  // Paging: a full page has a cursor to the next one.
  auto page1 = parse(s.get("/api/v1/messages?limit=2", "viewer-token"));
  REQUIRE(page1.at("messages").as_array().size() == 2);
  CHECK(page1.at("next_cursor") == "2");
  auto page2 = parse(s.get("/api/v1/messages?limit=2&cursor=2", "viewer-token"));
  REQUIRE(page2.at("messages").as_array().size() == 1);
  CHECK(page2.at("messages").as_array().at(0).at("id").as_int64() == 1);
  CHECK(page2.at("next_cursor").is_null());
}

TEST_CASE("admin: bad search parameters are 400 with a message naming them", "[admin]") {
  TestServer s;
  for (const char* bad :
       {"limit=0", "limit=1001", "limit=ten", "status=lost", "since=yesterday", "until=2026-13-01",
        "cursor=-4", "type=%5EA01", "contol_id=X", "control_id=%ZZ", "type=ADT%5E"}) {
    INFO(bad);
    auto r = s.get(std::string("/api/v1/messages?") + bad, "viewer-token");
    CHECK(r.status == 400);
    CHECK(parse(r).at("error").as_string().size() > 10);
  }
  auto r = s.get("/api/v1/messages?contol_id=X", "viewer-token");
  CHECK(std::string(parse(r).at("error").as_string()).find("contol_id") != std::string::npos);
}

TEST_CASE("admin: searches get the configured timeout; one that outruns it is 422", "[admin]") {
  config::AdminConfig cfg;
  cfg.search_timeout = std::chrono::milliseconds(750);
  TestServer s({}, cfg);
  CHECK(s.get("/api/v1/messages?type=ADT", "viewer-token").status == 200);
  CHECK(s.backend.fake_store().last_query().time_budget == std::chrono::milliseconds(750));

  // What the SQLite store answers when the budget runs out (its own test covers that part).
  const std::string too_broad =
      std::string(store::kSearchTooBroad) + ": stopped after 750 ms; add a time window";
  s.backend.fake_store().fail_search(too_broad);
  auto r = s.get("/api/v1/messages?type=ADT", "viewer-token");
  CHECK(r.status == 422);
  CHECK(parse(r).at("error").as_string() == too_broad);
  // Any other store failure is the engine's problem, not the caller's: 500.
  s.backend.fake_store().fail_search("disk I/O error");
  auto broken = s.get("/api/v1/messages?type=ADT", "viewer-token");
  CHECK(broken.status == 500);
  CHECK(std::string(parse(broken).at("error").as_string()).find("disk I/O error") !=
        std::string::npos);
}

TEST_CASE("admin: searching by patient needs operator and is audited", "[admin]") {
  TestServer s;
  CHECK(s.get("/api/v1/messages?patient=9990000018", "viewer-token").status == 403);
  CHECK(s.backend.fake_store().audits().empty());
  auto r = parse(s.get("/api/v1/messages?patient=9990000018", "operator-token"));
  CHECK(r.at("messages").as_array().size() == 3);
  auto audits = s.backend.fake_store().audits();
  REQUIRE(audits.size() == 1);
  CHECK(audits[0].actor == "otto");
  CHECK(audits[0].action == "search_patient");
  CHECK(audits[0].target == "patient:9990000018");
}

TEST_CASE("admin: message detail has content, deliveries and attempts; reads are audited",
          "[admin]") {
  TestServer s;
  auto viewer = s.get("/api/v1/messages/1", "viewer-token");
  CHECK(viewer.status == 403);
  CHECK(viewer.body.find("MSH") == std::string::npos);
  CHECK(s.backend.fake_store().audits().empty());

  auto r = s.get("/api/v1/messages/1", "operator-token");
  REQUIRE(r.status == 200);
  auto j = parse(r);
  CHECK(j.at("control_id") == "CTRL1");
  CHECK(std::string(j.at("raw").as_string()).starts_with("MSH|^~\\&|PAS"));
  CHECK(std::string(j.at("ack").as_string()).find("MSA|AA|CTRL1") != std::string::npos);
  CHECK(j.at("patients").as_array().at(0).at("id") == "9990000018");
  auto& d = j.at("deliveries").as_array().at(0);
  CHECK(d.at("destination") == "subscriber");
  CHECK(d.at("payload") == j.at("raw"));  // untransformed: the raw message was sent
  CHECK(d.at("transformed") == false);
  REQUIRE(d.at("attempt_log").as_array().size() == 2);
  CHECK(d.at("attempt_log").as_array().at(0).at("outcome") == "nak");
  CHECK(d.at("attempt_log").as_array().at(0).at("error") == "AE from subscriber");

  auto audits = s.backend.fake_store().audits();
  REQUIRE(audits.size() == 1);
  CHECK(audits[0].actor == "otto");
  CHECK(audits[0].action == "read_message");
  CHECK(audits[0].target == "message:1");
  CHECK(audits[0].at == s.clock.now());

  CHECK(s.get("/api/v1/messages/999", "operator-token").status == 404);
  CHECK(s.get("/api/v1/messages/abc", "operator-token").status == 400);
  CHECK(s.get("/api/v1/messages/0", "operator-token").status == 400);
  CHECK(s.get("/api/v1/messages/1?x=1", "operator-token").status == 400);
}

TEST_CASE("admin: nothing is disclosed when the audit log cannot be written", "[admin]") {
  TestServer s;
  s.backend.fake_store().fail_audit(true);
  auto r = s.get("/api/v1/messages/1", "operator-token");
  CHECK(r.status == 503);
  CHECK(r.body.find("MSH") == std::string::npos);
  auto p = s.get("/api/v1/patients/9990000018", "operator-token");
  CHECK(p.status == 503);
  CHECK(p.body.find("TESTPATIENT") == std::string::npos);
  CHECK(s.get("/api/v1/messages?patient=9990000018", "operator-token").status == 503);
}

TEST_CASE("admin: replay creates deliveries, audited by the delivery side", "[admin]") {
  TestServer s;
  auto r = s.post("/api/v1/messages/2/replay", "operator-token");
  REQUIRE(r.status == 200);
  auto j = parse(r);
  CHECK(j.at("message_id").as_int64() == 2);
  CHECK(j.at("deliveries").as_array().size() == 1);
  auto audits = s.backend.fake_store().audits();
  REQUIRE(audits.size() == 1);
  CHECK(audits[0].action == "replay");
  CHECK(audits[0].actor == "otto");

  CHECK(s.post("/api/v1/messages/2/replay?destination=subscriber", "operator-token").status == 200);
  CHECK(s.post("/api/v1/messages/2/replay?destination=nowhere", "operator-token").status == 404);
  CHECK(s.post("/api/v1/messages/999/replay", "operator-token").status == 404);
  CHECK(s.post("/api/v1/messages/2/replay?dest=x", "operator-token").status == 400);
  CHECK(s.post("/api/v1/messages/2/replay", "viewer-token").status == 403);
}

TEST_CASE("admin: pause and resume a destination", "[admin]") {
  TestServer s;
  auto r = s.post("/api/v1/destinations/subscriber/pause", "operator-token");
  REQUIRE(r.status == 200);
  CHECK(parse(r).at("paused") == true);
  auto ch = parse(s.get("/api/v1/channels", "viewer-token"));
  CHECK(ch.at("destinations").as_array().at(0).at("paused") == true);
  CHECK(parse(s.post("/api/v1/destinations/subscriber/resume", "operator-token")).at("paused") ==
        false);
  CHECK(s.post("/api/v1/destinations/nowhere/pause", "operator-token").status == 404);
  auto audits = s.backend.fake_store().audits();
  REQUIRE(audits.size() == 2);
  CHECK(audits[0].action == "pause");
  CHECK(audits[1].action == "resume");
  CHECK(audits[1].target == "destination:subscriber");
}

TEST_CASE("admin: a receiver's NAK text is shown from the operator role up", "[admin]") {
  TestServer s;
  // What an MLLP destination records for a NAK: the code, then the receiver's MSA-3/ERR text,
  // which here quotes an (invented) patient.
  const std::string nak = "AE: PATIENT 9990000018 TESTPATIENT^ALICE NOT REGISTERED";
  delivery::DestinationStatus d;
  d.name = "gp_system";
  d.type = "mllp";
  d.last_error = nak;
  s.backend.fake_delivery().add(d);
  s.backend.fake_delivery().add_dead(
      dead_letter(78, 2, "gp_system", "CTRL2", "AR: 9990000018 DECEASED"));

  auto channel = [](const boost::json::value& j) {
    for (const auto& d : j.at("destinations").as_array()) {
      if (d.at("name") == "gp_system") return std::string(d.at("last_error").as_string());
    }
    return std::string("(missing)");
  };
  auto viewer = s.get("/api/v1/channels", "viewer-token");
  CHECK(channel(parse(viewer)) == "AE from the receiver (its text is shown to the operator role)");
  CHECK(viewer.body.find("9990000018") == std::string::npos);
  CHECK(parse(s.get("/api/v1/destinations/subscriber/dead-letters", "viewer-token"))
            .at("dead_letters").as_array().at(0).at("last_error") == "AR from subscriber");
  auto dead = s.get("/api/v1/destinations/gp_system/dead-letters", "viewer-token");
  CHECK(parse(dead).at("dead_letters").as_array().at(0).at("last_error") ==
        "AR from the receiver (its text is shown to the operator role)");
  CHECK(dead.body.find("9990000018") == std::string::npos);

  CHECK(channel(parse(s.get("/api/v1/channels", "operator-token"))) == nak);
  CHECK(parse(s.get("/api/v1/destinations/gp_system/dead-letters", "operator-token"))
            .at("dead_letters").as_array().at(0).at("last_error") == "AR: 9990000018 DECEASED");
}

TEST_CASE("admin: dead letters are listed and replayed in bulk", "[admin]") {
  TestServer s;
  auto j = parse(s.get("/api/v1/destinations/subscriber/dead-letters", "viewer-token"));
  auto& list = j.at("dead_letters").as_array();
  REQUIRE(list.size() == 1);
  CHECK(list.at(0).at("delivery_id").as_int64() == 77);
  CHECK(list.at(0).at("type") == "ADT^A01");
  CHECK(list.at(0).at("last_error") == "AR from subscriber");
  CHECK(s.get("/api/v1/destinations/nowhere/dead-letters", "viewer-token").status == 404);
  CHECK(s.get("/api/v1/destinations/subscriber/dead-letters?limit=0", "viewer-token").status ==
        400);
  auto r = parse(s.post("/api/v1/destinations/subscriber/replay-dead", "operator-token"));
  CHECK(r.at("deliveries").as_array().size() == 1);
  CHECK(s.backend.fake_store().audits().back().action == "replay_dead");
}

TEST_CASE("admin: patient records need operator, are audited, withheld parts need admin",
          "[admin]") {
  TestServer s;
  auto r = s.get("/api/v1/patients/9990000018", "operator-token");
  REQUIRE(r.status == 200);
  auto j = parse(r);
  CHECK(j.at("nhs_number") == "9990000018");
  CHECK(j.at("opted_out") == false);
  CHECK(j.at("record").at("name") == "TESTPATIENT, ALICE");
  CHECK_FALSE(s.backend.last_include_withheld());
  auto audits = s.backend.fake_store().audits();
  REQUIRE(audits.size() == 1);
  CHECK(audits[0].action == "read_patient");
  CHECK(audits[0].target == "patient:9990000018");

  CHECK(s.get("/api/v1/patients/9990000018?include_withheld=true", "operator-token").status == 403);
  CHECK(s.get("/api/v1/patients/9990000018?include_withheld=true", "admin-token").status == 200);
  CHECK(s.backend.last_include_withheld());
  CHECK(s.backend.fake_store().audits().back().detail == "include_withheld");
  // A role the record store's override_roles names may see an opted-out patient too, audited.
  s.backend.override_roles = {"operator"};
  CHECK(s.get("/api/v1/patients/9990000018?include_withheld=true", "operator-token").status == 200);
  CHECK(s.backend.fake_store().audits().back().actor != "");
  CHECK(s.backend.fake_store().audits().back().detail == "include_withheld");

  CHECK(s.get("/api/v1/patients/9990000026", "operator-token").status == 404);  // valid, no record
  CHECK(s.get("/api/v1/patients/1234567890", "operator-token").status == 400);  // bad check digit
  CHECK(s.get("/api/v1/patients/99900", "operator-token").status == 400);

  s.backend.add_patient("9990000026", {std::nullopt, true});
  auto opted = parse(s.get("/api/v1/patients/9990000026", "operator-token"));
  CHECK(opted.at("opted_out") == true);
  CHECK(opted.at("record").is_null());
}

TEST_CASE("admin: the audit log is queryable by actor and action, newest first", "[admin]") {
  TestServer s;
  s.get("/api/v1/messages/1", "operator-token");
  s.get("/api/v1/messages/2", "admin-token");
  s.post("/api/v1/destinations/subscriber/pause", "operator-token");
  auto all = parse(s.get("/api/v1/audit", "operator-token"));
  auto& entries = all.at("entries").as_array();
  REQUIRE(entries.size() == 3);
  CHECK(entries.at(0).at("action") == "pause");
  CHECK(entries.at(2).at("target") == "message:1");
  auto ada = parse(s.get("/api/v1/audit?actor=ada", "operator-token"));
  REQUIRE(ada.at("entries").as_array().size() == 1);
  CHECK(ada.at("entries").as_array().at(0).at("target") == "message:2");
  auto reads = parse(s.get("/api/v1/audit?action=read_message&limit=1", "operator-token"));
  CHECK(reads.at("entries").as_array().size() == 1);
  CHECK(reads.at("next_cursor").is_string());
  CHECK(s.get("/api/v1/audit?who=ada", "operator-token").status == 400);
}

TEST_CASE("admin: reload reports what it came to, and is audited", "[admin]") {
  TestServer s;
  auto ok = s.post("/api/v1/reload", "admin-token");
  CHECK(ok.status == 200);
  CHECK(parse(ok).at("ok") == true);
  CHECK(parse(ok).at("status") == "applied");
  s.backend.set_reload(
      {.ok = false, .diagnostics = {"routes.yaml:3:5: error: unknown key \"prot\""}});
  auto bad = s.post("/api/v1/reload", "admin-token");
  CHECK(bad.status == 422);
  auto j = parse(bad);
  CHECK(j.at("ok") == false);
  CHECK(j.at("status") == "refused");
  CHECK(j.at("diagnostics").as_array().at(0) == "routes.yaml:3:5: error: unknown key \"prot\"");
  // A good file the running engine cannot take (a port in use): 409 with the reason.
  s.backend.set_reload({.ok = false, .status = "refused", .error = "port 2576 is in use"});
  auto taken = s.post("/api/v1/reload", "admin-token");
  CHECK(taken.status == 409);
  CHECK(parse(taken).at("error") == "port 2576 is in use");
  // A restart is accepted (202) and happens after the reply; another reload meanwhile: 503.
  s.backend.set_reload({.ok = true, .status = "restarting"});
  CHECK(s.post("/api/v1/reload", "admin-token").status == 202);
  s.backend.set_reload({.ok = false, .status = "busy", .error = "restarting"});
  CHECK(s.post("/api/v1/reload", "admin-token").status == 503);
  auto audits = s.backend.fake_store().audits();
  REQUIRE(audits.size() == 5);
  CHECK(audits[1].action == "reload");
  CHECK(audits[1].detail == "refused");
  CHECK(audits[3].detail == "restarting");
  CHECK(s.backend.reloads() == 5);
}

TEST_CASE("admin: an accepted reload is carried out once its reply is written", "[admin]") {
  TestServer s;
  std::promise<void> applied;
  auto done = applied.get_future();
  std::atomic<int> applies{0};
  s.backend.set_reload({.ok = true, .apply = [&] {
                          if (applies++ == 0) applied.set_value();
                        }});
  auto ok = s.post("/api/v1/reload", "admin-token");
  CHECK(ok.status == 200);
  REQUIRE(done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  // A refused one is not carried out.
  s.backend.set_reload(
      {.ok = false, .diagnostics = {"routes.yaml:1:1: error: x"}, .apply = [&] { ++applies; }});
  CHECK(s.post("/api/v1/reload", "admin-token").status == 422);
  CHECK(s.post("/api/v1/reload", "viewer-token").status == 403);
  CHECK(applies == 1);
}

TEST_CASE("admin: other requests are answered while a reload waits for the engine", "[admin]") {
  TestServer s;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{true};
  s.backend.set_reload_wait([&entered, &first, released] {
    if (first.exchange(false)) entered.set_value();
    released.wait();
  });
  auto reload =
      std::async(std::launch::async, [&] { return s.post("/api/v1/reload", "admin-token"); });
  REQUIRE(entered.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  // The reload is held inside the engine; probes, scrapes and the dashboard still get answers.
  auto health = std::async(std::launch::async, [&] { return s.get("/healthz"); });
  auto metrics = std::async(std::launch::async, [&] { return s.get("/metrics", "viewer-token"); });
  const bool answered = health.wait_for(std::chrono::seconds(5)) == std::future_status::ready &&
                        metrics.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  release.set_value();
  CHECK(answered);
  CHECK(health.get().status == 200);
  CHECK(metrics.get().status == 200);
  CHECK(reload.get().status == 200);
  CHECK(s.backend.reloads() == 1);
  // Which requests get the reload's thread.
  CHECK(admin::ApiHandler::waits_for_engine({.method = "POST", .target = "/api/v1/reload"}));
  CHECK(admin::ApiHandler::waits_for_engine({.method = "POST", .target = "/api/v1/reload?x=1"}));
  CHECK_FALSE(admin::ApiHandler::waits_for_engine({.method = "GET", .target = "/api/v1/reload"}));
  CHECK_FALSE(admin::ApiHandler::waits_for_engine({.method = "POST", .target = "/api/v1/reloadx"}));
  CHECK_FALSE(admin::ApiHandler::waits_for_engine({.method = "GET", .target = "/healthz"}));
}

TEST_CASE("admin: history returns the samples taken, oldest first", "[admin]") {
  admin::AdminServerOptions o;
  o.api.sample_interval = Duration::zero();  // no sampler: this test takes the samples
  TestServer s(o);
  s.backend.set_received("lab_in", 100);
  s.clock.advance(std::chrono::seconds(10));
  s.server->handler().take_sample();
  s.backend.set_received("lab_in", 150);
  s.clock.advance(std::chrono::seconds(10));
  s.server->handler().take_sample();
  auto j = parse(s.get("/api/v1/history", "viewer-token"));
  auto& samples = j.at("samples").as_array();
  REQUIRE(samples.size() == 2);
  auto& last = samples.at(1);
  auto& before = samples.at(0);
  CHECK(last.at("received").as_int64() == 150);
  CHECK(before.at("received").as_int64() == 100);
  CHECK(last.at("sent").as_int64() == 42);
  CHECK(last.at("queued").as_int64() == 3);
  CHECK(before.at("at") == "2023-11-14T23:13:30.000Z");
  CHECK(j.at("interval_seconds").to_number<double>() == 0.0);
}

TEST_CASE("admin: keep-alive serves several requests on one connection", "[admin]") {
  TestServer s;
  std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string two =
      "GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: bearer   viewer-token \r\n\r\n";
  auto replies = raw_exchange(s.server->port(), one + two, 2);
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].result_int() == 200);
  CHECK(replies[0].keep_alive());
  CHECK(replies[1].result_int() == 200);
  CHECK(replies[1].body().find("\"vera\"") != std::string::npos);
}

TEST_CASE("admin: oversized headers get 431, oversized bodies 413, garbage 400", "[admin]") {
  admin::AdminServerOptions o;
  o.max_header_bytes = 1024;
  o.max_body_bytes = 100;
  TestServer s(o);
  std::string big_header =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(2000, 'a') + "\r\n\r\n";
  auto r1 = raw_exchange(s.server->port(), big_header, 1);
  REQUIRE(r1.size() == 1);
  CHECK(r1[0].result_int() == 431);
  std::string big_body = "POST /api/v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n" +
                         std::string(500, 'b');
  auto r2 = raw_exchange(s.server->port(), big_body, 1);
  REQUIRE(r2.size() == 1);
  CHECK(r2[0].result_int() == 413);
  auto r3 = raw_exchange(s.server->port(), "NOT HTTP AT ALL\r\n\r\n", 1);
  REQUIRE(r3.size() == 1);
  CHECK(r3[0].result_int() == 400);
  CHECK(s.backend.reloads() == 0);
}
