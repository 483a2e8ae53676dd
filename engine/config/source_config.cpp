// Source types: their specs (what `irwell list` shows and the loader checks) beside the code that
// turns the checked Params into MllpSourceConfig / DirectorySourceConfig.
#include "engine/config/source_config.h"

#include <algorithm>
#include <cctype>

#include "engine/config/decoders.h"
#include "engine/config/registry.h"
#include "engine/config/value_parse.h"

namespace irwell::config {
namespace {

FieldSpec field(std::string name, FieldType type, std::string def, std::string doc) {
  return field_spec(std::move(name), type, std::move(def), std::move(doc));
}

TypeSpec mllp_spec() {
  using T = FieldType;
  return TypeSpec{
      TypeKind::source,
      "mllp",
      "receives HL7 v2 messages over MLLP (TCP, optionally TLS) and ACKs each after it is stored",
      {
          field("bind", T::string, "127.0.0.1", "address to listen on (0.0.0.0: every interface)"),
          field("port", T::port, "2575", "TCP port to listen on; 0 picks a free port"),
          bounded(field("max_connections", T::integer, "100",
                        "most simultaneous connections; more are refused"),
                  1, 100000),
          field("idle_timeout", T::duration, "10m", "close a connection silent this long"),
          field("frame_timeout", T::duration, "30s",
                "drop a frame that is not complete this long after it started (A-edge cases)"),
          bounded(field("max_frame_bytes", T::size, "16MiB",
                        "largest accepted frame; larger ones are NAKed and the connection closed"),
                  1),
          field("strict_framing", T::boolean, "false",
                "treat a 0x1C not followed by 0x0D, or bytes outside a frame, as protocol errors"),
          one_of(field("ack_mode", T::enum_, "auto",
                       "auto: MSH-15/16 decide; original: always AA/AE/AR; enhanced: CA/CE/CR"),
                 {"auto", "original", "enhanced"}),
          one_of(field("reject_code", T::enum_, "AR",
                       "NAK code for messages that cannot be parsed (AE or AR, H7)"),
                 {"AR", "AE"}),
          field("default_charset", T::string, "",
                "character set when MSH-18 is empty (e.g. 8859/1, UNICODE UTF-8); empty: detect"),
          field("allowed_versions", T::string_list, "",
                "accepted MSH-12 versions; \"2.5\" also allows \"2.5.1\"; empty: any"),
          field("allowed_types", T::string_list, "",
                "accepted MSH-9 types, patterns like ADT^A0*; others are NAKed; empty: any"),
          field("required_fields", T::path_list, "",
                "HL7 paths that must be non-empty, e.g. PID-3; otherwise the message is NAKed"),
          field("unrouted_ack", T::boolean, "true",
                "ACK for a message no route matches: true AA (stored as unrouted), false AE"),
          field("dedupe", T::boolean, "true",
                "answer a repeated (sender, MSH-10) within storage.duplicate_window with the "
                "stored ACK instead of processing it again"),
          one_of(field("tls", T::map, "",
                       "TLS: {cert, key} files; mutual TLS: ca, client_cert (off, optional, "
                       "required), allowed_subjects (CN or SAN DNS names, comma-separated); "
                       "min_version (1.2, 1.3), handshake_timeout (10s)"),
                 {"cert", "key", "ca", "client_cert", "verify_client", "allowed_subjects",
                  "min_version", "handshake_timeout"}),
      }};
}

TypeSpec directory_spec() {
  using T = FieldType;
  return TypeSpec{
      TypeKind::source,
      "directory",
      "reads HL7 v2 files (single, multi-message or batch) dropped into a directory",
      {
          required(field("path", T::file_path, "", "directory to read")),
          field("pattern", T::string, "*.hl7", "file names to read (* and ? wildcards)"),
          field("poll_interval", T::duration, "5s", "how often to look for new files"),
          field("done_dir", T::file_path, "",
                "where read files are moved; empty: they are deleted once stored"),
          field("error_dir", T::file_path, "",
                "where files that cannot be parsed are moved; empty: left in place and logged"),
      }};
}

bool known_charset(std::string_view name) {
  std::string up;
  for (char c : name) up.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  static const char* kKnown[] = {"ASCII",  "8859/1",        "8859/15", "WINDOWS-1252",
                                 "CP1252", "UNICODE UTF-8", "UTF-8",   "UNICODE"};
  return std::any_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return up == k; });
}

