// metrics_bench: the /metrics scrape with 100 sources, 100 routes and 100 destinations, each
// with latency histograms (target: under 50 ms), rendered directly and fetched over HTTP from a
// real AdminServer on 127.0.0.1 port 0.
//
// usage: metrics_bench [--scrapes N] [--items K]
// Prints one JSON line for each way: bytes of the page, p50/p99/max in ms over N scrapes
// (default 200). Build it in Release; never run as a test.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "engine/admin/admin_client.h"
#include "engine/admin/admin_server.h"
#include "engine/admin/metrics_text.h"
#include "tests/admin/fake_admin_backend.h"

using namespace irwell;
using Steady = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * sorted.size() + 0.999999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void report(const char* how, std::vector<double>& ms, size_t bytes) {
  std::sort(ms.begin(), ms.end());
  std::printf(
      "{\"scrape\":\"%s\",\"bytes\":%zu,\"scrapes\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"max_ms\":%.3f}\n",
      how, bytes, ms.size(), percentile(ms, 50), percentile(ms, 99), ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  int scrapes = 200, items = 100;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--scrapes" && i + 1 < argc) {
      scrapes = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--items" && i + 1 < argc) {
      items = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: metrics_bench [--scrapes N] [--items K]\n");
      return 2;
    }
  }

  testing::FakeAdminBackend backend;
  LatencyHistogram h;
  for (int i = 0; i < 1000; ++i) h.record(std::chrono::microseconds(100 + i * 37));
  ManualClock clock;
  for (int i = 0; i < items; ++i) {
    std::string n = std::to_string(i);
    backend.add_source({"source_" + n, "mllp", "127.0.0.1", 2575 + i, 1000000u + i, 999000, 500,
                        200, 100, 50, 4, 40});
    backend.add_route({"route_" + n, 123456u + i});
    delivery::DestinationStatus d;
    d.name = "destination_" + n;
    d.type = "mllp";
    d.queued = i;
    d.oldest_queued_at = clock.now() - std::chrono::seconds(i);
    d.sent = 999999;
    d.failed_attempts = 12;
    backend.fake_delivery().add(d);
    backend.add_ack_latency({"source_" + n, h.snapshot()});
    backend.add_delivery_latency({"destination_" + n, h.snapshot()});
  }

  std::vector<double> direct;
  size_t bytes = 0;
  for (int i = 0; i < scrapes; ++i) {
    auto t0 = Steady::now();
    std::string page = admin::render_metrics(backend, clock.now());
    direct.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    bytes = page.size();
  }
  report("render", direct, bytes);

  boost::asio::io_context io;
  config::AdminConfig cfg;
  cfg.port = 0;
  admin::AdminServerOptions options;
  options.api.sample_interval = Duration::zero();
  admin::AdminServer server(io, cfg, {{"bench", "viewer", "bench-token", ""}}, backend, clock,
                            options);
  if (auto bound = server.bind(); !bound) {
    std::fprintf(stderr, "metrics_bench: %s\n", bound.error().message.c_str());
    return 1;
  }
  server.start();
  std::thread net([&] { io.run(); });
  admin::AdminUrl url;
  url.port = std::to_string(server.port());
  std::vector<double> http;
  int rc = 0;
  for (int i = 0; i < scrapes; ++i) {
    auto t0 = Steady::now();
    auto r = admin::admin_request(url, "GET", "/metrics", "bench-token");
    http.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    if (!r || r->status != 200) {
      std::fprintf(stderr, "metrics_bench: scrape failed\n");
      rc = 1;
      break;
    }
    bytes = r->body.size();
  }
  boost::asio::post(io, [&] { server.stop(); });
  net.join();
  if (rc == 0) report("http", http, bytes);
  return rc;
}
