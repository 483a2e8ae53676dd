#pragma once
// The router built from routes.yaml: which routes a message takes, what their transforms make of
// it, and the deliveries that result (the Router seam of routing.h).
//
// Contract
// - build_router() / build_route_table() build every route of a checked Config once: match
//   conditions compiled (matcher.h), transforms built from their Params by the built-in types'
//   builders (transforms/register.h), lookup tables taken from the Config. What only a builder can
//   reject comes back as located Diagnostics, all of them, never a partial router.
// - route(message, source): for each route, in file order, whose `sources` include `source` (an
//   empty list = every source) and whose `match` holds on the ORIGINAL message (routes never see
//   each other's changes): copy the message, apply the route's transforms in order, and produce
//   one delivery per destination of the route (fan-out across routes and destinations). A
//   transform that drops ends the route quietly (recorded as filtered when no route delivers); one
//   that fails ends the route with an error naming the route, the step and its place in the file.
// - Payload: "" when the route's transforms changed nothing (the destination sends the raw bytes
//   as received: byte-exact forwarding, F3/K5); Message::encode() when they did; and when the
//   route has an `xml` step, the HL7 v2 XML document (UTF-8, with its XML declaration), which the
//   destination sends as it is (an MLLP destination frames it like any payload, a file
//   destination writes it). Store and destinations carry payloads as opaque bytes.
// - Lane key: a destination with `lane_key: PID-3` (say) gets the value at that path of the
//   message as delivered, so its lanes keep each patient's messages in order.
// - Thread-safety: immutable after building; route() may run on many threads at once.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"
#include "engine/config/diagnostic.h"
#include "engine/config/registry.h"
#include "engine/core/result.h"
#include "engine/hl7/message.h"
#include "engine/hl7/path.h"
#include "engine/pipeline/matcher.h"
#include "engine/pipeline/routing.h"
#include "engine/pipeline/transform.h"

namespace irwell::pipeline {

// What a list of transforms made of one message.
struct StepsResult {
  TransformResult::Kind kind = TransformResult::Kind::next;
  std::string reason;                   // drop/error: "transform 2 (lookup, routes.yaml:14:9): ..."
  std::optional<hl7::Message> message;  // the transformed copy (next); nullopt if no steps ran
  std::string payload;                  // the bytes to deliver; "" = the input unchanged
  bool xml = false;                     // payload is HL7 v2 XML
};

// An ordered list of built transforms (a route's `transforms:`, or a behaviour file's list).
class Steps {
 public:
  Steps() = default;
  // `file` and `context` ("route \"adt\"") word the diagnostics.
  static Result<Steps, std::vector<config::Diagnostic>> build(
      const std::vector<config::TransformConfig>& transforms, const BuildContext& ctx,
      const std::string& file, std::string_view context);

  StepsResult run(const hl7::Message& in) const;
  bool empty() const { return steps_.empty(); }

 private:
  struct Step {
    std::string label;  // "transform 2 (lookup, routes.yaml:14:9)"
    std::shared_ptr<const Transform> transform;
  };
  std::vector<Step> steps_;
};

// One built route.
class Route {
 public:
  const std::string& name() const { return name_; }
  bool listens_to(std::string_view source) const;
  bool matches(const hl7::Message& m) const { return match_.matches(m); }
  StepsResult transform(const hl7::Message& m) const { return steps_.run(m); }
  const std::vector<std::string>& destinations() const { return destinations_; }

 private:
  friend class RouteTable;
  std::string name_;
  std::vector<std::string> sources_;
  Matcher match_;
  Steps steps_;
  std::vector<std::string> destinations_;
};

// What one route that took a message made of it.
struct RouteRun {
  const Route* route = nullptr;
  StepsResult result;
};

// The Router for a Config: every route, built.
class RouteTable final : public Router {
 public:
  static Result<std::unique_ptr<RouteTable>, std::vector<config::Diagnostic>> build(
      const config::Config& config, const config::Registry& registry);

  RoutingOutcome route(const hl7::Message& m, std::string_view source) const override;
  // The routes that take the message from `source` (in file order) and what each made of it;
  // route() is this, flattened into deliveries. `irwell test` reads the reasons from here.
  std::vector<RouteRun> run(const hl7::Message& m, std::string_view source) const;

  const std::vector<Route>& routes() const { return routes_; }
  const Route* find(std::string_view name) const;
  // The deliveries one route's result makes (one per destination, with lane keys).
  std::vector<store::NewDelivery> deliveries(const Route& r, const StepsResult& result,
                                             const hl7::Message& original) const;

 private:
  std::vector<Route> routes_;
  std::vector<std::pair<std::string, std::optional<hl7::Path>>> lane_keys_;  // by destination
};

Result<std::unique_ptr<Router>, std::vector<config::Diagnostic>> build_router(
    const config::Config& config, const config::Registry& registry);

}  // namespace irwell::pipeline
