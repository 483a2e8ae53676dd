#pragma once
// FeedGenerator: a reproducible stream of synthetic acute-trust HL7 v2 messages (feed-sim).
//
// What it models: patients of several invented trusts (trust_profile.h) moving through hospital
// journeys that interleave as on a live feed:
//   emergency   ADT^A04 ED attendance -> either ADT^A03 discharge from ED, or ADT^A01 admission
//               -> 0-3 ADT^A02 transfers -> ADT^A03 discharge;
//   outpatient  SIU^S12 booked -> 0-2 SIU^S13 rescheduled -> attended (no message), SIU^S15
//               cancelled or SIU^S26 did not attend;
//   pathology   ORU^R01 with ORC/OBR/OBX (FBC, U&E, LFT, CRP, HbA1c, the odd sexual-health
//               test), about one in ten later corrected (OBR-25 / OBX-11 'C');
//   demographics ADT^A08 and ADT^A31 updates, ADT^A28 duplicate registration -> ADT^A40 merge.
// Every message carries an invented patient with an NHS number from the 999 test range.
//
// Contract: the same FeedOptions give byte-identical messages in the same order, on any machine
// (all randomness from FeedRandom, the clock simulated from a fixed start). Control IDs (MSH-10)
// are unique within a feed. next() never fails. Not thread-safe.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "channels/feed/trust_profile.h"
#include "engine/core/result.h"

namespace irwell::feed {

struct FeedOptions {
  uint64_t seed = 1;
  std::vector<std::string> trusts;  // trust codes (MSH-4); empty = every built-in trust
};

struct GeneratedMessage {
  std::string trust;       // MSH-4
  std::string type;        // MSH-9.1^MSH-9.2, e.g. "ADT^A01"
  std::string control_id;  // MSH-10
  std::string bytes;       // as the trust's system writes it
};

class FeedGenerator {
 public:
  // Error: a trust code that is not built in (the message lists the known ones).
  static Result<std::unique_ptr<FeedGenerator>> create(const FeedOptions& options);
  ~FeedGenerator();
  FeedGenerator(const FeedGenerator&) = delete;
  FeedGenerator& operator=(const FeedGenerator&) = delete;

  GeneratedMessage next();

 private:
  struct State;
  explicit FeedGenerator(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace irwell::feed
