#pragma once
// FileSender: the `file` destination. Writes each delivery to its own file in `dir`, whole or
// not at all: the bytes go to a hidden temporary file in the same directory, which is fsynced,
// then renamed to its final name, and the directory is fsynced so the rename survives a crash.
// A reader polling the directory never sees a half-written file. The name comes from the
// `filename` template ({control_id}, {type}, {event}, {id} = the message's store id,
// {delivery} = the delivery id); characters other than letters, digits, '.', '-', '_' and '^'
// in a replaced value become '_' (a control ID can never climb out of the directory). A file of
// the same name is replaced (a replay rewrites it). Segment endings per `line_ending`.
//
// Failures (directory missing or not writable, disk full) are `failed` (retried): an operator
// can fix them. The work runs on the blocking pool; send() never blocks the executor.
#include <filesystem>
#include <string>

#include "channels/delivery/blocking_pool.h"
#include "channels/delivery/sender.h"
#include "engine/config/config.h"

namespace irwell::delivery {

struct FileSenderOptions {
  std::filesystem::path dir;
  std::string filename = "{control_id}.hl7";
  std::string line_ending = "\r";

  static FileSenderOptions from(const config::DestinationConfig& d);
};

// The file name for one delivery (pure; exposed for tests).
std::string file_name_for(const std::string& pattern, const store::PendingDelivery& d);

// Writes `bytes` to dir/name atomically (temp, fsync, rename, fsync dir). Empty on success,
// else the reason.
std::string write_file_atomically(const std::filesystem::path& dir, const std::string& name,
                                  std::string_view bytes);

class FileSender final : public Sender {
 public:
  FileSender(BlockingPool& pool, FileSenderOptions options)
      : pool_(pool), options_(std::move(options)) {}
  boost::asio::awaitable<SendOutcome> send(const store::PendingDelivery& d) override;
  void close() override {}

 private:
  BlockingPool& pool_;
  FileSenderOptions options_;
};

}  // namespace irwell::delivery
