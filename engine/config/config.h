#pragma once
// Config: the whole of routes.yaml as plain data, decoded and cross-checked (STYLE.md 3).
//
// Contract: a Config returned by load_config() (load_config.h) is complete and consistent: every
// name a route, transform or lookup refers to exists, types are registered, values are in range,
// HL7 paths parse, regexes compile, lookup files were read, no two listeners share an address and
// port. Engines build their components from it and need not re-check. Relative filesystem paths
// are already resolved against the directory holding routes.yaml. Plain values: copyable, no
// references into the YAML text; safe to share read-only between threads.
// The file format and every key are documented in engine/config/FORMAT.md.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/diagnostic.h"
#include "engine/config/field_spec.h"
#include "engine/config/match_expr.h"
#include "engine/config/source_config.h"
#include "engine/core/clock.h"

namespace irwell::config {

struct DestinationConfig {
  std::string name, type;
  Mark mark;
  Params params;  // every field of the destination type's spec (destination_specs.cpp)
};

struct TransformConfig {
  std::string type;
  Mark mark;
  Params params;  // every field of the transform type's spec
};

struct RouteConfig {
  std::string name;
  Mark mark;
  std::vector<std::string> sources;
  MatchExpr match;
  std::vector<TransformConfig> transforms;  // applied in order
  std::vector<std::string> destinations;
};

struct LookupTable {
  std::string name;
  std::map<std::string, std::string> values;
  std::optional<std::string> default_value;  // used when a key is not in values
  Mark mark;
};

struct StorageConfig {
  std::filesystem::path data_dir;  // absolute or relative to the process's working directory
  Duration duplicate_window = std::chrono::hours(24);
  std::optional<int64_t> max_size_bytes;  // beyond it the store refuses writes (senders get NAKs)
  size_t commit_batch_max = 1024;         // most messages committed in one transaction
};

// How long stored messages are kept (issue #6 retention). Content (raw bytes, ACKs, payloads
// and replies) is erased after `content`; the whole record (message row, patients, deliveries,
// attempts) is deleted after `metadata`. nullopt = kept forever. A message with an unfinished
// delivery is never pruned.
struct RetentionAges {
  std::optional<Duration> content, metadata;
};
struct RetentionConfig {
  RetentionAges defaults;                        // for every source not listed in `sources`
  std::map<std::string, RetentionAges> sources;  // per source, overriding defaults key by key
  Duration interval = std::chrono::minutes(5);   // how often the pruner runs
  int batch = 500;                               // rows per pruning transaction
  // The ages in force for one source.
  RetentionAges for_source(const std::string& source) const;
};

struct AdminToken {
  std::string name, role;    // role: viewer, operator or admin
  std::string token;         // the bearer token itself, or empty (see token_sha256)
  std::string token_sha256;  // lower-case hex SHA-256 of the token; empty when `token` is used
  // Both empty: `token:` was given but came out empty (e.g. an unset ${IRWELL_ADMIN_TOKEN}); the
  // engine then creates a random token in DATA_DIR/admin.token (SPEC.md).
};

struct AdminConfig {
  bool enabled = true;
  std::string bind = "127.0.0.1";
  int port = 8080;
  TlsConfig tls;                   // HTTPS (and client certificates) when enabled
  std::vector<AdminToken> tokens;  // in file order
  // A message search still running after this long stops (the API answers 422); > 0.
  Duration search_timeout = std::chrono::seconds(2);
};

struct LoggingConfig {
  std::string level = "info";  // debug, info, warn, error (log::parse_level accepts it)
};

struct Config {
  std::filesystem::path file;  // the routes.yaml this came from (as given)
  StorageConfig storage;
  RetentionConfig retention;
  AdminConfig admin;
  LoggingConfig logging;
  std::vector<SourceConfig> sources;            // in file order
  std::vector<DestinationConfig> destinations;  // in file order
  std::vector<RouteConfig> routes;              // in file order
  std::map<std::string, LookupTable> lookups;
  // Each top-level section as the file gave it (after ${VAR} substitution), as canonical text
  // (yaml_tree.h): what tells a reload which sections changed. `lookups` also holds the rows of
  // every table, so an edited CSV beside an unchanged routes.yaml counts as a change.
  std::map<std::string, std::string> section_texts;

  const SourceConfig* find_source(std::string_view name) const;
  const DestinationConfig* find_destination(std::string_view name) const;
  const RouteConfig* find_route(std::string_view name) const;
  const LookupTable* find_lookup(std::string_view name) const;
};

// The top-level sections whose content differs between two configs (present in only one
// counts), in name order (see section_texts; certificate files are not compared).
std::vector<std::string> changed_sections(const Config& before, const Config& after);

// True when two destinations (sources) would be built alike: same name, type and field values
// (where a value was written in the file does not count; a default equals the same value written
// out).
bool same_settings(const DestinationConfig& a, const DestinationConfig& b);
bool same_settings(const SourceConfig& a, const SourceConfig& b);
// True when both lists hold the same channels (by name, in any order), each with the same
// settings; with `type`, only the channels of that type count.
bool same_channels(const std::vector<SourceConfig>& a, const std::vector<SourceConfig>& b,
                   std::string_view type = {});
bool same_channels(const std::vector<DestinationConfig>& a, const std::vector<DestinationConfig>& b,
                   std::string_view type = {});

}  // namespace irwell::config
