#pragma once
// ForwardingStore: a MessageStore that passes every call to another one. Derive from it to
// change one or two calls (fault injection, spies in tests, metrics around a store) without
// restating the whole interface. Borrows `inner`, which must outlive it; thread-safety is
// `inner`'s.
#include "engine/store/message_store.h"

namespace irwell::store {

class ForwardingStore : public MessageStore {
 public:
  explicit ForwardingStore(MessageStore& inner) : inner_(inner) {}

  Result<std::vector<CommitOutcome>> write(std::span<const NewMessage> batch,
                                           std::optional<TimePoint> duplicate_since,
                                           std::span<const DeliveryResult> results) override {
    return inner_.write(batch, duplicate_since, results);
  }
  Result<std::optional<StoredMessage>> get_message(int64_t id) override {
    return inner_.get_message(id);
  }
  Result<std::vector<MessageSummary>> search(const MessageQuery& q) override {
    return inner_.search(q);
  }
  Result<StoreStats> stats() override { return inner_.stats(); }
  Result<std::vector<PendingDelivery>> pending_deliveries(std::string_view destination,
                                                          int64_t after_id, int limit) override {
    return inner_.pending_deliveries(destination, after_id, limit);
  }
  Result<QueueStats> queue_stats(std::string_view destination) override {
    return inner_.queue_stats(destination);
  }
  Result<std::vector<DeadDelivery>> dead_deliveries(std::string_view destination, int limit,
                                                    int64_t before_id) override {
    return inner_.dead_deliveries(destination, limit, before_id);
  }
  Result<std::vector<int64_t>> replay_message(int64_t message_id, std::string_view destination,
                                              const AuditEntry& audit) override {
    return inner_.replay_message(message_id, destination, audit);
  }
  Result<std::vector<int64_t>> replay_dead(std::string_view destination,
                                           const AuditEntry& audit) override {
    return inner_.replay_dead(destination, audit);
  }
  Status<> set_paused(std::string_view destination, bool paused,
                      const AuditEntry& audit) override {
    return inner_.set_paused(destination, paused, audit);
  }
  Result<std::vector<std::string>> paused_destinations() override {
    return inner_.paused_destinations();
  }
  Result<PruneResult> prune(const PruneRequest& r) override { return inner_.prune(r); }
  Result<int64_t> record_audit(const AuditEntry& e) override { return inner_.record_audit(e); }
  Result<std::vector<AuditEntry>> audit_log(const AuditQuery& q) override {
    return inner_.audit_log(q);
  }
  using MessageStore::commit;

 protected:
  MessageStore& inner() { return inner_; }

 private:
  MessageStore& inner_;
};

}  // namespace irwell::store
