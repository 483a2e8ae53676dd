#include "engine/record/record_db.h"

#include <fmt/format.h>

namespace irwell::record {

std::string_view RecordDb::Statement::bytes_at(int column) {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p && n > 0 ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))
                    : std::string_view();
}

// A null data() would bind SQL NULL; every text and blob column of the record store is NOT NULL.
void RecordDb::Statement::bind_one(int i, std::string_view v) {
  sqlite3_bind_text64(stmt_, i, v.data() ? v.data() : "", v.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void RecordDb::Statement::bind_one(int i, Blob v) {
  sqlite3_bind_blob64(stmt_, i, v.bytes.data() ? v.bytes.data() : "", v.bytes.size(),
                      SQLITE_STATIC);
}

Result<RecordDb> RecordDb::open(const std::filesystem::path& path, bool read_only) {
  // NOMUTEX: RecordStore never shares a connection between threads at the same time.
  const int flags = SQLITE_OPEN_NOMUTEX |
                    (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  RecordDb db(raw);
  if (rc != SQLITE_OK)
    return fail(db.error(fmt::format("record: cannot open {}", path.string()), rc));
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

RecordDb::~RecordDb() {
  if (db_) sqlite3_close_v2(db_);
}

Status<> RecordDb::exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(error(sql.substr(0, 60), rc));
  return ok();
}

Result<RecordDb::Statement> RecordDb::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  Statement st(s);
  if (rc != SQLITE_OK) return fail(error(sql.substr(0, 60), rc));
  return st;
}

Result<int64_t> RecordDb::query_int(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return fail(st.error());
  const int rc = st->step();
  if (rc != SQLITE_ROW) return fail(error(sql, rc));
  return st->int_at(0);
}

Status<> RecordDb::run(Statement& st) {
  const int rc = st.step();
  st.reset();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(error(st.sql(), rc));
  return ok();
}

Error RecordDb::error(std::string_view what, int rc) const {
  const char* message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return Error{fmt::format("record: {}: {} (SQLite code {})", what, message, rc)};
}

}  // namespace irwell::record
