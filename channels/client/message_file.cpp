#include "channels/client/message_file.h"

#include <fstream>
#include <sstream>

#include "engine/hl7/batch.h"
#include "engine/hl7/salvage.h"

namespace irwell::client {

std::string with_cr_segments(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 1);
  for (size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;  // CRLF
    out += c == '\n' ? '\r' : c;
  }
  if (!out.empty() && out.back() != '\r') out += '\r';
  return out;
}

Result<std::vector<OutgoingMessage>> split_messages(std::string_view file_bytes,
                                                    const std::string& file_label) {
  auto batch = hl7::split_batch(file_bytes);
  if (!batch) return fail(file_label + ": " + batch.error().message);
  std::vector<OutgoingMessage> out;
  out.reserve(batch->messages.size());
  int n = 0;
  for (const auto& m : batch->messages) {
    OutgoingMessage msg;
    msg.label = file_label + "#" + std::to_string(++n);
    msg.payload = with_cr_segments(m);
    msg.control_id = hl7::salvage_header(msg.payload).control_id;
    out.push_back(std::move(msg));
  }
  return out;
}

Result<std::vector<OutgoingMessage>> load_message_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open the file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return fail(path + ": read error");
  return split_messages(bytes.str(), path);
}

}  // namespace irwell::client
