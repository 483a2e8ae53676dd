#pragma once
// Fixtures for the ingest and MLLP listener tests: invented messages (patients from the NHS 999
// test range), a configurable fake Router, and ACK field readers.
//
// Contract: header-only helpers for tests; nothing here touches the network or the disk.
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/source_config.h"
#include "engine/hl7/message.h"
#include "engine/pipeline/routing.h"

namespace irwell::testing {

// An ADT (or other) message with the given MSH values; CR segment terminators.
struct TestMessage {
  std::string control_id = "MSG00001";
  std::string type = "ADT^A01^ADT_A01";
  std::string version = "2.5.1";
  std::string sending_application = "PAS";
  std::string sending_facility = "RXA^1.2.3.4^ISO";
  std::string receiving_application = "IRWELL";
  std::string receiving_facility = "HUB";
  std::string msh15{}, msh16{};  // accept / application acknowledgement types
  std::string patient_name = "TESTER^ALEX";

  std::string text() const {
    std::string msh = "MSH|^~\\&|" + sending_application + "|" + sending_facility + "|" +
                      receiving_application + "|" + receiving_facility + "|20261125103000||" +
                      type + "|" + control_id + "|P|" + version;
    if (!msh15.empty() || !msh16.empty()) msh += "|||" + msh15 + "|" + msh16;
    return msh + "\rEVN|A01|20261125103000\r" + "PID|1||9990000018^^^NHS^NH~RXA123456^^^RXA^MR||" +
           patient_name + "||19800101|F\rPV1|1|I|WARD1\r";
  }
};

// A Router answering a fixed outcome (and remembering what it saw).
class FakeRouter final : public pipeline::Router {
 public:
  pipeline::RoutingOutcome outcome;
  mutable std::vector<std::string> seen_control_ids;
  pipeline::RoutingOutcome route(const hl7::Message& m, std::string_view) const override {
    seen_control_ids.push_back(m.header().control_id);
    return outcome;
  }
};

// A router that sends every message to one destination.
inline pipeline::RoutingOutcome one_delivery(std::string destination = "record_store") {
  pipeline::RoutingOutcome o;
  o.deliveries.push_back(store::NewDelivery{destination, "all_adt", "", ""});
  o.matched_routes.push_back("all_adt");
  return o;
}

// The wire text of a field of an ACK ("" when absent), e.g. ack_field(ack, "MSA-2").
inline std::string ack_field(std::string_view ack, std::string_view path) {
  if (ack.empty()) return "";  // no ACK sent
  auto m = hl7::Message::parse(ack);
  if (!m) return "<unparseable ACK: " + m.error().to_string() + ">";
  auto p = hl7::Path::parse(path);
  if (!p) return "<bad path>";
  auto raw = m->get_raw(p.value());
  return raw ? std::string(*raw) : std::string();
}

// Every ERR code of an ACK, in order: ERR-3.1 (v2.5+) or ERR-1.4.1 (older versions).
inline std::vector<std::string> ack_error_codes(std::string_view ack) {
  std::vector<std::string> out;
  auto m = hl7::Message::parse(ack);
  if (!m) return out;
  for (int i = 1;; ++i) {
    if (!m->find_segment("ERR", i)) break;
    std::string code = m->get(hl7::Path{"ERR", i, 3, 0, 1, 0});
    if (code.empty()) code = m->get(hl7::Path{"ERR", i, 1, 0, 4, 1});
    out.push_back(code);
  }
  return out;
}

}  // namespace irwell::testing
