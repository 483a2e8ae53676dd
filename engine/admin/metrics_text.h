#pragma once
// The /metrics page: Prometheus text exposition format 0.0.4, built from an AdminBackend.
//
// Names use the engine's one vocabulary, one label each (source, route or destination):
//   irwell_received_total{source}, irwell_accepted_total, irwell_rejected_total,
//   irwell_filtered_total, irwell_duplicate_total, irwell_unrouted_total,
//   irwell_connections{source}, irwell_connections_total{source},
//   irwell_matched_total{route},
//   irwell_queue_depth{destination}, irwell_in_flight, irwell_retrying, irwell_dead_letters,
//   irwell_oldest_queued_age_seconds, irwell_paused, irwell_sent_total, irwell_errored_total,
//   irwell_dead_lettered_total,
//   irwell_ack_latency_seconds{source} and irwell_delivery_latency_seconds{destination}
//   (histograms: _bucket{le}, _sum, _count),
//   irwell_store_size_bytes, irwell_uptime_seconds, irwell_build_info{version,commit}.
// Every family has HELP and TYPE lines; label values are escaped (\\, \", \n).
//
// Contract: reads the backend's counters only (no store search, no message content); `now`
// gives uptime and queue ages. Thread-safety: as the backend's.
#include <string>

#include "engine/admin/admin_backend.h"
#include "engine/core/clock.h"

namespace irwell::admin {

std::string render_metrics(AdminBackend& backend, TimePoint now);

// `v` escaped for a label value inside double quotes.
std::string escape_label_value(std::string_view v);

}  // namespace irwell::admin
