#pragma once
// Small helpers the built-in transforms share to declare their fields and read their Params.
//
// Contract: pure functions. The readers assume the Params came from the config loader (every
// declared field present, already type-checked); asking for a field the type did not declare is a
// programming error and aborts. Paths were checked by the loader, so a path that does not parse
// here is reported as a BuildError naming the field, never a crash.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/field_spec.h"
#include "engine/core/result.h"
#include "engine/hl7/delimiters.h"
#include "engine/hl7/message.h"
#include "engine/hl7/path.h"
#include "engine/pipeline/transform.h"

namespace irwell::transforms {

// One FieldSpec, written the short way in a TypeSpec's field list.
config::FieldSpec field(std::string name, config::FieldType type, std::string doc,
                        std::string default_value = {}, bool required = false,
                        std::vector<std::string> allowed = {});
inline config::FieldSpec required_field(std::string name, config::FieldType type, std::string doc) {
  return field(std::move(name), type, std::move(doc), {}, true);
}

const config::Value& param(const config::Params& p, std::string_view name);
inline const std::string& text(const config::Params& p, std::string_view name) {
  return param(p, name).text;
}
inline bool given(const config::Params& p, std::string_view name) { return param(p, name).given; }

// The HL7 path in field `name`, or a BuildError naming the field.
Result<hl7::Path, pipeline::BuildError> path_param(const config::Params& p, std::string_view name);
// Each HL7 path in the list field `name`.
Result<std::vector<hl7::Path>, pipeline::BuildError> path_list_param(const config::Params& p,
                                                                     std::string_view name);

using Built = Result<std::unique_ptr<pipeline::Transform>, pipeline::BuildError>;

// A built transform of type T (the tail of every builder).
template <class T, class... A>
Built built(A&&... args) {
  return std::unique_ptr<pipeline::Transform>(std::make_unique<T>(std::forward<A>(args)...));
}
inline Built build_error(std::string field, std::string message) {
  return fail(pipeline::BuildError{std::move(field), std::move(message)});
}

// The `missing_segment` field shared by the transforms that write at a path (error or skip), and
// what it decides: nullopt when the segment `p` names is in the message, else next (skip) or an
// error saying which segment is missing.
config::FieldSpec missing_segment_field();
bool skip_missing(const config::Params& p);
std::optional<pipeline::TransformResult> missing_segment(const hl7::Message& m, const hl7::Path& p,
                                                         bool skip, std::string_view type);

// Wire text a user wrote with the standard delimiters `|^~\&` (a segment to add, an MSH field),
// rewritten for a message whose delimiters are `d` (C3). Identity for the standard delimiters.
std::string to_delimiters(std::string_view standard_wire, const hl7::Delimiters& d);

}  // namespace irwell::transforms
