#pragma once
// DirectorySource: the `type: directory` source. Reads HL7 v2 files (one message, several
// messages one after another, or the batch/file protocol, HL7-EDGE-CASES J1-J5) dropped into a
// directory, stores every message through the same Ingest + CommitQueue as an MLLP source, and
// then moves the file away. Moving (or deleting) the file IS the acknowledgement: it happens
// only after every message of the file is durably committed, so nothing acknowledged is lost.
//
// Polling: a steady_timer on the engine's io_context fires every `poll_interval`. Each tick
// lists the regular files in `path` whose names match `pattern` (`*`/`?`), sorted by name, and
// takes the first one that is stable; one file is in flight at a time and the next tick is armed
// when it is finished. File I/O happens on the io thread (files are expected to be small).
//
// Files still being written: a file is taken only when its size and modification time are the
// same as at the previous poll (so it is seen unchanged for one full poll_interval). Writers
// should still prefer writing elsewhere and renaming into the directory (atomic).
//
// Outcomes per file:
// - read and split: every message goes through Ingest::frame with peer "file:<name>" (so the
//   source's validation is that of a default MllpSourceConfig); messages Ingest rejects are
//   stored as rejected (raw + reason) and do not make the file bad. A file with no messages
//   but valid batch headers (J3, an empty batch) is done. A duplicate (I1) counts as stored.
//   When every commit succeeded the file is moved into `done_dir` (created when missing; a
//   name already there gets a ".1", ".2"... suffix), or deleted when `done_dir` is empty.
// - the file cannot be read or split (no MSH, not HL7): it is bad and is moved into `error_dir`
//   (created when missing); with `error_dir` empty it is left in place, logged once, and not
//   read again until its size or time changes.
// - a commit failed (disk full, I/O error): the file is LEFT IN PLACE and read again at a later
//   poll. Messages of it that did commit are then found as duplicates by the store's duplicate
//   window (storage.duplicate_window; with that window turned off they are stored twice).
// - moving or deleting the file fails: logged; the file is read again later (duplicates again).
//
// Ownership: owns its Ingest and timer; borrows the io_context, Clock, Router and CommitQueue,
// which must outlive it. Thread-safety: construct, start() and stop() on any one thread before
// the io thread runs or on the io thread itself (the engine posts stop()); everything else runs
// on the io thread. While a file's commits are outstanding the source holds work on the
// io_context, so io_context::run() does not return before they complete and the file is moved.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "engine/config/source_config.h"
#include "engine/core/clock.h"
#include "engine/pipeline/ingest.h"
#include "engine/pipeline/routing.h"
#include "engine/store/commit_queue.h"

namespace irwell::channels {

// Counters since construction; read on the io thread (or after it ended).
struct DirectorySourceCounters {
  uint64_t files_done = 0;       // moved to done_dir or deleted after every commit succeeded
  uint64_t files_bad = 0;        // could not be read or split (moved to error_dir or left)
  uint64_t files_retried = 0;    // a commit failed: left for a later poll
  uint64_t messages = 0;         // messages submitted (rejected ones included)
  uint64_t commit_failures = 0;  // messages whose commit failed
};

class DirectorySource {
 public:
  DirectorySource(boost::asio::io_context& io, const config::SourceConfig& source,
                  const Clock& clock, const pipeline::Router& router, store::CommitQueue& commits);
  ~DirectorySource();
  DirectorySource(const DirectorySource&) = delete;
  DirectorySource& operator=(const DirectorySource&) = delete;

  // Arms the first poll (at once).
  void start();
  // No further polls; a file in flight still finishes (its commits complete and it is moved).
  void stop();

  const std::string& source() const { return source_.name; }
  // Routes the next file's messages with `router` (Ingest::set_router); on the io thread.
  void set_router(const pipeline::Router& router) { ingest_.set_router(router); }
  const DirectorySourceCounters& counters() const { return counters_; }

 private:
  struct Seen {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type time;
    bool operator==(const Seen&) const = default;
  };
  struct InFlight;

  void arm(Duration delay);
  void poll();
  // Reads, splits and submits one file; false when nothing was submitted (file finished now).
  bool take(const std::filesystem::path& file, const Seen& seen);
  void finish(const std::filesystem::path& file, const InFlight& state);
  void move_bad(const std::filesystem::path& file, const std::string& why, const Seen& seen);

  boost::asio::io_context& io_;
  config::SourceConfig source_;
  pipeline::Ingest ingest_;
  store::CommitQueue& commits_;
  boost::asio::steady_timer timer_;
  std::map<std::string, Seen> previous_;  // name -> what the previous poll saw
  std::map<std::string, Seen> left_bad_;  // bad files left in place (no error_dir)
  bool in_flight_ = false;
  bool stopped_ = false;
  DirectorySourceCounters counters_;
};

}  // namespace irwell::channels
