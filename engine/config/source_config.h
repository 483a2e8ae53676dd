#pragma once
// Source settings decoded from routes.yaml `sources:` (one entry per listener or reader).
//
// Contract: plain values, fully checked by the loader (types, ranges, HL7 paths, port clashes)
// before any socket opens. A source of type `mllp` is decoded into SourceConfig::mllp, one of type
// `directory` into SourceConfig::directory; `params` always holds every declared field of the
// source's TypeSpec (defaults filled in), so a source type added later can read its settings from
// there. The specs for these types are declared in source_config.cpp, beside the decoding.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/config/diagnostic.h"
#include "engine/config/field_spec.h"
#include "engine/core/clock.h"

namespace irwell::config {

// TLS for a listener (and, for the fields a sender uses, a destination). enabled when `tls:` is
// given; paths resolved against the directory holding routes.yaml. A listener always has cert and
// key (the loader checks); `ca` is what client certificates are verified against.
struct TlsConfig {
  bool enabled = false;
  std::filesystem::path cert, key, ca;
  // Client certificates (mutual TLS): off = not asked for; optional = asked for, verified when
  // presented; required = a connection without a valid one is refused.
  enum class ClientCert { off, optional, required } client_cert = ClientCert::off;
  bool verify_client = false;  // client_cert == required (the `verify_client: true` spelling)
  // Names a client certificate must carry (its subject CN or a SAN DNS name, compared without
  // regard to case); empty = any certificate the CA signed.
  std::vector<std::string> allowed_subjects;
  enum class MinVersion { tls1_2, tls1_3 } min_version = MinVersion::tls1_2;
  Duration handshake_timeout = std::chrono::seconds(10);  // a client silent this long is dropped
};

struct MllpSourceConfig {
  std::string bind = "127.0.0.1";
  int port = 2575;
  int max_connections = 100;
  Duration idle_timeout = std::chrono::minutes(10);
  Duration frame_timeout = std::chrono::seconds(30);
  size_t max_frame_bytes = 16 * 1024 * 1024;
  bool strict_framing = false;
  enum class AckMode { auto_, original, enhanced } ack_mode = AckMode::auto_;
  std::string reject_code = "AR";  // NAK code for messages that cannot be parsed: AR or AE
  std::string default_charset;     // used when MSH-18 is empty; empty = the engine default
  std::vector<std::string> allowed_versions;  // empty = any; "2.5" also allows "2.5.1"
  std::vector<std::string> allowed_types;     // empty = any; patterns like "ADT^A0*"
  std::vector<std::string> required_fields;   // HL7 paths
  bool unrouted_ack = true;                   // unrouted messages: AA (true) or AE
  bool dedupe = true;
  TlsConfig tls;
};

struct DirectorySourceConfig {
  std::filesystem::path path;  // resolved against the directory holding routes.yaml
  std::string pattern = "*.hl7";
  Duration poll_interval = std::chrono::seconds(5);
  std::filesystem::path done_dir, error_dir;  // empty = delete after reading / leave in place
};

struct SourceConfig {
  std::string name, type;
  Mark mark;  // where the source's name is written
  MllpSourceConfig mllp;
  DirectorySourceConfig directory;
  Params params;
};

}  // namespace irwell::config
