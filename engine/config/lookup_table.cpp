// Lookup tables: `lookups:` entries, inline (`values: {a: b}`) or read from a CSV file beside
// routes.yaml, decoded into LookupTable.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/config/decoders.h"

namespace irwell::config {
namespace {

const std::vector<FieldSpec>& lookup_fields() {
  static const std::vector<FieldSpec> kFields = {
      field_spec("file", FieldType::string, "",
                 "CSV file of key,value lines, relative to routes.yaml"),
      field_spec("values", FieldType::map, "", "the table inline: {key: value, ...}"),
      field_spec("default", FieldType::string, "", "value for keys not in the table"),
      field_spec("header", FieldType::boolean, "false", "the CSV's first line is a header"),
  };
  return kFields;
}

// Splits CSV text into records of fields (RFC 4180 quoting: "a,b" and "" for a quote inside).
// Blank lines and lines starting with '#' are skipped. Each record carries its 1-based line.
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

std::vector<CsvRecord> parse_csv(const std::string& text, std::string& error, int& error_line) {
  std::vector<CsvRecord> records;
  size_t i = 0;
  int line = 1;
  while (i < text.size()) {
    if (text[i] == '\n' || text[i] == '\r') {
      if (text[i] == '\n') ++line;
      ++i;
      continue;
    }
    if (text[i] == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool quoted_field = false;
    while (true) {
      if (i < text.size() && text[i] == '"' &&
          field.find_first_not_of(" \t") == std::string::npos) {
        quoted_field = true;
        field.clear();
        ++i;
        while (true) {
          if (i >= text.size()) {
            error = "unterminated quoted field";
            error_line = rec.line;
            return {};
          }
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field.push_back(text[i++]);
        }
        continue;
      }
      if (i >= text.size() || text[i] == ',' || text[i] == '\n' || text[i] == '\r') {
        if (!quoted_field) {
          size_t b = field.find_first_not_of(" \t");
          size_t e = field.find_last_not_of(" \t");
          field = b == std::string::npos ? "" : field.substr(b, e - b + 1);
        }
        rec.fields.push_back(std::move(field));
        field.clear();
        quoted_field = false;
        if (i < text.size() && text[i] == ',') {
          ++i;
          continue;
        }
        break;
      }
      if (!quoted_field) field.push_back(text[i]);
      ++i;
    }
    records.push_back(std::move(rec));
  }
  return records;
}

}  // namespace

std::optional<LookupTable> decode_lookup(const std::string& name, const YamlNode& block,
                                         Mark name_mark, DecodeContext& ctx) {
  const std::string context = "lookup " + quote(name);
  if (!block.is_map()) {
    ctx.diags.error(block.mark, in_context(context, std::string("expected a map with \"file\" or "
                                                                "\"values\", got ") +
                                                        block.kind_name()));
    return std::nullopt;
  }
  size_t before = ctx.diags.size();
  Params p = decode_fields(block, lookup_fields(), context, name_mark, {}, ctx);
  if (ctx.diags.size() != before) return std::nullopt;
  LookupTable table;
  table.name = name;
  table.mark = name_mark;
  if (p["default"].given) table.default_value = p["default"].text;
  const Value& file = p["file"];
  const Value& values = p["values"];
  if (file.given == values.given) {
    ctx.diags.error(name_mark, in_context(context, "give exactly one of \"file\" or \"values\""));
    return std::nullopt;
  }
  if (values.given) {
    table.values = values.map;
    return table;
  }
  std::filesystem::path path = resolve_file(ctx.base_dir, file.text);
  std::error_code ec;
  std::string why;
  if (file.text.empty()) {
    why = "no file named";
  } else if (!std::filesystem::exists(path, ec)) {
    why = "No such file or directory";
  } else if (std::filesystem::is_directory(path, ec)) {
    why = "Is a directory";
  }
  std::string text;
  if (why.empty()) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    if (!in) why = std::strerror(errno);
    text = buf.str();
  }
  if (!why.empty()) {
    ctx.diags.error(file.mark, in_context(context, "cannot read " + quote(file.text) + ": " + why));
    return std::nullopt;
  }
  std::string error;
  int error_line = 0;
  std::vector<CsvRecord> records = parse_csv(text, error, error_line);
  auto csv_error = [&](int line, const std::string& what) {
    ctx.diags.error(file.mark,
                    in_context(context, file.text + ":" + std::to_string(line) + ": " + what));
  };
  if (!error.empty()) {
    csv_error(error_line, error);
    return std::nullopt;
  }
  bool good = true;
  for (size_t r = p["header"].boolean ? 1 : 0; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    if (rec.fields.size() != 2) {
      csv_error(rec.line,
                "expected 2 columns (key,value), found " + std::to_string(rec.fields.size()));
      good = false;
      continue;
    }
    if (!table.values.emplace(rec.fields[0], rec.fields[1]).second) {
      csv_error(rec.line, "key " + quote(rec.fields[0]) + " given twice");
      good = false;
    }
  }
  if (!good) return std::nullopt;
  return table;
}

}  // namespace irwell::config
