#include "engine/config/config.h"

#include <algorithm>

namespace irwell::config {
namespace {

template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  for (const auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

}  // namespace

RetentionAges RetentionConfig::for_source(const std::string& source) const {
  RetentionAges a = defaults;
  if (auto it = sources.find(source); it != sources.end()) {
    if (it->second.content) a.content = it->second.content;
    if (it->second.metadata) a.metadata = it->second.metadata;
  }
  return a;
}

const SourceConfig* Config::find_source(std::string_view name) const {
  return find_named(sources, name);
}
const DestinationConfig* Config::find_destination(std::string_view name) const {
  return find_named(destinations, name);
}
const RouteConfig* Config::find_route(std::string_view name) const {
  return find_named(routes, name);
}
const LookupTable* Config::find_lookup(std::string_view name) const {
  auto it = lookups.find(std::string(name));
  return it == lookups.end() ? nullptr : &it->second;
}

std::vector<std::string> changed_sections(const Config& before, const Config& after) {
  std::vector<std::string> out;
  for (const auto& [name, text] : before.section_texts) {
    auto it = after.section_texts.find(name);
    if (it == after.section_texts.end() || it->second != text) out.push_back(name);
  }
  for (const auto& [name, text] : after.section_texts) {
    if (!before.section_texts.count(name)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

bool same_params(const Params& a, const Params& b) {
  if (a.size() != b.size()) return false;
  auto same_value = [](const Value& x, const Value& y) {
    return x.type == y.type && x.text == y.text && x.integer == y.integer &&
           x.boolean == y.boolean && x.duration == y.duration && x.list == y.list && x.map == y.map;
  };
  for (const auto& [field, value] : a) {
    auto it = b.find(field);
    if (it == b.end() || !same_value(value, it->second)) return false;
  }
  return true;
}

}  // namespace

bool same_settings(const DestinationConfig& a, const DestinationConfig& b) {
  return a.name == b.name && a.type == b.type && same_params(a.params, b.params);
}

bool same_settings(const SourceConfig& a, const SourceConfig& b) {
  return a.name == b.name && a.type == b.type && same_params(a.params, b.params);
}

namespace {

template <class Channel>
bool same_channels_of(const std::vector<Channel>& a, const std::vector<Channel>& b,
                      std::string_view type) {
  auto counted = [&](const Channel& c) { return type.empty() || c.type == type; };
  if (std::count_if(a.begin(), a.end(), counted) != std::count_if(b.begin(), b.end(), counted)) {
    return false;
  }
  for (const Channel& x : a) {
    if (!counted(x)) continue;
    auto it = std::find_if(b.begin(), b.end(), [&](const Channel& y) { return y.name == x.name; });
    if (it == b.end() || !same_settings(x, *it)) return false;
  }
  return true;
}

}  // namespace

bool same_channels(const std::vector<SourceConfig>& a, const std::vector<SourceConfig>& b,
                   std::string_view type) {
  return same_channels_of(a, b, type);
}

bool same_channels(const std::vector<DestinationConfig>& a, const std::vector<DestinationConfig>& b,
                   std::string_view type) {
  return same_channels_of(a, b, type);
}

}  // namespace irwell::config
