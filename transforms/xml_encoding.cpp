#include "transforms/xml_encoding.h"

#include <libxml/xmlwriter.h>

#include <map>
#include <memory>
#include <string_view>
#include <vector>

namespace irwell::transforms {
namespace {

// Field data types by segment (HL7 v2.5), space separated, field 1 first. "varies" is OBX-5.
constexpr std::pair<std::string_view, std::string_view> kSegments[] = {
    {"MSH", "ST ST HD HD HD HD TS ST MSG ST PT VID NM ST ID ID ID ID CE ID EI"},
    {"EVN", "ID TS TS IS XCN TS HD"},
    {"PID",
     "SI CX CX CX XPN XPN TS IS XPN CE XAD IS XTN XTN CE CE CE CX ST DLN CX CE ST ID NM CE CE CE "
     "TS ID ID IS TS HD CE CE ST CE CE"},
    {"PD1", "IS IS XON XCN IS IS IS IS ID CX IS CE"},
    {"NK1",
     "SI XPN CE XAD XTN XTN CE DT DT IS JCC CX XON CE IS TS IS IS IS CE ID CE IS CE XPN XTN "
     "XAD CX IS CE ST CE XPN XTN XAD CX IS CE ST CE IS CE"},
    {"PV1",
     "SI IS PL IS CX PL XCN XCN XCN IS PL IS IS IS IS IS XCN IS CX FC IS IS IS IS DT NM NM IS IS "
     "DT IS NM NM IS TS IS DLD CE IS IS IS PL PL TS TS NM NM NM NM CX IS XCN"},
    {"PV2",
     "PL CE CE CE ST ST IS TS TS NM NM ST XCN DT ID IS IS ID IS DT DT IS IS XON XON IS IS "
     "ID ID ID XON"},
    {"MRG", "CX CX CX CX CX CX XPN"},
    {"AL1", "SI CE CE CE ST DT"},
    {"DG1", "SI ID CE ST TS IS CE CE ID IS CE NM CP ST XCN IS ID TS EI ID"},
    {"ORC",
     "ID EI EI EI ID ID TQ EIP TS XCN XCN XCN PL XTN TS CE CE CE XCN CE XON XAD XTN XAD CWE "
     "CWE CWE TS"},
    {"OBR",
     "SI EI EI CE ID TS TS TS CQ XCN ID CE ST TS SPS XCN XTN ST ST ST ST TS MOC ID ID PRL TQ "
     "XCN EIP ID CE NDL NDL NDL NDL TS NM CE CE CE ID CE CE CE CE"},
    {"OBX", "SI ID CE ST varies CE ST IS NM ID ID TS ST TS CE XCN CE EI TS XON XAD XCN"},
    {"NTE", "SI ID FT CE"},
    {"SPM",
     "SI EIP EIP CWE CWE CWE CWE CWE CWE CWE CWE CWE CQ NM ST CWE CWE DR TS TS TS TS ID CWE "
     "CWE CWE CWE CWE CWE"},
    {"SCH",
     "EI EI NM EI CE CE CE CE NM CE TQ XCN XTN XAD PL XCN XTN XAD PL XCN XTN PL EI EI CE EI "
     "EI"},
    {"RGS", "SI ID CE"},
    {"AIS", "SI ID CE TS NM CE NM CE IS CE"},
    {"AIG", "SI ID CE CE CE NM CE TS NM CE NM CE IS CE"},
    {"AIL", "SI ID PL CE CE TS NM CE NM CE IS CE"},
    {"AIP", "SI ID XCN CE CE TS NM CE NM CE IS CE"},
    {"MSA", "ID ST ST NM ID CE"},
    {"ERR", "ELD ERL CWE ID CWE ST TX TX IS CWE CWE XTN"},
};

// Component data types of composite types (HL7 v2.5).
constexpr std::pair<std::string_view, std::string_view> kComposites[] = {
    {"HD", "IS ST ID"},
    {"CX", "ST ST ID HD ID HD DT DT CWE CWE"},
    {"XPN", "FN ST ST ST ST IS ID ID CE DR ID TS TS ST"},
    {"FN", "ST ST ST ST ST"},
    {"XAD", "SAD ST ST ST ST ID ID ST IS IS ID DR TS TS"},
    {"SAD", "ST ST ST"},
    {"XTN", "ST ID ID ST NM NM NM NM ST ST ST ST"},
    {"CE", "ST ST ID ST ST ID"},
    {"CWE", "ST ST ID ST ST ID ST ST ST"},
    {"XCN", "ST FN ST ST ST ST IS IS HD ID ST ID ID HD ID CE DR ID TS TS ST CWE CWE"},
    {"XON", "ST IS NM NM ST HD ID HD ID ST"},
    {"PL", "IS IS IS HD IS IS IS IS ST EI HD"},
    {"EI", "ST IS ST ID"},
    {"EIP", "EI EI"},
    {"MSG", "ID ID ID"},
    {"PT", "ID ID"},
    {"VID", "ID CE CE"},
    {"TS", "DTM ID"},
    {"CQ", "NM CE"},
    {"DR", "TS TS"},
    {"DLD", "IS TS"},
    {"FC", "IS TS"},
    {"JCC", "IS IS TX"},
    {"DLN", "ST IS DT"},
    {"ELD", "ST NM NM CE"},
    {"ERL", "ST NM NM NM NM NM"},
    {"CP", "MO ID NM NM CE ID"},
    {"MO", "NM ID"},
    {"SN", "ST NM ST NM"},
    {"ED", "HD ID ID ID TX"},
    {"RP", "ST HD ID ID"},
    {"NDL", "CNN TS TS PL PL PL PL PL IS PL HD"},
    {"PRL", "CE ST TX"},
    {"MOC", "MO CE"},
    {"SPS", "CWE CWE TX CWE CWE CWE CWE"},
};

using Types = std::vector<std::string>;

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

struct TypeTable {
  std::map<std::string, Types, std::less<>> segments, composites;
  TypeTable() {
    for (auto& [id, t] : kSegments) segments.emplace(std::string(id), words(t));
    for (auto& [id, t] : kComposites) composites.emplace(std::string(id), words(t));
  }
  // Component types of `type`, or nullptr for a primitive or unknown type.
  const Types* components(std::string_view type) const {
    auto it = composites.find(type);
    return it == composites.end() ? nullptr : &it->second;
  }
};

const TypeTable& table() {
  static const TypeTable t;
  return t;
}

// Replaces what XML 1.0 cannot carry (C0 controls but TAB/LF/CR) with U+FFFD.
std::string xml_safe(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
      out += "\xEF\xBF\xBD";
    else
      out += static_cast<char>(c);
  }
  return out;
}

// An XML name from text that should be an HL7 code (a segment ID, MSH-9.3) but may be junk (B5,
// B7): characters other than letters, digits and _ become _, and a name never starts with a digit.
std::string xml_name(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    out += alnum ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  return out;
}

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

class Writer {
 public:
  Writer(const hl7::Message& m, xmlTextWriterPtr w) : m_(m), w_(w) {}

