#pragma once
// DiagnosticList: where the loader's stages put the problems they find (internal to
// engine/config).
//
// Contract: collects; never stops at the first problem. Not thread-safe (one per load).
#include <string>
#include <utility>
#include <vector>

#include "engine/config/diagnostic.h"

namespace irwell::config {

class DiagnosticList {
 public:
  explicit DiagnosticList(std::string file) : file_(std::move(file)) {}
  void error(Mark at, std::string message) {
    items_.push_back(Diagnostic{file_, at.line, at.column, std::move(message)});
  }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  std::vector<Diagnostic> take() && { return std::move(items_); }

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

}  // namespace irwell::config
