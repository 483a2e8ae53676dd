#include "engine/config/map_view.h"

#include <algorithm>

namespace irwell::config {

std::string in_context(std::string_view context, std::string_view message) {
  if (context.empty()) return std::string(message);
  return std::string(context) + ": " + std::string(message);
}

std::string quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

std::string mark_text(Mark m) { return std::to_string(m.line) + ":" + std::to_string(m.column); }

MapView MapView::read(const YamlNode& map, std::string_view context,
                      const std::optional<std::vector<std::string>>& allowed, DiagnosticList& diags,
                      std::string_view item_noun) {
  MapView view;
  std::vector<std::string> sorted_allowed;
  if (allowed) {
    sorted_allowed = *allowed;
    std::sort(sorted_allowed.begin(), sorted_allowed.end());
  }
  for (const auto& [k, v] : map.pairs) {
    if (!k->is_scalar()) {
      diags.error(k->mark, in_context(context, std::string("expected a plain word as key, got ") +
                                                   k->kind_name()));
      continue;
    }
    const std::string& key = k->scalar;
    if (const Entry* first = view.get(key)) {
      if (!item_noun.empty()) {
        diags.error(k->mark, in_context(context, "duplicate " + std::string(item_noun) + " " +
                                                     quote(key) + " (first defined at " +
                                                     mark_text(first->key_node->mark) + ")"));
      } else {
        diags.error(k->mark, in_context(context, "key " + quote(key) + " given twice (first at " +
                                                     mark_text(first->key_node->mark) + ")"));
      }
      continue;
    }
    if (allowed && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      diags.error(k->mark, in_context(context, "unknown key " + quote(key) +
                                                   "; allowed: " + join(sorted_allowed)));
      // Kept out of the view, but remembered so a second misspelling reports "given twice".
      view.entries_.push_back(Entry{key, k.get(), nullptr});
      continue;
    }
    view.entries_.push_back(Entry{key, k.get(), v.get()});
  }
  // Entries for unknown keys only served duplicate detection.
  std::erase_if(view.entries_, [](const Entry& e) { return e.value == nullptr; });
  return view;
}

const MapView::Entry* MapView::get(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

}  // namespace irwell::config
