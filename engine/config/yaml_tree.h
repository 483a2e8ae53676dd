#pragma once
// YamlNode: a parsed YAML document as a small tree that keeps every key and value's original
// position and every key of a map, including keys given twice (internal to engine/config).
//
// Why not YAML::Node: we need each key's own position (for "unknown key" and "given twice"), and
// yaml-cpp's Node API silently merges or hides duplicate keys. The tree is built from yaml-cpp's
// parser events, so YAML syntax stays yaml-cpp's.
//
// Contract: parse_yaml() never throws: yaml-cpp's exceptions are caught here, at the edge
// (STYLE.md 7), and become one diagnostic at the mapped position. Aliases share the anchored node.
// A document with more than one YAML document is an error. The empty document is a null root.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/diagnostic.h"
#include "engine/config/diagnostic_list.h"
#include "engine/config/substitution.h"

namespace irwell::config {

struct YamlNode;
using YamlNodePtr = std::shared_ptr<const YamlNode>;

struct YamlNode {
  enum class Kind { null, scalar, sequence, map } kind = Kind::null;
  std::string scalar;   // scalar
  bool quoted = false;  // scalar written in quotes (or a block scalar): never a number or null
  Mark mark;
  std::vector<YamlNodePtr> items;                          // sequence
  std::vector<std::pair<YamlNodePtr, YamlNodePtr>> pairs;  // map, in file order, duplicates kept

  bool is_null() const { return kind == Kind::null; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_sequence() const { return kind == Kind::sequence; }
  bool is_map() const { return kind == Kind::map; }
  // "a map", "a list", "a scalar", "nothing": for "expected X, got Y" messages.
  const char* kind_name() const;
};

// The node's content as text that two nodes share exactly when they hold the same YAML (kinds,
// scalars, quoting, map keys in order), whatever their positions, comments or layout.
std::string canonical_text(const YamlNode& node);

// nullopt when the text is not valid YAML (the diagnostic is in diags).
std::optional<YamlNodePtr> parse_yaml(std::string_view text, const SourceMap& map,
                                      DiagnosticList& diags);

}  // namespace irwell::config
