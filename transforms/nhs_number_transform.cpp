// `nhs_number`: finds the patient's NHS number wherever a trust's habit puts it, checks it (ten
// digits, modulus 11) and writes it the one way the shared record expects: a PID-3 repetition
// `9990000018^^^NHS^NH` (CX.1 digits only, CX.4.1 the authority, CX.5 `NH`).
#include <algorithm>
#include <map>

#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

enum class OnInvalid { error, drop, remove, keep };
enum class OnMissing { keep, error, drop };

// The identifier with spaces and hyphens taken out ("999 000 0018" -> "9990000018").
std::string digits_of(std::string_view id) {
  std::string out;
  for (char c : id) {
    if (c != ' ' && c != '-') out += c;
  }
  return out;
}

hl7::Path at(const hl7::Path& field, int rep, int comp, int sub = 0) {
  hl7::Path p = field;
  p.repetition = rep;
  p.component = comp;
  p.subcomponent = sub;
  return p;
}

class NhsNumberTransform final : public pipeline::Transform {
 public:
  struct Settings {
    hl7::Path field;
    std::vector<hl7::Path> also_from;
    std::vector<std::string> types, authorities;
    std::string authority;
    OnInvalid on_invalid = OnInvalid::error;
    OnMissing on_missing = OnMissing::keep;
  };
  explicit NhsNumberTransform(Settings s) : s_(std::move(s)) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    std::vector<int> reps = nhs_repetitions(m);
    if (reps.empty()) {
      if (auto rep = adopt(m)) reps.push_back(*rep);
    }
    if (reps.empty()) {
      std::string why = "nhs_number: no NHS number in " + s_.field.to_string();
      if (s_.on_missing == OnMissing::error) return TransformResult::error(why);
      if (s_.on_missing == OnMissing::drop) return TransformResult::drop(why);
      return TransformResult::next();
    }
    // From the last repetition down, so removing one leaves the earlier indexes valid.
    for (auto r = reps.rbegin(); r != reps.rend(); ++r) {
      TransformResult res = normalise(m, *r);
      if (res.kind != TransformResult::Kind::next) return res;
    }
    return TransformResult::next();
  }

 private:
  bool listed(const std::vector<std::string>& list, const std::string& v) const {
    return std::find(list.begin(), list.end(), v) != list.end();
  }

  // The repetitions of the field that hold an NHS number: CX.5 is one of `types`, or CX.5 is
  // empty and CX.4.1 is one of `authorities`.
  std::vector<int> nhs_repetitions(const hl7::Message& m) const {
    std::vector<int> out;
    int count = static_cast<int>(m.repetition_count(s_.field));
    for (int r = 1; r <= count; ++r) {
      std::string type = m.get(at(s_.field, r, 5));
      if (listed(s_.types, type) ||
          (type.empty() && listed(s_.authorities, m.get(at(s_.field, r, 4, 1))))) {
        out.push_back(r);
      }
    }
    return out;
  }

  // Moves the first value found in `also_from` into a new repetition of the field.
  std::optional<int> adopt(hl7::Message& m) const {
    if (!m.find_segment(s_.field.segment, s_.field.occurrence)) return std::nullopt;
    for (const auto& source : s_.also_from) {
      if (m.state(source) != hl7::ValueState::value) continue;
      std::string id = m.get(source);
      int rep = static_cast<int>(m.repetition_count(s_.field)) + 1;
      if (!m.set(at(s_.field, rep, 1), id)) return std::nullopt;
      m.clear(source);
      return rep;
    }
    return std::nullopt;
  }

  TransformResult normalise(hl7::Message& m, int rep) const {
    std::string where = at(s_.field, rep, 0).to_string();
    std::string digits = digits_of(m.get(at(s_.field, rep, 1)));
    if (!hl7::is_valid_nhs_number(digits)) {
      std::string why = "nhs_number: " + where +
                        " is not a valid NHS number (10 digits with a modulus-11 check digit)";
      switch (s_.on_invalid) {
        case OnInvalid::keep:
          return TransformResult::next();
        case OnInvalid::drop:
          return TransformResult::drop(why);
        case OnInvalid::remove:
          remove_repetition(m, rep);
          return TransformResult::next();
        case OnInvalid::error:
          return TransformResult::error(why);
      }
    }
    auto write = [&](const hl7::Path& p, const std::string& v) -> Status<> {
      if (m.get(p) == v) return ok();  // already right: leave the bytes alone
      return m.set(p, v);
    };
    for (auto s :
         {write(at(s_.field, rep, 1), digits), write(at(s_.field, rep, 4, 1), s_.authority),
          write(at(s_.field, rep, 5), "NH")}) {
      if (!s) return TransformResult::error("nhs_number: " + where + ": " + s.error().message);
    }
    return TransformResult::next();
  }

  void remove_repetition(hl7::Message& m, int rep) const {
    auto index = m.find_segment(s_.field.segment, s_.field.occurrence);
    if (!index) return;
    auto raw = m.field_raw(*index, s_.field.field);
    if (!raw) return;
    std::vector<std::string_view> parts = hl7::split(*raw, m.delimiters().repetition);
    if (rep < 1 || rep > static_cast<int>(parts.size())) return;
    parts.erase(parts.begin() + (rep - 1));
    std::string joined;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) joined += m.delimiters().repetition;
      joined += parts[i];
    }
    if (joined.empty()) {
      m.clear(s_.field);
    } else {
      (void)m.set_raw(s_.field, joined);  // the segment exists: cannot fail
    }
  }

  Settings s_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  NhsNumberTransform::Settings s;
  auto field_path = path_param(p, "path");
  if (!field_path) return fail(field_path.error());
  s.field = *field_path;
  if (s.field.repetition != 0 || s.field.component != 0)
    return build_error("path", "give a whole field of identifiers (CX), e.g. PID-3");
  auto also = path_list_param(p, "also_from");
  if (!also) return fail(also.error());
  s.also_from = *also;
  s.types = param(p, "types").list;
  if (s.types.empty()) s.types = {"NH", "NHS", "NHSNBR"};
  s.authorities = param(p, "authorities").list;
  if (s.authorities.empty()) s.authorities = {"NHS", "NHSNBR"};
  s.authority = text(p, "authority");
  if (s.authority.empty()) return build_error("authority", "the authority cannot be empty");
  static const std::map<std::string, OnInvalid> kInvalid = {{"error", OnInvalid::error},
                                                            {"drop", OnInvalid::drop},
                                                            {"remove", OnInvalid::remove},
                                                            {"keep", OnInvalid::keep}};
  static const std::map<std::string, OnMissing> kMissing = {
      {"keep", OnMissing::keep}, {"error", OnMissing::error}, {"drop", OnMissing::drop}};
  s.on_invalid = kInvalid.at(text(p, "on_invalid"));
  s.on_missing = kMissing.at(text(p, "on_missing"));
  return built<NhsNumberTransform>(std::move(s));
}

}  // namespace

pipeline::TransformType nhs_number_transform_type() {
  return {{config::TypeKind::transform,
           "nhs_number",
           "find, check (10 digits, modulus 11) and normalise the NHS number to NNN^^^NHS^NH",
           {
               field("path", FieldType::path, "the identifier list (CX) to look in", "PID-3"),
               field("also_from", FieldType::path_list,
                     "other places a trust puts it (PID-2.1); used when `path` has none, and "
                     "moved into a new repetition of `path`"),
               field("types", FieldType::string_list,
                     "CX.5 codes that mark an NHS number; empty = NH, NHS, NHSNBR"),
               field("authorities", FieldType::string_list,
                     "CX.4.1 values that mark one when CX.5 is empty; empty = NHS, NHSNBR"),
               field("authority", FieldType::string, "the CX.4.1 to write", "NHS"),
               field("on_invalid", FieldType::enum_,
                     "a number that fails the check: error, drop (the message), remove (the "
                     "repetition) or keep",
                     "error", false, {"error", "drop", "remove", "keep"}),
               field("on_missing", FieldType::enum_,
                     "no NHS number at all: keep (pass on as is), error or drop", "keep", false,
                     {"keep", "error", "drop"}),
           }},
          build};
}

}  // namespace irwell::transforms
