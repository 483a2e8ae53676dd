#include "channels/directory/directory_source.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <vector>

#include "engine/config/wildcard.h"
#include "engine/core/log.h"
#include "engine/hl7/batch.h"

namespace irwell::channels {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// What one file's submitted messages have reported so far. Shared with the commit callbacks;
// only touched on the io thread (the callbacks post there). `work` keeps io_context::run()
// from returning while commits of this file are outstanding.
struct DirectorySource::InFlight {
  size_t outstanding = 0;
  size_t failed = 0;
  std::string first_error;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
};

namespace {

std::optional<std::string> read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(out).str();
}

// Moves `file` into `dir` (created when missing) under its own name, or with ".1", ".2"...
// appended when that name is taken. Falls back to copy + remove across file systems.
Result<fs::path> move_into(const fs::path& file, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  const std::string name = file.filename().string();
  fs::path target = dir / name;
  for (int n = 1; fs::exists(target, ec); ++n) target = dir / (name + "." + std::to_string(n));
  fs::rename(file, target, ec);
  if (!ec) return target;
  std::error_code copy_ec;
  fs::copy_file(file, target, copy_ec);
  if (copy_ec) return fail("cannot move to " + target.string() + ": " + ec.message());
  fs::remove(file, copy_ec);
  if (copy_ec) return fail("copied to " + target.string() + " but cannot remove the original");
  return target;
}

}  // namespace

DirectorySource::DirectorySource(asio::io_context& io, const config::SourceConfig& source,
                                 const Clock& clock, const pipeline::Router& router,
                                 store::CommitQueue& commits)
    : io_(io),
      source_(source),
      ingest_(source.name, config::MllpSourceConfig{}, clock, router),
      commits_(commits),
      timer_(io) {}

DirectorySource::~DirectorySource() = default;

void DirectorySource::start() {
  log::info("directory_source_started",
            {{"source", source_.name}, {"path", source_.directory.path.string()}});
  arm(Duration::zero());
}

void DirectorySource::stop() {
  stopped_ = true;
  timer_.cancel();
}

void DirectorySource::arm(Duration delay) {
  if (stopped_) return;
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    poll();
  });
}

void DirectorySource::poll() {
  const config::DirectorySourceConfig& d = source_.directory;
  std::map<std::string, Seen> now;
  std::error_code ec;
  for (fs::directory_iterator it(d.path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec) || entry_ec) continue;
    const std::string name = it->path().filename().string();
    if (!config::wildcard_match(d.pattern, name)) continue;
    Seen s;
    s.size = it->file_size(entry_ec);
    if (entry_ec) continue;
    s.time = it->last_write_time(entry_ec);
    if (entry_ec) continue;
    now.emplace(name, s);
  }
  if (ec) log::warn("directory_unreadable", {{"source", source_.name}, {"error", ec.message()}});

  // Sorted by name (std::map): take the first file unchanged since the previous poll.
  std::optional<std::pair<std::string, Seen>> ready;
  for (const auto& [name, seen] : now) {
    auto bad = left_bad_.find(name);
    if (bad != left_bad_.end() && bad->second == seen) continue;  // logged once already
    auto before = previous_.find(name);
    if (before != previous_.end() && before->second == seen) {
      ready.emplace(name, seen);
      break;
    }
  }
  std::erase_if(left_bad_, [&](const auto& kv) { return !now.count(kv.first); });
  previous_ = std::move(now);
  if (ready && take(d.path / ready->first, ready->second)) return;  // arms again when finished
  arm(d.poll_interval);
}

bool DirectorySource::take(const fs::path& file, const Seen& seen) {
  std::optional<std::string> bytes = read_whole(file);
  if (!bytes) {
    move_bad(file, "cannot be read", seen);
    return false;
  }
  auto batch = hl7::split_batch(*bytes);
  if (!batch) {
    move_bad(file, "not HL7: " + batch.error().message, seen);
    return false;
  }
  for (const std::string& w : batch->warnings) {
    log::warn("file_batch_warning",
              {{"source", source_.name}, {"file", file.filename().string()}, {"warning", w}});
  }
  auto state = std::make_shared<InFlight>();
  if (batch->messages.empty()) {  // J3: an empty batch is legal, and nothing waits for a commit
    finish(file, *state);
    return false;
  }
  state->outstanding = batch->messages.size();
  state->work.emplace(io_.get_executor());
  in_flight_ = true;
  const std::string peer = "file:" + file.filename().string();
  for (const std::string& message : batch->messages) {
    pipeline::IngestResult r = ingest_.frame(message, peer);
    counters_.messages++;
    // Runs on the writer thread after COMMIT: hand the outcome to the io thread, nothing else.
    commits_.submit(std::move(r.message), [this, state, file](Result<store::CommitOutcome> out) {
      asio::post(io_, [this, state, file, out = std::move(out)] {
        if (!out) {
          counters_.commit_failures++;
          if (state->failed++ == 0) state->first_error = out.error().message;
        }
        if (--state->outstanding == 0) {
          finish(file, *state);
          in_flight_ = false;
          state->work.reset();
          arm(source_.directory.poll_interval);
        }
      });
    });
  }
  return true;
}

void DirectorySource::finish(const fs::path& file, const InFlight& state) {
  const std::string name = file.filename().string();
  if (state.failed > 0) {
    // Not acknowledged: the file stays and is read again (committed messages turn out duplicates).
    counters_.files_retried++;
    log::warn("file_commit_failed", {{"source", source_.name},
                                     {"file", name},
                                     {"failed", state.failed},
                                     {"error", state.first_error}});
    return;
  }
  const fs::path& done = source_.directory.done_dir;
  if (done.empty()) {
    std::error_code ec;
    fs::remove(file, ec);
    if (ec) {
      log::error("file_not_removed",
                 {{"source", source_.name}, {"file", name}, {"error", ec.message()}});
      return;
    }
  } else if (auto moved = move_into(file, done); !moved) {
    log::error("file_not_moved",
               {{"source", source_.name}, {"file", name}, {"error", moved.error().message}});
    return;
  }
  counters_.files_done++;
  log::info("file_done", {{"source", source_.name}, {"file", name}});
}

void DirectorySource::move_bad(const fs::path& file, const std::string& why, const Seen& seen) {
  counters_.files_bad++;
  const std::string name = file.filename().string();
  const fs::path& error_dir = source_.directory.error_dir;
  if (error_dir.empty()) {
    log::error("file_bad", {{"source", source_.name}, {"file", name}, {"error", why}});
    left_bad_[name] = seen;
    return;
  }
  auto moved = move_into(file, error_dir);
  if (!moved) {
    log::error("file_bad", {{"source", source_.name},
                            {"file", name},
                            {"error", why},
                            {"move_error", moved.error().message}});
    left_bad_[name] = seen;
    return;
  }
  log::error("file_bad", {{"source", source_.name},
                          {"file", name},
                          {"error", why},
                          {"moved_to", moved.value().string()}});
}

}  // namespace irwell::channels
