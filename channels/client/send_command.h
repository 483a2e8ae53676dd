#pragma once
// mllp-send: sends every message in the given files over MLLP, one at a time, and reports each
// acknowledgement (SPEC "Tools").
//
// Contract: send_main takes the words after the program name and writes one line per message
// to `out`:
//   <file>#<n> control_id=<MSH-10> ack=AA
//   <file>#<n> control_id=<MSH-10> ack=AE error="<MSA-3 / ERR text>"
//   <file>#<n> control_id=<MSH-10> ack=none error="no ACK within 30 s"
// (values logfmt-quoted when they hold spaces, quotes or '='), a line `<file> error="..."` for a
// file that cannot be read or holds no message, and a summary on `err`. A message counts as
// accepted only when its reply is AA or CA for the MSH-10 sent (see AckVerdict). After a
// timeout or a dropped connection the next message goes over a new connection; when a
// connection cannot be made at all, sending stops. Returns the exit code: 0 every message
// accepted, 1 anything else went wrong, 2 usage or TLS setup error. Never calls exit().
#include <iosfwd>
#include <string>
#include <vector>

namespace irwell::client {

int send_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace irwell::client
