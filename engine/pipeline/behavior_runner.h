#pragma once
// BehaviorRunner: runs behaviour cases (behavior_file.h) and says, field by field, where the
// result differs from the expectation. `irwell test` prints its results; the generic Catch2 test
// runs every file under tests/behavior/ with it.
//
// Contract
// - run() never throws and never aborts on bad input: an input that cannot be parsed, inline
//   steps that cannot be built, a route or source the config lacks, or a case that needs a config
//   when there is none all make the case FAIL with the reason as its problem.
// - A case passes when it has no problems. Problems are one line each, e.g.
//     outcome: expected delivered, got dropped (transform 1 (filter): filtered)
//     PID-3.1: expected "9990000018", got "999 000 0018"
//     destinations: expected [shared_record, subscriber], got [shared_record]
//     [subscriber] ZPI-1: expected no value, got "X"
//   Values are quoted as JSON strings (control characters escaped); "no value" stands for
//   absent, empty or the HL7 null. An expected value of `""` (two quote marks) asks for the HL7
//   null itself. Whole messages are compared segment by segment and field by field (wire text).
// - Thread-safety: run() is const; the runner borrows the Config and RouteTable, which must
//   outlive it.
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/config/config.h"
#include "engine/pipeline/behavior_file.h"
#include "engine/pipeline/router.h"

namespace irwell::pipeline {

struct BehaviorResult {
  std::string title;  // BehaviorCase::title()
  std::vector<std::string> problems;
  bool passed() const { return problems.empty(); }
};

class BehaviorRunner {
 public:
  // `config` and `routes` serve route/source cases and `table:` lookups; either may be nullptr,
  // and `no_config` then says why (printed in the failing cases that needed them).
  BehaviorRunner(const config::Config* config, const RouteTable* routes, std::string no_config);

  BehaviorResult run(const BehaviorCase& c) const;

 private:
  const config::Config* config_;
  const RouteTable* routes_;
  std::string no_config_;
};

// "PASS title" or "FAIL title" followed by each problem on its own indented line.
void print_result(const BehaviorResult& r, std::ostream& out);

}  // namespace irwell::pipeline
