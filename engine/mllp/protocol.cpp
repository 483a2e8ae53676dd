#include "engine/mllp/protocol.h"

#include "engine/mllp/frame_encoder.h"

namespace irwell::mllp {

bool is_commit_ack(std::string_view payload) {
  return payload.size() == 1 && payload[0] == kCommitAckByte;
}

bool is_commit_nak(std::string_view payload) {
  return payload.size() == 1 && payload[0] == kCommitNakByte;
}

std::string commit_ack_block() { return encode_frame(std::string_view(&kCommitAckByte, 1)); }

std::string commit_nak_block() { return encode_frame(std::string_view(&kCommitNakByte, 1)); }

}  // namespace irwell::mllp
