#include "engine/config/field_spec.h"

namespace irwell::config {

const char* field_type_name(FieldType type) {
  switch (type) {
    case FieldType::string:
      return "string";
    case FieldType::integer:
      return "integer";
    case FieldType::boolean:
      return "boolean";
    case FieldType::duration:
      return "duration";
    case FieldType::size:
      return "size";
    case FieldType::port:
      return "port";
    case FieldType::path:
      return "hl7-path";
    case FieldType::string_list:
      return "string-list";
    case FieldType::map:
      return "map";
    case FieldType::list:
      return "list";
    case FieldType::enum_:
      return "enum";
    case FieldType::regex:
      return "regex";
    case FieldType::file_path:
      return "file-path";
    case FieldType::path_list:
      return "hl7-path-list";
  }
  return "?";
}

const char* type_kind_name(TypeKind kind) {
  switch (kind) {
    case TypeKind::source:
      return "source";
    case TypeKind::destination:
      return "destination";
    case TypeKind::transform:
      return "transform";
  }
  return "?";
}

FieldSpec field_spec(std::string name, FieldType type, std::string default_value, std::string doc) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  f.default_value = std::move(default_value);
  f.doc = std::move(doc);
  return f;
}

FieldSpec required(FieldSpec spec) {
  spec.required = true;
  return spec;
}

FieldSpec bounded(FieldSpec spec, std::optional<long long> min, std::optional<long long> max) {
  spec.min = min;
  spec.max = max;
  return spec;
}

FieldSpec one_of(FieldSpec spec, std::vector<std::string> allowed) {
  spec.allowed = std::move(allowed);
  return spec;
}

FieldSpec refers_to(FieldSpec spec, Reference what) {
  spec.refers_to = what;
  return spec;
}

}  // namespace irwell::config
