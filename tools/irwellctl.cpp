// irwellctl: the operations CLI over the admin HTTP API (SPEC.md "Tools").
// Prints readable tables, or the API's JSON with --json. Exit codes are listed in kUsage.
#include <boost/asio/ssl/context.hpp>
#include <boost/json/src.hpp>  // Boost.JSON, header-only, compiled into this program only
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channels/client/tls_client_context.h"
#include "engine/admin/admin_client.h"

namespace json = boost::json;
using irwell::admin::AdminReply;
using irwell::admin::AdminUrl;

namespace {

constexpr const char* kUsage =
    R"(usage: irwellctl [--url URL] [--token TOKEN] [--json] COMMAND [ARGS]

Commands:
  status                       the engine, its sources and destinations with counters
  queues                       destinations: state, queue depth, oldest age, errors
  search [FILTERS]             find messages, newest first; filters:
      --control-id ID  --patient ID  --type ADT^A01|ADT  --status STATUS
      --source NAME  --destination NAME  --since TIME  --until TIME
      --limit N  --cursor C   (TIME: ISO 8601 like 2026-11-25T10:00:00Z, or epoch ms)
  show ID                      one message: content, deliveries, attempts, errors
  replay ID [--destination D]  send a message again (to one destination, or to all it had)
  pause DESTINATION            stop sending to a destination (messages queue up)
  resume DESTINATION           start sending again
  dead-letters DESTINATION     dead-lettered deliveries of a destination
  replay-dead DESTINATION      replay every dead-lettered delivery of a destination
  patient NHS_NUMBER           the shared care record of a patient
  audit [--actor A] [--action X] [--target T] [--limit N]
                               who read or did what, newest first
  reload                       check and apply the engine's config file (admin role)

Options:
  --url URL      the admin API, default $IRWELL_ADMIN_URL or http://127.0.0.1:8080;
                 https://HOST:PORT for an admin server with tls: (the certificate is verified
                 and must name HOST)
  --ca FILE      PEM CA bundle that signed the server's certificate, default $IRWELL_ADMIN_CA
                 or the system's trust store
  --cert FILE    PEM client certificate (admin tls: client_cert), default $IRWELL_ADMIN_CERT
  --key FILE     its PEM private key (default: in the --cert file), default $IRWELL_ADMIN_KEY
  --token TOKEN  bearer token, default $IRWELL_ADMIN_TOKEN
  --json         print the API's JSON instead of tables
  -h, --help     this text

Exit codes:
  0  done
  1  the engine refused or failed the request (HTTP 400, 405, 422, 5xx)
  2  usage error
  3  the engine cannot be reached
  4  no token, an unknown token, or a role without the right (HTTP 401, 403)
  5  no such message, destination, patient or path (HTTP 404)
)";

struct Options {
  AdminUrl url;
  std::string token;
  bool json = false;
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // --name value, without the dashes
};

std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  if (v.is_bool()) return v.as_bool() ? "yes" : "no";
  if (v.is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v.as_double());
    return buf;
  }
  return json::serialize(v);
}

std::string field(const json::value& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto* v = obj.as_object().if_contains(key);
  return v ? text(*v) : "";
}

std::string age(const json::value& seconds) {
  if (!seconds.is_number()) return "-";
  double s = seconds.to_number<double>();
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%.1fm", s / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fh", s / 3600);
  }
  return buf;
}

// HL7 segments end with \r: one line each on a terminal.
std::string lines(std::string s) {
  for (auto& c : s) {
    if (c == '\r') c = '\n';
  }
  if (!s.empty() && s.back() != '\n') s.push_back('\n');
  return s;
}

void print_table(const std::vector<std::string>& head,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(head.size());
  for (size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(head);
  for (const auto& r : rows) line(r);
}

void print_destinations(const json::array& dests) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : dests) {
    rows.push_back({field(d, "name"), field(d, "type"),
                    d.at("paused").as_bool() ? "paused" : "running", field(d, "queued"),
                    age(d.at("oldest_queued_age_seconds")), field(d, "in_flight"),
                    field(d, "retrying"), field(d, "dead"), field(d, "sent"),
                    field(d, "failed_attempts"), field(d, "last_error")});
  }
  print_table({"DESTINATION", "TYPE", "STATE", "QUEUED", "OLDEST", "IN_FLIGHT", "RETRYING", "DEAD",
               "SENT", "ERRORS", "LAST_ERROR"},
              rows);
}

