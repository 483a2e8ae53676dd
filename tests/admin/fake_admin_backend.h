#pragma once
// FakeAdminBackend: an AdminBackend over in-memory fakes (a MessageStore holding given messages
// and an audit log, a DeliveryControl over a fixed set of destinations), for the admin tests and
// metrics_bench. Test code only; thread-safe by one mutex per fake, as the server calls it from
// its worker thread while the test thread inspects it.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>

#include "engine/admin/admin_backend.h"
#include "engine/store/forwarding_store.h"
#include "engine/store/sqlite_store.h"

namespace irwell::testing {

// A throwaway SQLite store in a fresh temporary directory (removed on destruction): the
// FakeStore forwards to it whatever the admin server does not use, so the fake keeps compiling
// as MessageStore grows.
struct ScratchStore {
  ScratchStore() {
    std::string pattern = (std::filesystem::temp_directory_path() / "irwell-fake-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) invariant_broken("mkdtemp failed");
    dir = pattern;
    store::SqliteOptions options;
    options.path = dir / "scratch.db";
    options.synchronous_full = false;
    auto opened = store::open_sqlite_store(options);
    if (!opened) invariant_broken("cannot open the scratch store");
    inner = std::move(opened.value());
  }
  ~ScratchStore() {
    inner.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  std::unique_ptr<store::MessageStore> inner;
};

// Messages, searches and the audit log in memory; everything else forwarded to a ScratchStore.
class FakeStore final : private ScratchStore, public store::ForwardingStore {
 public:
  FakeStore() : ScratchStore(), ForwardingStore(*ScratchStore::inner) {}

  void add(store::StoredMessage m) {
    std::lock_guard lock(mu_);
    messages_.push_back(std::move(m));
  }
  void fail_audit(bool f) {
    std::lock_guard lock(mu_);
    fail_audit_ = f;
  }
  // Every search fails with this error from now on (empty: searches work again).
  void fail_search(std::string error) {
    std::lock_guard lock(mu_);
    search_error_ = std::move(error);
  }
  std::vector<store::AuditEntry> audits() const {
    std::lock_guard lock(mu_);
    return audit_;
  }
  bool has_message(int64_t id) const {
    std::lock_guard lock(mu_);
    return std::any_of(messages_.begin(), messages_.end(), [&](auto& m) { return m.id == id; });
  }
  store::MessageQuery last_query() const {
    std::lock_guard lock(mu_);
    return last_query_;
  }

  Result<std::optional<store::StoredMessage>> get_message(int64_t id) override {
    std::lock_guard lock(mu_);
    for (const auto& m : messages_) {
      if (m.id == id) return std::optional<store::StoredMessage>(m);
    }
    return std::optional<store::StoredMessage>();
  }
  Result<std::vector<store::MessageSummary>> search(const store::MessageQuery& q) override {
    std::lock_guard lock(mu_);
    last_query_ = q;
    if (!search_error_.empty()) return fail(search_error_);
    std::vector<store::MessageSummary> out;
    std::vector<const store::StoredMessage*> sorted;
    for (const auto& m : messages_) sorted.push_back(&m);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->id > b->id; });
    int limit = std::clamp(q.limit, 1, 1000);
    for (const auto* m : sorted) {
      if (q.before_id && m->id >= q.before_id) continue;
      if (!q.control_id.empty() && m->control_id != q.control_id) continue;
      if (!q.source.empty() && m->source != q.source) continue;
      if (!q.message_type.empty() && m->message_type != q.message_type) continue;
      if (!q.trigger_event.empty() && m->trigger_event != q.trigger_event) continue;
      if (q.status && m->status != *q.status) continue;
      if (q.since && m->received_at < *q.since) continue;
      if (q.until && m->received_at >= *q.until) continue;
      if (!q.patient.empty() && std::none_of(m->patients.begin(), m->patients.end(),
                                             [&](auto& p) { return p.id == q.patient; })) {
        continue;
      }
      if (!q.destination.empty() &&
          std::none_of(m->deliveries.begin(), m->deliveries.end(),
                       [&](auto& d) { return d.destination == q.destination; })) {
        continue;
      }
      out.push_back({m->id, m->received_at, m->source, m->control_id, m->message_type,
                     m->trigger_event, std::string(store::to_string(m->status)), m->ack_code});
      if (static_cast<int>(out.size()) >= limit) break;
    }
    return out;
  }
  Result<store::StoreStats> stats() override {
    std::lock_guard lock(mu_);
    store::StoreStats s;
    s.messages = static_cast<int64_t>(messages_.size());
    return s;
  }
  Result<int64_t> record_audit(const store::AuditEntry& e) override {
    std::lock_guard lock(mu_);
    if (fail_audit_) return fail("disk I/O error");
    audit_.push_back(e);
    audit_.back().id = static_cast<int64_t>(audit_.size());
    return audit_.back().id;
  }
  Result<std::vector<store::AuditEntry>> audit_log(const store::AuditQuery& q) override {
    std::lock_guard lock(mu_);
    std::vector<store::AuditEntry> out;
    int limit = std::clamp(q.limit, 1, 1000);
    for (auto it = audit_.rbegin(); it != audit_.rend(); ++it) {
      if (q.before_id && it->id >= q.before_id) continue;
      if (!q.actor.empty() && it->actor != q.actor) continue;
      if (!q.action.empty() && it->action != q.action) continue;
      if (!q.target.empty() && it->target != q.target) continue;
      out.push_back(*it);
      if (static_cast<int>(out.size()) >= limit) break;
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<store::StoredMessage> messages_;
  std::vector<store::AuditEntry> audit_;
  store::MessageQuery last_query_;
  bool fail_audit_ = false;
  std::string search_error_;
};

class FakeDelivery final : public delivery::DeliveryControl {
 public:
  explicit FakeDelivery(FakeStore& store) : store_(store) {}
  void add(delivery::DestinationStatus d) {
    std::lock_guard lock(mu_);
    dests_.push_back(std::move(d));
  }
  void add_dead(delivery::DeadLetter d) {
    std::lock_guard lock(mu_);
    dead_.push_back(std::move(d));
  }
  void set_sent(std::string_view name, uint64_t sent) {
    std::lock_guard lock(mu_);
    for (auto& d : dests_) {
      if (d.name == name) d.sent = sent;
    }
  }

  std::vector<delivery::DestinationStatus> destinations() const override {
    std::lock_guard lock(mu_);
    return dests_;
  }
  delivery::ControlResult<delivery::DestinationStatus> destination(
      std::string_view name) const override {
    std::lock_guard lock(mu_);
    for (const auto& d : dests_) {
      if (d.name == name) return d;
    }
    return unknown(name);
  }
  delivery::ControlResult<bool> pause(std::string_view name, std::string_view actor) override {
    return set_paused(name, actor, true);
  }
  delivery::ControlResult<bool> resume(std::string_view name, std::string_view actor) override {
    return set_paused(name, actor, false);
  }
  delivery::ControlResult<std::vector<int64_t>> replay_message(int64_t id,
                                                               std::string_view destination,
                                                               std::string_view actor) override {
    if (!store_.has_message(id)) {
      return fail(delivery::ControlFailure{delivery::ControlError::not_found,
                                           "unknown message " + std::to_string(id)});
    }
    if (!destination.empty() && !destination_known(destination)) return unknown(destination);
    audit(actor, "replay", "message:" + std::to_string(id), std::string(destination));
    std::lock_guard lock(mu_);
    return std::vector<int64_t>{next_delivery_++};
  }
  delivery::ControlResult<std::vector<int64_t>> replay_dead(std::string_view destination,
                                                            std::string_view actor) override {
    if (!destination_known(destination)) return unknown(destination);
    audit(actor, "replay_dead", "destination:" + std::string(destination), "");
    std::lock_guard lock(mu_);
    std::vector<int64_t> ids;
    for (const auto& d : dead_) {
      if (d.destination == destination) ids.push_back(next_delivery_++);
    }
    return ids;
  }
  delivery::ControlResult<std::vector<delivery::DeadLetter>> dead_letters(
      std::string_view destination, int limit, int64_t before_id) const override {
    if (!destination.empty() && !destination_known(destination)) return unknown(destination);
    std::lock_guard lock(mu_);
    std::vector<delivery::DeadLetter> out;
    for (const auto& d : dead_) {
      if (!destination.empty() && d.destination != destination) continue;
      if (before_id && d.delivery_id >= before_id) continue;
      out.push_back(d);
      if (static_cast<int>(out.size()) >= limit) break;
    }
    return out;
  }

 private:
  static Unexpected<delivery::ControlFailure> unknown(std::string_view name) {
    return fail(delivery::ControlFailure{delivery::ControlError::not_found,
                                         "unknown destination \"" + std::string(name) + "\""});
  }
  bool destination_known(std::string_view name) const {
    std::lock_guard lock(mu_);
    return std::any_of(dests_.begin(), dests_.end(), [&](auto& d) { return d.name == name; });
  }
  void audit(std::string_view actor, std::string action, std::string target, std::string detail) {
    store::AuditEntry e;
    e.actor = std::string(actor);
    e.action = std::move(action);
    e.target = std::move(target);
    e.detail = std::move(detail);
    (void)store_.record_audit(e);
  }
  delivery::ControlResult<bool> set_paused(std::string_view name, std::string_view actor,
                                           bool paused) {
    {
      std::lock_guard lock(mu_);
      auto it = std::find_if(dests_.begin(), dests_.end(), [&](auto& d) { return d.name == name; });
      if (it == dests_.end()) return unknown(name);
      it->paused = paused;
    }
    audit(actor, paused ? "pause" : "resume", "destination:" + std::string(name), "");
    return true;
  }

  FakeStore& store_;
  mutable std::mutex mu_;
  std::vector<delivery::DestinationStatus> dests_;
  std::vector<delivery::DeadLetter> dead_;
  int64_t next_delivery_ = 1000;
};

class FakeAdminBackend final : public admin::AdminBackend {
 public:
  FakeAdminBackend() : delivery_(store_) {}

  FakeStore& fake_store() { return store_; }
  FakeDelivery& fake_delivery() { return delivery_; }
  void add_source(admin::SourceStatus s) {
    std::lock_guard lock(mu_);
    sources_.push_back(std::move(s));
  }
  void set_received(std::string_view source, uint64_t n) {
    std::lock_guard lock(mu_);
    for (auto& s : sources_) {
      if (s.name == source) s.received = n;
    }
  }
  void add_route(admin::RouteStatus r) {
    std::lock_guard lock(mu_);
    routes_.push_back(std::move(r));
  }
  void add_ack_latency(admin::NamedHistogram h) {
    std::lock_guard lock(mu_);
    ack_.push_back(std::move(h));
  }
  void add_delivery_latency(admin::NamedHistogram h) {
    std::lock_guard lock(mu_);
    delivery_latency_.push_back(std::move(h));
  }
  void set_reload(admin::ReloadOutcome r) {
    std::lock_guard lock(mu_);
    reload_ = std::move(r);
  }
  // Called inside every reload(), outside the fake's lock: a reload the engine takes a while to
  // carry out (it waits for deliveries in flight to finish).
  void set_reload_wait(std::function<void()> wait) {
    std::lock_guard lock(mu_);
    reload_wait_ = std::move(wait);
  }
  void add_patient(std::string nhs, admin::PatientRecord r) {
    std::lock_guard lock(mu_);
    patients_[std::move(nhs)] = std::move(r);
  }
  int reloads() const {
    std::lock_guard lock(mu_);
    return reloads_;
  }
  bool last_include_withheld() const {
    std::lock_guard lock(mu_);
    return last_include_withheld_;
  }

  admin::EngineInfo info() const override {
    admin::EngineInfo i;
    i.version = "0.1.0";
    i.commit = "abc123";
    i.started_at = TimePoint(std::chrono::seconds(1'700'000'000));
    i.store_bytes = 4096;
    return i;
  }
  std::vector<admin::SourceStatus> sources() const override {
    std::lock_guard lock(mu_);
    return sources_;
  }
  std::vector<admin::RouteStatus> routes() const override {
    std::lock_guard lock(mu_);
    return routes_;
  }
  std::vector<admin::NamedHistogram> ack_latency() const override {
    std::lock_guard lock(mu_);
    return ack_;
  }
  std::vector<admin::NamedHistogram> delivery_latency() const override {
    std::lock_guard lock(mu_);
    return delivery_latency_;
  }
  delivery::DeliveryControl& delivery() override { return delivery_; }
  store::MessageStore& store() override { return store_; }
  Result<admin::ReloadOutcome> reload(std::string_view) override {
    std::function<void()> wait;
    {
      std::lock_guard lock(mu_);
      ++reloads_;
      wait = reload_wait_;
    }
    if (wait) wait();
    std::lock_guard lock(mu_);
    return reload_;
  }
  bool may_override(std::string_view role) const override {
    return std::find(override_roles.begin(), override_roles.end(), role) != override_roles.end();
  }
  std::vector<std::string> override_roles;  // the record store's override_roles, as configured

  Result<admin::PatientRecord> patient(std::string_view nhs, bool include_withheld) override {
    std::lock_guard lock(mu_);
    last_include_withheld_ = include_withheld;
    auto it = patients_.find(std::string(nhs));
    if (it == patients_.end()) return admin::PatientRecord{};
    return it->second;
  }

 private:
  FakeStore store_;
  FakeDelivery delivery_;
  mutable std::mutex mu_;
  std::vector<admin::SourceStatus> sources_;
  std::vector<admin::RouteStatus> routes_;
  std::vector<admin::NamedHistogram> ack_, delivery_latency_;
  admin::ReloadOutcome reload_{.ok = true};
  std::function<void()> reload_wait_;
  std::map<std::string, admin::PatientRecord> patients_;
  int reloads_ = 0;
  bool last_include_withheld_ = false;
};

}  // namespace irwell::testing
