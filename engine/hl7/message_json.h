#pragma once
// The JSON view of a parsed message, used by `irwell inspect` and usable by the admin API.
//
// Contract: pure; writes one JSON object into a json::Writer. Shape:
//   {"charset": "ASCII", "delimiters": "|^~\\&",
//    "header": {"sending_application": ..., "message_type": ..., ... every Header field},
//    "segments": [{"id": "PID", "fields": {"3": [{"1": "K1", "4": "RXX01", "5": "MR"},
//                                                {"1": "9990000018", "4": "NHS", "5": "NH"}],
//                                          "5": {"1": "Tester", "2": "Alice"},
//                                          "8": null}}, ...]}
// Field, component and subcomponent keys are HL7 positions (1-based; MSH-1 is the separator and
// MSH-2 the encoding characters, as written). A field with repetitions is an array (an empty
// repetition is ""); a value with components is an object keyed by component number, and a
// component with subcomponents an object keyed by subcomponent number. Empty items are left
// out, `""` (HL7 null, D1) is JSON null, every string is unescaped and UTF-8 (Message::decode).
#include "engine/core/json.h"
#include "engine/hl7/message.h"

namespace irwell::hl7 {

void write_json(json::Writer& w, const Message& m);
// The same members written into an object the caller has opened (to add its own, e.g. a file).
void write_json_members(json::Writer& w, const Message& m);

}  // namespace irwell::hl7