bool version_text(std::string_view v) {
  if (v.empty() || v.front() == '.' || v.back() == '.') return false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '.' && v[i + 1] == '.') return false;
    if (v[i] != '.' && !std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

}  // namespace

std::string check_type_pattern(std::string_view pattern) {
  if (pattern.empty()) return "an empty message type pattern";
  if (std::count(pattern.begin(), pattern.end(), '^') > 1) {
    return "message type pattern " + quote(pattern) +
           " has more than one '^'; expected CODE^EVENT such as ADT^A0* (MSH-9.1^MSH-9.2)";
  }
  for (char c : pattern) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      return "message type pattern " + quote(pattern) + " contains a blank";
    }
  }
  return {};
}

namespace {

// "a.example, b.example" (commas and/or blanks) -> {"a.example", "b.example"}.
std::vector<std::string> split_names(std::string_view text) {
  std::vector<std::string> names;
  std::string cur;
  for (char c : text) {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) names.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) names.push_back(std::move(cur));
  return names;
}

// The listener-only keys: client certificates, allowed subjects, version floor, handshake timeout.
void decode_listener_tls(Value& value, TlsConfig& tls, const std::string& where,
                         DecodeContext& ctx) {
  auto& m = value.map;
  auto error = [&](const std::string& message) {
    ctx.diags.error(value.mark, in_context(where, message));
  };
  if (auto it = m.find("verify_client"); it != m.end()) {
    if (it->second == "true") {
      tls.client_cert = TlsConfig::ClientCert::required;
    } else if (it->second != "false") {
      error("verify_client: expected true or false, got " + quote(it->second));
    }
  }
  if (auto it = m.find("client_cert"); it != m.end()) {
    if (m.count("verify_client")) error("give client_cert or verify_client, not both");
    const std::string& v = it->second;
    if (v == "off") {
      tls.client_cert = TlsConfig::ClientCert::off;
    } else if (v == "optional") {
      tls.client_cert = TlsConfig::ClientCert::optional;
    } else if (v == "required") {
      tls.client_cert = TlsConfig::ClientCert::required;
    } else {
      error("client_cert: expected off, optional or required, got " + quote(v));
    }
  }
  tls.verify_client = tls.client_cert == TlsConfig::ClientCert::required;
  if (auto it = m.find("allowed_subjects"); it != m.end()) {
    tls.allowed_subjects = split_names(it->second);
    if (tls.client_cert == TlsConfig::ClientCert::off && !tls.allowed_subjects.empty()) {
      error("allowed_subjects needs client_cert: required (or optional)");
    }
  }
  if (auto it = m.find("min_version"); it != m.end()) {
    if (it->second == "1.2") {
      tls.min_version = TlsConfig::MinVersion::tls1_2;
    } else if (it->second == "1.3") {
      tls.min_version = TlsConfig::MinVersion::tls1_3;
    } else {
      error("min_version: expected 1.2 or 1.3, got " + quote(it->second));
    }
  }
  if (auto it = m.find("handshake_timeout"); it != m.end()) {
    auto d = parse_duration(it->second);
    if (!d) {
      error("handshake_timeout: " + d.error().message);
    } else if (*d <= Duration::zero()) {
      error("handshake_timeout: must be more than 0");
    } else {
      tls.handshake_timeout = *d;
    }
  }
  if (tls.cert.empty() || tls.key.empty()) error("a listener needs both \"cert\" and \"key\"");
  if (tls.client_cert != TlsConfig::ClientCert::off && tls.ca.empty()) {
    error(std::string(tls.verify_client ? "verify_client" : "client_cert") +
          " needs \"ca\" to verify with");
  }
}

}  // namespace

