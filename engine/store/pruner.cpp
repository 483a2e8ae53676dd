#include "engine/store/pruner.h"

#include <algorithm>

#include "engine/core/log.h"
#include "engine/core/thread_name.h"

namespace irwell::store {

Pruner::Pruner(MessageStore& store, const Clock& clock, PrunerOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

Pruner::~Pruner() { stop(); }

void Pruner::start() {
  bool any = false;
  for (const SourceRetention& s : options_.sources) any = any || s.content || s.metadata;
  if (!any || thread_.joinable()) return;
  thread_ = std::thread([this] {
    name_this_thread("irwell-prune");
    run();
  });
}

void Pruner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Pruner::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto totals = run_once();
    if (!totals) log::error("retention_failed", {{"error", totals.error().message}});
    lock.lock();
    wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

Result<PruneTotals> Pruner::run_once() {
  PruneTotals totals;
  const TimePoint now = clock_.now();
  for (const SourceRetention& s : options_.sources) {
    if (!s.content && !s.metadata) continue;
    PruneTotals source_totals;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return totals;
      }
      PruneRequest r;
      r.source = s.source;
      r.limit = options_.batch;
      if (s.content) {
        r.content_before = now - *s.content;
        r.content_after = content_cursor_[s.source];
      }
      if (s.metadata) {
        r.metadata_before = now - *s.metadata;
        // What is old enough to delete is deleted, not first erased.
        if (s.content) r.content_after = std::max(r.content_after, *r.metadata_before);
      }
      auto step = store_.prune(r);
      if (!step) return fail(step.error());
      if (s.content) content_cursor_[s.source] = step->last_content_at;
      source_totals.content_erased += step->content_erased;
      source_totals.deleted += step->deleted;
      if (step->content_erased < options_.batch && step->deleted < options_.batch) break;
      std::this_thread::sleep_for(options_.pause);  // let the writer's commits through
    }
    if (source_totals.content_erased || source_totals.deleted) {
      log::info("retention_pruned", {{"source", s.source},
                                     {"content_erased", source_totals.content_erased},
                                     {"deleted", source_totals.deleted}});
    }
    totals.content_erased += source_totals.content_erased;
    totals.deleted += source_totals.deleted;
  }
  return totals;
}

}  // namespace irwell::store
