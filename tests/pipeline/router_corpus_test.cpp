// Every real-world corpus message (IRWELL_CORPUS) through the shipped routes and through a
// pipeline of every transform type: nothing crashes, every HL7 payload parses again, and every
// XML payload is well-formed XML (odd charsets F1-F3, escapes E1-E6, Z-segments B5, junk B6/B7).
#include <libxml/parser.h>

#include <catch2/catch.hpp>

#include "engine/hl7/batch.h"
#include "engine/pipeline/behavior_file.h"
#include "tests/pipeline/router_fixtures.h"

using namespace irwell;

namespace {

// One step of each type, written as a behaviour file so they are decoded like routes.yaml's.
constexpr const char* kEverything = R"(tests:
  - name: every transform
    transforms:
      - {type: nhs_number, also_from: [PID-2.1], on_invalid: remove}
      - {type: set, path: PID-8, value: U, if_empty: true, missing_segment: skip}
      - {type: copy, from: PID-3, to: PID-4, missing_segment: skip}
      - {type: move, from: PID-19, to: PID-20, missing_segment: skip}
      - {type: clear, path: PID-13}
      - {type: delete_segment, segment: ZPI}
      - {type: add_segment, segment: "ZIR|1|IRWELL", after: PID, missing_anchor: append}
      - {type: lookup, path: PV1-2, values: {I: INPATIENT, O: OUTPATIENT}, on_miss: keep, missing_segment: skip}
      - {type: format_date, path: PID-7.1, to: iso8601, on_error: keep}
      - {type: format_date, path: MSH-7, to: hl7, on_error: clear}
      - {type: suppress, codes: ["*HIV*", "GLU*"], action: redact}
      - {type: set_msh, receiving_application: SHARED_RECORD, control_id_prefix: X-}
      - {type: xml}
    input: "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.4"
)";

bool well_formed_xml(const std::string& text) {
  xmlDocPtr doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "payload.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc) return false;
  xmlFreeDoc(doc);
  return true;
}

}  // namespace

TEST_CASE("router corpus: shipped routes and every transform type on every corpus message") {
  if (testing::corpus_dir().empty()) {
    WARN("IRWELL_CORPUS is not set: corpus test skipped");
    return;
  }
  const testing::ShippedRoutes& shipped = testing::shipped_routes();
  REQUIRE(shipped.routes);
  auto cases =
      pipeline::read_behavior_text(kEverything, "everything.yaml", testing::builtin_registry());
  REQUIRE(cases);
  auto steps = pipeline::Steps::build((*cases)[0].transforms, pipeline::BuildContext{},
                                      "everything.yaml", "test");
  REQUIRE(steps);
  int messages = 0, xml_documents = 0;
  for (const auto& name : testing::corpus_files()) {
    auto batch = hl7::split_batch(testing::read_file(testing::corpus_dir() / name));
    if (!batch) continue;
    for (const auto& bytes : batch->messages) {
      auto m = hl7::Message::parse(bytes);
      if (!m) continue;
      ++messages;
      INFO(name << " message " << m->header().control_id);
      pipeline::RoutingOutcome out = shipped.routes->route(*m, "trusts");
      for (const auto& d : out.deliveries) {
        if (!d.payload.empty()) CHECK(hl7::Message::parse(d.payload));
      }
      pipeline::StepsResult r = steps->run(*m);
      if (r.kind != pipeline::TransformResult::Kind::next) continue;
      REQUIRE(r.xml);
      CHECK(well_formed_xml(r.payload));
      ++xml_documents;
    }
  }
  CHECK(messages > 100);
  CHECK(xml_documents > 100);
}
