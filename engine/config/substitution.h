#pragma once
// Environment substitution of routes.yaml text, before YAML parsing (internal to engine/config).
//
// Forms, like the POSIX shell's: `${VAR}` (unset -> empty), `${VAR:-default}` (unset or empty ->
// default), `${VAR-default}` (unset -> default), `${VAR:?message}` (unset or empty -> error),
// `${VAR?message}` (unset -> error). `$${` is a literal `${`. A reference ends on the line it
// starts; defaults are taken literally (no nesting). Text in YAML comments (a `#` at the start of
// a line or after a blank, outside quotes) is left alone.
//
// Contract: substitute() never throws; problems (bad or unterminated references, `:?` errors) go
// to the DiagnosticList at their original position. The SourceMap it returns maps every
// (line, column) of the substituted text back to the original text: characters that came from a
// variable's value map to the `$` that introduced it, so diagnostics point at what the user wrote.
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/diagnostic.h"
#include "engine/config/diagnostic_list.h"
#include "engine/config/environment.h"

namespace irwell::config {

class SourceMap {
 public:
  // line0 and column0 are 0-based positions in the substituted text (as yaml-cpp reports them).
  Mark original(int line0, int column0) const;

  // Building: record that the next output character of the current line came from `from`.
  void add_char(Mark from);
  // Ends the current output line; `end` is the original position of its line end.
  void end_line(Mark end);

 private:
  std::vector<std::vector<Mark>> lines_{1};
};

struct SubstitutedText {
  std::string text;
  SourceMap map;
};

SubstitutedText substitute(std::string_view text, const Environment& env, DiagnosticList& diags);

}  // namespace irwell::config
