#pragma once
// MLLP wire constants and MLLP release 2 commit blocks (HL7-EDGE-CASES A1, A11).
//
// Contract: pure values and predicates, no state, thread-safe. A frame is
// `0x0B payload 0x1C 0x0D`. MLLP release 2 adds transport-level commit blocks whose payload is
// the single byte 0x06 (commit ACK: the content is safely stored) or 0x15 (commit NAK: it was
// not); a sender must recognise those payloads and never treat them as HL7 messages.
#include <string>
#include <string_view>

namespace irwell::mllp {

inline constexpr char kStartBlock = 0x0B;  // VT
inline constexpr char kEndBlock = 0x1C;    // FS
inline constexpr char kCarriageReturn = 0x0D;
inline constexpr char kCommitAckByte = 0x06;  // MLLP2 commit acknowledgement
inline constexpr char kCommitNakByte = 0x15;  // MLLP2 negative commit acknowledgement

// True when a decoded frame payload is an MLLP2 commit ACK / NAK block (exactly one byte).
bool is_commit_ack(std::string_view payload);
bool is_commit_nak(std::string_view payload);

// The full framed commit blocks, ready to write: `0B 06 1C 0D` and `0B 15 1C 0D`.
std::string commit_ack_block();
std::string commit_nak_block();

}  // namespace irwell::mllp
