// load_config: the pipeline of STYLE.md 3 for routes.yaml. Text -> ${VAR} substitution ->
// YAML tree -> sections decoded against the Registry -> cross-checks. Every stage reports into one
// DiagnosticList so the user sees every problem at once.
#include "engine/config/load_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "engine/config/decoders.h"
#include "engine/config/diagnostic_list.h"
#include "engine/config/field_decoder.h"
#include "engine/config/map_view.h"
#include "engine/config/substitution.h"
#include "engine/config/yaml_tree.h"

namespace irwell::config {
namespace {

using T = FieldType;

const std::vector<std::string> kSections = {"storage", "retention",    "admin",  "logging",
                                            "sources", "destinations", "routes", "lookups"};

const std::vector<FieldSpec>& retention_age_fields() {
  static const std::vector<FieldSpec> kFields = {
      field_spec("content", T::duration, "",
                 "erase message content (raw bytes, ACKs, payloads) older than this; empty: keep"),
      field_spec("metadata", T::duration, "",
                 "delete the whole message record older than this; empty: keep"),
  };
  return kFields;
}

const std::vector<FieldSpec>& retention_fields() {
  static const std::vector<FieldSpec> kFields = [] {
    std::vector<FieldSpec> f = retention_age_fields();
    f.push_back(field_spec("interval", T::duration, "5m", "how often the pruner runs"));
    f.push_back(bounded(field_spec("batch", T::integer, "500",
                                   "messages pruned per transaction (small keeps ingest smooth)"),
                        1, 100000));
    f.push_back(field_spec("sources", T::map, "",
                           "per-source ages: SOURCE: {content: 7d, metadata: 90d}"));
    return f;
  }();
  return kFields;
}

const std::vector<FieldSpec>& storage_fields() {
  static const std::vector<FieldSpec> kFields = {
      field_spec("data_dir", T::file_path, "./data",
                 "where the message store lives; relative to routes.yaml"),
      field_spec("duplicate_window", T::duration, "24h",
                 "how long a (sender, MSH-10) pair is remembered for duplicate detection"),
      bounded(field_spec("max_size", T::size, "",
                         "cap on the store's size; beyond it senders get NAKs; empty: no cap"),
              1),
      bounded(field_spec("commit_batch_max", T::integer, "1024",
                         "most messages committed in one transaction"),
              1, 100000),
  };
  return kFields;
}

const std::vector<FieldSpec>& admin_fields() {
  static const std::vector<FieldSpec> kFields = {
      field_spec("enabled", T::boolean, "true", "serve the admin HTTP API and dashboard"),
      field_spec("bind", T::string, "127.0.0.1", "address to listen on"),
      field_spec("port", T::port, "8080", "TCP port; 0 picks a free port"),
      one_of(field_spec("tls", T::map, "",
                        "HTTPS: {cert, key} files; client certificates: ca, client_cert (off, "
                        "optional, required); min_version (1.2, 1.3), handshake_timeout (10s)"),
             {"cert", "key", "ca", "client_cert", "min_version", "handshake_timeout"}),
      field_spec("search_timeout", T::duration, "2s",
                 "a message search still running after this long stops; the API answers 422 "
                 "and the caller narrows it (a time window, a control ID, a patient)"),
  };
  return kFields;
}

const std::vector<FieldSpec>& token_fields() {
  static const std::vector<FieldSpec> kFields = {
      required(one_of(field_spec("role", T::enum_, "", "viewer, operator or admin"),
                      {"viewer", "operator", "admin"})),
      field_spec("token", T::string, "", "the bearer token"),
      field_spec("token_sha256", T::string, "", "hex SHA-256 of the bearer token"),
  };
  return kFields;
}

const std::vector<FieldSpec>& logging_fields() {
  static const std::vector<FieldSpec> kFields = {
      one_of(field_spec("level", T::enum_, "info", "debug, info, warn or error"),
             {"debug", "info", "warn", "error"}),
  };
  return kFields;
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Loader {
 public:
  Loader(const std::string& file_name, const std::filesystem::path& base_dir,
         const Registry& registry)
      : diags_(file_name), ctx_{diags_, base_dir}, registry_(registry) {
    config_.file = file_name;
  }

  Result<Config, std::vector<Diagnostic>> run(std::string_view text, const Environment& env) {
    SubstitutedText sub = substitute(text, env, diags_);
    std::optional<YamlNodePtr> root = parse_yaml(sub.text, sub.map, diags_);
    if (root) decode(**root);
    if (diags_.empty()) return std::move(config_);
    std::vector<Diagnostic> list = std::move(diags_).take();
    sort_diagnostics(list);
    return fail(std::move(list));
  }

 private:
  void error(Mark at, std::string message) { diags_.error(at, std::move(message)); }

  void decode(const YamlNode& root) {
    if (root.is_null()) {
      error(Mark{1, 1}, "the configuration is empty; expected the sections " + join(kSections));
      return;
    }
    if (!root.is_map()) {
      error(root.mark, std::string("expected a map of sections (") + join(kSections) + "), got " +
                           root.kind_name());
      return;
    }
    MapView top = MapView::read(root, "", kSections, diags_);
    for (const MapView::Entry& e : top.entries()) {
      config_.section_texts[e.key] = canonical_text(*e.value);
    }
    static const YamlNode kNull;
    auto section = [&](const char* name) -> const MapView::Entry* { return top.get(name); };
    auto node = [&](const MapView::Entry* e) -> const YamlNode& { return e ? *e->value : kNull; };
    auto mark = [&](const MapView::Entry* e) { return e ? e->key_node->mark : Mark{1, 1}; };

    decode_storage(node(section("storage")), mark(section("storage")));
    Mark admin_port = decode_admin(node(section("admin")), mark(section("admin")));
    decode_logging(node(section("logging")), mark(section("logging")));
    decode_lookups(node(section("lookups")));
    // A table read from a CSV can change with routes.yaml untouched: the section's text is what
    // was loaded, every table's rows included (length-prefixed, so no value can fake a row).
    if (section("lookups")) {
      std::string& text = config_.section_texts["lookups"];
      for (const auto& [name, table] : config_.lookups) {
        for (const auto& [key, value] : table.values) {
          fmt::format_to(std::back_inserter(text), "\n{}:{}{}:{}{}:{}", name.size(), name,
                         key.size(), key, value.size(), value);
        }
      }
    }
    decode_sources(node(section("sources")));
    decode_destinations(node(section("destinations")));
    decode_routes(node(section("routes")));
    decode_retention(node(section("retention")), mark(section("retention")));
    check_port_clashes(config_, admin_port, diags_);
  }

  // A section that must be a map (or empty); reports otherwise.
  bool section_is_map(const YamlNode& n, const char* name, const char* what) {
    if (n.is_map() || n.is_null()) return true;
    error(n.mark, std::string(name) + ": expected " + what + ", got " + n.kind_name());
    return false;
  }

  void decode_storage(const YamlNode& n, Mark at) {
    if (!section_is_map(n, "storage", "a map of settings")) return;
    Params p = decode_fields(n, storage_fields(), "storage", at, {}, ctx_);
    StorageConfig& s = config_.storage;
    s.data_dir = p["data_dir"].text;
    if (p["data_dir"].given && s.data_dir.empty())
      error(p["data_dir"].mark, "storage: \"data_dir\" must not be empty");
    s.duplicate_window = p["duplicate_window"].duration;
    if (p["max_size"].given) s.max_size_bytes = p["max_size"].integer;
    s.commit_batch_max = static_cast<size_t>(p["commit_batch_max"].integer);
  }

  Mark decode_admin(const YamlNode& n, Mark at) {
    if (!section_is_map(n, "admin", "a map of settings")) return at;
    MapView view;
    Params p = decode_fields(n, admin_fields(), "admin", at, {"tokens"}, ctx_, &view);
    AdminConfig& a = config_.admin;
    a.enabled = p["enabled"].boolean;
    a.bind = p["bind"].text;
    a.port = static_cast<int>(p["port"].integer);
    if (p["tls"].given) a.tls = decode_tls(p["tls"], /*listener=*/true, "admin", ctx_);
    a.search_timeout = p["search_timeout"].duration;
    if (a.search_timeout <= Duration::zero()) {
      error(p["search_timeout"].mark, "admin: \"search_timeout\" must be more than 0s");
    }
    if (const MapView::Entry* tokens = view.get("tokens")) decode_tokens(*tokens->value);
    return p["port"].mark;
  }

  void decode_tokens(const YamlNode& n) {
    if (!section_is_map(n, "admin: tokens", "a map of token names to {role, token}")) return;
    MapView names = MapView::read(n, "admin: tokens", std::nullopt, diags_, "token");
    std::map<std::string, std::string> seen;  // token value -> name; never printed
    for (const auto& e : names.entries()) {
      const std::string context = "admin: token " + quote(e.key);
      const Mark at = e.key_node->mark;
      if (!e.value->is_map()) {
        error(e.value->mark, in_context(context, std::string("expected {role, token}, got ") +
                                                     e.value->kind_name()));
        continue;
      }
      size_t before = diags_.size();
      Params p = decode_fields(*e.value, token_fields(), context, at, {}, ctx_);
      AdminToken t{e.key, p["role"].text, p["token"].text, lower(p["token_sha256"].text)};
      if (diags_.size() != before) {
        // Already reported; what follows would only guess at the broken fields.
      } else if (p["token"].given == p["token_sha256"].given) {
        error(at, in_context(context, "give exactly one of \"token\" or \"token_sha256\""));
      } else if (p["token_sha256"].given && !hex64(t.token_sha256)) {
        // The value is a secret's hash: say what is wrong, never echo it.
        error(p["token_sha256"].mark,
              in_context(context, "token_sha256: expected 64 hexadecimal digits"));
      }
      const std::string& secret = t.token.empty() ? t.token_sha256 : t.token;
      if (!secret.empty()) {
        auto [it, fresh] = seen.emplace(secret, e.key);
        if (!fresh) {
          error(at, in_context(context, "same token as " + quote(it->second) +
                                            "; each token needs its own value"));
        }
      }
      config_.admin.tokens.push_back(std::move(t));
    }
  }

  RetentionAges ages_of(Params& p) {
    RetentionAges a;
    if (p["content"].given) a.content = p["content"].duration;
    if (p["metadata"].given) a.metadata = p["metadata"].duration;
    if (a.content && a.metadata && *a.metadata < *a.content) {
      error(p["metadata"].mark,
            "retention: metadata must be kept at least as long as content (a record without "
            "its content is still useful; content without its record is not reachable)");
    }
    return a;
  }

  void decode_retention(const YamlNode& n, Mark at) {
    if (!section_is_map(n, "retention", "a map of settings")) return;
    // `sources` is a map of maps: decoded below, the other keys by their specs.
    const YamlNode* per_source = nullptr;
    for (const auto& [k, v] : n.pairs) {
      if (k->is_scalar() && k->scalar == "sources") per_source = v.get();
    }
    std::vector<FieldSpec> fields = retention_fields();
    std::erase_if(fields, [](const FieldSpec& f) { return f.name == "sources"; });
    Params p = decode_fields(n, fields, "retention", at, {"sources"}, ctx_);
    RetentionConfig& r = config_.retention;
    r.defaults = ages_of(p);
    r.interval = p["interval"].duration;
    r.batch = static_cast<int>(p["batch"].integer);
    if (!per_source || per_source->is_null()) return;
    if (!per_source->is_map()) {
      error(per_source->mark, std::string("retention: sources: expected a map of source names "
                                          "to {content, metadata}, got ") +
                                  per_source->kind_name());
      return;
    }
    MapView names = MapView::read(*per_source, "retention: sources", std::nullopt, diags_, "source");
    for (const auto& e : names.entries()) {
      const std::string context = "retention: source " + quote(e.key);
      if (!config_.find_source(e.key)) {
        error(e.key_node->mark, context + ": no such source");
        continue;
      }
      Params sp = decode_fields(*e.value, retention_age_fields(), context, e.key_node->mark, {},
                                ctx_);
      r.sources[e.key] = ages_of(sp);
    }
  }

  void decode_logging(const YamlNode& n, Mark at) {
    if (!section_is_map(n, "logging", "a map of settings")) return;
    Params p = decode_fields(n, logging_fields(), "logging", at, {}, ctx_);
    config_.logging.level = p["level"].text;
  }

  void decode_lookups(const YamlNode& n) {
    if (!section_is_map(n, "lookups", "a map of lookup table names to tables")) return;
    MapView names = MapView::read(n, "lookups", std::nullopt, diags_, "lookup");
    for (const auto& e : names.entries()) {
      if (!check_name(e, "lookup")) continue;
      if (auto t = decode_lookup(e.key, *e.value, e.key_node->mark, ctx_)) {
        config_.lookups.emplace(e.key, std::move(*t));
      }
    }
  }

  bool check_name(const MapView::Entry& e, const char* noun) {
    if (valid_name(e.key)) return true;
    error(e.key_node->mark, std::string(noun) + " " + quote(e.key) +
                                ": invalid name; use letters, digits, \"_\", \"-\" and \".\"");
    return false;
  }

  // The registered spec for a typed block's `type:`, or nullptr (reported).
  const TypeSpec* find_type(TypeKind kind, const YamlNode& block, const std::string& context,
                            Mark name_mark) {
    std::vector<std::string> names;
    for (const TypeSpec* s : registry_.list(kind)) names.push_back(s->name);
    const std::string registered =
        names.empty() ? "no " + std::string(type_kind_name(kind)) + " types are registered"
                      : "registered types: " + join(names);
    if (!block.is_map()) {
      error(block.mark, in_context(context, std::string("expected a map of settings with a "
                                                        "\"type\", got ") +
                                                block.kind_name()));
      return nullptr;
    }
    const YamlNode* type = nullptr;
    for (const auto& [k, v] : block.pairs) {
      if (k->is_scalar() && k->scalar == "type") {
        type = v.get();
        break;
      }
    }
    if (!type) {
      error(name_mark, in_context(context, "missing required key \"type\"; " + registered));
      return nullptr;
    }
    if (!type->is_scalar()) {
      error(type->mark, in_context(context, std::string("type: expected a type name, got ") +
                                                type->kind_name()));
      return nullptr;
    }
    const TypeSpec* spec = registry_.find(kind, type->scalar);
    if (!spec) {
      error(type->mark,
            in_context(context, "unknown type " + quote(type->scalar) + "; " + registered));
    }
    return spec;
  }

  void decode_sources(const YamlNode& n) {
    decode_channels(n, TypeKind::source, config_.sources, fill_source);
  }

  void decode_destinations(const YamlNode& n) {
    decode_channels(n, TypeKind::destination, config_.destinations, check_destination);
  }

  // `sources:` or `destinations:`: a map of names to typed blocks, each decoded against its
  // type's spec, then finished by the type-specific step.
  template <class Item, class Finish>
  void decode_channels(const YamlNode& n, TypeKind kind, std::vector<Item>& out, Finish finish) {
    const std::string noun = type_kind_name(kind);
    const std::string section = noun + "s";
    const std::string shape = "a map of " + noun + " names to their settings";
    if (!section_is_map(n, section.c_str(), shape.c_str())) return;
    MapView names = MapView::read(n, section, std::nullopt, diags_, noun);
    for (const auto& e : names.entries()) {
      const std::string context = noun + " " + quote(e.key);
      if (!check_name(e, noun.c_str())) continue;
      declare_channel(kind, e.key, e.key_node->mark, context);
      const TypeSpec* spec = find_type(kind, *e.value, context, e.key_node->mark);
      if (!spec) continue;
      Item item;
      item.name = e.key;
      item.type = spec->name;
      item.mark = e.key_node->mark;
      item.params = decode_fields(*e.value, spec->fields, context, item.mark, {"type"}, ctx_);
      finish(item, context, ctx_);
      out.push_back(std::move(item));
    }
  }

  // Remembers every source/destination name (also those whose block is wrong, so routes naming
  // them get no second, misleading "unknown" error). Sources and destinations are listed together
  // as channels (admin API, metrics), so one name may not be both.
  void declare_channel(TypeKind kind, const std::string& name, Mark at,
                       const std::string& context) {
    if (kind == TypeKind::destination) {
      for (const auto& [source, source_mark] : declared_sources_) {
        if (source != name) continue;
        error(at, in_context(context, "name already used by source " + quote(source) + " (" +
                                          mark_text(source_mark) +
                                          "); sources and destinations need distinct names"));
      }
      declared_destinations_.push_back(name);
    } else {
      declared_sources_.emplace_back(name, at);
    }
  }

  // Names a route lists (sources or destinations): each must exist and appear once.
  std::vector<std::string> decode_route_names(const MapView& view, const char* key,
                                              const std::string& context, Mark route_mark,
                                              const std::vector<std::string>& defined,
                                              const char* noun) {
    std::vector<std::string> out;
    const MapView::Entry* e = view.get(key);
    if (!e) {
      error(route_mark, in_context(context, "missing required key " + quote(key)));
      return out;
    }
    auto names = decode_names(*e->value, context, key, diags_);
    if (names.empty() && (e->value->is_null() || e->value->is_sequence())) {
      error(e->value->mark, in_context(context, quote(key) + " must list at least one " + noun));
    }
    for (auto& [name, at] : names) {
      if (std::find(defined.begin(), defined.end(), name) == defined.end()) {
        error(at,
              in_context(context, "unknown " + std::string(noun) + " " + quote(name) + "; " +
                                      (defined.empty() ? "no " + std::string(noun) + "s are defined"
                                                       : "defined: " + join(defined))));
      } else if (std::find(out.begin(), out.end(), name) != out.end()) {
        error(at, in_context(context, std::string(noun) + " " + quote(name) + " listed twice"));
      } else {
        out.push_back(name);
      }
    }
    return out;
  }

  void decode_routes(const YamlNode& n) {
    if (!section_is_map(n, "routes", "a map of route names to routes")) return;
    std::vector<std::string> source_names;
    for (const auto& [name, at] : declared_sources_) source_names.push_back(name);
    MapView names = MapView::read(n, "routes", std::nullopt, diags_, "route");
    static const std::vector<std::string> kRouteKeys = {"sources", "match", "transforms",
                                                        "destinations"};
    for (const auto& e : names.entries()) {
      const std::string context = "route " + quote(e.key);
      if (!check_name(e, "route")) continue;
      if (!e.value->is_map()) {
        error(e.value->mark, in_context(context, std::string("expected a map with sources, "
                                                             "match, transforms and "
                                                             "destinations, got ") +
                                                     e.value->kind_name()));
        continue;
      }
      RouteConfig r;
      r.name = e.key;
      r.mark = e.key_node->mark;
      MapView view = MapView::read(*e.value, context, kRouteKeys, diags_);
      size_t before = diags_.size();
      r.sources = decode_route_names(view, "sources", context, r.mark, source_names, "source");
      if (const MapView::Entry* m = view.get("match")) {
        r.match = decode_match(*m->value, context + ": match", ctx_);
      }
      if (const MapView::Entry* t = view.get("transforms")) {
        r.transforms = decode_transforms(*t->value, context);
      }
      r.destinations = decode_route_names(view, "destinations", context, r.mark,
                                          declared_destinations_, "destination");
      // Whether a route can match is only worth asking of a route that decoded cleanly.
      if (diags_.size() == before) check_route_can_match(r, config_, context, diags_);
      config_.routes.push_back(std::move(r));
    }
  }

  std::vector<TransformConfig> decode_transforms(const YamlNode& n, const std::string& route) {
    std::vector<TransformConfig> out;
    if (n.is_null()) return out;
    if (!n.is_sequence()) {
      error(n.mark, in_context(route, std::string("transforms: expected a list of transforms, "
                                                  "got ") +
                                          n.kind_name()));
      return out;
    }
    for (size_t i = 0; i < n.items.size(); ++i) {
      const YamlNode& item = *n.items[i];
      std::string context = route + ": transform " + std::to_string(i + 1);
      const TypeSpec* spec = find_type(TypeKind::transform, item, context, item.mark);
      if (!spec) continue;
      context += " (" + spec->name + ")";
      TransformConfig t;
      t.type = spec->name;
      t.mark = item.mark;
      t.params = decode_fields(item, spec->fields, context, item.mark, {"type"}, ctx_);
      check_references(*spec, t.params, context);
      out.push_back(std::move(t));
    }
    return out;
  }

  void check_references(const TypeSpec& spec, const Params& params, const std::string& context) {
    for (const FieldSpec& f : spec.fields) {
      if (f.refers_to == Reference::none) continue;
      const Value& v = params.at(f.name);
      if (v.text.empty()) continue;
      std::vector<std::string> defined;
      const char* noun = "";
      switch (f.refers_to) {
        case Reference::lookup:
          noun = "lookup";
          for (const auto& [name, table] : config_.lookups) defined.push_back(name);
          break;
        case Reference::source:
          noun = "source";
          for (const auto& s : config_.sources) defined.push_back(s.name);
          break;
        case Reference::destination:
          noun = "destination";
          for (const auto& d : config_.destinations) defined.push_back(d.name);
          break;
        case Reference::none:
          break;
      }
      if (std::find(defined.begin(), defined.end(), v.text) != defined.end()) continue;
      error(v.mark,
            in_context(context, f.name + ": unknown " + noun + " " + quote(v.text) + "; " +
                                    (defined.empty() ? "no " + std::string(noun) + "s are defined"
                                                     : "defined: " + join(defined))));
    }
  }

  DiagnosticList diags_;
  DecodeContext ctx_;
  std::vector<std::pair<std::string, Mark>> declared_sources_;  // see declare_channel()
  std::vector<std::string> declared_destinations_;
  const Registry& registry_;
  Config config_;
};

}  // namespace

Result<Config, std::vector<Diagnostic>> load_config_text(std::string_view text,
                                                         const std::string& file_name,
                                                         const std::filesystem::path& base_dir,
                                                         const Registry& registry,
                                                         const Environment& env) {
  return Loader(file_name, base_dir, registry).run(text, env);
}

Result<Config, std::vector<Diagnostic>> load_config(const std::filesystem::path& file,
                                                    const Registry& registry,
                                                    const Environment& env) {
  const std::string name = file.string();
  std::error_code ec;
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  std::filesystem::path base = std::filesystem::absolute(dir, ec);
  if (ec) base = dir;
  std::ifstream in(file, std::ios::binary);
  std::string why;
  if (!in) {
    why = std::filesystem::exists(file, ec) ? "permission denied or unreadable"
                                            : "no such file (give another with -c FILE)";
  } else if (std::filesystem::is_directory(file, ec)) {
    why = "is a directory";
  }
  if (!why.empty()) {
    return fail(std::vector<Diagnostic>{Diagnostic{name, 0, 0, "cannot read: " + why}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), name, base.lexically_normal(), registry, env);
}

}  // namespace irwell::config
