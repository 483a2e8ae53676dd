#pragma once
// mllp-bench: drives an MLLP endpoint with -c connections and -n messages and prints throughput
// and ACK latency percentiles (SPEC "Tools").
//
// Contract: bench_main takes the words after the program name. Output on `out`: a short text
// report, or with --json exactly one JSON object on one line:
//   {"endpoint":"127.0.0.1:2575","conns":32,"msgs_per_s":24000.5,"p50_ms":1.2,"p90_ms":..,
//    "p99_ms":..,"p999_ms":..,"max_ms":..,"mean_ms":..,"sent":20000,"acked":20000,
//    "accepted":20000,"acks":{"AA":20000},"failed":0,"not_ack":0,"mismatched":0,
//    "elapsed_s":0.83,"warmup":0}
// (plus "error" with the first failure's message when there was one). Returns 0 when every
// measured message was accepted (AA/CA for its MSH-10), 1 otherwise or when a connection could
// not be made or TLS could not be set up, 2 for usage errors and unreadable FILEs. Never calls
// exit().
#include <iosfwd>
#include <string>
#include <vector>

#include "channels/client/bench_run.h"

namespace irwell::client {

int bench_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The --json object for a finished run.
std::string bench_json(const BenchOptions& options, const BenchResult& result);

}  // namespace irwell::client
