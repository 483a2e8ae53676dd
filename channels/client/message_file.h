#pragma once
// Reading the messages a client tool sends from files: single messages, multi-message files
// and FHS/BHS batches (HL7-EDGE-CASES J1-J5), each message ready for the wire.
//
// Contract: split_messages is pure: it splits with hl7::split_batch and rewrites each
// message's line ends (CR, LF or CRLF in files) to the CR that MLLP peers expect, with a CR
// after the last segment (SPEC "Segments end with \r on the wire we send"). A file that holds
// no message at all is an Error with split_batch's reason. load_message_file adds reading the
// file; an unreadable file is an Error naming it. Batch headers/trailers are not sent: each
// message travels in its own frame and gets its own ACK (J4).
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.h"

namespace irwell::client {

struct OutgoingMessage {
  std::string label;       // "<file>#<n>", n counting from 1 within the file
  std::string payload;     // segments CR-terminated
  std::string control_id;  // MSH-10 as sent, verbatim
};

Result<std::vector<OutgoingMessage>> split_messages(std::string_view file_bytes,
                                                    const std::string& file_label);
Result<std::vector<OutgoingMessage>> load_message_file(const std::string& path);

// `message` with every line end (CR, LF, CRLF) written as CR and a CR after the last segment.
std::string with_cr_segments(std::string_view message);

}  // namespace irwell::client
