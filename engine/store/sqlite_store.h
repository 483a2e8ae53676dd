#pragma once
// SqliteStore: the MessageStore on one SQLite file (WAL, synchronous=FULL).
//
// Contract:
// - open() creates the file and its schema, or migrates an older schema forward in one
//   transaction per step (version in PRAGMA user_version). A file whose schema is newer than
//   this build knows, or that belongs to another application, is refused with an error.
// - Two connections: one read-write connection for commit() (the single writer; SQLite allows
//   one), one read-only connection for get_message/search/stats. WAL lets the reads run beside a
//   commit, so the admin API never blocks the writer, and a read sees only committed data.
// - Thread-safety: every method may be called from any thread. Writes are serialised among
//   themselves by one mutex and reads among themselves by another; a write and a read run at the
//   same time. Intended use: commit() only from CommitQueue's writer thread.
// - A failed commit (SQLITE_FULL, I/O error) is rolled back; the connection stays usable and the
//   next commit() tries again (so accepting resumes when space returns).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "engine/core/result.h"
#include "engine/store/message_store.h"

namespace irwell::store {

struct SqliteOptions {
  std::filesystem::path path;
  int busy_timeout_ms = 5000;
  // Caps the database size in pages on the write connection; tests use it to simulate a full
  // disk. nullopt = SQLite's default (no practical cap).
  std::optional<int64_t> max_page_count{};
  // true: fsync the WAL on every commit (an acknowledged message survives power loss). false is
  // only for throwaway stores (benchmarks of everything but the disk).
  bool synchronous_full = true;
};

// The schema version this build writes and understands.
inline constexpr int kSchemaVersion = 3;

class SqliteStore final : public MessageStore {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& o);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<std::vector<CommitOutcome>> write(std::span<const NewMessage> batch,
                                           std::optional<TimePoint> duplicate_since,
                                           std::span<const DeliveryResult> results) override;
  Result<std::optional<StoredMessage>> get_message(int64_t id) override;
  Result<std::vector<MessageSummary>> search(const MessageQuery& q) override;
  Result<StoreStats> stats() override;
  Result<std::vector<PendingDelivery>> pending_deliveries(std::string_view destination,
                                                          int64_t after_id, int limit) override;
  Result<QueueStats> queue_stats(std::string_view destination) override;
  Result<std::vector<DeadDelivery>> dead_deliveries(std::string_view destination, int limit,
                                                    int64_t before_id) override;
  Result<std::vector<int64_t>> replay_message(int64_t message_id, std::string_view destination,
                                              const AuditEntry& audit) override;
  Result<std::vector<int64_t>> replay_dead(std::string_view destination,
                                           const AuditEntry& audit) override;
  Status<> set_paused(std::string_view destination, bool paused,
                      const AuditEntry& audit) override;
  Result<std::vector<std::string>> paused_destinations() override;
  Result<PruneResult> prune(const PruneRequest& r) override;
  Result<int64_t> record_audit(const AuditEntry& e) override;
  Result<std::vector<AuditEntry>> audit_log(const AuditQuery& q) override;
  using MessageStore::commit;

  // Changes the write connection's page cap at run time (tests: "free disk space" after a
  // simulated disk full). nullopt lifts the cap. Returns the cap now in force.
  Result<int64_t> set_max_page_count(std::optional<int64_t> pages);
  // The schema version of the open file (PRAGMA user_version).
  Result<int> schema_version();
  // SQLite's query plan for search(q), one step a line (tests: searches use indexes).
  Result<std::string> explain_search(const MessageQuery& q);

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The same as SqliteStore::open, as the engine-facing interface.
Result<std::unique_ptr<MessageStore>> open_sqlite_store(const SqliteOptions& o);

}  // namespace irwell::store
