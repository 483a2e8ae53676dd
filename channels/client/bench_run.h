#pragma once
// run_bench: the measuring loop of mllp-bench. Opens `connections` MLLP connections and sends
// `messages` messages over them, each connection waiting for each ACK before it sends its next
// message (one message in flight per connection), and records every ACK's latency and code.
//
// Contract: one thread (an io_context run on the caller's thread) with one coroutine per
// connection; the connections take the next message number from a shared counter, so the
// total is exact whatever their speeds. `warmup` messages are sent first over the same
// connections and not counted; the clock starts when the last of them is acknowledged.
// Latency = from the write of a frame to the arrival of its reply frame. A connection whose
// exchange fails (timeout, closed, I/O error) counts the message as failed and stops; the
// others carry on. Returns an Error only when a connection cannot be opened or TLS cannot be
// set up; everything else is in BenchResult. Messages come from BenchMessages (unique MSH-10).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "channels/client/bench_messages.h"
#include "channels/client/client_options.h"
#include "channels/client/endpoint.h"
#include "engine/core/result.h"

namespace irwell::client {

struct BenchOptions {
  Endpoint endpoint;
  int connections = 1;
  std::uint64_t messages = 10000;
  std::uint64_t warmup = 0;
  ClientOptions client;
};

struct LatencySummary {
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
};

struct BenchResult {
  std::uint64_t sent = 0;                     // frames written in the measured phase
  std::uint64_t acked = 0;                    // replies with an MSA segment
  std::uint64_t accepted = 0;                 // AA/CA for the MSH-10 sent
  std::uint64_t failed = 0;                   // no reply: timeout, connection closed, I/O error
  std::uint64_t not_ack = 0;                  // replies without MSA
  std::uint64_t mismatched = 0;               // MSA-2 differs from the MSH-10 sent
  std::map<std::string, std::uint64_t> acks;  // count per MSA-1 code
  std::vector<double> latencies_ms;           // one per reply, in arrival order
  double elapsed_s = 0;                       // measured phase, wall clock
  std::string first_error;                    // the first failure's message, if any

  double msgs_per_s() const { return elapsed_s > 0 ? acked / elapsed_s : 0; }
};

Result<BenchResult> run_bench(const BenchOptions& options, const BenchMessages& messages);

// Nearest-rank percentiles (the same definition as the yardstick in shared/bench).
LatencySummary summarize_latencies(std::vector<double> latencies_ms);

}  // namespace irwell::client
