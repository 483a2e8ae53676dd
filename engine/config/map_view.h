#pragma once
// MapView: one YAML map read with its keys checked: keys given twice and keys not in the allowed
// list are reported (with the allowed list), once, at the key's position (internal).
//
// Contract: borrows the YamlNode (which must outlive the view). Lookups return the FIRST
// occurrence of a key; later occurrences are reported and ignored. Not thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/diagnostic_list.h"
#include "engine/config/yaml_tree.h"

namespace irwell::config {

// `context: message`, or just message for an empty context.
std::string in_context(std::string_view context, std::string_view message);
std::string quote(std::string_view text);  // "\"text\""
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");
std::string mark_text(Mark m);  // "12:5"

class MapView {
 public:
  struct Entry {
    std::string key;
    const YamlNode* key_node = nullptr;
    const YamlNode* value = nullptr;
  };

  // allowed == nullopt: any key is fine (a map of names). item_noun, when non-empty, words the
  // duplicate message as `duplicate <noun> "x" (first defined at L:C)`.
  static MapView read(const YamlNode& map, std::string_view context,
                      const std::optional<std::vector<std::string>>& allowed, DiagnosticList& diags,
                      std::string_view item_noun = {});

  const Entry* get(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace irwell::config
