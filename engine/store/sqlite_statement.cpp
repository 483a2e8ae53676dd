#include "engine/store/sqlite_statement.h"

#include <utility>

namespace irwell::store {

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

// An empty string_view may have a null data() pointer, which SQLite would store as NULL rather
// than as an empty value; every column we bind text or bytes to is NOT NULL.
static const char* non_null(std::string_view s) { return s.data() ? s.data() : ""; }

int SqliteStatement::bind_text(int index, std::string_view text) {
  return sqlite3_bind_text64(stmt_, index, non_null(text), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

int SqliteStatement::bind_blob(int index, std::string_view bytes) {
  return sqlite3_bind_blob64(stmt_, index, non_null(bytes), bytes.size(), SQLITE_STATIC);
}

std::string SqliteStatement::column_string(int index) {
  // Blob access reads text and blob columns alike without conversion; bytes() after blob().
  const void* data = sqlite3_column_blob(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (!data || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

}  // namespace irwell::store
