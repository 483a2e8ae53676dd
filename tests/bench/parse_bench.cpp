// parse_bench: HL7 v2 parse throughput on one core (Message::parse plus reading ~5 fields),
// for an ordinary ADT^A01 and a 20-OBX ORU^R01 (invented fixtures in tests/data/hl7).
// Prints MB/s and messages/s, the median of several runs, measured in thread CPU time. Build it in
// a Release build:
//   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel --target
//   parse_bench
//   ./build-rel/bench/parse_bench [FIXTURE_DIR]
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/hl7/message.h"

namespace {

// CPU time of this thread: the figure stays one core's worth even when the machine is busy.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
namespace hl7 = irwell::hl7;

struct Case {
  const char* name;
  const char* file;
  std::vector<const char*> paths;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir =
      argc > 1 ? std::filesystem::path(argv[1])
               : std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "hl7";
  const Case cases[] = {
      {"ADT^A01", "adt_a01.hl7", {"MSH-9.1", "MSH-9.2", "MSH-10", "PID-3[1].1", "PID-5.1"}},
      {"ORU^R01 20 OBX",
       "oru_r01_20obx.hl7",
       {"MSH-9.2", "MSH-10", "PID-3[1].1", "OBX[10]-5", "OBX[20]-3.1"}},
  };
  constexpr int kRuns = 7;
  constexpr double kRunSeconds = 0.4;
  size_t sink = 0;
  std::printf("%-16s %8s %10s %12s   (median of %d runs, thread CPU time)\n", "message", "bytes",
              "MB/s", "messages/s", kRuns);
  for (const Case& c : cases) {
    std::string bytes = slurp(dir / c.file);
    if (bytes.empty()) {
      std::fprintf(stderr, "parse_bench: cannot read %s\n", (dir / c.file).c_str());
      return 1;
    }
    std::vector<hl7::Path> paths;
    for (const char* p : c.paths) paths.push_back(hl7::Path::parse(p).value());
    auto one = [&] {
      auto m = hl7::Message::parse(bytes);
      if (!m) std::abort();
      for (const hl7::Path& p : paths) sink += m->get(p).size();
    };
    // Calibrate the iteration count so one run takes about kRunSeconds.
    size_t iterations = 1000;
    for (;;) {
      double t0 = cpu_seconds();
      for (size_t i = 0; i < iterations; ++i) one();
      double s = cpu_seconds() - t0;
      if (s > 0.05) {
        iterations = static_cast<size_t>(iterations * kRunSeconds / s) + 1;
        break;
      }
      iterations *= 4;
    }
    std::vector<double> rates;
    for (int r = 0; r < kRuns; ++r) {
      double t0 = cpu_seconds();
      for (size_t i = 0; i < iterations; ++i) one();
      rates.push_back(static_cast<double>(iterations) / (cpu_seconds() - t0));
    }
    std::sort(rates.begin(), rates.end());
    double per_s = rates[kRuns / 2];
    std::printf("%-16s %8zu %10.0f %12.0f\n", c.name, bytes.size(), per_s * bytes.size() / 1e6,
                per_s);
  }
  return sink == 42 ? 2 : 0;  // keeps the reads from being optimised away
}
