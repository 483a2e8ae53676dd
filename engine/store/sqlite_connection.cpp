#include "engine/store/sqlite_connection.h"

#include <fmt/format.h>

#include <mutex>
#include <utility>

namespace irwell::store {

Result<SqliteConnection> SqliteConnection::open(const std::filesystem::path& path, Mode mode) {
  static std::once_flag configured;
  std::call_once(configured, [] {
    // Memory statistics make every allocation in SQLite take one process-wide mutex, so the
    // read connection (admin API) and the writer contend on each malloc; with the statistics
    // off they share nothing. Only possible before SQLite initialises; if something else
    // initialised it first, SQLITE_MISUSE comes back and the default stays (slower, correct).
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
  // NOMUTEX (multi-thread mode): the store serialises each connection itself, so SQLite's own
  // per-connection mutex would only be paid for twice.
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |=
      mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  SqliteConnection conn(db);  // closes db on every path out, even when open failed
  if (rc != SQLITE_OK) {
    if (!db) return fail(fmt::format("store: cannot open {}: out of memory", path.string()));
    return fail(conn.error(fmt::format("store: cannot open {}", path.string()), rc));
  }
  // Extended codes tell SQLITE_IOERR_FSYNC from SQLITE_IOERR_WRITE in operators' logs.
  sqlite3_extended_result_codes(db, 1);
  return conn;
}

SqliteConnection::~SqliteConnection() {
  // sqlite3_close_v2 defers the close if a statement is somehow still alive, rather than failing.
  if (db_) sqlite3_close_v2(db_);
}

SqliteConnection::SqliteConnection(SqliteConnection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

SqliteConnection& SqliteConnection::operator=(SqliteConnection&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Status<> SqliteConnection::exec(const std::string& sql) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(error(fmt::format("store: {}", sql.substr(0, 60)), rc));
  return ok();
}

Result<SqliteStatement> SqliteConnection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  SqliteStatement owned(stmt);
  if (rc != SQLITE_OK) return fail(error(fmt::format("store: prepare {}", sql.substr(0, 60)), rc));
  return owned;
}

Result<int64_t> SqliteConnection::query_int(const std::string& sql) {
  auto stmt = prepare(sql);
  if (!stmt) return fail(stmt.error());
  const int rc = stmt->step();
  if (rc != SQLITE_ROW) return fail(error(fmt::format("store: {}", sql), rc));
  return stmt->column_int64(0);
}

Error SqliteConnection::error(std::string_view what, int rc) const {
  const char* message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return Error{fmt::format("{}: {} (SQLite code {}: {})", what, message, rc, sqlite3_errstr(rc))};
}

}  // namespace irwell::store
