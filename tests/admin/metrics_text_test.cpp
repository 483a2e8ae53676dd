// /metrics in Prometheus text format: families with HELP and TYPE, labels escaped, histograms.
#include "engine/admin/metrics_text.h"

#include <catch2/catch.hpp>

#include "tests/admin/fake_admin_backend.h"

using namespace irwell;
using namespace std::chrono_literals;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

}  // namespace

TEST_CASE("metrics: counters per source, route and destination", "[admin][metrics]") {
  testing::FakeAdminBackend b;
  b.add_source({"lab_in", "mllp", "127.0.0.1", 2575, 10, 8, 1, 0, 1, 0, 2, 5});
  b.add_route({"adt_all", 7});
  delivery::DestinationStatus d;
  d.name = "subscriber";
  d.type = "mllp";
  d.queued = 3;
  d.oldest_queued_at = TimePoint(1'700'000'000s);
  d.sent = 42;
  d.failed_attempts = 2;
  d.dead_lettered = 1;
  d.paused = true;
  b.fake_delivery().add(d);
  auto text = admin::render_metrics(b, TimePoint(1'700'000'030s));

  CHECK(has_line(text, "# HELP irwell_received_total Messages received by the source."));
  CHECK(has_line(text, "# TYPE irwell_received_total counter"));
  CHECK(has_line(text, "irwell_received_total{source=\"lab_in\"} 10"));
  CHECK(has_line(text, "irwell_accepted_total{source=\"lab_in\"} 8"));
  CHECK(has_line(text, "irwell_rejected_total{source=\"lab_in\"} 1"));
  CHECK(has_line(text, "irwell_duplicate_total{source=\"lab_in\"} 1"));
  CHECK(has_line(text, "# TYPE irwell_connections gauge"));
  CHECK(has_line(text, "irwell_connections{source=\"lab_in\"} 2"));
  CHECK(has_line(text, "irwell_matched_total{route=\"adt_all\"} 7"));
  CHECK(has_line(text, "irwell_queue_depth{destination=\"subscriber\"} 3"));
  CHECK(has_line(text, "irwell_oldest_queued_age_seconds{destination=\"subscriber\"} 30"));
  CHECK(has_line(text, "irwell_paused{destination=\"subscriber\"} 1"));
  CHECK(has_line(text, "irwell_sent_total{destination=\"subscriber\"} 42"));
  CHECK(has_line(text, "irwell_errored_total{destination=\"subscriber\"} 2"));
  CHECK(has_line(text, "irwell_dead_lettered_total{destination=\"subscriber\"} 1"));
  CHECK(has_line(text, "irwell_build_info{version=\"0.1.0\",commit=\"abc123\"} 1"));
  CHECK(has_line(text, "irwell_store_size_bytes 4096"));
  CHECK(text.ends_with("\n"));
}

TEST_CASE("metrics: histograms have cumulative buckets, +Inf, sum and count", "[admin][metrics]") {
  testing::FakeAdminBackend b;
  LatencyHistogram h;
  h.record(2ms);
  h.record(40ms);
  h.record(30s);
  b.add_ack_latency({"lab_in", h.snapshot()});
  b.add_delivery_latency({"subscriber", h.snapshot()});
  auto text = admin::render_metrics(b, TimePoint(1'700'000'000s));
  CHECK(has_line(text, "# TYPE irwell_ack_latency_seconds histogram"));
  CHECK(has_line(text, "irwell_ack_latency_seconds_bucket{source=\"lab_in\",le=\"0.001\"} 0"));
  CHECK(has_line(text, "irwell_ack_latency_seconds_bucket{source=\"lab_in\",le=\"0.0025\"} 1"));
  CHECK(has_line(text, "irwell_ack_latency_seconds_bucket{source=\"lab_in\",le=\"0.05\"} 2"));
  CHECK(has_line(text, "irwell_ack_latency_seconds_bucket{source=\"lab_in\",le=\"10\"} 2"));
  CHECK(has_line(text, "irwell_ack_latency_seconds_bucket{source=\"lab_in\",le=\"+Inf\"} 3"));
  CHECK(has_line(text, "irwell_ack_latency_seconds_count{source=\"lab_in\"} 3"));
  CHECK(has_line(text, "irwell_ack_latency_seconds_sum{source=\"lab_in\"} 30.042"));
  CHECK(has_line(
      text, "irwell_delivery_latency_seconds_bucket{destination=\"subscriber\",le=\"+Inf\"} 3"));
}

TEST_CASE("metrics: label values are escaped", "[admin][metrics]") {
  CHECK(admin::escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  testing::FakeAdminBackend b;
  b.add_source({"odd \"name\"\\x", "mllp", "", 0});
  auto text = admin::render_metrics(b, TimePoint(1'700'000'000s));
  CHECK(has_line(text, "irwell_received_total{source=\"odd \\\"name\\\"\\\\x\"} 0"));
}
