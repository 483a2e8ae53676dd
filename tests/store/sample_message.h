#pragma once
// An invented message as the ingest step would hand it to the store, for the store tests and
// store_bench: an accepted ADT^A01 from PAS at RXA, one patient (NHS number from the 999 test
// range + a made-up MRN), one queued delivery. Free of Catch so the benchmark can use it.
#include <string>

#include "engine/store/message_store.h"

namespace irwell::store::test {

inline NewMessage sample_message(std::string control_id, TimePoint received_at) {
  NewMessage m;
  m.received_at = received_at;
  m.source = "pas_in";
  m.peer = "127.0.0.1:40001";
  m.control_id = std::move(control_id);
  m.sending_application = "PAS";
  m.sending_facility = "RXA";
  m.receiving_application = "IRWELL";
  m.receiving_facility = "GMIH";
  m.message_time = "20260401093000";
  m.message_type = "ADT";
  m.trigger_event = "A01";
  m.version = "2.4";
  m.raw = "MSH|^~\\&|PAS|RXA|IRWELL|GMIH|20260401093000||ADT^A01^ADT_A01|" + m.control_id +
          "|P|2.4\rEVN|A01|20260401092900\r"
          "PID|1||9990000018^^^NHS^NH~RXA1001^^^RXA^MR||Testpatient^Ann^^^Ms||19610214|F|||"
          "1 Mill Lane^^Salford^^M5 4WT^GBR\r"
          "PV1|1|I|WARD7^BED3^RXA||||C123^Bones^Jim|||GEN|||||||||V12345678|||||||||||||||||||"
          "||||||20260401092900\r";
  m.ack = "MSH|^~\\&|IRWELL|GMIH|PAS|RXA|20260401093001||ACK^A01^ACK|A" + m.control_id +
          "|P|2.4\rMSA|AA|" + m.control_id + "\r";
  m.ack_code = "AA";
  m.patients = {{"9990000018", "NHS", "NH"}, {"RXA1001", "RXA", "MR"}};
  m.deliveries = {{"subscriber", "adt_to_subscriber", "9990000018", ""}};
  return m;
}

}  // namespace irwell::store::test
