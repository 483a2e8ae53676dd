#include "engine/admin/metrics_text.h"

#include <fmt/format.h>

#include <functional>

namespace irwell::admin {

namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::string_view label,
            std::string_view value_of_label, double v) {
  fmt::format_to(std::back_inserter(out), "{}{{{}=\"{}\"}} {}\n", name, label,
                 escape_label_value(value_of_label), v);
}

void sample(std::string& out, std::string_view name, std::string_view label,
            std::string_view value_of_label, uint64_t v) {
  fmt::format_to(std::back_inserter(out), "{}{{{}=\"{}\"}} {}\n", name, label,
                 escape_label_value(value_of_label), v);
}

// One family with one sample per item.
template <class Item, class Get>
void per_item(std::string& out, const std::vector<Item>& items, std::string_view name,
              std::string_view type, std::string_view help, std::string_view label, Get get) {
  family(out, name, type, help);
  for (const auto& item : items) sample(out, name, label, item.name, get(item));
}

void histograms(std::string& out, const std::vector<NamedHistogram>& items, std::string_view name,
                std::string_view help, std::string_view label) {
  family(out, name, "histogram", help);
  for (const auto& item : items) {
    // `label` "" = one unlabelled series: {le="..."} only, and bare _sum and _count.
    const std::string pair =
        label.empty() ? "" : fmt::format("{}=\"{}\"", label, escape_label_value(item.name));
    const std::string_view comma = label.empty() ? "" : ",";
    const std::string braces = label.empty() ? "" : "{" + pair + "}";
    const auto& h = item.histogram;
    for (size_t i = 0; i < kLatencyBucketBounds.size(); ++i) {
      fmt::format_to(std::back_inserter(out), "{}_bucket{{{}{}le=\"{}\"}} {}\n", name, pair, comma,
                     kLatencyBucketBounds[i], h.cumulative[i]);
    }
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, pair, comma,
                   h.cumulative.back());
    fmt::format_to(std::back_inserter(out), "{}_sum{} {}\n", name, braces, h.sum_seconds);
    fmt::format_to(std::back_inserter(out), "{}_count{} {}\n", name, braces, h.count);
  }
}

}  // namespace

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string render_metrics(AdminBackend& backend, TimePoint now) {
  std::string out;
  out.reserve(64 * 1024);
  auto info = backend.info();
  family(out, "irwell_build_info", "gauge", "Build of the running engine (always 1).");
  fmt::format_to(std::back_inserter(out), "irwell_build_info{{version=\"{}\",commit=\"{}\"}} 1\n",
                 escape_label_value(info.version), escape_label_value(info.commit));
  family(out, "irwell_uptime_seconds", "gauge", "Seconds since the engine started.");
  fmt::format_to(std::back_inserter(out), "irwell_uptime_seconds {}\n",
                 std::chrono::duration<double>(now - info.started_at).count());
  if (info.store_bytes) {
    family(out, "irwell_store_size_bytes", "gauge", "Size of the message store on disk.");
    fmt::format_to(std::back_inserter(out), "irwell_store_size_bytes {}\n", *info.store_bytes);
  }
  if (const auto& w = info.store_writer) {
    family(out, "irwell_store_commits_total", "counter",
           "Store transactions committed (each a group of messages and delivery results).");
    fmt::format_to(std::back_inserter(out), "irwell_store_commits_total {}\n", w->commits);
    family(out, "irwell_store_commit_failures_total", "counter",
           "Store transactions that failed (their senders got NAKs).");
    fmt::format_to(std::back_inserter(out), "irwell_store_commit_failures_total {}\n", w->failures);
    family(out, "irwell_store_committed_messages_total", "counter",
           "Messages in committed transactions (duplicates included).");
    fmt::format_to(std::back_inserter(out), "irwell_store_committed_messages_total {}\n",
                   w->messages);
    histograms(out, {NamedHistogram{"", w->latency}}, "irwell_store_commit_seconds",
               "Time each store transaction took, its fsync included.", "");
  }

  auto sources = backend.sources();
  using S = SourceStatus;
  struct Counter {
    const char* name;
    const char* help;
    uint64_t S::*field;
    const char* type = "counter";
  };
  const Counter source_counters[] = {
      {"irwell_received_total", "Messages received by the source.", &S::received},
      {"irwell_accepted_total", "Messages accepted (committed and ACKed AA/CA).", &S::accepted},
      {"irwell_rejected_total", "Messages rejected (AE/AR).", &S::rejected},
      {"irwell_filtered_total", "Messages accepted but filtered out by every route.", &S::filtered},
      {"irwell_duplicate_total", "Duplicates answered with the original's ACK.", &S::duplicate},
      {"irwell_unrouted_total", "Messages accepted that no route took.", &S::unrouted},
      {"irwell_connections", "Connections open now.", &S::connections, "gauge"},
      {"irwell_connections_total", "Connections accepted since start.", &S::connections_total},
  };
  for (const auto& c : source_counters) {
    per_item(out, sources, c.name, c.type, c.help, "source",
             [&](const S& s) { return s.*(c.field); });
  }

  per_item(out, backend.routes(), "irwell_matched_total", "counter", "Messages the route took.",
           "route", [](const RouteStatus& r) { return r.matched; });

  auto dests = backend.delivery().destinations();
  using D = delivery::DestinationStatus;
  auto count = [](int64_t v) { return static_cast<uint64_t>(v < 0 ? 0 : v); };
  per_item(out, dests, "irwell_queue_depth", "gauge",
           "Unfinished deliveries: waiting, in flight or waiting to retry.", "destination",
           [&](const D& d) { return count(d.queued); });
  per_item(out, dests, "irwell_in_flight", "gauge", "Deliveries being sent now.", "destination",
           [&](const D& d) { return count(d.in_flight); });
  per_item(out, dests, "irwell_retrying", "gauge", "Deliveries waiting for a retry.", "destination",
           [&](const D& d) { return count(d.retrying); });
  per_item(out, dests, "irwell_dead_letters", "gauge",
           "Dead-lettered deliveries in the store not yet replayed.", "destination",
           [&](const D& d) { return count(d.dead); });
  per_item(out, dests, "irwell_oldest_queued_age_seconds", "gauge",
           "Age of the oldest unfinished delivery's message (0 when the queue is empty).",
           "destination", [&](const D& d) {
             if (!d.oldest_queued_at) return 0.0;
             return std::max(0.0, std::chrono::duration<double>(now - *d.oldest_queued_at).count());
           });
  per_item(out, dests, "irwell_paused", "gauge", "1 when the destination is paused.", "destination",
           [](const D& d) { return uint64_t{d.paused ? 1u : 0u}; });
  per_item(out, dests, "irwell_sent_total", "counter", "Deliveries sent since start.",
           "destination", [](const D& d) { return d.sent; });
  per_item(out, dests, "irwell_errored_total", "counter",
           "Attempts that did not deliver (NAK, error, timeout) since start.", "destination",
           [](const D& d) { return d.failed_attempts; });
  per_item(out, dests, "irwell_dead_lettered_total", "counter",
           "Deliveries dead-lettered since start.", "destination",
           [](const D& d) { return d.dead_lettered; });

  histograms(out, backend.ack_latency(), "irwell_ack_latency_seconds",
             "Time from a complete frame to its ACK written.", "source");
  histograms(out, backend.delivery_latency(), "irwell_delivery_latency_seconds",
             "Time from a message's receipt to its delivery sent.", "destination");
  return out;
}

}  // namespace irwell::admin
