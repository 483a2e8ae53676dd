#pragma once
// PatientRecord: one patient's shared care record as plain values (the model the record store
// keeps, get_patient() returns and to_json() prints).
//
// Contract: plain copyable values, no invariants beyond what the comments say. Times of facts
// are kept as HL7 TS text as the sender wrote it (`20261126093000+0000`); to_json() prints them
// as ISO 8601. Every fact carries `sources`: the message store ids of the messages it came from
// (most recent last, at most kMaxSources), described once in PatientRecord::sources. A Stamp is
// the version of a fact (event time, then message id): a message older than a fact's stamp does
// not change it (order tolerance). `suppressed` flags are not stored: get_patient() sets them
// from the configured sensitivity rules at read time, so a rule change applies to old facts too.
#include <cstdint>
#include <string>
#include <vector>

namespace irwell::record {

inline constexpr size_t kMaxSources = 16;

// The version of a fact: event time (EVN-2, else MSH-7, microseconds UTC) then the message
// store id of the message that set it. Compared lexicographically.
struct Stamp {
  int64_t time = 0;
  int64_t message_id = 0;
  auto operator<=>(const Stamp&) const = default;
};

// A message a fact came from.
struct Source {
  int64_t message_id = 0;
  std::string control_id;    // MSH-10
  std::string message_type;  // e.g. ADT^A01
  std::string message_time;  // MSH-7 as sent
  int64_t received_at = 0;   // microseconds since the Unix epoch
};

struct Identifier {
  std::string id;         // CX.1
  std::string authority;  // CX.4.1 ("NHS" for the NHS number)
  std::string type;       // CX.5: NH, MR...
  bool operator==(const Identifier&) const = default;
};

// A coded person or organisation: a consultant, GP, practice.
struct CodedName {
  std::string code;
  std::string name;
  bool operator==(const CodedName&) const = default;
};

struct Identity {
  std::string nhs_number;           // 10 digits, modulus 11 checked; "" when none valid was sent
  std::string nhs_number_status;    // PID-32 code (01 verified, 02 not traced...), "" if not sent
  std::string rejected_nhs_number;  // an NHS number sent that failed modulus 11
  std::string family_name, given_names, title;
  std::string birth_date;            // PID-7
  std::string sex;                   // PID-8
  std::vector<std::string> address;  // PID-11 lines: street, other, city, district, postcode
  std::vector<std::string> phones;   // PID-13/14
  CodedName gp;                      // PD1-4
  CodedName practice;                // PD1-3
  bool deceased = false;             // PID-30
  std::string death_time;            // PID-29
  Stamp stamp;
  std::vector<int64_t> sources;
};

struct Location {
  std::string point_of_care, room, bed, facility;  // PL.1, PL.2, PL.3, PL.4
  bool operator==(const Location&) const = default;
  bool empty() const {
    return point_of_care.empty() && room.empty() && bed.empty() && facility.empty();
  }
};

struct Transfer {
  std::string time;  // EVN-2 / MSH-7 of the transfer
  Location from, to;
  bool cancelled = false;  // A12
  Stamp stamp;
  std::vector<int64_t> sources;
};

struct Encounter {
  std::string visit_number;   // PV1-19 (the key); "admit:<PV1-44>" style key when absent
  std::string patient_class;  // PV1-2 as sent: I, O, E, P...
  std::string kind;           // inpatient, outpatient, emergency, preadmit, other
  // planned (A05), active (A01/A04/A13/A22), on_leave (A21), discharged (A03), cancelled (A11)
  std::string status;
  std::string admit_time;        // PV1-44, else the event time
  Location location;             // PV1-3
  std::string hospital_service;  // PV1-10 (specialty)
  CodedName consultant;          // PV1-9, else PV1-7
  std::string discharge_time;    // PV1-45
  std::string disposition;       // PV1-36
  std::string discharged_to;     // PV1-37
  std::vector<Transfer> transfers;
  Stamp stamp;
  bool suppressed = false;  // set at read time
  std::vector<int64_t> sources;
};

struct Appointment {
  std::string placer_id;  // SCH-1.1
  std::string filler_id;  // SCH-2.1
  // booked (S12/S13/S14), cancelled (S15/S16/S17), no_show (S26)
  std::string status;
  std::string last_event;            // S12, S13 (rescheduled), S14 (modified), S15, S26...
  std::string start_time, end_time;  // TQ1-7/8, SCH-11.4/5, else AIS-4
  std::string duration;              // SCH-9 or AIS-7 with units
  std::string reason;                // SCH-7
  std::string appointment_type;      // SCH-8
  CodedName service;                 // AIS-3
  Location clinic;                   // AIL-3, else PV1-3
  CodedName clinician;               // AIP-3
  Stamp stamp;
  bool suppressed = false;
  std::vector<int64_t> sources;
};

// One version of an observation's value, kept when a later one replaced it.
struct ObservationVersion {
  std::string value, units, reference_range, abnormal_flags, status, observed_time;
  Stamp stamp;
  int64_t message_id = 0;
};

struct Observation {
  std::string code, text, sub_id;  // OBX-3.1, OBX-3.2, OBX-4: the key within the order
  std::string value_type;          // OBX-2
  std::string value, units, reference_range, abnormal_flags;  // OBX-5, 6, 7, 8
  std::string status;                                         // OBX-11: F, C, P, X, D...
  std::string observed_time;                                  // OBX-14
  Stamp stamp;
  std::vector<ObservationVersion> history;  // earlier values, oldest first
  bool suppressed = false;
  std::vector<int64_t> sources;
};

struct Order {
  std::string placer_order, filler_order;  // OBR-2.1, OBR-3.1 (the key: filler, else placer)
  CodedName service;                       // OBR-4
  std::string collected_time;              // OBR-7
  std::string reported_time;               // OBR-22
  std::string status;                      // OBR-25
  std::string parent_result;               // OBR-26 (a sensitivity under an isolate), in the key
  std::string clinic;                      // PV1-3.1 of the ORU (for sensitivity rules)
  std::vector<Observation> observations;
  Stamp stamp;
  bool suppressed = false;
  std::vector<int64_t> sources;
};

struct Allergy {
  std::string type;             // AL1-2
  CodedName allergen;           // AL1-3 (the key: code, else name)
  std::string severity;         // AL1-4
  std::string reaction;         // AL1-5
  std::string identified_date;  // AL1-6
  Stamp stamp;
  std::vector<int64_t> sources;
};

struct Contact {
  std::string name;          // NK1-2 (family, given); with relationship the key
  std::string relationship;  // NK1-3
  std::vector<std::string> address;
  std::vector<std::string> phones;
  std::string contact_role;  // NK1-7
  Stamp stamp;
  std::vector<int64_t> sources;
};

struct PatientRecord {
  Identity identity;
  std::vector<Identifier> identifiers;         // every identifier that finds this record
  std::vector<Identifier> merged_identifiers;  // those that came from merged records (A40/A34)
  std::vector<Encounter> encounters;
  std::vector<Appointment> appointments;
  std::vector<Order> results;
  std::vector<Allergy> allergies;
  std::vector<Contact> contacts;
  bool opted_out = false;  // the configured opt-out rule said so, in the newest message
  Stamp sharing_stamp;
  std::vector<Source> sources;  // every message a fact points at
};

}  // namespace irwell::record
