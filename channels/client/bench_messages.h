#pragma once
// BenchMessages: the messages mllp-bench sends, each with a unique MSH-10.
//
// Contract: make(n) is the n-th message of a run, CR-terminated segments, unframed. The
// built-in mix alternates ADT^A01 (admission) and ORU^R01 (a lab result) for invented patients
// (names from a small list, NHS numbers from the 999 test range with a valid modulus 11 check
// digit). With templates (messages read from FILE...), message n is template n mod count with
// its MSH-10 replaced. Either way MSH-10 is `<run_id><n>`, so a receiver that deduplicates on
// MSH-10 (HL7-EDGE-CASES I1) processes every message of the run. Pure and thread-safe after
// construction.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace irwell::client {

class BenchMessages {
 public:
  // The built-in ADT^A01 / ORU^R01 mix.
  explicit BenchMessages(std::string run_id);
  // Templates from files (non-empty; each with an MSH segment).
  BenchMessages(std::vector<std::string> templates, std::string run_id);

  std::string make(std::uint64_t n) const;
  std::string control_id(std::uint64_t n) const { return run_id_ + std::to_string(n); }

 private:
  std::vector<std::string> templates_;
  std::string run_id_;
};

// A run id that differs between runs of the tool: "B" + base-36 milliseconds since 1970 + "-".
std::string new_run_id();

// A 10-digit NHS number in the 999 test range with a valid modulus 11 check digit, different
// for each `seed` below 10^6 modulo the few seeds whose check digit would be 10 (those take the
// next valid number).
std::string test_nhs_number(std::uint64_t seed);

// `message` with MSH-10 replaced by `control_id` (fields added when MSH is shorter). A message
// that does not start with MSH is returned unchanged.
std::string replace_control_id(std::string_view message, std::string_view control_id);

}  // namespace irwell::client
