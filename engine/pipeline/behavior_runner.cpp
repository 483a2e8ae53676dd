#include "engine/pipeline/behavior_runner.h"

#include <algorithm>
#include <map>
#include <ostream>

#include "engine/core/json.h"
#include "engine/hl7/message.h"

namespace irwell::pipeline {
namespace {

using Kind = TransformResult::Kind;

// What the case's subject (steps, a route or a source) did with the input.
struct Actual {
  std::string outcome;  // delivered, dropped, unrouted, error
  std::string reason;
  bool routed = false;  // route/source mode: destinations are meaningful
  struct Delivery {
    std::string destination;  // "" for inline steps
    std::string payload;      // "" = the input unchanged
    bool xml = false;
  };
  std::vector<Delivery> deliveries;
};

const char* outcome_of(Kind k) {
  switch (k) {
    case Kind::next:
      return "delivered";
    case Kind::drop:
      return "dropped";
    case Kind::error:
      return "error";
  }
  return "error";
}

std::string list_text(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

// The value at `p` for messages: the decoded value, or nullopt for no value (absent, empty or the
// HL7 null); the null itself is reported as `""` so that an expectation can ask for it.
std::optional<std::string> value_at(const hl7::Message& m, const hl7::Path& p) {
  switch (m.state(p)) {
    case hl7::ValueState::value:
      return m.get(p);
    case hl7::ValueState::null:
      return std::string("\"\"");
    default:
      return std::nullopt;
  }
}

std::string shown(const std::optional<std::string>& v) {
  return v ? json::quote(*v) : std::string("no value");
}

// Field by field differences between two messages (wire text), in message order.
void diff_messages(const hl7::Message& want, const hl7::Message& got, const std::string& prefix,
                   std::vector<std::string>& problems) {
  size_t n = std::max(want.segment_count(), got.segment_count());
  std::map<std::string, int> seen;
  for (size_t i = 0; i < n; ++i) {
    if (i >= got.segment_count()) {
      problems.push_back(prefix + "segment " + std::to_string(i + 1) + " (" +
                         std::string(want.segment_id(i)) + "): expected, but missing");
      continue;
    }
    if (i >= want.segment_count()) {
      problems.push_back(prefix + "segment " + std::to_string(i + 1) + " (" +
                         std::string(got.segment_id(i)) + "): not expected");
      continue;
    }
    std::string id(want.segment_id(i));
    if (id != got.segment_id(i)) {
      problems.push_back(prefix + "segment " + std::to_string(i + 1) + ": expected " + id +
                         ", got " + std::string(got.segment_id(i)));
      continue;
    }
    int occurrence = ++seen[id];
    size_t fields = std::max(want.field_count(i), got.field_count(i));
    for (size_t f = 1; f <= fields; ++f) {
      auto w = want.field_raw(i, static_cast<int>(f));
      auto g = got.field_raw(i, static_cast<int>(f));
      std::string_view wv = w.value_or(""), gv = g.value_or("");
      if (wv == gv) continue;
      hl7::Path p{id, occurrence, static_cast<int>(f), 0, 0, 0};
      problems.push_back(prefix + p.to_string() + ": expected " +
                         (wv.empty() ? "no value" : json::quote(wv)) + ", got " +
                         (gv.empty() ? "no value" : json::quote(gv)));
    }
  }
}

void check_output(const OutputExpectation& e, const Actual::Delivery& d, const hl7::Message& input,
                  const std::string& prefix, std::vector<std::string>& problems) {
  const std::string& bytes = d.payload.empty() ? input.raw() : d.payload;
  std::optional<hl7::Message> parsed;
  auto output = [&]() -> const hl7::Message* {
    if (d.payload.empty()) return &input;
    if (d.xml) return nullptr;
    if (!parsed) {
      auto m = hl7::Message::parse(d.payload);
      if (!m) return nullptr;
      parsed = std::move(*m);
    }
    return &*parsed;
  };
  if (e.unchanged && *e.unchanged != d.payload.empty()) {
    if (*e.unchanged) {
      problems.push_back(prefix +
                         "unchanged: expected the input forwarded as received, but it "
                         "was changed:");
      if (const hl7::Message* out = output()) diff_messages(input, *out, prefix + "  ", problems);
    } else {
      problems.push_back(prefix + "unchanged: expected a changed message, got the input as is");
    }
  }
  for (const auto& text : e.contains) {
    if (bytes.find(text) == std::string::npos)
      problems.push_back(prefix + "contains: expected the output to contain " + json::quote(text));
  }
  if (e.fields.empty() && !e.message) return;
  const hl7::Message* out = output();
  if (!out) {
    problems.push_back(prefix + (d.xml ? "fields/message: the output is XML; check it with "
                                         "`contains`"
                                       : "the output cannot be parsed as HL7"));
    return;
  }
  for (const auto& [path_text, want] : e.fields) {
    auto p = hl7::Path::parse(path_text);
    if (!p) continue;  // checked when the file was read
    std::optional<std::string> got = value_at(*out, *p);
    if (got != want)
      problems.push_back(prefix + path_text + ": expected " + shown(want) + ", got " + shown(got));
  }
  if (e.message) {
    auto want = hl7::Message::parse(*e.message);
    if (!want) {
      problems.push_back(
          prefix + "message: the expected message cannot be parsed: " + want.error().to_string());
    } else {
      diff_messages(*want, *out, prefix, problems);
    }
  }
}

}  // namespace

BehaviorRunner::BehaviorRunner(const config::Config* config, const RouteTable* routes,
                               std::string no_config)
    : config_(config), routes_(routes), no_config_(std::move(no_config)) {}

BehaviorResult BehaviorRunner::run(const BehaviorCase& c) const {
  BehaviorResult r{c.title(), {}};
  auto& problems = r.problems;
  auto input = hl7::Message::parse(c.input);
  if (!input) {
    problems.push_back("input: cannot be parsed: " + input.error().to_string());
    return r;
  }
  const hl7::Message& m = *input;
  Actual actual;
  switch (c.mode) {
    case BehaviorCase::Mode::transforms: {
      auto steps = Steps::build(c.transforms, BuildContext{config_}, c.file, "test");
      if (!steps) {
        for (const auto& d : steps.error()) problems.push_back(d.to_string());
        return r;
      }
      StepsResult s = steps->run(m);
      actual.outcome = outcome_of(s.kind);
      actual.reason = s.reason;
      if (s.kind == Kind::next) actual.deliveries.push_back({"", s.payload, s.xml});
      break;
    }
    case BehaviorCase::Mode::route:
    case BehaviorCase::Mode::source: {
      if (!routes_ || !config_) {
        problems.push_back("needs a config: " + no_config_);
        return r;
      }
      actual.routed = true;
      std::vector<RouteRun> runs;
      if (c.mode == BehaviorCase::Mode::route) {
        const Route* route = routes_->find(c.target);
        if (!route) {
          problems.push_back("no route named \"" + c.target + "\" in " + config_->file.string());
          return r;
        }
        if (route->matches(m)) runs.push_back(RouteRun{route, route->transform(m)});
      } else {
        if (!config_->find_source(c.target)) {
          problems.push_back("no source named \"" + c.target + "\" in " + config_->file.string());
          return r;
        }
        runs = routes_->run(m, c.target);
      }
      bool error = false, delivered = false;
      for (const RouteRun& run : runs) {
        if (run.result.kind != Kind::next) {
          if (!actual.reason.empty()) actual.reason += "; ";
          actual.reason += "route \"" + run.route->name() + "\": " + run.result.reason;
          error = error || run.result.kind == Kind::error;
          continue;
        }
        for (const auto& d : routes_->deliveries(*run.route, run.result, m)) {
          actual.deliveries.push_back({d.destination, d.payload, run.result.xml});
          delivered = true;
        }
      }
      actual.outcome = error          ? "error"
                       : delivered    ? "delivered"
                       : runs.empty() ? "unrouted"
                                      : "dropped";
      break;
    }
  }

  const BehaviorExpectation& e = c.expect;
  if (actual.outcome != e.outcome) {
    std::string line = "outcome: expected " + e.outcome + ", got " + actual.outcome;
    if (!actual.reason.empty()) line += " (" + actual.reason + ")";
    problems.push_back(line);
    return r;
  }
  if (!e.reason.empty() && actual.reason.find(e.reason) == std::string::npos)
    problems.push_back("reason: expected it to contain " + json::quote(e.reason) + ", got " +
                       json::quote(actual.reason));
  if (e.destinations) {
    if (!actual.routed) {
      problems.push_back("destinations: only a route or source test has destinations");
    } else {
      std::vector<std::string> got;
      for (const auto& d : actual.deliveries) got.push_back(d.destination);
      if (list_text(got) != list_text(*e.destinations))
        problems.push_back("destinations: expected " + list_text(*e.destinations) + ", got " +
                           list_text(got));
    }
  }
  if (!e.output.empty()) {
    if (actual.deliveries.empty() && e.outcome == "delivered")
      problems.push_back("no delivery to check the output of");
    // Deliveries with the same payload are one output (a route's destinations share it).
    std::vector<std::pair<std::vector<std::string>, const Actual::Delivery*>> outputs;
    for (const auto& d : actual.deliveries) {
      auto same = std::find_if(outputs.begin(), outputs.end(), [&](const auto& o) {
        return o.second->payload == d.payload && o.second->xml == d.xml;
      });
      if (same != outputs.end()) {
        same->first.push_back(d.destination);
      } else {
        outputs.push_back({{d.destination}, &d});
      }
    }
    for (const auto& [dests, d] : outputs) {
      std::string prefix;
      if (outputs.size() > 1) {
        prefix = list_text(dests) + " ";
      }
      check_output(e.output, *d, m, prefix, problems);
    }
  }
  for (const auto& [dest, want] : e.deliveries) {
    auto it = std::find_if(actual.deliveries.begin(), actual.deliveries.end(),
                           [&](const Actual::Delivery& d) { return d.destination == dest; });
    if (it == actual.deliveries.end()) {
      problems.push_back("deliveries: " + dest + ": no delivery to it");
      continue;
    }
    check_output(want, *it, m, "[" + dest + "] ", problems);
  }
  return r;
}

void print_result(const BehaviorResult& r, std::ostream& out) {
  out << (r.passed() ? "PASS " : "FAIL ") << r.title << "\n";
  for (const auto& p : r.problems) out << "    " << p << "\n";
}

}  // namespace irwell::pipeline
