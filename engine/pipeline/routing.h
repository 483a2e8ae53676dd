#pragma once
// Routing seam: what the ingest pipeline asks of "routes.yaml" for one accepted message.
//
// Contract: Router::route() is pure with respect to the engine (no I/O, no store access); it is
// given a parsed, validated message and the name of the source it arrived on, and answers every
// delivery to enqueue (destination, route, lane key, and the payload bytes when a route's
// transforms changed them). The ingest step puts these deliveries into the SAME store transaction
// as the message, so a crash between "routed" and "queued" cannot happen and recovery needs
// nothing more than the store.
//
// Outcome meaning:
// - deliveries non-empty: the message is accepted and queued to those destinations;
// - deliveries empty, filtered == true: every matching route dropped it by a filter (status
//   "filtered", ACKed as accepted);
// - deliveries empty, filtered == false: no route matched (status "unrouted", ACKed per the
//   source's `unrouted_ack`);
// - errors: transform or route failures, recorded with the message; a message with errors and no
//   deliveries is treated as an application error (AE) by the ingest step.
// Thread-safety: route() is const and may be called from the network thread concurrently with
// nothing else mutating the Router; implementations hold only immutable, config-derived state.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hl7/message.h"
#include "engine/store/message_store.h"

namespace irwell::config {
struct Config;
}

namespace irwell::pipeline {

struct RoutingOutcome {
  std::vector<store::NewDelivery> deliveries;
  std::vector<std::string> matched_routes;
  bool filtered = false;
  std::vector<std::string> errors;
};

class Router {
 public:
  virtual ~Router() = default;
  virtual RoutingOutcome route(const hl7::Message& m, std::string_view source) const = 0;
};

// A router that matches nothing: every message is unrouted. Used when no routes are configured
// (or before the real router exists) and by tests.
class NoRouter final : public Router {
 public:
  RoutingOutcome route(const hl7::Message&, std::string_view) const override { return {}; }
};

}  // namespace irwell::pipeline
