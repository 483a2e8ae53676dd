// `format_date`: rewrites a date/time from one layout to another (a trust that sends dates of
// birth as 01/02/1980, a receiver that wants ISO 8601). The layouts are in date_time.h.
#include <map>

#include "transforms/date_time.h"
#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

enum class OnError { error, keep, clear, drop };

class FormatDateTransform final : public pipeline::Transform {
 public:
  FormatDateTransform(hl7::Path path, std::vector<std::string> from, std::string to,
                      OnError on_error)
      : path_(std::move(path)), from_(std::move(from)), to_(std::move(to)), on_error_(on_error) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    // Nothing to reformat: absent, empty, or the HL7 null "" (which must stay a null).
    if (m.state(path_) != hl7::ValueState::value) return TransformResult::next();
    std::string value = m.get(path_);
    std::string why;
    for (const auto& pattern : from_) {
      auto dt = DateTime::read(value, pattern);
      if (!dt) {
        if (why.empty()) why = dt.error().message;
        continue;
      }
      auto out = dt->write(to_);
      if (!out) {
        why = out.error().message;
        break;
      }
      if (*out == value) return TransformResult::next();  // already so: keep the bytes
      if (auto s = m.set(path_, *out); !s) return failed(m, s.error().message);
      return TransformResult::next();
    }
    return failed(m, why);
  }

 private:
  TransformResult failed(hl7::Message& m, const std::string& why) const {
    std::string reason = "format_date " + path_.to_string() + ": " + why;
    switch (on_error_) {
      case OnError::keep:
        return TransformResult::next();
      case OnError::clear:
        m.clear(path_);
        return TransformResult::next();
      case OnError::drop:
        return TransformResult::drop(reason);
      case OnError::error:
        break;
    }
    return TransformResult::error(reason);
  }

  hl7::Path path_;
  std::vector<std::string> from_;
  std::string to_;
  OnError on_error_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  auto path = path_param(p, "path");
  if (!path) return fail(path.error());
  if (path->segment == "MSH" && path->field <= 2)
    return build_error("path", "MSH-1 and MSH-2 are the delimiters; they cannot be written");
  std::vector<std::string> from = param(p, "from").list;
  if (from.empty()) from.push_back("hl7");
  std::string why;
  for (const auto& f : from) {
    if (!valid_date_pattern(f, why)) return build_error("from", why);
  }
  if (!valid_date_pattern(text(p, "to"), why)) return build_error("to", why);
  static const std::map<std::string, OnError> kOnError = {{"error", OnError::error},
                                                          {"keep", OnError::keep},
                                                          {"clear", OnError::clear},
                                                          {"drop", OnError::drop}};
  return built<FormatDateTransform>(*path, std::move(from), text(p, "to"),
                                    kOnError.at(text(p, "on_error")));
}

}  // namespace

pipeline::TransformType format_date_transform_type() {
  return {{config::TypeKind::transform,
           "format_date",
           "reformat a date/time: hl7, iso8601 or a pattern like %d/%m/%Y",
           {
               required_field("path", FieldType::path, "the date/time to rewrite (PID-7.1)"),
               field("from", FieldType::string_list,
                     "the layouts it may arrive in, tried in order (hl7, iso8601, %d/%m/%Y %H:%M)",
                     "hl7"),
               required_field("to", FieldType::string,
                              "the layout to write (hl7 keeps the precision that came in)"),
               field("on_error", FieldType::enum_,
                     "a value in none of the layouts, or lacking a part `to` needs: error, keep, "
                     "clear or drop",
                     "error", false, {"error", "keep", "clear", "drop"}),
           }},
          build};
}

}  // namespace irwell::transforms
