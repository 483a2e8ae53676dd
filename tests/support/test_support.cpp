#include "tests/support/test_support.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace irwell::testing {

TempDir::TempDir() {
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    fs::path p = fs::temp_directory_path() / ("irwell-test-" + std::to_string(rd()));
    if (fs::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path corpus_dir() {
  const char* v = std::getenv("IRWELL_CORPUS");
  if (!v || !*v) return {};
  return fs::path(v);
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  fs::path root = corpus_dir();
  if (root.empty() || !fs::is_directory(root)) return out;
  for (auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    auto rel = fs::relative(e.path(), root).string();
    if (rel.find('/') == std::string::npos) continue;  // SOURCES.md and other top-level notes
    out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

fs::path source_dir() { return fs::path(IRWELL_SOURCE_DIR); }
fs::path build_dir() { return fs::path(IRWELL_BINARY_DIR); }
fs::path data_dir() { return source_dir() / "tests" / "data"; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string cr(std::string text) {
  std::replace(text.begin(), text.end(), '\n', '\r');
  return text;
}

}  // namespace irwell::testing
