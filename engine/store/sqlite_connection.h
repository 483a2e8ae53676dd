#pragma once
// SqliteConnection: owns one `sqlite3*` (closed on destruction). Internal to engine/store.
//
// Contract: move-only (copy deleted: two owners would close twice). Not thread-safe: opened in
// SQLite's multi-thread mode, so the owner serialises all use of the connection and of its
// statements (SqliteStore does it with one mutex per connection). Statements prepared here must
// be destroyed before the connection. Errors are values carrying SQLite's message and code.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/core/result.h"
#include "engine/store/sqlite_statement.h"

namespace irwell::store {

class SqliteConnection {
 public:
  enum class Mode { read_write_create, read_only };

  static Result<SqliteConnection> open(const std::filesystem::path& path, Mode mode);

  SqliteConnection() = default;
  ~SqliteConnection();
  SqliteConnection(SqliteConnection&& other) noexcept;
  SqliteConnection& operator=(SqliteConnection&& other) noexcept;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements that return no rows we need (DDL, pragmas, BEGIN/COMMIT).
  Status<> exec(const std::string& sql);
  // Prepares a statement meant to live as long as the connection (SQLITE_PREPARE_PERSISTENT).
  Result<SqliteStatement> prepare(std::string_view sql);
  // Runs a query returning one integer (e.g. "PRAGMA user_version").
  Result<int64_t> query_int(const std::string& sql);

  // "<what>: <SQLite's message> (<result code name>)" for the last error on this connection.
  Error error(std::string_view what, int rc) const;
  // True while a transaction is open (SQLite may roll one back by itself after SQLITE_FULL or an
  // I/O error; this tells whether a ROLLBACK is still owed).
  bool in_transaction() const { return db_ && !sqlite3_get_autocommit(db_); }
  sqlite3* get() const { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace irwell::store
