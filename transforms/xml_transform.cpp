// `xml`: the route's destinations get the message as HL7 v2 XML instead of ER7 (pipes). It does
// not change the message: it sets the encoder the router writes the final message with, so the
// steps after it still work on HL7 paths. The encoding is described in xml_encoding.h.
#include "transforms/params.h"
#include "transforms/transform_types.h"
#include "transforms/xml_encoding.h"

namespace irwell::transforms {
namespace {

using config::FieldType;
using pipeline::TransformResult;

class XmlTransform final : public pipeline::Transform, public pipeline::OutputEncoder {
 public:
  explicit XmlTransform(bool indent) : indent_(indent) {}

  TransformResult apply(hl7::Message&, pipeline::TransformContext& ctx) const override {
    ctx.encoder = this;
    return TransformResult::next();
  }

  std::string encode(const hl7::Message& m) const override { return encode_xml(m, indent_); }

 private:
  bool indent_;
};

Built build(const config::Params& p, const pipeline::BuildContext&) {
  return built<XmlTransform>(param(p, "indent").boolean);
}

}  // namespace

pipeline::TransformType xml_transform_type() {
  return {{config::TypeKind::transform,
           "xml",
           "deliver the message as HL7 v2 XML (urn:hl7-org:v2xml) instead of ER7",
           {
               field("indent", FieldType::boolean, "pretty-print the XML", "false"),
           }},
          build};
}

}  // namespace irwell::transforms
