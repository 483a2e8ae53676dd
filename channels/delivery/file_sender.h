#pragma once
// FileSender: the `file` destination. Writes each delivery to its own file in `dir`, whole or
// not at all: the bytes go to a hidden temporary file in the same directory, which is fsynced,
// then renamed to its final name, and the directory is fsynced so the rename survives a crash.
// A reader polling the directory never sees a half-written file. The name comes from the
// `filename` template ({control_id}, {type}, {event}, {id} = the message's store id,
// {delivery} = the delivery id, {period} = the batch period's start, batch mode only);
// characters other than letters, digits, '.', '-', '_' and '^' in a replaced value become '_'
// (a control ID can never climb out of the directory). A file of the same name is replaced (a
// replay rewrites it). Segment endings per `line_ending`.
//
// Batch mode (`batch_period` > 0, see FileBatch): the messages of one period (aligned to the
// Unix epoch, by the injected clock) are appended to one hidden file, fsynced after each append
// (that is when a message counts as delivered); the file is renamed to its final name once the
// period is over.
//
// Failures (directory missing or not writable, disk full) are `failed` (retried): an operator
// can fix them. The work runs on the blocking pool; send() never blocks the executor.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "channels/delivery/blocking_pool.h"
#include "channels/delivery/sender.h"
#include "engine/config/config.h"
#include "engine/core/clock.h"

namespace irwell::delivery {

class FileBatch;

struct FileSenderOptions {
  std::filesystem::path dir;
  std::string filename = "{control_id}.hl7";
  std::string line_ending = "\r";
  // Batch mode when set: shared by every lane's sender of the destination.
  std::shared_ptr<FileBatch> batch;

  // `clock` (batch periods) must outlive the senders.
  static FileSenderOptions from(const config::DestinationConfig& d, const Clock& clock);
};

// The file name for one delivery (pure; exposed for tests). `period` replaces {period}; empty:
// {period} is left as written.
std::string file_name_for(const std::string& pattern, const store::PendingDelivery& d,
                          std::string_view period = {});

// The batch file of one `file` destination in batch mode.
//
// - append(): if the open batch's period is over, it is finished first; then the bytes go to
//   the end of the current period's hidden file `.<destination>.batch.<epoch s>.<final>.tmp`
//   (created and the directory fsynced on the period's first message; <final> is the filename
//   template with {period} = the period's start as UTC YYYYMMDDHHMMSS and the other fields from
//   that first message), then the file is fsynced. Empty on success, else the reason; a failed
//   append is cut off again so a retry does not leave half a message.
// - finish_if_due(): finishes the open batch if its period is over. The delivery service calls
//   it just after each period boundary (and once at start, which also recovers), so a batch
//   appears on time even when the feed has gone quiet; FileSender::close() calls it at stop.
// - next_period_start(t): when the period holding `t` ends (pure).
// - Finishing = close, rename to the final name (replacing a file of that name), fsync the
//   directory.
// - Crash recovery: the first call after a start looks for this destination's hidden batch
//   files: one of the current period is appended to again, older ones are finished. A message
//   appended but not yet recorded as sent at a crash is appended again (at-least-once, as
//   every destination).
//
// Thread-safety: every call takes the batch's mutex (lanes share one batch); calls block on
// disk I/O, so they run on the blocking pool.
class FileBatch {
 public:
  FileBatch(std::filesystem::path dir, std::string destination, std::string filename,
            Duration period, const Clock& clock);
  ~FileBatch();
  FileBatch(const FileBatch&) = delete;
  FileBatch& operator=(const FileBatch&) = delete;

  std::string append(const store::PendingDelivery& d, std::string_view bytes);
  std::string finish_if_due();
  TimePoint next_period_start(TimePoint t) const { return period_start_of(t) + period_; }

 private:
  std::string recover(TimePoint period_start);
  std::string finish();
  std::string open_new(const store::PendingDelivery& d, TimePoint period_start);
  TimePoint period_start_of(TimePoint t) const;

  const std::filesystem::path dir_;
  const std::string prefix_;  // ".<destination>.batch."
  const std::string filename_;
  const Duration period_;
  const Clock& clock_;
  std::mutex mu_;
  bool recovered_ = false;
  int fd_ = -1;  // the open batch file; -1: none
  TimePoint start_;
  std::filesystem::path temp_;
  std::string final_name_;
  off_t size_ = 0;
};

// Writes `bytes` to dir/name atomically (temp, fsync, rename, fsync dir). Empty on success,
// else the reason.
std::string write_file_atomically(const std::filesystem::path& dir, const std::string& name,
                                  std::string_view bytes);

class FileSender final : public Sender {
 public:
  FileSender(BlockingPool& pool, FileSenderOptions options)
      : pool_(pool), options_(std::move(options)) {}
  boost::asio::awaitable<SendOutcome> send(const store::PendingDelivery& d) override;
  // Batch mode: finishes a batch whose period is over (on the caller's thread: only at stop).
  void close() override;

 private:
  BlockingPool& pool_;
  FileSenderOptions options_;
};

}  // namespace irwell::delivery
