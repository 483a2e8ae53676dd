#pragma once
// Transform: one declarative step of a route (`transforms:` in routes.yaml), e.g. set a field,
// map a value through a lookup table, normalise the NHS number, drop a test message.
//
// Contract
// - A Transform is built ONCE from its decoded, type-checked config::Params (every declared field
//   present, defaults filled in) by its type's TransformBuilder, when the router is built; what
//   a builder can still reject (a lookup name that is not there, two fields that exclude each
//   other) comes back as a BuildError naming the field, which the router turns into a located
//   config::Diagnostic. Anything read from files (lookup CSVs) was read by the config loader.
// - apply() is pure: no I/O, no clock, no logging of values. It changes the message in place and
//   answers next (go on), drop (a filter decided the message is not for this route: the reason is
//   recorded, nothing is delivered, not an error) or error (the message cannot be transformed as
//   configured: the reason is recorded with the message). Reasons never quote patient data.
// - The router applies a route's transforms in order to its own copy of the message, stopping at
//   the first drop or error.
// - A transform that changes how the result is written (the `xml` transform) sets
//   TransformContext::encoder; the router then encodes the final message with it instead of as
//   HL7 ER7 (see router.h for how such a payload is carried).
// - Thread-safety: apply() is const and is called from any thread concurrently; implementations
//   hold only immutable state built from the config.
// - The built-in types (one file each under transforms/, registered in transforms/register.cpp)
//   each declare their fields in a config::TypeSpec next to the code that reads them.
#include <memory>
#include <string>

#include "engine/config/config.h"
#include "engine/config/field_spec.h"
#include "engine/core/result.h"
#include "engine/hl7/message.h"

namespace irwell::pipeline {

struct TransformResult {
  enum class Kind { next, drop, error };
  Kind kind = Kind::next;
  std::string reason;  // drop and error: why, for the operator (no patient data)

  static TransformResult next() { return {}; }
  static TransformResult drop(std::string why) { return {Kind::drop, std::move(why)}; }
  static TransformResult error(std::string why) { return {Kind::error, std::move(why)}; }
};

// Writes the final message of a route in another encoding than HL7 ER7.
class OutputEncoder {
 public:
  virtual ~OutputEncoder() = default;
  // The bytes to deliver; "" means the message cannot be encoded (an error for the route).
  virtual std::string encode(const hl7::Message& m) const = 0;
};

// State carried along one route's transforms for one message.
struct TransformContext {
  const OutputEncoder* encoder = nullptr;  // nullptr: HL7 ER7 (Message::encode)
};

class Transform {
 public:
  virtual ~Transform() = default;
  virtual TransformResult apply(hl7::Message& m, TransformContext& ctx) const = 0;
};

// What a builder may consult besides its own params.
struct BuildContext {
  const config::Config* config = nullptr;  // lookup tables; nullptr when there is no config
};

// Why a transform could not be built: the field at fault ("" = the block as a whole) and a
// sentence for the diagnostic.
struct BuildError {
  std::string field;
  std::string message;
};

using TransformBuilder = Result<std::unique_ptr<Transform>, BuildError> (*)(
    const config::Params& params, const BuildContext& ctx);

// A built-in transform type: its declared fields and its builder.
struct TransformType {
  config::TypeSpec spec;
  TransformBuilder build = nullptr;
};

}  // namespace irwell::pipeline
