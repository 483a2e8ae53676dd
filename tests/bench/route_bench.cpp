// route_bench: routing plus a six-step transform pipeline on a mixed ADT/ORU/SIU stream, one
// core, in messages per second (target: at least 100,000/s).
//
// Three routes match on message type (so every message is tested against each route's match) and
// each runs six transforms on its own copy: nhs_number, lookup, format_date, suppress,
// delete_segment/add_segment or set, and set_msh; the result is encoded for delivery. The stream
// is 1,000 invented messages (50% ADT, 30% ORU, 20% SIU), parsed once beforehand as the ingest
// step hands them over already parsed. A second figure includes parsing, for context.
// Prints the median of 7 runs. Build in release: cmake -B build-rel -DCMAKE_BUILD_TYPE=Release,
// then cmake --build build-rel --target route_bench and run build-rel/bench/route_bench.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/config/load_config.h"
#include "engine/config/registry.h"
#include "engine/hl7/message.h"
#include "engine/pipeline/router.h"
#include "transforms/register.h"

using namespace irwell;

namespace {

constexpr const char* kConfig = R"(sources:
  trusts: {type: mllp, port: 0}
destinations:
  shared_record: {type: record_store, lane_key: PID-3.1, lanes: 4}
routes:
  adt:
    sources: [trusts]
    match: {type: ADT^*, sending_facility: [RIVERMEAD, NORTHGATE]}
    transforms:
      - {type: nhs_number, also_from: [PID-2.1], on_invalid: error}
      - {type: lookup, path: PV1-3.1, values: {W12: RIV-MED-12, W14: RIV-MED-14, AMU: RIV-AMU}, on_miss: keep}
      - {type: format_date, path: PID-7.1, from: ["%d/%m/%Y", hl7], to: hl7}
      - {type: suppress, clinics: [GUM*, SHC*], specialties: ["360"]}
      - {type: delete_segment, segment: ZPI}
      - {type: set_msh, receiving_application: SHARED_RECORD, receiving_facility: REGION}
    destinations: [shared_record]
  results:
    sources: [trusts]
    match: {type: ORU^R01}
    transforms:
      - {type: nhs_number, also_from: [PID-2.1], on_invalid: error}
      - {type: suppress, codes: [HIV*, CHLAM*], action: redact}
      - {type: format_date, path: OBR-7.1, from: [hl7, "%d/%m/%Y %H:%M"], to: hl7}
      - {type: lookup, path: OBX-8, values: {N: N, H: H, L: L}, default: A}
      - {type: set, path: OBR-25, value: F, if_empty: true}
      - {type: set_msh, receiving_application: SHARED_RECORD, receiving_facility: REGION}
    destinations: [shared_record]
  appointments:
    sources: [trusts]
    match: {type: SIU^S1*}
    transforms:
      - {type: nhs_number, also_from: [PID-2.1], on_invalid: error}
      - {type: suppress, clinics: [GUM*, SHC*]}
      - {type: lookup, path: AIL-3.1, values: {CARDIO1: CARDIOLOGY, OPD3: OUTPATIENTS-3}, on_miss: keep}
      - {type: format_date, path: SCH-11.4, to: hl7}
      - {type: add_segment, segment: "ZRG|1|IRWELL", if_absent: true}
      - {type: set_msh, receiving_application: SHARED_RECORD, receiving_facility: REGION}
    destinations: [shared_record]
)";

// A valid NHS number from the 999 test range for patient i (modulus 11).
std::string nhs_number(int i) {
  for (int n = i * 10;; ++n) {
    char digits[16];
    std::snprintf(digits, sizeof digits, "999%06d", n % 1000000);
    int sum = 0;
    for (int k = 0; k < 9; ++k) sum += (digits[k] - '0') * (10 - k);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) continue;
    return std::string(digits) + char('0' + check);
  }
}

