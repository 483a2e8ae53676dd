// Cross-checks over a decoded Config that no single block can make: listeners sharing an address
// and port, and routes whose conditions can never all hold.
#include <algorithm>
#include <optional>
#include <set>

#include "engine/config/decoders.h"
#include "engine/config/wildcard.h"

namespace irwell::config {
namespace {

bool before(Mark a, Mark b) { return a.line != b.line ? a.line < b.line : a.column < b.column; }

bool wildcard_address(const std::string& bind) {
  return bind.empty() || bind == "0.0.0.0" || bind == "::" || bind == "[::]";
}

struct Listener {
  std::string owner;
  std::string bind;
  int port = 0;
  Mark mark;
};

// A pattern as matched against "CODE^EVENT": one without '^' compares with the code alone.
std::string normalized_type(const std::string& p) {
  return p.find('^') == std::string::npos ? p + "^*" : p;
}

bool patterns_meet(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (wildcards_intersect(normalized_type(x), normalized_type(y))) return true;
    }
  }
  return false;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::vector<std::string> q;
  for (const auto& i : items) q.push_back(quote(i));
  return join(q);
}

struct Never {
  Mark mark;
  std::string reason;
};

void flatten_all(const MatchExpr& e, std::vector<const MatchExpr*>& out) {
  if (e.kind == MatchExpr::Kind::all) {
    for (const auto& c : e.children) flatten_all(c, out);
  } else {
    out.push_back(&e);
  }
}

std::string describe(const MatchExpr& e) {
  if (e.op == MatchExpr::Op::equals) return "equal " + quote(e.values.empty() ? "" : e.values[0]);
  return "be one of " + quoted_list(e.values);
}

std::optional<Never> never_matches(const MatchExpr& e);

// Conditions that must all hold: contradictions between equals/in/present/absent on one path,
// and type conditions with no message type in common.
std::optional<Never> never_all(const MatchExpr& e) {
  std::vector<const MatchExpr*> leaves;
  flatten_all(e, leaves);
  for (const MatchExpr* l : leaves) {
    if (auto n = never_matches(*l)) return n;
  }
  struct PathState {
    std::optional<std::set<std::string>> values;  // what the value may be, when restricted
    const MatchExpr* restricted_by = nullptr;
    const MatchExpr* present = nullptr;
    const MatchExpr* absent = nullptr;
  };
  std::map<std::string, PathState> paths;
  std::vector<const MatchExpr*> types;
  for (const MatchExpr* l : leaves) {
    if (l->kind == MatchExpr::Kind::type) {
      for (const MatchExpr* t : types) {
        if (!patterns_meet(t->values, l->values)) {
          return Never{l->mark, "type " + quoted_list(l->values) + " and type " +
                                    quoted_list(t->values) + " have no message type in common"};
        }
      }
      types.push_back(l);
      continue;
    }
    if (l->kind != MatchExpr::Kind::field || l->path.empty()) continue;
    PathState& s = paths[l->path];
    switch (l->op) {
      case MatchExpr::Op::equals:
      case MatchExpr::Op::in: {
        std::set<std::string> mine(l->values.begin(), l->values.end());
        if (s.values) {
          std::set<std::string> both;
          std::set_intersection(s.values->begin(), s.values->end(), mine.begin(), mine.end(),
                                std::inserter(both, both.end()));
          if (both.empty()) {
            return Never{l->mark, l->path + " cannot both " + describe(*s.restricted_by) + " and " +
                                      describe(*l)};
          }
          s.values = std::move(both);
        } else {
          s.values = std::move(mine);
        }
        s.restricted_by = l;
        break;
      }
      case MatchExpr::Op::present:
        s.present = l;
        break;
      case MatchExpr::Op::absent:
        s.absent = l;
        break;
      case MatchExpr::Op::regex:
        break;
    }
    if (s.present && s.absent) {
      return Never{l->mark, l->path + " cannot be both present and absent"};
    }
    // An absent field reads as empty: only an allowed "" fits it; a present one is never "".
    if (s.values && s.absent && !s.values->count("")) {
      return Never{l->mark, l->path + " cannot both be absent and " + describe(*s.restricted_by)};
    }
    if (s.values && s.present && s.values->size() == 1 && s.values->count("")) {
      return Never{l->mark, l->path + " cannot both be present and equal \"\""};
    }
  }
  return std::nullopt;
}

