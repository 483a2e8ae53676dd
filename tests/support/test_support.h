#pragma once
// Helpers shared by the tests: temporary directories, the corpus directory, fixtures.
//
// Contract: every test gets its own TempDir (removed on destruction); corpus_dir() is the
// directory named by IRWELL_CORPUS (the shared real-world sample messages, never copied into
// the repo) or empty when unset, in which case corpus tests say so and do nothing else.
#include <filesystem>
#include <string>
#include <vector>

namespace irwell::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path corpus_dir();
// Every regular file under corpus_dir(), sorted, relative paths like "adt/x.hl7".
std::vector<std::string> corpus_files();
std::filesystem::path source_dir();           // the repository root
std::filesystem::path build_dir();            // the CMake build directory
std::filesystem::path data_dir();             // tests/data
std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& content);
// Turns "\n" line ends of a fixture written in C++ source into HL7's "\r".
std::string cr(std::string text);

}  // namespace irwell::testing