std::string message(int i) {
  static const char* kWards[] = {"W12", "W14", "AMU", "W40"};
  static const char* kSurnames[] = {"TESTPATIENT", "EXAMPLE", "SAMPLE", "INVENTED"};
  std::string nhs = nhs_number(i);
  std::string spaced = nhs.substr(0, 3) + " " + nhs.substr(3, 3) + " " + nhs.substr(6);
  bool rivermead = i % 2 == 0;
  std::string facility = rivermead ? "RIVERMEAD" : "NORTHGATE";
  std::string id = std::to_string(100000 + i);
  std::string pid = rivermead ? "PID|1||RM" + id + "^^^RIVERMEAD^MR~" + spaced + "^^^NHS^NHS||" +
                                    kSurnames[i % 4] + "^PAT" + id +
                                    "||19800201|F|||1 INVENTED ROAD^^RIVERMEAD^^RV1 1AA\r"
                              : "PID|1|" + nhs + "|NG" + id + "^^^NORTHGATE^MR||" +
                                    kSurnames[i % 4] + "^PAT" + id + "||01/02/1975|M\r";
  std::string msh = "MSH|^~\\&|PAS|" + facility + "|HUB|HUB|20240301083000||";
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: {  // ADT
      static const char* kEvents[] = {"A01", "A02", "A03", "A04", "A08"};
      std::string event = kEvents[i % 5];
      return msh + "ADT^" + event + "|C" + id + "|P|2.4\rEVN|" + event + "|20240301082900\r" + pid +
             "PV1|1|I|" + kWards[i % 4] + "^BED 4^^" + facility +
             "||||C1234^DOCTOR^INVENTED|||300\r" + (rivermead ? "ZPI|1|PRIVATE NOTE\r" : "");
    }
    case 5:
    case 6:
    case 7: {  // ORU
      std::string when = rivermead ? "20240301081500" : "01/03/2024 08:15";
      return msh + "ORU^R01|C" + id + "|P|2.4\r" + pid + "ORC|RE|ORD" + id + "\rOBR|1|ORD" + id +
             "|LAB" + id + "|FBC^FULL BLOOD COUNT|||" + when +
             "\rOBX|1|NM|HB^HAEMOGLOBIN||135|g/L|115-165|N|||F\r"
             "OBX|2|NM|WCC^WHITE CELLS||6.1|10*9/L|4-11|N|||F\r"
             "OBX|3|NM|PLT^PLATELETS||250|10*9/L|150-400|N|||F\r";
    }
    default:  // SIU
      return msh + "SIU^S12|C" + id + "|P|2.4\rSCH|APT" + id + "|APT" + id +
             "|||||ROUTINE|||30|MIN|^^30^20240320100000^20240320103000\r" + pid + "RGS|1\rAIL|1||" +
             (i % 3 ? "CARDIO1" : "OPD3") + "^^^" + facility + "\r";
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  config::Registry registry;
  config::register_builtin_sources(registry);
  config::register_builtin_destinations(registry);
  transforms::register_builtin_transforms(registry);
  auto config = config::load_config_text(kConfig, "route_bench.yaml", ".", registry,
                                         config::fixed_environment({}));
  if (!config) {
    for (const auto& d : config.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return 1;
  }
  auto router = pipeline::build_router(*config, registry);
  if (!router) {
    for (const auto& d : router.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return 1;
  }

  std::vector<std::string> wire;
  std::vector<hl7::Message> parsed;
  for (int i = 0; i < 1000; ++i) {
    wire.push_back(message(i));
    auto m = hl7::Message::parse(wire.back());
    if (!m) {
      std::fprintf(stderr, "message %d does not parse: %s\n", i, m.error().to_string().c_str());
      return 1;
    }
    parsed.push_back(std::move(*m));
  }
  // Sanity: every message is routed to exactly one delivery, none fails.
  for (const auto& m : parsed) {
    auto out = (*router)->route(m, "trusts");
    if (out.deliveries.size() != 1 || !out.errors.empty()) {
      std::fprintf(stderr, "unexpected outcome: %zu deliveries, %s\n", out.deliveries.size(),
                   out.errors.empty() ? "" : out.errors[0].c_str());
      return 1;
    }
  }

  constexpr int kRuns = 7;
  constexpr int kPerRun = 200000;
  size_t sink = 0;
  std::vector<double> route_rates, parse_route_rates;
  for (int run = 0; run < kRuns; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kPerRun; ++i) {
      auto out = (*router)->route(parsed[i % parsed.size()], "trusts");
      sink += out.deliveries[0].payload.size();
    }
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < kPerRun / 4; ++i) {
      auto m = hl7::Message::parse(wire[i % wire.size()]);
      auto out = (*router)->route(*m, "trusts");
      sink += out.deliveries[0].payload.size();
    }
    auto t2 = std::chrono::steady_clock::now();
    route_rates.push_back(kPerRun / std::chrono::duration<double>(t1 - t0).count());
    parse_route_rates.push_back((kPerRun / 4) / std::chrono::duration<double>(t2 - t1).count());
  }
  std::printf(
      "route_bench: 3 routes, 6 transforms per message, mixed ADT/ORU/SIU (50/30/20), "
      "1 core, median of %d runs\n",
      kRuns);
  std::printf("  route + transform + encode:          %10.0f messages/s\n", median(route_rates));
  std::printf("  parse + route + transform + encode:  %10.0f messages/s\n",
              median(parse_route_rates));
  std::printf("  (checksum %zu)\n", sink);
  return 0;
}
