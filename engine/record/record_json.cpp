#include "engine/record/record_json.h"

#include "engine/core/json.h"
#include "engine/record/hl7_time.h"

namespace irwell::record {
namespace {

void time_member(json::Writer& w, const char* key, const std::string& ts) {
  w.key(key);
  if (ts.empty()) {
    w.null();
  } else {
    w.value(iso_time(ts));
  }
}

void sources_member(json::Writer& w, const std::vector<int64_t>& sources) {
  w.key("sources").begin_array();
  for (int64_t id : sources) w.value(id);
  w.end_array();
}

void strings(json::Writer& w, const char* key, const std::vector<std::string>& v) {
  w.key(key).begin_array();
  for (const std::string& s : v) w.value(s);
  w.end_array();
}

void coded(json::Writer& w, const char* key, const CodedName& c) {
  w.key(key);
  if (c.code.empty() && c.name.empty()) {
    w.null();
    return;
  }
  w.begin_object().key("code").value(c.code).key("name").value(c.name).end_object();
}

void location(json::Writer& w, const char* key, const Location& l) {
  w.key(key);
  if (l.empty()) {
    w.null();
    return;
  }
  w.begin_object()
      .key("point_of_care")
      .value(l.point_of_care)
      .key("room")
      .value(l.room)
      .key("bed")
      .value(l.bed)
      .key("facility")
      .value(l.facility)
      .end_object();
}

void identifiers(json::Writer& w, const char* key, const std::vector<Identifier>& ids) {
  w.key(key).begin_array();
  for (const Identifier& i : ids) {
    w.begin_object().key("id").value(i.id).key("authority").value(i.authority);
    w.key("type").value(i.type).end_object();
  }
  w.end_array();
}

const char* nhs_status_text(const std::string& code) {
  // NHS Number Status Indicator codes, as sent in PID-32.
  static const char* const kText[] = {
      "number present and verified",
      "number present but not traced",
      "trace required",
      "trace attempted - no match or multiple match found",
      "trace needs to be resolved",
      "trace in progress",
      "number not present and trace not required",
      "trace postponed (baby under six weeks old)",
  };
  if (code.size() == 2 && code[0] == '0' && code[1] >= '1' && code[1] <= '8') {
    return kText[code[1] - '1'];
  }
  return "";
}

void identity(json::Writer& w, const PatientRecord& r) {
  const Identity& id = r.identity;
  w.key("nhs_number").value(id.nhs_number);
  w.key("nhs_number_status");
  if (id.nhs_number_status.empty()) {
    w.null();
  } else {
    w.begin_object().key("code").value(id.nhs_number_status);
    w.key("text").value(nhs_status_text(id.nhs_number_status)).end_object();
  }
  if (!id.rejected_nhs_number.empty()) {
    w.key("rejected_nhs_number").value(id.rejected_nhs_number);
  }
  identifiers(w, "identifiers", r.identifiers);
  identifiers(w, "merged_identifiers", r.merged_identifiers);
  w.key("name").begin_object();
  w.key("family").value(id.family_name).key("given").value(id.given_names);
  w.key("title").value(id.title).end_object();
  time_member(w, "birth_date", id.birth_date);
  w.key("sex").value(id.sex);
  strings(w, "address", id.address);
  strings(w, "phones", id.phones);
  coded(w, "gp", id.gp);
  coded(w, "practice", id.practice);
  w.key("deceased").value(id.deceased);
  time_member(w, "death_time", id.death_time);
  sources_member(w, id.sources);
}

void encounters(json::Writer& w, const std::vector<Encounter>& list) {
  w.key("encounters").begin_array();
  for (const Encounter& e : list) {
    if (e.suppressed || e.status == "cancelled") continue;
    w.begin_object();
    w.key("visit_number").value(e.visit_number);
    w.key("kind").value(e.kind).key("patient_class").value(e.patient_class);
    w.key("status").value(e.status);
    time_member(w, "admit_time", e.admit_time);
    location(w, "location", e.location);
    w.key("hospital_service").value(e.hospital_service);
    coded(w, "consultant", e.consultant);
    time_member(w, "discharge_time", e.discharge_time);
    w.key("disposition").value(e.disposition).key("discharged_to").value(e.discharged_to);
    w.key("transfers").begin_array();
    for (const Transfer& t : e.transfers) {
      if (t.cancelled) continue;
      w.begin_object();
      time_member(w, "time", t.time);
      location(w, "from", t.from);
      location(w, "to", t.to);
      sources_member(w, t.sources);
      w.end_object();
    }
    w.end_array();
    sources_member(w, e.sources);
    w.end_object();
  }
  w.end_array();
}

void appointments(json::Writer& w, const std::vector<Appointment>& list) {
  w.key("appointments").begin_array();
  for (const Appointment& a : list) {
    if (a.suppressed) continue;
    w.begin_object();
    w.key("placer_id").value(a.placer_id).key("filler_id").value(a.filler_id);
    w.key("status").value(a.status).key("last_event").value(a.last_event);
    time_member(w, "start_time", a.start_time);
    time_member(w, "end_time", a.end_time);
    w.key("duration").value(a.duration);
    w.key("reason").value(a.reason).key("appointment_type").value(a.appointment_type);
    coded(w, "service", a.service);
    location(w, "clinic", a.clinic);
    coded(w, "clinician", a.clinician);
    sources_member(w, a.sources);
    w.end_object();
  }
  w.end_array();
}

void observation_value(json::Writer& w, const std::string& value, const std::string& units,
                       const std::string& range, const std::string& flags,
                       const std::string& status, const std::string& observed) {
  w.key("value").value(value).key("units").value(units);
  w.key("reference_range").value(range).key("abnormal_flags").value(flags);
  w.key("status").value(status);
  time_member(w, "observed_time", observed);
}

void results(json::Writer& w, const std::vector<Order>& list) {
  w.key("results").begin_array();
  for (const Order& o : list) {
    if (o.suppressed) continue;
    w.begin_object();
    w.key("placer_order").value(o.placer_order).key("filler_order").value(o.filler_order);
    coded(w, "service", o.service);
    if (!o.parent_result.empty()) w.key("parent_result").value(o.parent_result);
    time_member(w, "collected_time", o.collected_time);
    time_member(w, "reported_time", o.reported_time);
    w.key("status").value(o.status);
    w.key("observations").begin_array();
    for (const Observation& ob : o.observations) {
      if (ob.suppressed || ob.status == "D") continue;
      w.begin_object();
      w.key("code").value(ob.code).key("text").value(ob.text).key("sub_id").value(ob.sub_id);
      w.key("value_type").value(ob.value_type);
      observation_value(w, ob.value, ob.units, ob.reference_range, ob.abnormal_flags, ob.status,
                        ob.observed_time);
      w.key("history").begin_array();
      for (const ObservationVersion& v : ob.history) {
        w.begin_object();
        observation_value(w, v.value, v.units, v.reference_range, v.abnormal_flags, v.status,
                          v.observed_time);
        w.key("message_id").value(v.message_id).end_object();
      }
      w.end_array();
      sources_member(w, ob.sources);
      w.end_object();
    }
    w.end_array();
    sources_member(w, o.sources);
    w.end_object();
  }
  w.end_array();
}

void allergies(json::Writer& w, const std::vector<Allergy>& list) {
  w.key("allergies").begin_array();
  for (const Allergy& a : list) {
    w.begin_object();
    w.key("type").value(a.type);
    coded(w, "allergen", a.allergen);
    w.key("severity").value(a.severity).key("reaction").value(a.reaction);
    time_member(w, "identified_date", a.identified_date);
    sources_member(w, a.sources);
    w.end_object();
  }
  w.end_array();
}

void contacts(json::Writer& w, const std::vector<Contact>& list) {
  w.key("contacts").begin_array();
  for (const Contact& c : list) {
    w.begin_object();
    w.key("name").value(c.name).key("relationship").value(c.relationship);
    strings(w, "address", c.address);
    strings(w, "phones", c.phones);
    w.key("contact_role").value(c.contact_role);
    sources_member(w, c.sources);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

std::string to_json(const PatientRecord& r, bool include_withheld, int indent) {
  json::Writer w(indent);
  w.begin_object();
  if (r.opted_out && !include_withheld) {
    w.key("nhs_number").value(r.identity.nhs_number).key("withheld").value(true);
    w.key("reason").value("the patient has opted out of sharing their record");
    w.end_object();
    return w.take();
  }
  w.key("withheld").value(false).key("opted_out").value(r.opted_out);
  identity(w, r);
  encounters(w, r.encounters);
  appointments(w, r.appointments);
  results(w, r.results);
  allergies(w, r.allergies);
  contacts(w, r.contacts);
  w.key("sources").begin_array();
  for (const Source& s : r.sources) {
    w.begin_object();
    w.key("message_id").value(s.message_id).key("control_id").value(s.control_id);
    w.key("message_type").value(s.message_type);
    time_member(w, "message_time", s.message_time);
    w.key("received_at_us").value(s.received_at);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace irwell::record
