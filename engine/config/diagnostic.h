#pragma once
// Diagnostic: one located problem in a configuration file, in compiler form
// (`routes.yaml:14:7: error: source "lab_in": unknown key "prot"; allowed: bind, port, tls`).
//
// Contract: plain values. Lines and columns are 1-based and refer to the file as the user wrote
// it (before `${VAR}` substitution). line == 0 means "the file as a whole" (it could not be read)
// and to_string() then prints `FILE: error: MESSAGE`. The loader collects every diagnostic it
// finds and returns them sorted by position (sort_diagnostics), so a user fixes everything in one
// pass (STYLE.md 3-4).
#include <string>
#include <vector>

namespace irwell::config {

// A position in the original file; 1-based; line 0 = unknown / whole file.
struct Mark {
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  // "FILE:LINE:COL: error: MESSAGE" (or "FILE: error: MESSAGE" when line == 0).
  std::string to_string() const;
};

// Stable sort by (line, column); diagnostics at the same position keep their order.
void sort_diagnostics(std::vector<Diagnostic>& diagnostics);

}  // namespace irwell::config