std::optional<Never> never_matches(const MatchExpr& e) {
  switch (e.kind) {
    case MatchExpr::Kind::always:
    case MatchExpr::Kind::type:
      return std::nullopt;
    case MatchExpr::Kind::field:
      if (e.op == MatchExpr::Op::in && e.values.empty()) {
        return Never{e.mark, e.path + " must be one of an empty list"};
      }
      return std::nullopt;
    case MatchExpr::Kind::not_:
      if (!e.children.empty() && e.children[0].kind == MatchExpr::Kind::always) {
        return Never{e.mark, "\"not\" of a condition that always holds"};
      }
      return std::nullopt;
    case MatchExpr::Kind::any: {
      if (e.children.empty()) return Never{e.mark, "an empty \"any\" holds for no message"};
      std::optional<Never> first;
      for (const auto& c : e.children) {
        auto n = never_matches(c);
        if (!n) return std::nullopt;
        if (!first) first = n;
      }
      return Never{e.mark, "no condition of \"any\" can hold (" + first->reason + ")"};
    }
    case MatchExpr::Kind::all:
      return never_all(e);
  }
  return std::nullopt;
}

}  // namespace

void check_port_clashes(const Config& config, Mark admin_port_mark, DiagnosticList& diags) {
  std::vector<Listener> listeners;
  for (const auto& s : config.sources) {
    if (s.type != "mllp") continue;
    auto it = s.params.find("port");
    Mark at = it != s.params.end() ? it->second.mark : s.mark;
    listeners.push_back({"source " + quote(s.name), s.mllp.bind, s.mllp.port, at});
  }
  if (config.admin.enabled) {
    listeners.push_back({"admin", config.admin.bind, config.admin.port, admin_port_mark});
  }
  std::stable_sort(listeners.begin(), listeners.end(),
                   [](const Listener& a, const Listener& b) { return before(a.mark, b.mark); });
  for (size_t i = 0; i < listeners.size(); ++i) {
    const Listener& l = listeners[i];
    if (l.port == 0) continue;  // port 0: the kernel picks a free port, never a clash
    for (size_t j = 0; j < i; ++j) {
      const Listener& o = listeners[j];
      bool same_address = o.bind == l.bind || wildcard_address(o.bind) || wildcard_address(l.bind);
      if (o.port == l.port && same_address) {
        diags.error(l.mark, in_context(l.owner, "port " + std::to_string(l.port) + " on " + l.bind +
                                                    " is already used by " + o.owner + " (" +
                                                    mark_text(o.mark) + ")"));
        break;
      }
    }
  }
}

void check_route_can_match(const RouteConfig& route, const Config& config, std::string_view context,
                           DiagnosticList& diags) {
  if (auto n = never_matches(route.match)) {
    diags.error(n->mark, in_context(context, "can never match: " + n->reason));
    return;
  }
  // The route's type conditions against what its sources let in at all.
  std::vector<const MatchExpr*> leaves;
  flatten_all(route.match, leaves);
  std::vector<const SourceConfig*> sources;
  for (const auto& name : route.sources) {
    const SourceConfig* s = config.find_source(name);
    if (!s) return;  // an unknown source is reported already
    sources.push_back(s);
  }
  for (const MatchExpr* l : leaves) {
    if (l->kind != MatchExpr::Kind::type || l->values.empty()) continue;
    std::vector<std::string> restrictions;
    bool some_source_fits = false;
    for (const SourceConfig* s : sources) {
      const auto& allowed = s->mllp.allowed_types;
      if (s->type != "mllp" || allowed.empty() || patterns_meet(l->values, allowed)) {
        some_source_fits = true;
        break;
      }
      restrictions.push_back(s->name + " allows " + quoted_list(allowed));
    }
    if (!some_source_fits && !sources.empty()) {
      diags.error(l->mark, in_context(context, "can never match: type " + quoted_list(l->values) +
                                                   " is outside the allowed_types of every "
                                                   "source of the route (" +
                                                   join(restrictions, "; ") + ")"));
      return;
    }
  }
}

}  // namespace irwell::config
