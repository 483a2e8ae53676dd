#include "engine/mllp/frame_encoder.h"

namespace irwell::mllp {

std::string encode_frame(std::string_view payload) {
  std::string out;
  append_frame(out, payload);
  return out;
}

void append_frame(std::string& out, std::string_view payload) {
  out.reserve(out.size() + payload.size() + 3);
  out += kStartBlock;
  out += payload;
  out += kEndBlock;
  out += kCarriageReturn;
}

}  // namespace irwell::mllp
