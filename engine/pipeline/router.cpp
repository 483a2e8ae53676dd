#include "engine/pipeline/router.h"

#include <algorithm>

#include "transforms/register.h"

namespace irwell::pipeline {
namespace {

std::string place(const std::string& file, config::Mark m) {
  return file + ":" + std::to_string(m.line) + ":" + std::to_string(m.column);
}

// A diagnostic at `m`, or at `fallback` when m is unknown (a default value has no place of its
// own but the block's).
config::Diagnostic diagnostic(const std::string& file, config::Mark m, config::Mark fallback,
                              std::string message) {
  if (m.line == 0) m = fallback;
  return config::Diagnostic{file, m.line, m.column, std::move(message)};
}

}  // namespace

Result<Steps, std::vector<config::Diagnostic>> Steps::build(
    const std::vector<config::TransformConfig>& transforms, const BuildContext& ctx,
    const std::string& file, std::string_view context) {
  Steps steps;
  std::vector<config::Diagnostic> diags;
  for (size_t i = 0; i < transforms.size(); ++i) {
    const config::TransformConfig& t = transforms[i];
    std::string where =
        std::string(context) + ": transform " + std::to_string(i + 1) + " (" + t.type + ")";
    const TransformType* type = transforms::find_builtin_transform(t.type);
    if (!type) {
      diags.push_back(diagnostic(file, t.mark, t.mark, where + ": unknown transform type"));
      continue;
    }
    auto built = type->build(t.params, ctx);
    if (!built) {
      const BuildError& e = built.error();
      config::Mark at = t.mark;
      std::string message = where + ": ";
      if (!e.field.empty()) {
        message += e.field + ": ";
        if (auto it = t.params.find(e.field); it != t.params.end()) at = it->second.mark;
      }
      diags.push_back(diagnostic(file, at, t.mark, message + e.message));
      continue;
    }
    std::string label = "transform " + std::to_string(i + 1) + " (" + t.type;
    if (t.mark.line > 0) label += ", " + place(file, t.mark);
    label += ")";
    steps.steps_.push_back(Step{std::move(label), std::move(*built)});
  }
  if (!diags.empty()) return fail(std::move(diags));
  return steps;
}

StepsResult Steps::run(const hl7::Message& in) const {
  StepsResult r;
  if (steps_.empty()) return r;  // nothing to do: the raw bytes go as they came
  r.message = in;
  TransformContext ctx;
  for (const Step& s : steps_) {
    TransformResult t = s.transform->apply(*r.message, ctx);
    if (t.kind != TransformResult::Kind::next) {
      r.kind = t.kind;
      r.reason = s.label + ": " + t.reason;
      return r;
    }
  }
  if (ctx.encoder) {
    r.payload = ctx.encoder->encode(*r.message);
    r.xml = true;
    if (r.payload.empty()) {
      r.kind = TransformResult::Kind::error;
      r.reason = "the message could not be encoded for delivery";
    }
  } else if (r.message->modified()) {
    r.payload = r.message->encode();
  }
  return r;
}

bool Route::listens_to(std::string_view source) const {
  return sources_.empty() || std::find(sources_.begin(), sources_.end(), source) != sources_.end();
}

Result<std::unique_ptr<RouteTable>, std::vector<config::Diagnostic>> RouteTable::build(
    const config::Config& config, const config::Registry& registry) {
  auto table = std::make_unique<RouteTable>();
  std::vector<config::Diagnostic> diags;
  const std::string file = config.file.string();
  BuildContext ctx{&config};
  for (const config::RouteConfig& rc : config.routes) {
    std::string context = "route \"" + rc.name + "\"";
    Route r;
    r.name_ = rc.name;
    r.sources_ = rc.sources;
    r.destinations_ = rc.destinations;
    auto match = Matcher::compile(rc.match);
    if (!match) {
      diags.push_back(
          diagnostic(file, rc.match.mark, rc.mark, context + ": match: " + match.error().message));
    } else {
      r.match_ = std::move(*match);
    }
    for (const auto& t : rc.transforms) {
      if (!registry.find(config::TypeKind::transform, t.type)) {
        diags.push_back(
            diagnostic(file, t.mark, rc.mark,
                       context + ": transform type \"" + t.type + "\" is not registered"));
      }
    }
    auto steps = Steps::build(rc.transforms, ctx, file, context);
    if (!steps) {
      diags.insert(diags.end(), steps.error().begin(), steps.error().end());
    } else {
      r.steps_ = std::move(*steps);
    }
    table->routes_.push_back(std::move(r));
  }
  for (const config::DestinationConfig& d : config.destinations) {
    std::optional<hl7::Path> lane;
    if (auto it = d.params.find("lane_key"); it != d.params.end() && !it->second.text.empty()) {
      auto p = hl7::Path::parse(it->second.text);
      if (!p) {
        diags.push_back(
            diagnostic(file, it->second.mark, d.mark,
                       "destination \"" + d.name + "\": lane_key: " + p.error().message));
      } else {
        lane = *p;
      }
    }
    table->lane_keys_.emplace_back(d.name, std::move(lane));
  }
  if (!diags.empty()) {
    config::sort_diagnostics(diags);
    return fail(std::move(diags));
  }
  return table;
}

const Route* RouteTable::find(std::string_view name) const {
  for (const Route& r : routes_) {
    if (r.name() == name) return &r;
  }
  return nullptr;
}

std::vector<store::NewDelivery> RouteTable::deliveries(const Route& r, const StepsResult& result,
                                                       const hl7::Message& original) const {
  std::vector<store::NewDelivery> out;
  if (result.kind != TransformResult::Kind::next) return out;
  const hl7::Message& delivered = result.message ? *result.message : original;
  for (const std::string& d : r.destinations()) {
    store::NewDelivery nd{d, r.name(), {}, result.payload};
    for (const auto& [name, path] : lane_keys_) {
      if (name == d && path) nd.lane_key = delivered.get(*path);
    }
    out.push_back(std::move(nd));
  }
  return out;
}

std::vector<RouteRun> RouteTable::run(const hl7::Message& m, std::string_view source) const {
  std::vector<RouteRun> runs;
  for (const Route& r : routes_) {
    if (r.listens_to(source) && r.matches(m)) runs.push_back(RouteRun{&r, r.transform(m)});
  }
  return runs;
}

RoutingOutcome RouteTable::route(const hl7::Message& m, std::string_view source) const {
  RoutingOutcome out;
  bool dropped = false;
  for (const RouteRun& taken : run(m, source)) {
    const Route& r = *taken.route;
    out.matched_routes.push_back(r.name());
    switch (taken.result.kind) {
      case TransformResult::Kind::drop:
        dropped = true;
        break;
      case TransformResult::Kind::error:
        out.errors.push_back("route \"" + r.name() + "\": " + taken.result.reason);
        break;
      case TransformResult::Kind::next: {
        auto ds = deliveries(r, taken.result, m);
        std::move(ds.begin(), ds.end(), std::back_inserter(out.deliveries));
        break;
      }
    }
  }
  // Filtered: routes took it and every one of them dropped it on purpose (not unrouted, not an
  // error): the message is accepted and recorded as filtered.
  out.filtered = out.deliveries.empty() && out.errors.empty() && dropped;
  return out;
}

Result<std::unique_ptr<Router>, std::vector<config::Diagnostic>> build_router(
    const config::Config& config, const config::Registry& registry) {
  auto table = RouteTable::build(config, registry);
  if (!table) return fail(table.error());
  return std::unique_ptr<Router>(std::move(*table));
}

}  // namespace irwell::pipeline