  bool element(const std::string& name, const std::string& text) {
    return xmlTextWriterWriteElement(w_, X(name.c_str()), X(xml_safe(text).c_str())) >= 0;
  }
  bool start(const std::string& name) {
    return xmlTextWriterStartElement(w_, X(name.c_str())) >= 0;
  }
  bool end() { return xmlTextWriterEndElement(w_) >= 0; }

  // One leaf value (wire text) as an element, left out when empty.
  bool leaf(const std::string& name, std::string_view wire) {
    if (wire.empty()) return true;
    return element(name, m_.decode(wire));
  }

  // A component's wire text with sub-components, of data type `type`; `fallback` names the
  // sub-components positionally when the type does not name them.
  bool component(const std::string& name, std::string_view wire, std::string_view type,
                 const std::string& fallback) {
    if (wire.empty()) return true;
    const auto& d = m_.delimiters();
    const Types* sub = table().components(type);
    // A composite type (CX.4 is an HD) always nests: <CX.4><HD.1>NHS</HD.1></CX.4>.
    if (!sub && wire.find(d.subcomponent) == std::string_view::npos) return leaf(name, wire);
    if (!start(name)) return false;
    auto parts = hl7::split(wire, d.subcomponent);
    for (size_t s = 0; s < parts.size(); ++s) {
      std::string sub_name = sub && s < sub->size()
                                 ? std::string(type) + "." + std::to_string(s + 1)
                                 : fallback + "." + std::to_string(s + 1);
      if (!leaf(sub_name, parts[s])) return false;
    }
    return end();
  }

