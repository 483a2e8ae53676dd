#pragma once
// FieldSpec / TypeSpec: the declared shape of a typed block in routes.yaml (a source,
// destination or transform of some `type`), and Value / Params: the decoded, type-checked values
// of such a block (STYLE.md 5: each type declares its fields next to the code that reads them).
//
// Contract: plain values. A FieldSpec's default_value is written the way a user would write it in
// YAML ("30s", "16MiB", "true"); the loader decodes defaults with the same rules as user input.
// Params holds EVERY declared field of the block, with defaults filled in (Value::given says
// whether the user wrote it). Field types and their YAML forms:
//   string       any scalar, kept as text
//   integer      decimal integer, optionally bounded by FieldSpec::min / max -> Value::integer
//   boolean      true / false                                             -> Value::boolean
//   duration     500ms, 30s, 5m, 24h, 7d, or a sum like 1h30m             -> Value::duration
//   size         bytes: 512, 64KB (1000-based), 16MiB (1024-based)...     -> Value::integer
//   port         integer 0-65535 (0 = pick a free port when listening)    -> Value::integer
//   path         an HL7 path (PID-3[2].1), checked with hl7::Path::parse  -> Value::text
//   string_list  a sequence of scalars, or one scalar meaning a list of one -> Value::list
//   map          a map of scalar to scalar; FieldSpec::allowed, when non-empty, lists the
//                permitted keys                                          -> Value::map
//   list         a sequence of scalars (a single scalar is an error)     -> Value::list
//   enum_        one of FieldSpec::allowed                                -> Value::text
//   regex        an ECMAScript regular expression, checked with std::regex -> Value::text
//   file_path    a filesystem path; relative ones resolve against the directory holding
//                routes.yaml                                             -> Value::text (resolved)
//   path_list    like string_list, each element an HL7 path              -> Value::list
// FieldSpec::refers_to marks a string field whose value must name another configured thing (a
// lookup table); the loader checks the reference.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/diagnostic.h"
#include "engine/core/clock.h"

namespace irwell::config {

enum class FieldType {
  string,
  integer,
  boolean,
  duration,
  size,
  port,
  path,
  string_list,
  map,
  list,
  enum_,
  // Added beyond the first sketch:
  regex,
  file_path,
  path_list,
};

// The word used for a FieldType in `irwell list` and in diagnostics ("duration", "enum").
const char* field_type_name(FieldType type);

// What a string field's value must name, checked by the loader's cross-check.
enum class Reference { none, lookup, source, destination };

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::string;
  std::string default_value;  // empty = no default (Value::given false, empty contents)
  bool required = false;
  std::string doc;                   // one line, shown by `irwell list`
  std::vector<std::string> allowed;  // enum_: the values; map: the permitted keys (empty = any)
  std::optional<long long> min;      // integer / size / port bounds (inclusive)
  std::optional<long long> max;
  Reference refers_to = Reference::none;
};

enum class TypeKind { source, destination, transform };
const char* type_kind_name(TypeKind kind);  // "source", "destination", "transform"

struct TypeSpec {
  TypeKind kind = TypeKind::source;
  std::string name;  // the YAML `type:` value
  std::string doc;   // one line
  std::vector<FieldSpec> fields;
};

// Builders for declaring specs compactly:
//   field_spec("port", FieldType::port, "2575", "TCP port to listen on")
//   required(field_spec(...)), bounded(field_spec(...), 1, 100), one_of(field_spec(...), {...}),
//   refers_to(field_spec(...), Reference::lookup)
FieldSpec field_spec(std::string name, FieldType type, std::string default_value, std::string doc);
FieldSpec required(FieldSpec spec);
FieldSpec bounded(FieldSpec spec, std::optional<long long> min, std::optional<long long> max = {});
FieldSpec one_of(FieldSpec spec, std::vector<std::string> allowed);
FieldSpec refers_to(FieldSpec spec, Reference what);

// A decoded, type-checked value of a typed block's field (for transforms and destinations).
struct Value {
  FieldType type = FieldType::string;
  std::string text;       // string, path, enum_, regex, file_path; the raw scalar for others
  long long integer = 0;  // integer, port, size (bytes)
  bool boolean = false;
  Duration duration{};
  std::vector<std::string> list;           // string_list, list, path_list
  std::map<std::string, std::string> map;  // map
  Mark mark;           // where the value was written (or the block's mark for defaults)
  bool given = false;  // true when the user wrote the field; false = default
};

// Every declared field of a block, by field name, defaults filled in.
using Params = std::map<std::string, Value>;

}  // namespace irwell::config
