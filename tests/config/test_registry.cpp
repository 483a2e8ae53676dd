#include "tests/config/test_registry.h"

namespace irwell::testing {

config::Registry config_test_registry() {
  using config::field_spec;
  using config::FieldType;
  config::Registry r;
  config::register_builtin_sources(r);
  config::register_builtin_destinations(r);
  r.add({config::TypeKind::transform,
         "set",
         "sets a field to a value",
         {config::required(field_spec("path", FieldType::path, "", "field to set")),
          field_spec("value", FieldType::string, "", "the new value")}});
  r.add({config::TypeKind::transform,
         "lookup",
         "replaces a field's value through a lookup table",
         {config::required(field_spec("path", FieldType::path, "", "field to read")),
          config::required(config::refers_to(field_spec("table", FieldType::string, "", "table"),
                                             config::Reference::lookup)),
          field_spec("target", FieldType::path, "", "field to write; empty: path")}});
  r.add(
      {config::TypeKind::transform,
       "replace",
       "replaces text matching a regular expression",
       {config::required(field_spec("path", FieldType::path, "", "field to change")),
        config::required(field_spec("regex", FieldType::regex, "", "what to replace")),
        field_spec("with", FieldType::string, "", "replacement"),
        config::bounded(field_spec("max", FieldType::integer, "0", "most replacements"), 0, 100)}});
  return r;
}

config::Environment config_test_environment() {
  return config::fixed_environment({{"IRWELL_TEST_HOST", "receiver.example"},
                                    {"IRWELL_TEST_PORT", "2600"},
                                    {"IRWELL_EMPTY", ""}});
}

}  // namespace irwell::testing
