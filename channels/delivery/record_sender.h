#pragma once
// The `record_store` destination: applies each delivered message to the shared care record
// (engine/record/record_store.h).
//
// RecordWriter owns the one thread that writes a record store (RecordStore allows one writer):
// what the destination's lanes submit while a batch is being applied forms the next batch, one
// transaction each (group commit, as the message store's CommitQueue does), so four lanes cost
// about one fsync per four messages. RecordSender is one lane's Sender over it.
// Outcomes: applied or ignored (with its reason, e.g. "older than stored data") = delivered;
// failed (a message that can never be applied) = refused, so it is dead-lettered with the
// reason; a batch that could not be committed (disk full) = failed, retried with backoff.
// Thread-safety: RecordWriter::submit from any thread; the completion runs on the writer thread
// and must only post. RecordSender: the dispatcher's executor only.
#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "channels/delivery/sender.h"
#include "engine/config/config.h"
#include "engine/record/record_store.h"

namespace irwell::delivery {

class RecordWriter {
 public:
  using Done = std::function<void(Result<record::ApplyOutcome>)>;
  explicit RecordWriter(std::shared_ptr<record::RecordStore> store);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  void submit(std::string raw, record::Provenance provenance, Done done);

 private:
  struct Job {
    std::string raw;
    record::Provenance provenance;
    Done done;
  };
  void run();

  std::shared_ptr<record::RecordStore> store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> queued_;
  bool stopping_ = false;
  std::thread thread_;
};

class RecordSender final : public Sender {
 public:
  explicit RecordSender(std::shared_ptr<RecordWriter> writer) : writer_(std::move(writer)) {}
  boost::asio::awaitable<SendOutcome> send(const store::PendingDelivery& d) override;
  void close() override {}

 private:
  std::shared_ptr<RecordWriter> writer_;
};

// The record store file of a record_store destination: its `file`, or records.db in data_dir.
std::filesystem::path record_store_path(const config::DestinationConfig& d,
                                        const std::filesystem::path& data_dir);
// The sharing policy written in a record_store destination's fields.
record::SharingPolicy sharing_policy_of(const config::DestinationConfig& d);

}  // namespace irwell::delivery