  // One field repetition of data type `type` (empty = unknown).
  bool repetition(const std::string& name, std::string_view wire, const std::string& type) {
    if (wire.empty()) return true;
    const auto& d = m_.delimiters();
    const Types* comps = table().components(type);
    bool split_needed = wire.find(d.component) != std::string_view::npos ||
                        wire.find(d.subcomponent) != std::string_view::npos;
    if (!comps && !split_needed) return leaf(name, wire);
    if (!start(name)) return false;
    auto parts = hl7::split(wire, d.component);
    for (size_t c = 0; c < parts.size(); ++c) {
      bool known = comps && c < comps->size();
      std::string comp_name =
          known ? type + "." + std::to_string(c + 1) : name + "." + std::to_string(c + 1);
      std::string comp_type = known ? (*comps)[c] : std::string();
      if (!component(comp_name, parts[c], comp_type, comp_name)) return false;
    }
    return end();
  }

  bool segment(size_t index) {
    std::string id = xml_name(m_.segment_id(index));
    auto it = table().segments.find(id);
    const Types* types = it == table().segments.end() ? nullptr : &it->second;
    if (!start(id)) return false;
    size_t count = m_.field_count(index);
    bool is_header = id == "MSH" || id == "FHS" || id == "BHS";
    std::string obx_type;
    if (id == "OBX") {
      auto t = m_.field_raw(index, 2);
      if (t) obx_type = m_.decode(*t);
    }
    for (size_t f = 1; f <= count; ++f) {
      auto raw = m_.field_raw(index, static_cast<int>(f));
      if (!raw || raw->empty()) continue;
      std::string name = id + "." + std::to_string(f);
      if (is_header && f <= 2) {  // MSH-1 and MSH-2 are the delimiters themselves (C1, C2)
        if (!element(name, std::string(*raw))) return false;
        continue;
      }
      std::string type = types && f <= types->size() ? (*types)[f - 1] : std::string();
      if (type == "varies") type = table().components(obx_type) ? obx_type : std::string();
      for (std::string_view rep : hl7::split(*raw, m_.delimiters().repetition)) {
        if (!repetition(name, rep, type)) return false;
      }
    }
    return end();
  }

 private:
  const hl7::Message& m_;
  xmlTextWriterPtr w_;
};

std::string root_name(const hl7::Message& m) {
  hl7::Header h = m.header();
  if (!h.structure.empty()) return xml_name(h.structure);
  if (h.trigger_event.empty()) return xml_name(h.message_type);
  return xml_name(h.message_type + "_" + h.trigger_event);
}

struct BufferFree {
  void operator()(xmlBufferPtr b) const { xmlBufferFree(b); }
};
struct WriterFree {
  void operator()(xmlTextWriterPtr w) const { xmlFreeTextWriter(w); }
};

}  // namespace

std::string encode_xml(const hl7::Message& m, bool indent) {
  std::unique_ptr<xmlBuffer, BufferFree> buf(xmlBufferCreate());
  if (!buf) return {};
  std::unique_ptr<xmlTextWriter, WriterFree> w(xmlNewTextWriterMemory(buf.get(), 0));
  if (!w) return {};
  if (indent) {
    xmlTextWriterSetIndent(w.get(), 1);
    xmlTextWriterSetIndentString(w.get(), X("  "));
  }
  Writer out(m, w.get());
  bool good = xmlTextWriterStartDocument(w.get(), nullptr, "UTF-8", nullptr) >= 0 &&
              out.start(root_name(m)) &&
              xmlTextWriterWriteAttribute(w.get(), X("xmlns"), X("urn:hl7-org:v2xml")) >= 0;
  for (size_t i = 0; good && i < m.segment_count(); ++i) good = out.segment(i);
  good = good && out.end() && xmlTextWriterEndDocument(w.get()) >= 0;
  if (!good) return {};
  w.reset();  // flushes into the buffer
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buf.get())),
                     static_cast<size_t>(xmlBufferLength(buf.get())));
}

}  // namespace irwell::transforms
