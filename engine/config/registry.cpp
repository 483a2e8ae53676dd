#include "engine/config/registry.h"

#include <algorithm>

#include "engine/core/result.h"

namespace irwell::config {

void Registry::add(TypeSpec spec) {
  // Registering the same type twice is a wiring mistake in main, not a user error.
  if (find(spec.kind, spec.name)) invariant_broken("config::Registry::add: type registered twice");
  specs_.push_back(std::move(spec));
}

const TypeSpec* Registry::find(TypeKind kind, std::string_view name) const {
  for (const auto& s : specs_) {
    if (s.kind == kind && s.name == name) return &s;
  }
  return nullptr;
}

std::vector<const TypeSpec*> Registry::list(TypeKind kind) const {
  std::vector<const TypeSpec*> out;
  for (const auto& s : specs_) {
    if (s.kind == kind) out.push_back(&s);
  }
  std::sort(out.begin(), out.end(),
            [](const TypeSpec* a, const TypeSpec* b) { return a->name < b->name; });
  return out;
}

}  // namespace irwell::config
