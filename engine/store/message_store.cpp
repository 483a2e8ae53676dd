#include "engine/store/message_store.h"

#include <array>
#include <utility>

namespace irwell::store {
namespace {

constexpr std::array<std::pair<MessageStatus, std::string_view>, kMessageStatusCount> kStatusNames =
    {{
        {MessageStatus::accepted, "accepted"},
        {MessageStatus::rejected, "rejected"},
        {MessageStatus::duplicate, "duplicate"},
        {MessageStatus::unrouted, "unrouted"},
        {MessageStatus::filtered, "filtered"},
    }};
// Index i of the table is the status with value i (the store counts new rows by that index).
static_assert(kStatusNames[static_cast<size_t>(MessageStatus::filtered)].first ==
              MessageStatus::filtered);

}  // namespace

std::string_view to_string(MessageStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  invariant_broken("MessageStatus out of range");
}

std::optional<MessageStatus> parse_status(std::string_view text) {
  for (const auto& [status, name] : kStatusNames) {
    if (name == text) return status;
  }
  return std::nullopt;
}

}  // namespace irwell::store
