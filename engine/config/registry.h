#pragma once
// Registry: every source, destination and transform type the engine knows, with its fields.
//
// Contract: filled explicitly at start-up by calling register_builtin_sources(),
// register_builtin_destinations() and transforms::register_builtin_transforms() (no static
// self-registration: STYLE.md 5). After filling it is read-only; concurrent reads are safe.
// add() of a (kind, name) pair that is already registered is a programming error and aborts.
// The loader checks every typed block against the registered spec; `irwell list` prints them.
#include <string_view>
#include <vector>

#include "engine/config/field_spec.h"

namespace irwell::config {

class Registry {
 public:
  void add(TypeSpec spec);
  const TypeSpec* find(TypeKind kind, std::string_view name) const;
  // Every registered type of one kind, sorted by name.
  std::vector<const TypeSpec*> list(TypeKind kind) const;

 private:
  std::vector<TypeSpec> specs_;
};

// Sources: mllp, directory (their specs live beside their decoding in source_config.cpp).
void register_builtin_sources(Registry& registry);
// Destinations: mllp, file, http, record_store (destination_specs.cpp).
void register_builtin_destinations(Registry& registry);

}  // namespace irwell::config
