#include "engine/hl7/message_json.h"

#include <string>

namespace irwell::hl7 {

namespace {

constexpr std::string_view kNull = "\"\"";

// A subcomponent, component or repetition: null for `""`, a string when it has no `sep`
// (or at the innermost level), else an object of its non-empty parts keyed by position.
void write_level(json::Writer& w, const Message& m, std::string_view wire, int level) {
  const Delimiters& d = m.delimiters();
  if (wire == kNull) {
    w.null();
    return;
  }
  char sep = level == 0 ? d.component : d.subcomponent;
  if (level > 1 || wire.find(sep) == std::string_view::npos) {
    w.value(m.decode(wire));
    return;
  }
  w.begin_object();
  int index = 0;
  for (std::string_view part : split(wire, sep)) {
    ++index;
    if (part.empty()) continue;
    w.key(std::to_string(index));
    write_level(w, m, part, level + 1);
  }
  w.end_object();
}

void write_field(json::Writer& w, const Message& m, std::string_view wire) {
  char rep = m.delimiters().repetition;
  if (wire.find(rep) == std::string_view::npos) {
    write_level(w, m, wire, 0);
    return;
  }
  w.begin_array();
  for (std::string_view r : split(wire, rep)) {
    if (r.empty()) {
      w.value("");
    } else {
      write_level(w, m, r, 0);
    }
  }
  w.end_array();
}

}  // namespace

void write_json(json::Writer& w, const Message& m) {
  w.begin_object();
  write_json_members(w, m);
  w.end_object();
}

void write_json_members(json::Writer& w, const Message& m) {
  Header h = m.header();
  w.key("charset").value(m.charset());
  w.key("delimiters")
      .value(std::string(1, m.delimiters().field) + m.delimiters().encoding_characters());
  w.key("header").begin_object();
  const std::pair<const char*, const std::string*> header_fields[] = {
      {"sending_application", &h.sending_application},
      {"sending_facility", &h.sending_facility},
      {"receiving_application", &h.receiving_application},
      {"receiving_facility", &h.receiving_facility},
      {"message_time", &h.message_time},
      {"message_type", &h.message_type},
      {"trigger_event", &h.trigger_event},
      {"structure", &h.structure},
      {"control_id", &h.control_id},
      {"processing_id", &h.processing_id},
      {"version", &h.version},
      {"sequence_number", &h.sequence_number},
      {"accept_ack_type", &h.accept_ack_type},
      {"app_ack_type", &h.app_ack_type},
      {"charset", &h.charset},
  };
  for (auto [name, value] : header_fields) w.key(name).value(*value);
  w.end_object();

  w.key("segments").begin_array();
  for (size_t i = 0; i < m.segment_count(); ++i) {
    std::string_view id = m.segment_id(i);
    bool header_segment = id == "MSH" || id == "FHS" || id == "BHS";
    w.begin_object();
    w.key("id").value(id);
    w.key("fields").begin_object();
    size_t n = m.field_count(i);
    for (size_t f = 1; f <= n; ++f) {
      auto wire = m.field_raw(i, static_cast<int>(f));
      if (!wire || wire->empty()) continue;
      w.key(std::to_string(f));
      if (header_segment && f <= 2) {
        w.value(*wire);  // C2: the delimiters themselves, never split or unescaped
      } else {
        write_field(w, m, *wire);
      }
    }
    w.end_object();
    w.end_object();
  }
  w.end_array();
}

}  // namespace irwell::hl7