void print_status(const json::value& j) {
  const auto& e = j.at("engine");
  std::cout << "irwell " << field(e, "version") << ", up " << age(e.at("uptime_seconds"))
            << ", started " << field(e, "started_at") << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : j.at("sources").as_array()) {
    std::string where = field(s, "bind");
    if (s.at("port").to_number<int64_t>() != 0) where += ":" + field(s, "port");
    rows.push_back({field(s, "name"), field(s, "type"), where, field(s, "received"),
                    field(s, "accepted"), field(s, "rejected"), field(s, "duplicate"),
                    field(s, "unrouted"), field(s, "filtered"), field(s, "connections")});
  }
  print_table({"SOURCE", "TYPE", "ADDRESS", "RECEIVED", "ACCEPTED", "REJECTED", "DUPLICATE",
               "UNROUTED", "FILTERED", "CONNECTIONS"},
              rows);
  std::cout << "\n";
  print_destinations(j.at("destinations").as_array());
}

void print_search(const json::value& j) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : j.at("messages").as_array()) {
    rows.push_back({field(m, "id"), field(m, "received_at"), field(m, "source"),
                    field(m, "control_id"), field(m, "type"), field(m, "status"),
                    field(m, "ack_code")});
  }
  print_table({"ID", "RECEIVED", "SOURCE", "CONTROL_ID", "TYPE", "STATUS", "ACK"}, rows);
  if (!j.at("next_cursor").is_null()) {
    std::cout << "(more: --cursor " << field(j, "next_cursor") << ")\n";
  }
}

void print_message(const json::value& m) {
  std::cout << "message " << field(m, "id") << "  " << field(m, "type") << "  control ID "
            << field(m, "control_id") << "\n"
            << "received " << field(m, "received_at") << " by " << field(m, "source") << " from "
            << field(m, "peer") << "\n"
            << "sender   " << field(m, "sending_application") << " / "
            << field(m, "sending_facility") << "\n"
            << "status   " << field(m, "status") << " (" << field(m, "ack_code") << ")\n";
  if (!field(m, "error").empty()) std::cout << "error    " << field(m, "error") << "\n";
  std::cout << "\n-- as received --\n" << lines(field(m, "raw"));
  std::cout << "-- ACK sent --\n" << lines(field(m, "ack"));
  for (const auto& d : m.at("deliveries").as_array()) {
    std::cout << "\n-- delivery " << field(d, "id") << " to " << field(d, "destination")
              << " (route " << field(d, "route") << "): " << field(d, "state") << ", "
              << field(d, "attempts") << " attempt(s)";
    if (!d.at("replay_of").is_null()) std::cout << ", replay of " << field(d, "replay_of");
    std::cout << " --\n";
    if (!field(d, "last_error").empty())
      std::cout << "last error: " << field(d, "last_error") << "\n";
    if (d.at("transformed").as_bool())
      std::cout << "sent (transformed):\n" << lines(field(d, "payload"));
    for (const auto& a : d.at("attempt_log").as_array()) {
      std::cout << "  " << field(a, "started_at") << "  " << field(a, "outcome");
      if (!field(a, "error").empty()) std::cout << "  " << field(a, "error");
      std::cout << "\n";
      if (!field(a, "reply").empty()) {
        std::string reply = field(a, "reply");
        for (auto& c : reply) {
          if (c == '\r') c = ' ';
        }
        std::cout << "    reply: " << reply << "\n";
      }
    }
  }
}

void print_dead_letters(const json::value& j) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : j.at("dead_letters").as_array()) {
    rows.push_back({field(d, "delivery_id"), field(d, "message_id"), field(d, "control_id"),
                    field(d, "type"), field(d, "attempts"), field(d, "dead_at"),
                    field(d, "last_error")});
  }
  print_table({"DELIVERY", "MESSAGE", "CONTROL_ID", "TYPE", "ATTEMPTS", "DEAD_AT", "LAST_ERROR"},
              rows);
}

void print_audit(const json::value& j) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : j.at("entries").as_array()) {
    rows.push_back({field(e, "at"), field(e, "actor"), field(e, "action"), field(e, "target"),
                    field(e, "detail")});
  }
  print_table({"AT", "ACTOR", "ACTION", "TARGET", "DETAIL"}, rows);
}