TlsConfig decode_tls(Value& value, bool listener, std::string_view context, DecodeContext& ctx) {
  TlsConfig tls;
  if (value.map.empty()) return tls;
  const std::string where = in_context(context, "tls");
  auto& m = value.map;
  for (const char* k : {"cert", "key", "ca"}) {
    auto it = m.find(k);
    if (it == m.end() || it->second.empty()) continue;
    std::filesystem::path file = resolve_file(ctx.base_dir, it->second);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      // Found now rather than when the first peer connects.
      ctx.diags.error(value.mark, in_context(where, std::string(k) + ": cannot read " +
                                                        quote(it->second) + ": no such file"));
    }
    it->second = file.string();
  }
  tls.enabled = true;
  if (m.count("cert")) tls.cert = m["cert"];
  if (m.count("key")) tls.key = m["key"];
  if (m.count("ca")) tls.ca = m["ca"];
  if (listener) {
    decode_listener_tls(value, tls, where, ctx);
  } else {
    if (auto it = m.find("verify");
        it != m.end() && it->second != "true" && it->second != "false") {
      ctx.diags.error(value.mark, in_context(where, "verify: expected true or false, got " +
                                                        quote(it->second)));
    }
    if (tls.cert.empty() != tls.key.empty()) {
      ctx.diags.error(value.mark,
                      in_context(where, "a client certificate needs both \"cert\" and \"key\""));
    }
  }
  return tls;
}

void fill_source(SourceConfig& s, std::string_view context, DecodeContext& ctx) {
  Params& p = s.params;
  if (s.type == "mllp") {
    MllpSourceConfig& m = s.mllp;
    m.bind = p["bind"].text;
    m.port = static_cast<int>(p["port"].integer);
    m.max_connections = static_cast<int>(p["max_connections"].integer);
    m.idle_timeout = p["idle_timeout"].duration;
    m.frame_timeout = p["frame_timeout"].duration;
    m.max_frame_bytes = static_cast<size_t>(p["max_frame_bytes"].integer);
    m.strict_framing = p["strict_framing"].boolean;
    const std::string& mode = p["ack_mode"].text;
    m.ack_mode = mode == "original"   ? MllpSourceConfig::AckMode::original
                 : mode == "enhanced" ? MllpSourceConfig::AckMode::enhanced
                                      : MllpSourceConfig::AckMode::auto_;
    m.reject_code = p["reject_code"].text;
    m.default_charset = p["default_charset"].text;
    m.allowed_versions = p["allowed_versions"].list;
    m.allowed_types = p["allowed_types"].list;
    m.required_fields = p["required_fields"].list;
    m.unrouted_ack = p["unrouted_ack"].boolean;
    m.dedupe = p["dedupe"].boolean;
    m.tls = decode_tls(p["tls"], /*listener=*/true, context, ctx);
    if (p["bind"].given && m.bind.empty()) {
      ctx.diags.error(p["bind"].mark, in_context(context, "bind: must not be empty"));
    }
    if (!m.default_charset.empty() && !known_charset(m.default_charset)) {
      ctx.diags.error(
          p["default_charset"].mark,
          in_context(context, "default_charset: unknown character set " + quote(m.default_charset) +
                                  "; known: ASCII, 8859/1, 8859/15, WINDOWS-1252, "
                                  "UNICODE UTF-8"));
    }
    for (const auto& v : m.allowed_versions) {
      if (!version_text(v)) {
        ctx.diags.error(
            p["allowed_versions"].mark,
            in_context(context, "allowed_versions: expected a version like 2.5, got " + quote(v)));
      }
    }
    for (const auto& t : m.allowed_types) {
      if (std::string why = check_type_pattern(t); !why.empty()) {
        ctx.diags.error(p["allowed_types"].mark, in_context(context, "allowed_types: " + why));
      }
    }
  } else if (s.type == "directory") {
    DirectorySourceConfig& d = s.directory;
    d.path = p["path"].text;
    d.pattern = p["pattern"].text;
    d.poll_interval = p["poll_interval"].duration;
    d.done_dir = p["done_dir"].text;
    d.error_dir = p["error_dir"].text;
    if (d.poll_interval <= Duration::zero()) {
      ctx.diags.error(p["poll_interval"].mark,
                      in_context(context, "poll_interval: must be more than 0"));
    }
  }
}

void register_builtin_sources(Registry& registry) {
  registry.add(mllp_spec());
  registry.add(directory_spec());
}

}  // namespace irwell::config
