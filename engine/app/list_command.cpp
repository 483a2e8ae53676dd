// irwell list: every source, destination and transform type with its fields, printed from the
// same Registry the loader checks against (so the listing cannot drift from the code).
#include <algorithm>
#include <ostream>
#include <string>

#include "engine/app/builtin_registry.h"
#include "engine/app/commands.h"
#include "engine/config/registry.h"
#include "transforms/register.h"

namespace irwell::app {
namespace {

constexpr const char* kListUsage = R"(usage: irwell list [--markdown]

Lists every source, destination and transform type with its fields: name, type, default and a
one-line description. Fields marked "required" have no default.

options:
  --markdown   print the same as Markdown tables (the configuration reference)
  -h, --help   show this help
)";

std::string type_text(const config::FieldSpec& f) {
  std::string t = config::field_type_name(f.type);
  if (f.type != config::FieldType::enum_) return t;
  for (size_t i = 0; i < f.allowed.size(); ++i) t += (i ? "|" : " (") + f.allowed[i];
  return t + ")";
}

std::string default_text(const config::FieldSpec& f) {
  if (f.required) return "required";
  if (f.default_value.empty()) return "-";
  return f.default_value;
}

void print_text(const config::Registry& registry, std::ostream& out) {
  const config::TypeKind kinds[] = {config::TypeKind::source, config::TypeKind::destination,
                                    config::TypeKind::transform};
  for (auto kind : kinds) {
    out << config::type_kind_name(kind) << "s:\n";
    auto specs = registry.list(kind);
    if (specs.empty()) out << "  (none registered)\n";
    for (const config::TypeSpec* s : specs) {
      out << "  " << s->name << ": " << s->doc << "\n";
      size_t name_w = 4, type_w = 4, def_w = 7;
      for (const auto& f : s->fields) {
        name_w = std::max(name_w, f.name.size());
        type_w = std::max(type_w, type_text(f).size());
        def_w = std::max(def_w, default_text(f).size());
      }
      for (const auto& f : s->fields) {
        std::string n = f.name, t = type_text(f), d = default_text(f);
        out << "    " << n << std::string(name_w - n.size() + 2, ' ') << t
            << std::string(type_w - t.size() + 2, ' ') << d
            << std::string(def_w - d.size() + 2, ' ') << f.doc << "\n";
      }
    }
    out << "\n";
  }
}

void print_markdown(const config::Registry& registry, std::ostream& out) {
  const config::TypeKind kinds[] = {config::TypeKind::source, config::TypeKind::destination,
                                    config::TypeKind::transform};
  for (auto kind : kinds) {
    for (const config::TypeSpec* s : registry.list(kind)) {
      out << "### " << config::type_kind_name(kind) << " `" << s->name << "`\n\n"
          << s->doc << "\n\n";
      if (s->fields.empty()) {
        out << "No fields.\n\n";
        continue;
      }
      out << "| field | type | default | description |\n|---|---|---|---|\n";
      for (const auto& f : s->fields) {
        std::string d = default_text(f);
        out << "| `" << f.name << "` | " << type_text(f) << " | "
            << (d == "-" || d == "required" ? d : "`" + d + "`") << " | " << f.doc << " |\n";
      }
      out << "\n";
    }
  }
}

}  // namespace

int list_command(const Args& args, std::ostream& out, std::ostream& err) {
  bool markdown = false;
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      out << kListUsage;
      return 0;
    }
    if (a == "--markdown") {
      markdown = true;
    } else {
      err << "irwell list: unexpected argument \"" << a << "\"\n" << kListUsage;
      return 2;
    }
  }
  const config::Registry registry = builtin_registry();
  if (markdown) {
    print_markdown(registry, out);
  } else {
    print_text(registry, out);
  }
  return 0;
}

}  // namespace irwell::app
