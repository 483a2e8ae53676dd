// Destination types: their specs (what `irwell list` shows and the loader checks). Destinations
// are read by the channels from DestinationConfig::params by these field names.
#include <string>
#include <vector>

#include "engine/config/decoders.h"
#include "engine/config/registry.h"

namespace irwell::config {
namespace {

using T = FieldType;

// Delivery policy every destination has: retries, dead-lettering and per-key ordering lanes.
std::vector<FieldSpec> with_delivery_fields(std::vector<FieldSpec> fields) {
  fields.push_back(field_spec("retry_initial", T::duration, "1s",
                              "delay before the first retry; doubles after each failed attempt"));
  fields.push_back(field_spec("retry_max", T::duration, "5m", "longest delay between retries"));
  fields.push_back(bounded(field_spec("max_attempts", T::integer, "0",
                                      "attempts before a delivery is dead-lettered; 0: never"),
                           0));
  fields.push_back(field_spec("max_age", T::duration, "0s",
                              "dead-letter a delivery still failing this long after the message "
                              "arrived; 0: no age limit"));
  fields.push_back(field_spec("lane_key", T::path, "",
                              "HL7 path (e.g. PID-3) whose value keeps per-key FIFO order while "
                              "lanes send in parallel; empty: one lane, strict FIFO"));
  fields.push_back(
      bounded(field_spec("lanes", T::integer, "1",
                         "deliveries in flight at once, one per lane (needs lane_key)"),
              1, 64));
  return fields;
}

TypeSpec mllp_spec() {
  return TypeSpec{
      TypeKind::destination, "mllp",
      "sends each message over MLLP (TCP, optionally TLS) and waits for the receiver's ACK",
      with_delivery_fields({
          required(field_spec("host", T::string, "", "receiver's host name or address")),
          required(bounded(field_spec("port", T::port, "", "receiver's TCP port"), 1, 65535)),
          field_spec("connect_timeout", T::duration, "10s", "give up connecting after this long"),
          field_spec("ack_timeout", T::duration, "30s",
                     "retry when no ACK arrives this long after sending"),
          one_of(field_spec("on_ae", T::enum_, "retry",
                            "when the receiver answers AE/CE (application error): retry or "
                            "dead_letter"),
                 {"retry", "dead_letter"}),
          one_of(field_spec("on_ar", T::enum_, "dead_letter",
                            "when the receiver answers AR/CR (rejected): retry or dead_letter"),
                 {"retry", "dead_letter"}),
          one_of(field_spec("tls", T::map, "",
                            "TLS, always verified: {ca, server_name}, {cert, key} for mutual "
                            "TLS; server_name: the name the certificate must carry if not host; "
                            "verify: only true"),
                 {"ca", "cert", "key", "server_name", "verify"}),
      })};
}

TypeSpec file_spec() {
  return TypeSpec{
      TypeKind::destination, "file",
      "writes each message to its own file in a directory, or each period's messages to one "
      "file (written whole, then renamed)",
      with_delivery_fields({
          required(field_spec("dir", T::file_path, "", "directory to write into")),
          field_spec("filename", T::string, "{control_id}.hl7",
                     "file name; {control_id}, {type}, {event}, {id}, {delivery} and, in batch "
                     "mode, {period} (UTC YYYYMMDDHHMMSS) are replaced"),
          one_of(field_spec("line_ending", T::enum_, "cr", "segment terminator: cr, lf or crlf"),
                 {"cr", "lf", "crlf"}),
          field_spec("batch_period", T::duration, "0s",
                     "append each period's messages to one file, renamed into place when the "
                     "period is over; 0: one file per message"),
      })};
}

TypeSpec http_spec() {
  return TypeSpec{
      TypeKind::destination, "http",
      "POSTs each message to an HTTP(S) endpoint; a 2xx reply means delivered",
      with_delivery_fields({
          required(field_spec("url", T::string, "", "http:// or https:// URL")),
          one_of(field_spec("method", T::enum_, "POST", "HTTP method"), {"POST", "PUT"}),
          field_spec("content_type", T::string, "x-application/hl7-v2+er7",
                     "Content-Type of the request body"),
          one_of(field_spec("format", T::enum_, "er7",
                            "request body: er7 (the message), xml (HL7 v2 XML) or json"),
                 {"er7", "xml", "json"}),
          field_spec("headers", T::map, "", "extra request headers, name: value"),
          field_spec("bearer_token", T::string, "",
                     "sent as Authorization: Bearer TOKEN (use ${VAR} to keep it out of git)"),
          field_spec("timeout", T::duration, "30s", "retry when no reply arrives this long"),
          one_of(field_spec("tls", T::map, "",
                            "TLS for https: {ca, server_name, verify: true}, {cert, key}"),
                 {"ca", "cert", "key", "server_name", "verify"}),
      })};
}

// Read by engine/record (RecordStoreOptions, SharingPolicy).
TypeSpec record_store_spec() {
  return TypeSpec{
      TypeKind::destination, "record_store",
      "applies ADT, ORU and SIU messages to the shared care record in the store",
      with_delivery_fields({
          field_spec("file", T::file_path, "",
                     "SQLite file of the record; empty: records.db in storage.data_dir"),
          field_spec("suppressed_clinics", T::string_list, "",
                     "location codes (PV1-3.1, PV1-3.4, AIL-3.1) whose facts stay out of the "
                     "shared view"),
          field_spec("suppressed_specialties", T::string_list, "",
                     "hospital services (PV1-10) whose encounters stay out of the shared view"),
          field_spec("suppressed_codes", T::string_list, "",
                     "order, observation and appointment codes (OBR-4.1, OBX-3.1, AIS-3.1) "
                     "kept out of the shared view"),
          field_spec("opt_out_field", T::path, "PD1-12",
                     "HL7 path of an ADT field saying the patient objects to sharing; empty: "
                     "no opt-out rule"),
          field_spec("opt_out_values", T::string_list, "Y",
                     "values of opt_out_field meaning opted out (another value or \"\" opts "
                     "back in)"),
          field_spec("override_roles", T::string_list, "",
                     "admin API roles that may still see an opted-out patient (each access "
                     "audited)"),
      })};
}

}  // namespace

void check_destination(DestinationConfig& d, std::string_view context, DecodeContext& ctx) {
  Params& p = d.params;
  if (auto it = p.find("tls"); it != p.end()) {
    decode_tls(it->second, /*listener=*/false, context, ctx);
    const auto& m = it->second.map;
    if (auto v = m.find("verify"); d.type == "mllp" && v != m.end() && v->second == "false") {
      // Unverified TLS to a subscriber can be intercepted without anyone noticing.
      ctx.diags.error(it->second.mark,
                      in_context(context,
                                 "tls: verify: false is not supported; give the subscriber's CA "
                                 "as ca and the name in its certificate as server_name"));
    }
  }
  if (d.type == "http") {
    const Value& url = p["url"];
    if (!url.text.empty() && !url.text.starts_with("http://") &&
        !url.text.starts_with("https://")) {
      ctx.diags.error(url.mark, in_context(context,
                                           "url: expected an http:// or https:// URL, "
                                           "got " +
                                               quote(url.text)));
    }
  }
  if (auto it = p.find("lanes"); it != p.end() && it->second.integer > 1) {
    auto key = p.find("lane_key");
    if (key == p.end() || key->second.text.empty()) {
      ctx.diags.error(it->second.mark,
                      in_context(context,
                                 "lanes: more than one lane needs lane_key (the HL7 "
                                 "path that keeps each patient's messages in order)"));
    }
  }
}

void register_builtin_destinations(Registry& registry) {
  registry.add(mllp_spec());
  registry.add(file_spec());
  registry.add(http_spec());
  registry.add(record_store_spec());
}

}  // namespace irwell::config