std::string query_string(const std::map<std::string, std::string>& flags,
                         const std::map<std::string, std::string>& names) {
  std::string q;
  for (const auto& [flag, param] : names) {
    auto it = flags.find(flag);
    if (it == flags.end()) continue;
    q += q.empty() ? "?" : "&";
    q += param + "=";
    for (unsigned char c : it->second) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        q.push_back(static_cast<char>(c));
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        q += buf;
      }
    }
  }
  return q;
}

std::string path_segment(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

int usage_error(const std::string& message) {
  std::cerr << "irwellctl: " << message << "\n(irwellctl --help lists the commands)\n";
  return 2;
}

int exit_code_for(unsigned status) {
  if (status >= 200 && status < 300) return 0;
  if (status == 401 || status == 403) return 4;
  if (status == 404) return 5;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string url_text = "http://127.0.0.1:8080";
  if (const char* env = std::getenv("IRWELL_ADMIN_URL"); env && *env) url_text = env;
  if (const char* env = std::getenv("IRWELL_ADMIN_TOKEN"); env) o.token = env;
  irwell::client::TlsClientOptions tls;
  if (const char* env = std::getenv("IRWELL_ADMIN_CA"); env) tls.ca = env;
  if (const char* env = std::getenv("IRWELL_ADMIN_CERT"); env) tls.cert = env;
  if (const char* env = std::getenv("IRWELL_ADMIN_KEY"); env) tls.key = env;

  // Flags that take a value; everything else starting with -- is an error.
  static const std::map<std::string, bool> kValueFlags = {
      {"url", true},   {"token", true},  {"control-id", true}, {"patient", true},
      {"type", true},  {"status", true}, {"source", true},     {"destination", true},
      {"since", true}, {"until", true},  {"limit", true},      {"cursor", true},
      {"actor", true}, {"action", true}, {"target", true},     {"ca", true},
      {"cert", true},  {"key", true}};
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (a.starts_with("--")) {
      std::string name = a.substr(2), value;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (kValueFlags.contains(name)) {
        if (i + 1 >= args.size()) return usage_error("--" + name + " needs a value");
        value = args[++i];
      }
      if (!kValueFlags.contains(name)) return usage_error("unknown option --" + name);
      if (name == "url") {
        url_text = value;
      } else if (name == "token") {
        o.token = value;
      } else if (name == "ca") {
        tls.ca = value;
      } else if (name == "cert") {
        tls.cert = value;
      } else if (name == "key") {
        tls.key = value;
      } else {
        o.flags[name] = value;
      }
      continue;
    }
    if (o.command.empty()) {
      o.command = a;
    } else {
      o.positional.push_back(a);
    }
  }
  if (o.command.empty()) return usage_error("no command given");
  auto url = irwell::admin::parse_admin_url(url_text);
  if (!url) return usage_error(url.error().message);
  o.url = *url;
  std::unique_ptr<boost::asio::ssl::context> tls_context;
  if (o.url.tls) {
    tls.enabled = true;
    auto made = irwell::client::make_tls_client_context(tls);
    if (!made) return usage_error(made.error().message);
    tls_context = std::move(*made);
  }

  // Each command: method, target, which flags it takes, how many positional arguments.
  std::string method = "GET", target;
  std::map<std::string, std::string> allowed;  // flag -> query parameter
  size_t want_args = 0;
  const std::string& c = o.command;
  if (c == "status" || c == "queues") {
    target = "/api/v1/channels";
  } else if (c == "search") {
    target = "/api/v1/messages";
    allowed = {{"control-id", "control_id"}, {"patient", "patient"}, {"type", "type"},
               {"status", "status"},         {"source", "source"},   {"destination", "destination"},
               {"since", "since"},           {"until", "until"},     {"limit", "limit"},
               {"cursor", "cursor"}};
  } else if (c == "show" || c == "replay") {
    want_args = 1;
    if (c == "replay") {
      method = "POST";
      allowed = {{"destination", "destination"}};
    }
  } else if (c == "pause" || c == "resume" || c == "dead-letters" || c == "replay-dead") {
    want_args = 1;
    if (c != "dead-letters") method = "POST";
    if (c == "dead-letters") allowed = {{"limit", "limit"}, {"cursor", "cursor"}};
  } else if (c == "patient") {
    want_args = 1;
  } else if (c == "audit") {
    target = "/api/v1/audit";
    allowed = {{"actor", "actor"},   {"action", "action"}, {"target", "target"}, {"limit", "limit"},
               {"cursor", "cursor"}, {"since", "since"},   {"until", "until"}};
  } else if (c == "reload") {
    method = "POST";
    target = "/api/v1/reload";
  } else {
    return usage_error("unknown command " + c);
  }
  if (o.positional.size() != want_args) {
    return usage_error(c + (want_args ? " takes one argument" : " takes no arguments"));
  }
  for (const auto& [flag, value] : o.flags) {
    if (!allowed.contains(flag)) return usage_error(c + " does not take --" + flag);
  }
  if (want_args) {
    const std::string& arg = o.positional[0];
    if (c == "show" || c == "replay") {
      if (arg.empty() || arg.find_first_not_of("0123456789") != std::string::npos) {
        return usage_error("a message ID is a number, got \"" + arg + "\"");
      }
      target = "/api/v1/messages/" + arg + (c == "replay" ? "/replay" : "");
    } else if (c == "patient") {
      target = "/api/v1/patients/" + path_segment(arg);
    } else {
      target = "/api/v1/destinations/" + path_segment(arg) + "/" + c;
    }
  }
  target += query_string(o.flags, allowed);

  auto reply = irwell::admin::admin_request(o.url, method, target, o.token,
                                            std::chrono::seconds(30), tls_context.get());
  if (!reply) {
    std::cerr << "irwellctl: " << reply.error().message << "\n";
    return 3;
  }
  int rc = exit_code_for(reply->status);
  json::value j;
  boost::system::error_code ec;
  j = json::parse(reply->body, ec);
  if (rc != 0) {
    std::string message = ec ? reply->body : field(j, "error");
    std::cerr << "irwellctl: HTTP " << reply->status << ": " << message << "\n";
    if (c == "reload" && !ec && j.is_object() && j.as_object().contains("diagnostics")) {
      for (const auto& d : j.at("diagnostics").as_array()) std::cerr << text(d) << "\n";
    }
    if (reply->status == 401 && o.token.empty()) {
      std::cerr << "irwellctl: give a token with --token or IRWELL_ADMIN_TOKEN\n";
    }
    return rc;
  }
  if (ec) {
    std::cerr << "irwellctl: the engine's reply is not JSON: " << ec.message() << "\n";
    return 1;
  }
  if (o.json) {
    std::cout << reply->body;
    if (!reply->body.ends_with('\n')) std::cout << "\n";
    return 0;
  }
  if (c == "status") {
    print_status(j);
  } else if (c == "queues") {
    print_destinations(j.at("destinations").as_array());
  } else if (c == "search") {
    print_search(j);
  } else if (c == "show") {
    print_message(j);
  } else if (c == "replay" || c == "replay-dead") {
    std::vector<std::string> ids;
    for (const auto& d : j.at("deliveries").as_array()) ids.push_back(text(d));
    std::cout << "replayed: " << ids.size() << " new deliver" << (ids.size() == 1 ? "y" : "ies");
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? ", " : " (") << ids[i];
    std::cout << (ids.empty() ? "" : ")") << "\n";
  } else if (c == "pause" || c == "resume") {
    std::cout << field(j, "name") << ": " << (j.at("paused").as_bool() ? "paused" : "running")
              << ", " << field(j, "queued") << " queued\n";
  } else if (c == "dead-letters") {
    print_dead_letters(j);
  } else if (c == "patient") {
    std::cout << "NHS number " << field(j, "nhs_number");
    if (j.at("opted_out").as_bool()) std::cout << " (opted out of sharing)";
    std::cout << "\n";
    if (!j.at("record").is_null()) std::cout << json::serialize(j.at("record")) << "\n";
  } else if (c == "audit") {
    print_audit(j);
  } else if (c == "reload") {
    const std::string status = field(j, "status");
    if (status == "restarting") {
      std::cout << "reload: restarting the engine with the new config\n";
    } else if (status == "pending") {
      std::cout << "reload: still running (" << field(j, "error") << ")\n";
    } else {
      std::cout << "reload: " << status << "\n";  // applied, unchanged
    }
  }
  return 0;
}
