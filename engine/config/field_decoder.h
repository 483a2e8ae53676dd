#pragma once
// Decoding of typed YAML values against FieldSpecs (internal to engine/config).
//
// Contract: never throws; every problem goes to the DiagnosticList, worded
// `<context>: <field>: expected <what>, got "<text>"` and placed at the value. Relative
// file_path values resolve against base_dir. Null (an empty value) counts as empty text for
// string-like fields and an empty list/map for list/map fields; other types reject it.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/diagnostic_list.h"
#include "engine/config/field_spec.h"
#include "engine/config/map_view.h"
#include "engine/config/yaml_tree.h"
#include "engine/core/result.h"

namespace irwell::config {

struct DecodeContext {
  DiagnosticList& diags;
  std::filesystem::path base_dir;
};

// The canonical form of an HL7 path, or why it is not one (hl7::Path::parse's message).
Result<std::string> canonical_hl7_path(std::string_view text);

// Empty when `pattern` compiles as an ECMAScript std::regex, else why not (for a diagnostic).
std::string regex_problem(std::string_view pattern);

// Resolves a relative filesystem path against base_dir.
std::filesystem::path resolve_file(const std::filesystem::path& base_dir, std::string_view text);

// Decodes one field's node; nullopt when it is wrong (already reported).
std::optional<Value> decode_value(const YamlNode& node, const FieldSpec& spec,
                                  std::string_view context, DecodeContext& ctx);

// The Value of a field that was not written: its default decoded (marked at `at`).
Value default_value(const FieldSpec& spec, Mark at, const std::filesystem::path& base_dir);

// Decodes a block (a YAML map) against `fields`: unknown keys (allowed = fields + extra_keys),
// keys given twice, missing required fields, wrong types. Returns every field, defaults filled,
// except fields whose value was wrong (reported; reading them gives an empty Value).
// `view`, when given, receives the checked map (to read extra_keys from).
Params decode_fields(const YamlNode& block, const std::vector<FieldSpec>& fields,
                     std::string_view context, Mark block_mark,
                     const std::vector<std::string>& extra_keys, DecodeContext& ctx,
                     MapView* view = nullptr);

// Reads a list of names (a scalar counts as a list of one); reports items that are not scalars.
std::vector<std::pair<std::string, Mark>> decode_names(const YamlNode& node,
                                                       std::string_view context,
                                                       std::string_view field,
                                                       DiagnosticList& diags);

}  // namespace irwell::config
