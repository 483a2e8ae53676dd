#pragma once
// feed-sim: writes a reproducible synthetic acute-trust feed (FeedGenerator) to files or sends
// it to an MLLP endpoint (SPEC "Tools").
//
// Contract: feed_sim_main takes the words after the program name.
//   --out DIR   writes one file per message, NNNNNN-CONTROLID-TYPE.hl7, bytes exactly as the
//               trust's system writes them (`--out -`: every message to `out`, one after another);
//   --to HOST:PORT [--rate R]  sends them over MLLP (R messages per second at most; 0, the
//               default, as fast as the ACKs come), one at a time, waiting for each ACK. A
//               message whose connection fails or times out is sent again on a new connection
//               until it is answered or the endpoint has been unreachable for --give-up seconds
//               (then feed-sim stops). AE/AR answers are counted, not resent.
//   --acked FILE  (with --to) the MSH-10 of every message answered AA/CA, one per line, in
//               sending order, flushed as they come (a soak test checks delivery against it).
// A summary goes to `out` (counts by trust and type; with --to also by ACK code, retries and the
// rate); errors to `err`. Returns 0 when everything was written / every message was accepted,
// 1 when a message was not accepted or the endpoint was given up on, 2 for usage errors. Never
// calls exit().
#include <iosfwd>
#include <string>
#include <vector>

namespace irwell::feed {

int feed_sim_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace irwell::feed
