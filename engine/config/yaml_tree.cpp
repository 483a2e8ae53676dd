#include "engine/config/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <sstream>

namespace irwell::config {

std::string canonical_text(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::null:
      return "~";
    case YamlNode::Kind::scalar:  // length-prefixed, so no scalar can imitate structure
      return (node.quoted ? "q" : "s") + std::to_string(node.scalar.size()) + ":" + node.scalar;
    case YamlNode::Kind::sequence: {
      std::string out = "[";
      for (const YamlNodePtr& item : node.items) out += canonical_text(*item) + ",";
      return out + "]";
    }
    case YamlNode::Kind::map: {
      std::string out = "{";
      for (const auto& [key, value] : node.pairs) {
        out += canonical_text(*key) + "=" + canonical_text(*value) + ",";
      }
      return out + "}";
    }
  }
  return "";
}

const char* YamlNode::kind_name() const {
  switch (kind) {
    case Kind::null:
      return "nothing";
    case Kind::scalar:
      return "a scalar";
    case Kind::sequence:
      return "a list";
    case Kind::map:
      return "a map";
  }
  return "?";
}

namespace {

// Builds the tree from yaml-cpp's events. Containers under construction sit on a stack; a map
// alternates between expecting a key and expecting its value.
class TreeBuilder final : public YAML::EventHandler {
 public:
  explicit TreeBuilder(const SourceMap& map) : map_(map) {}

  YamlNodePtr root() const { return root_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto n = std::make_shared<YamlNode>();
    n->kind = YamlNode::Kind::null;
    n->mark = to_mark(mark);
    add(n, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it != anchors_.end()) {
      add(it->second, 0);
    } else {
      OnNull(mark, 0);
    }
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    auto n = std::make_shared<YamlNode>();
    n->kind = YamlNode::Kind::scalar;
    n->scalar = value;
    n->quoted = tag == "!";  // yaml-cpp tags quoted and block scalars "!", plain ones "?"
    n->mark = to_mark(mark);
    add(n, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(YamlNode::Kind::sequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(YamlNode::Kind::map, mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    std::shared_ptr<YamlNode> node;
    YamlNodePtr pending_key;  // map: the key whose value comes next
    YAML::anchor_t anchor = 0;
  };

  Mark to_mark(const YAML::Mark& m) const { return map_.original(m.line, m.column); }

  void open(YamlNode::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    auto n = std::make_shared<YamlNode>();
    n->kind = kind;
    n->mark = to_mark(mark);
    stack_.push_back(Open{n, nullptr, anchor});
  }

  void close() {
    Open top = std::move(stack_.back());
    stack_.pop_back();
    add(top.node, top.anchor);
  }

  void add(YamlNodePtr n, YAML::anchor_t anchor) {
    if (anchor) anchors_[anchor] = n;
    if (stack_.empty()) {
      root_ = std::move(n);
      return;
    }
    Open& top = stack_.back();
    if (top.node->kind == YamlNode::Kind::sequence) {
      top.node->items.push_back(std::move(n));
    } else if (!top.pending_key) {
      top.pending_key = std::move(n);
    } else {
      const YamlNode& key = *top.pending_key;
      if (n->is_null() && key.is_scalar() && n->mark.line != key.mark.line) {
        // yaml-cpp marks an empty value at the NEXT token, often lines later. Point at where the
        // value belongs instead: after "key: " (or at the `${VAR}` that came out empty).
        auto moved = std::make_shared<YamlNode>(*n);
        moved->mark =
            Mark{key.mark.line, key.mark.column + static_cast<int>(key.scalar.size()) + 2};
        n = std::move(moved);
      }
      top.node->pairs.emplace_back(std::move(top.pending_key), std::move(n));
      top.pending_key = nullptr;
    }
  }

  const SourceMap& map_;
  std::vector<Open> stack_;
  std::map<YAML::anchor_t, YamlNodePtr> anchors_;
  YamlNodePtr root_;
};

}  // namespace

std::optional<YamlNodePtr> parse_yaml(std::string_view text, const SourceMap& map,
                                      DiagnosticList& diags) {
  // yaml-cpp reports syntax errors by throwing; convert them here, at the edge.
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    TreeBuilder builder(map);
    if (!parser.HandleNextDocument(builder)) return std::make_shared<YamlNode>();
    YamlNodePtr root = builder.root() ? builder.root() : std::make_shared<YamlNode>();
    TreeBuilder second(map);
    if (parser.HandleNextDocument(second)) {
      Mark at = second.root() ? second.root()->mark : Mark{1, 1};
      diags.error(at, "YAML syntax error: more than one document; routes.yaml holds exactly one");
      return std::nullopt;
    }
    return root;
  } catch (const YAML::Exception& e) {
    Mark at = map.original(e.mark.line, e.mark.column);
    if (at.line <= 0) at = {1, 1};
    diags.error(at, "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    diags.error(Mark{1, 1}, std::string("YAML syntax error: ") + e.what());
  }
  return std::nullopt;
}

}  // namespace irwell::config
