#include "channels/client/bench_command.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <ostream>

#include "channels/client/message_file.h"
#include "engine/core/json.h"

namespace irwell::client {

namespace {

constexpr const char* kUsage = R"(usage: mllp-bench [options] HOST:PORT [FILE...]

Drives an MLLP endpoint: each connection sends a message, waits for its ACK, and sends the
next. Messages are a built-in ADT^A01/ORU^R01 mix with invented patients, or the messages in
FILE... (cycled); every message gets a unique MSH-10. Prints throughput and ACK latency.
Exit status: 0 if every message was accepted (AA or CA), 1 otherwise, 2 for a usage error.

options:
  -c, --connections N  connections, each with one message in flight (default 1)
  -n, --messages N     messages to time, over all connections (default 10000)
  --warmup N           messages sent first and not timed (default 0)
  --json               print one JSON object (msgs_per_s, p50_ms, p99_ms, max_ms, sent,
                       acked, acks per MSA-1 code, ...)
)";

// A JSON number with `decimals` digits after the point (the writer would print every digit of
// the nearest double, 204.10000000000002). Latencies and rates are always finite.
std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

// -c/--connections, -n/--messages, --warmup, --json: mllp-bench's own options.
OptionTaken take_bench_option(const std::vector<std::string>& args, size_t& i, BenchOptions& o,
                              bool& json, std::string& message) {
  if (args[i] == "--json") {
    json = true;
    return OptionTaken::taken;
  }
  struct Count {
    const char* short_name;
    const char* long_name;
    std::uint64_t min, max;
  };
  for (auto [short_name, long_name, min, max] :
       {Count{"-c", "--connections", 1, 10000}, Count{"-n", "--messages", 1, UINT64_MAX},
        Count{"", "--warmup", 0, UINT64_MAX}}) {
    std::string value;
    bool ok = false;
    if (!option_value(args, i, long_name, value, ok, message) &&
        !(*short_name && option_value(args, i, short_name, value, ok, message))) {
      continue;
    }
    if (!ok) return OptionTaken::error;
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < min ||
        n > max) {
      message = fmt::format("{} needs a whole number from {} to {}, got \"{}\"", long_name, min,
                            max, value);
      return OptionTaken::error;
    }
    std::string_view name(long_name);
    if (name == "--connections") o.connections = static_cast<int>(n);
    if (name == "--messages") o.messages = n;
    if (name == "--warmup") o.warmup = n;
    return OptionTaken::taken;
  }
  return OptionTaken::not_mine;
}

void print_text(const BenchOptions& o, const BenchResult& r, std::ostream& out) {
  LatencySummary s = summarize_latencies(r.latencies_ms);
  out << fmt::format("mllp-bench: {}, {} connection{}, {} messages ({} warmup)\n",
                     to_string(o.endpoint), o.connections, o.connections == 1 ? "" : "s",
                     o.messages, o.warmup);
  out << fmt::format("  throughput  {:.0f} msg/s ({} ACKs in {:.3f} s)\n", r.msgs_per_s(), r.acked,
                     r.elapsed_s);
  out << fmt::format("  latency ms  p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  max {:.3f}\n",
                     s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms);
  out << "  acks       ";
  if (r.acks.empty()) out << " none";
  for (const auto& [code, count] : r.acks) out << " " << code << " " << count;
  out << "\n";
  if (r.failed || r.not_ack || r.mismatched) {
    out << fmt::format("  problems    {} without reply, {} replies not ACKs, {} wrong MSA-2\n",
                       r.failed, r.not_ack, r.mismatched);
  }
  if (!r.first_error.empty()) out << "  first error " << r.first_error << "\n";
}

}  // namespace

std::string bench_json(const BenchOptions& o, const BenchResult& r) {
  LatencySummary s = summarize_latencies(r.latencies_ms);
  json::Writer w;
  w.begin_object();
  w.key("endpoint").value(to_string(o.endpoint));
  w.key("conns").value(o.connections);
  w.key("msgs_per_s").raw(fixed(r.msgs_per_s(), 1));
  w.key("p50_ms").raw(fixed(s.p50_ms, 3));
  w.key("p90_ms").raw(fixed(s.p90_ms, 3));
  w.key("p99_ms").raw(fixed(s.p99_ms, 3));
  w.key("p999_ms").raw(fixed(s.p999_ms, 3));
  w.key("max_ms").raw(fixed(s.max_ms, 3));
  w.key("mean_ms").raw(fixed(s.mean_ms, 3));
  w.key("sent").value(r.sent);
  w.key("acked").value(r.acked);
  w.key("accepted").value(r.accepted);
  w.key("acks").begin_object();
  for (const auto& [code, count] : r.acks) w.key(code).value(count);
  w.end_object();
  w.key("failed").value(r.failed);
  w.key("not_ack").value(r.not_ack);
  w.key("mismatched").value(r.mismatched);
  w.key("elapsed_s").raw(fixed(r.elapsed_s, 4));
  w.key("warmup").value(o.warmup);
  if (!r.first_error.empty()) w.key("error").value(r.first_error);
  w.end_object();
  return w.take();
}

int bench_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  BenchOptions options;
  bool json = false;
  ToolArgs parsed;
  auto bench_option = [&](const std::vector<std::string>& a, size_t& i, std::string& message) {
    return take_bench_option(a, i, options, json, message);
  };
  if (int rc = parse_tool_args("mllp-bench", kUsage, args, bench_option, 0, parsed, out, err);
      rc != 0) {
    return rc < 0 ? 0 : rc;
  }
  options.endpoint = parsed.endpoint;
  options.client = parsed.client;

  std::vector<std::string> templates;
  for (const auto& file : parsed.operands) {
    auto messages = load_message_file(file);
    if (!messages) {
      err << "mllp-bench: " << messages.error().message << "\n";
      return 2;
    }
    for (auto& m : *messages) templates.push_back(std::move(m.payload));
  }
  BenchMessages messages = templates.empty() ? BenchMessages(new_run_id())
                                             : BenchMessages(std::move(templates), new_run_id());
  auto result = run_bench(options, messages);
  if (!result) {
    err << "mllp-bench: " << result.error().message << "\n";
    return 1;
  }
  if (json) {
    out << bench_json(options, *result) << "\n";
  } else {
    print_text(options, *result, out);
  }
  bool all_accepted = result->accepted == options.messages;
  return all_accepted ? 0 : 1;
}

}  // namespace irwell::client
