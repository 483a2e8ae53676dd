#pragma once
// SqliteStatement: owns one prepared `sqlite3_stmt*` (finalized on destruction), prepared once
// and reused for every row the store writes or reads. Internal to engine/store.
//
// Contract: move-only (copy deleted: two owners would finalize twice). Not thread-safe: it
// belongs to its connection and is used under that connection's lock. Text and blob binds do
// NOT copy (SQLITE_STATIC): the bound bytes must stay alive until the statement is reset. A
// statement left un-reset keeps its read transaction open, so callers hold a Reset guard.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace irwell::store {

class SqliteStatement {
 public:
  SqliteStatement() = default;
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(SqliteStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based as in SQLite. Each returns the SQLite result code.
  int bind(int index, int64_t value) { return sqlite3_bind_int64(stmt_, index, value); }
  int bind_text(int index, std::string_view text);
  int bind_blob(int index, std::string_view bytes);
  int bind_null(int index) { return sqlite3_bind_null(stmt_, index); }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  // Ends the statement's use (and with it any implicit read transaction) and clears bindings.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // Columns are 0-based. NULL reads as 0 / "".
  int64_t column_int64(int index) { return sqlite3_column_int64(stmt_, index); }
  std::string column_string(int index);
  bool column_is_null(int index) { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

  sqlite3_stmt* get() const { return stmt_; }

  // Resets the statement when the scope that used it ends, however it ends.
  class Reset {
   public:
    explicit Reset(SqliteStatement& s) : s_(s) {}
    ~Reset() { s_.reset(); }
    Reset(const Reset&) = delete;
    Reset& operator=(const Reset&) = delete;

   private:
    SqliteStatement& s_;
  };

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace irwell::store
