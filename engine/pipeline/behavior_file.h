#pragma once
// Behaviour files: tests of routes and transforms written as data (`irwell test`, and the
// project's own transform tests under tests/behavior/). One YAML file holds a list of cases:
//
//   tests:
//     - name: spaces in the NHS number are removed    # required, unique in the file
//       transforms:                                   # ONE of: an inline list of steps, as in a
//         - type: nhs_number                          #   route's `transforms:`
//       # route: adt_to_shared_record                 #   one route of the config (its sources
//       #                                             #   are ignored, its match must hold)
//       # source: trusts_mllp                         #   the whole router, as the engine routes
//       #                                             #   a message arriving on that source
//       input: |                                      # required: one HL7 message (LF or CR)
//         MSH|^~\&|PAS|RXA|...
//       expect:
//         outcome: delivered     # delivered (default) | dropped | unrouted | error
//         reason: modulus        # dropped/error: text the reason must contain
//         destinations: [shared_record, subscriber]   # route/source: exactly these (any order)
//         fields:                # values in every delivered message (decoded, as Message::get)
//           PID-3.1: "9990000018"
//           ZPI-1: null          #   null = no value (absent, empty or "")
//         message: |             # the whole delivered message, compared field by field
//           MSH|...
//         unchanged: true        # the payload is "" (the raw bytes are forwarded as received)
//         contains: ["<PID.3>"]  # text the payload must contain (XML output)
//         deliveries:            # expectations for one destination only: fields, message,
//           subscriber:          #   unchanged, contains
//             unchanged: true
//
// "unrouted" means: inline steps never are; a route whose match does not hold; a source for
// which no route matches. "dropped" for a source means every matching route dropped it.
//
// Contract: read_behavior_file() never throws; every problem (YAML syntax, unknown keys, bad
// paths, unknown transform types, wrong field types in inline steps) comes back as located
// Diagnostics, all of them. Inline steps are decoded against the Registry's TypeSpecs exactly as
// routes.yaml's are. Plain values; thread-safe as values.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"
#include "engine/config/diagnostic.h"
#include "engine/config/registry.h"
#include "engine/core/result.h"

namespace irwell::pipeline {

// What one delivered message must look like.
struct OutputExpectation {
  // (path, value); nullopt = no value.
  std::vector<std::pair<std::string, std::optional<std::string>>> fields;
  std::optional<std::string> message;  // whole message, with CR line ends
  std::optional<bool> unchanged;
  std::vector<std::string> contains;
  bool empty() const { return fields.empty() && !message && !unchanged && contains.empty(); }
};

struct BehaviorExpectation {
  std::string outcome = "delivered";  // delivered, dropped, unrouted, error
  std::string reason;                 // substring of the drop/error reason
  std::optional<std::vector<std::string>> destinations;
  OutputExpectation output;                             // every delivery
  std::map<std::string, OutputExpectation> deliveries;  // by destination
};

struct BehaviorCase {
  std::string file;  // as given
  config::Mark mark;
  std::string name;
  enum class Mode { transforms, route, source } mode = Mode::transforms;
  std::vector<config::TransformConfig> transforms;  // Mode::transforms
  std::string target;                               // route or source name
  std::string input;                                // CR line ends
  BehaviorExpectation expect;

  // "FILE:LINE: name", for PASS/FAIL lines.
  std::string title() const;
};

Result<std::vector<BehaviorCase>, std::vector<config::Diagnostic>> read_behavior_file(
    const std::filesystem::path& file, const config::Registry& registry);

Result<std::vector<BehaviorCase>, std::vector<config::Diagnostic>> read_behavior_text(
    std::string_view text, const std::string& file_name, const config::Registry& registry);

}  // namespace irwell::pipeline
