// irwell inspect: parse HL7 v2 files (single messages, multi-message files, FHS/BHS batches) and
// print each message as JSON, or with --path only the values asked for, one per line.
#include <fstream>
#include <ostream>
#include <sstream>

#include "engine/app/commands.h"
#include "engine/core/json.h"
#include "engine/hl7/batch.h"
#include "engine/hl7/message.h"
#include "engine/hl7/message_json.h"

namespace irwell::app {
namespace {

constexpr const char* kInspectUsage = R"(usage: irwell inspect [--path PATH]... [--compact] FILE...

Parses every message in the files (a single message, several messages one after another, or an
FHS/BHS batch; CR, LF or CRLF line ends) and prints each one as a JSON object: the resolved
character set, the delimiters, a header summary and every segment with its fields, repetitions
(arrays), components and subcomponents (objects keyed by position). Values are unescaped and in
UTF-8; HL7 null ("") is JSON null; empty values are left out.

With --path, prints only the values at those paths, one per line per message, unescaped and in
UTF-8, and an empty line for an absent or empty value. Paths are
SEG[n]-field[rep].component.subcomponent, indexes 1-based and optional:
  MSH-9.2   PID-3[2].1   OBX[2]-5   PID-5.1.1

Exit status: 0 when every message parsed; 1 when a file cannot be read or a message cannot be
parsed (the error and its position go to stderr; the other messages are still printed);
2 for a usage error.

options:
  -p, --path PATH   print the value at PATH (repeatable)
      --compact     one JSON object per line (JSON Lines) instead of indented JSON
  -h, --help        show this help
)";

bool read_whole_file(const std::string& name, std::string& out) {
  std::ifstream in(name, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

}  // namespace

int inspect_command(const Args& args, std::ostream& out, std::ostream& err) {
  std::vector<hl7::Path> paths;
  std::vector<std::string> files;
  bool compact = false;
  auto usage_error = [&](const std::string& why) {
    err << "irwell inspect: " << why << "\n" << kInspectUsage;
    return 2;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string path_text;
    if (a == "-h" || a == "--help") {
      out << kInspectUsage;
      return 0;
    } else if (a == "--compact") {
      compact = true;
      continue;
    } else if (a == "-p" || a == "--path") {
      if (i + 1 >= args.size()) return usage_error(a + " needs a PATH");
      path_text = args[++i];
    } else if (a.starts_with("--path=")) {
      path_text = a.substr(7);
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option \"" + a + "\"");
    } else {
      files.push_back(a);
      continue;
    }
    auto p = hl7::Path::parse(path_text);
    if (!p) return usage_error(p.error().message);
    paths.push_back(std::move(p).value());
  }
  if (files.empty()) return usage_error("no FILE given");

  int status = 0;
  for (const std::string& file : files) {
    std::string bytes;
    if (!read_whole_file(file, bytes)) {
      err << file << ": error: cannot read the file\n";
      status = 1;
      continue;
    }
    auto batch = hl7::split_batch(bytes);
    if (!batch) {
      err << file << ": error: " << batch.error().to_string() << "\n";
      status = 1;
      continue;
    }
    for (const std::string& w : batch->warnings) err << file << ": warning: " << w << "\n";
    for (size_t n = 0; n < batch->messages.size(); ++n) {
      auto m = hl7::Message::parse(batch->messages[n]);
      if (!m) {
        err << file << ": message " << n + 1 << ": error: " << m.error().to_string() << "\n";
        status = 1;
        continue;
      }
      if (!paths.empty()) {
        for (const hl7::Path& p : paths) out << m->get(p) << "\n";
        continue;
      }
      json::Writer w(compact ? 0 : 2);
      w.begin_object();
      w.key("file").value(file);
      w.key("message").value(n + 1);
      hl7::write_json_members(w, *m);
      w.end_object();
      out << w.str() << "\n";
    }
  }
  return status;
}

}  // namespace irwell::app
