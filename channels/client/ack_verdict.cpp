#include "channels/client/ack_verdict.h"

#include "engine/hl7/ack.h"

namespace irwell::client {

namespace {

// MSA-3 and every ERR line, "; "-separated.
std::string reply_text(const hl7::AckReply& reply) {
  std::string out = reply.text;
  for (const auto& e : reply.errors) {
    if (e.empty() || e == reply.text) continue;  // pre-2.5 ACKs repeat the error in MSA-3
    if (!out.empty()) out += "; ";
    out += e;
  }
  return out;
}

}  // namespace

AckVerdict judge_reply(std::string_view sent_control_id, std::string_view reply_payload) {
  AckVerdict v;
  auto reply = hl7::read_ack(reply_payload);
  if (!reply) {
    v.problem = "the reply is not an acknowledgement (no MSA segment)";
    return v;
  }
  v.is_ack = true;
  v.code = reply->code;
  v.control_id = reply->control_id;
  std::string text = reply_text(*reply);
  bool positive = v.code == "AA" || v.code == "CA";
  if (v.control_id != sent_control_id) {
    v.problem = "the ACK is for control_id \"" + v.control_id + "\", not \"" +
                std::string(sent_control_id) + "\"";
    return v;
  }
  if (!positive) {
    v.problem = text.empty() ? "negative acknowledgement " + v.code + " without text" : text;
    return v;
  }
  v.accepted = true;
  v.warning = std::move(text);
  return v;
}

}  // namespace irwell::client
