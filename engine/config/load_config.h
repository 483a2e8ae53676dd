#pragma once
// load_config: routes.yaml -> Config, collecting EVERY problem as a located Diagnostic.
//
// Steps (STYLE.md 3): read the file -> substitute `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
// `${VAR:?message}`, `${VAR?message}` line by line, keeping a column map so diagnostics point at
// the original text -> parse YAML (syntax errors become diagnostics, yaml-cpp's exceptions never
// escape) -> decode every section against the Registry (unknown keys with the allowed list, keys
// given twice, missing or wrong-typed values) -> cross-check (duplicate names, references, port
// clashes, routes that can never match, lookup files). Nothing here opens a socket or the store;
// lookup CSV files are the only files read besides routes.yaml.
//
// Contract: never throws on input. On failure the diagnostics are sorted by position and name the
// file as given (`file.string()` / `file_name`). Relative paths in the config resolve against the
// directory holding the file (load_config) or `base_dir` (load_config_text). Thread-safe as long
// as `env` is.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"
#include "engine/config/diagnostic.h"
#include "engine/config/environment.h"
#include "engine/config/registry.h"
#include "engine/core/result.h"

namespace irwell::config {

Result<Config, std::vector<Diagnostic>> load_config(const std::filesystem::path& file,
                                                    const Registry& registry,
                                                    const Environment& env = process_environment());

Result<Config, std::vector<Diagnostic>> load_config_text(std::string_view text,
                                                         const std::string& file_name,
                                                         const std::filesystem::path& base_dir,
                                                         const Registry& registry,
                                                         const Environment& env);

}  // namespace irwell::config
