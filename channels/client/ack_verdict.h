#pragma once
// AckVerdict: what a sender makes of the reply to one message it sent (HL7-EDGE-CASES H2, H3,
// H5): accepted or not, the MSA-1 code, and a readable reason when not.
//
// Contract: pure, thread-safe, never throws. A reply is accepted when it has an MSA segment,
// MSA-1 is AA or CA, and MSA-2 equals the MSH-10 that was sent, byte for byte (H5: correlation
// is by MSA-2; an ACK for another message is a failure even when it says AA). Otherwise
// `problem` says why: the NAK's MSA-3 text and ERR lines (AE/AR/CE/CR), the control ID
// mismatch, or a reply without MSA. `warning` carries MSA-3/ERR text that came with an
// accepted reply (AA with severity-W ERR segments, H6).
#include <string>
#include <string_view>

namespace irwell::client {

struct AckVerdict {
  bool accepted = false;
  bool is_ack = false;     // the reply had an MSA segment
  std::string code;        // MSA-1 as received ("" when not an ACK)
  std::string control_id;  // MSA-2 as received
  std::string problem;     // why not accepted; empty when accepted
  std::string warning;     // text that came with an accepted reply
};

AckVerdict judge_reply(std::string_view sent_control_id, std::string_view reply_payload);

}  // namespace irwell::client
