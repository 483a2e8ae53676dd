#pragma once
// RecordDb: one SQLite connection of the record store, with its prepared statements.
// Internal to engine/record.
//
// Contract: move-only owner of a `sqlite3*` (closed on destruction, after every Statement made
// from it has been destroyed). Not thread-safe: opened in SQLite's multi-thread mode, so the
// owner (RecordStore) uses each connection from one thread at a time. Statement::bind() does
// not copy text (SQLITE_STATIC): bound strings must outlive the statement's step/reset. Errors
// are values naming the statement and SQLite's message.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "engine/core/result.h"

namespace irwell::record {

class RecordDb {
 public:
  class Statement {
   public:
    Statement() = default;
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(Statement&& o) noexcept : stmt_(std::exchange(o.stmt_, nullptr)) {}
    Statement& operator=(Statement&& o) noexcept {
      std::swap(stmt_, o.stmt_);
      return *this;
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binds the arguments to parameters 1..n after a reset (integers, text, or blobs as
    // Blob{bytes}).
    struct Blob {
      std::string_view bytes;
    };
    template <class... Args>
    void bind(const Args&... args) {
      sqlite3_reset(stmt_);
      int i = 0;
      (bind_one(++i, args), ...);
    }
    int step() { return sqlite3_step(stmt_); }
    void reset() { sqlite3_reset(stmt_); }
    int64_t int_at(int column) { return sqlite3_column_int64(stmt_, column); }
    std::string_view bytes_at(int column);  // valid until the next step/reset
    const char* sql() const { return sqlite3_sql(stmt_); }

   private:
    friend class RecordDb;
    explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
    void bind_one(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
    void bind_one(int i, int v) { sqlite3_bind_int64(stmt_, i, v); }
    void bind_one(int i, std::string_view v);
    void bind_one(int i, const std::string& v) { bind_one(i, std::string_view(v)); }
    void bind_one(int i, Blob v);
    sqlite3_stmt* stmt_ = nullptr;
  };

  static Result<RecordDb> open(const std::filesystem::path& path, bool read_only);
  RecordDb() = default;
  ~RecordDb();
  RecordDb(RecordDb&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  RecordDb& operator=(RecordDb&& o) noexcept {
    std::swap(db_, o.db_);
    return *this;
  }
  RecordDb(const RecordDb&) = delete;
  RecordDb& operator=(const RecordDb&) = delete;

  Status<> exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  Result<int64_t> query_int(std::string_view sql);
  // Steps a statement that returns no rows (or ignores them) and resets it.
  Status<> run(Statement& st);
  Error error(std::string_view what, int rc) const;
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  explicit RecordDb(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace irwell::record
