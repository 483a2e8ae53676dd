#pragma once
// The SQLite schema of the message store and its versioned migrations. Internal to engine/store.
//
// Contract: migrate() brings the file open on `db` (read-write, no transaction open) to
// kSchemaVersion in ONE transaction that also records the version in PRAGMA user_version, so a
// crash mid-migration leaves the file as it was. It refuses (error, file
// untouched) a file whose schema is newer than this build, a file of another application
// (PRAGMA application_id), and an unversioned file that already holds tables. Not thread-safe:
// run it before the store is shared. `up_to` (tests of upgrades only) stops at an older version.
#include <cstdint>

#include "engine/core/result.h"
#include "engine/store/sqlite_connection.h"

namespace irwell::store {

// PRAGMA application_id of an irwell store: "IRWL" in ASCII, so `file` and tools can tell.
inline constexpr int32_t kApplicationId = 0x4952574c;

Status<> migrate(SqliteConnection& db, int up_to = -1);

}  // namespace irwell::store
