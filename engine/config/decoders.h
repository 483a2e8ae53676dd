#pragma once
// The per-type decoding steps load_config() calls after the generic field decoding (internal to
// engine/config). Each lives beside the TypeSpecs it reads (STYLE.md 5).
//
// Contract: never throw; problems go to ctx.diags with `context` as prefix.
#include <optional>
#include <string>
#include <string_view>

#include "engine/config/config.h"
#include "engine/config/field_decoder.h"

namespace irwell::config {

// source_config.cpp: fills source.mllp / source.directory from source.params and checks what a
// field type alone cannot (TLS settings, version and type patterns, charset names).
void fill_source(SourceConfig& source, std::string_view context, DecodeContext& ctx);

// destination_specs.cpp: checks what field types alone cannot (URL form, TLS settings) and
// resolves TLS file paths in params.
void check_destination(DestinationConfig& destination, std::string_view context,
                       DecodeContext& ctx);

// source_config.cpp: TLS settings from a `tls:` map field. listener = a source (cert and key
// required; client_cert/verify_client, allowed_subjects, min_version, handshake_timeout) rather
// than a sender (ca, cert, key, server_name, verify).
// Resolves file paths in value.map in place.
TlsConfig decode_tls(Value& value, bool listener, std::string_view context, DecodeContext& ctx);

// A `CODE^EVENT` pattern with `*`/`?` wildcards: empty when fine, else what is wrong.
std::string check_type_pattern(std::string_view pattern);

// lookup_table.cpp: one `lookups:` entry (inline `values:` or a CSV `file:`); nullopt when wrong.
std::optional<LookupTable> decode_lookup(const std::string& name, const YamlNode& block,
                                         Mark name_mark, DecodeContext& ctx);

// match_decoder.cpp: a route's `match:` block (null = always).
MatchExpr decode_match(const YamlNode& node, std::string_view context, DecodeContext& ctx);

// config_checks.cpp: two listeners (mllp sources, the admin API) on the same address and port.
// admin_port_mark: where admin.port is written (or the admin section).
void check_port_clashes(const Config& config, Mark admin_port_mark, DiagnosticList& diags);

// config_checks.cpp: a route whose match can never hold, given its own conditions and the
// allowed_types of its sources.
void check_route_can_match(const RouteConfig& route, const Config& config, std::string_view context,
                           DiagnosticList& diags);

}  // namespace irwell::config
