// `add_segment`: inserts a segment written in routes.yaml (a Z-segment that a receiver expects,
// a fixed NTE...) at the end of the message or next to another segment.
#include "transforms/params.h"
#include "transforms/segment_id.h"
#include "transforms/transform_types.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

class AddSegmentTransform final : public pipeline::Transform {
 public:
  AddSegmentTransform(std::string wire, std::string after, std::string before, bool if_absent,
                      std::string missing_anchor)
      : wire_(std::move(wire)),
        id_(wire_.substr(0, 3)),
        after_(std::move(after)),
        before_(std::move(before)),
        if_absent_(if_absent),
        missing_anchor_(std::move(missing_anchor)) {}

  TransformResult apply(hl7::Message& m, pipeline::TransformContext&) const override {
    if (if_absent_ && m.find_segment(id_)) return TransformResult::next();
    size_t at = m.segment_count();  // default: append
    const std::string& anchor = after_.empty() ? before_ : after_;
    if (!anchor.empty()) {
      std::optional<size_t> found;
      for (size_t i = 0; i < m.segment_count(); ++i) {
        if (m.segment_id(i) != anchor) continue;
        found = i;
        if (!before_.empty()) break;  // before the first occurrence, after the last
      }
      if (found) {
        at = before_.empty() ? *found + 1 : *found;
      } else if (missing_anchor_ == "skip") {
        return TransformResult::next();
      } else if (missing_anchor_ == "error") {
        return TransformResult::error("add_segment " + id_ + ": the message has no " + anchor +
                                      " segment to put it " +
                                      (before_.empty() ? "after" : "before"));
      }
    }
    if (at == 0) at = 1;  // nothing goes before MSH
    m.insert_segment(at, to_delimiters(wire_, m.delimiters()));
    return TransformResult::next();
  }

 private:
  std::string wire_, id_, after_, before_;
  bool if_absent_;
  std::string missing_anchor_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  const std::string& wire = text(p, "segment");
  std::string id = wire.substr(0, 3);
  if (!is_segment_id(id) || (wire.size() > 3 && wire[3] != '|'))
    return build_error("segment", "expected segment text such as \"ZIR|1|A\": " +
                                      segment_id_rule(wire.substr(0, wire.find('|'))));
  if (id == "MSH") return build_error("segment", "a message has exactly one MSH");
  if (wire.find_first_of("\r\n") != std::string::npos)
    return build_error("segment", "one segment only: the text holds a line break");
  const std::string& after = text(p, "after");
  const std::string& before = text(p, "before");
  if (!after.empty() && !before.empty())
    return build_error("before", "give `after` or `before`, not both");
  for (const auto* name : {"after", "before"}) {
    const std::string& anchor = text(p, name);
    if (!anchor.empty() && !is_segment_id(anchor))
      return build_error(name, segment_id_rule(anchor));
  }
  return built<AddSegmentTransform>(wire, after, before, param(p, "if_absent").boolean,
                                    text(p, "missing_anchor"));
}

}  // namespace

pipeline::TransformType add_segment_transform_type() {
  return {{config::TypeKind::transform,
           "add_segment",
           "insert a segment (e.g. a Z-segment) at the end or next to another segment",
           {
               required_field("segment", FieldType::string,
                              "the segment as wire text with the standard delimiters |^~\\&, "
                              "e.g. \"ZIR|1|TRUST_A\" (rewritten for the message's delimiters)"),
               field("after", FieldType::string,
                     "put it after the last segment with this ID; default: at the end"),
               field("before", FieldType::string,
                     "put it before the first segment with this ID (instead of `after`)"),
               field("if_absent", FieldType::boolean,
                     "only add it when the message has no segment with its ID yet", "false"),
               field("missing_anchor", FieldType::enum_,
                     "when the `after`/`before` segment is not there: error, skip or append",
                     "error", false, {"error", "skip", "append"}),
           }},
          build};
}

}  // namespace irwell::transforms
