// `suppress`: keeps sensitive content (sexual health and HIV results, termination of pregnancy,
// fertility, gender identity clinics...) away from a destination, by lists of codes, clinics and
// specialties that the trusts' information governance leads maintain.
#include <algorithm>

#include "engine/config/wildcard.h"
#include "transforms/params.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

// One list and where to look for its values, e.g. clinics in PV1-3.1 and AIL-3.1.
struct Check {
  const char* what;  // "code", "clinic", "specialty" (for the reason; values are never quoted)
  std::vector<std::string> patterns;
  std::vector<hl7::Path> paths;  // occurrence ignored: every occurrence of the segment is read
};

class SuppressTransform final : public pipeline::Transform {
 public:
  SuppressTransform(std::vector<Check> checks, bool redact, std::string reason)
      : checks_(std::move(checks)), redact_(redact), reason_(std::move(reason)) {
    for (const Check& c : checks_) {
      for (const auto& p : c.paths) {
        if (std::find(ids_.begin(), ids_.end(), p.segment) == ids_.end()) ids_.push_back(p.segment);
      }
    }
  }

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    std::vector<size_t> hits;               // segments holding a sensitive code (redact)
    std::vector<int> seen(ids_.size(), 0);  // occurrences so far of each segment ID in ids_
    for (size_t i = 0; i < m.segment_count(); ++i) {
      std::string_view id = m.segment_id(i);
      auto which = std::find(ids_.begin(), ids_.end(), id);
      if (which == ids_.end()) continue;  // no list reads this segment
      int occurrence = ++seen[which - ids_.begin()];
      for (const Check& c : checks_) {
        if (!matches(m, id, occurrence, c)) continue;
        bool is_code = c.what == std::string_view("code");
        if (!redact_ || !is_code)
          return TransformResult::drop(reason_ + " (" + c.what + " on the suppression list)");
        hits.push_back(i);
        break;
      }
    }
    if (!hits.empty()) redact(m, hits);
    return TransformResult::next();
  }

 private:
  bool matches(const hl7::Message& m, std::string_view id, int occurrence, const Check& c) const {
    for (hl7::Path p : c.paths) {
      if (p.segment != id) continue;
      p.occurrence = occurrence;
      std::string v = m.get(p);
      if (v.empty()) continue;
      if (std::any_of(c.patterns.begin(), c.patterns.end(),
                      [&](const std::string& pat) { return config::wildcard_match(pat, v); }))
        return true;
    }
    return false;
  }

  // Removes each hit with what belongs to it: an OBR with its ORC before it and everything after
  // it up to the next ORC/OBR; an OBX with the NTEs after it; any other segment alone.
  static void redact(hl7::Message& m, const std::vector<size_t>& hits) {
    std::vector<bool> remove(m.segment_count(), false);
    for (size_t i : hits) {
      std::string_view id = m.segment_id(i);
      remove[i] = true;
      if (id == "OBR") {
        if (i > 1 && m.segment_id(i - 1) == "ORC") remove[i - 1] = true;
        for (size_t j = i + 1; j < m.segment_count(); ++j) {
          std::string_view next = m.segment_id(j);
          if (next == "OBR" || next == "ORC") break;
          remove[j] = true;
        }
      } else if (id == "OBX") {
        for (size_t j = i + 1; j < m.segment_count() && m.segment_id(j) == "NTE"; ++j)
          remove[j] = true;
      }
    }
    for (size_t i = remove.size(); i-- > 1;) {
      if (remove[i]) m.remove_segment(i);
    }
  }

  std::vector<Check> checks_;
  std::vector<std::string> ids_;  // every segment ID some check reads
  bool redact_;
  std::string reason_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  struct Kind {
    const char* what;
    const char* list;
    const char* paths;
    std::vector<std::string> default_paths;
  };
  const Kind kinds[] = {{"code", "codes", "code_paths", {"OBR-4.1", "OBX-3.1"}},
                        {"clinic", "clinics", "clinic_paths", {"PV1-3.1", "AIL-3.1"}},
                        {"specialty", "specialties", "specialty_paths", {"PV1-10.1"}}};
  std::vector<Check> checks;
  for (const Kind& k : kinds) {
    const auto& patterns = param(p, k.list).list;
    if (patterns.empty()) continue;
    Check c{k.what, patterns, {}};
    auto paths = path_list_param(p, k.paths);
    if (!paths) return fail(paths.error());
    c.paths = *paths;
    if (c.paths.empty()) {
      for (const auto& d : k.default_paths) c.paths.push_back(*hl7::Path::parse(d));
    }
    checks.push_back(std::move(c));
  }
  if (checks.empty())
    return build_error("codes", "give at least one list: codes, clinics or specialties");
  return built<SuppressTransform>(std::move(checks), text(p, "action") == "redact",
                                  text(p, "reason"));
}

}  // namespace

pipeline::TransformType suppress_transform_type() {
  return {{config::TypeKind::transform,
           "suppress",
           "keep sensitive content away: drop (or redact) by code, clinic or specialty lists",
           {
               field("codes", FieldType::string_list,
                     "sensitive order/result codes, wildcards allowed (HIV*, CHLAM)"),
               field("code_paths", FieldType::path_list,
                     "where codes are read, in every occurrence; empty = OBR-4.1, OBX-3.1"),
               field("clinics", FieldType::string_list,
                     "sensitive clinics/locations, wildcards allowed (GUM*)"),
               field("clinic_paths", FieldType::path_list,
                     "where clinics are read; empty = PV1-3.1, AIL-3.1"),
               field("specialties", FieldType::string_list,
                     "sensitive specialties (treatment function codes, e.g. 360)"),
               field("specialty_paths", FieldType::path_list,
                     "where specialties are read; empty = PV1-10.1"),
               field("action", FieldType::enum_,
                     "drop: the whole message on any match; redact: remove matching result "
                     "groups (OBR with its ORC/OBX/NTE, or one OBX with its NTEs) and still drop "
                     "on a clinic or specialty match",
                     "drop", false, {"drop", "redact"}),
               field("reason", FieldType::string, "recorded with a dropped message",
                     "sensitive content suppressed"),
           }},
          build};
}

}  // namespace irwell::transforms
