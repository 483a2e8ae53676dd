#include "channels/delivery/record_sender.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "engine/core/thread_name.h"

namespace irwell::delivery {

namespace asio = boost::asio;

RecordWriter::RecordWriter(std::shared_ptr<record::RecordStore> store)
    : store_(std::move(store)), thread_([this] {
        name_this_thread("irwell-record");
        run();
      }) {}

RecordWriter::~RecordWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RecordWriter::submit(std::string raw, record::Provenance provenance, Done done) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(Job{std::move(raw), std::move(provenance), std::move(done)});
  }
  wake_.notify_one();
}

void RecordWriter::run() {
  std::vector<Job> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
    if (queued_.empty() && stopping_) return;
    std::swap(batch, queued_);
    lock.unlock();
    std::vector<record::ApplyInput> inputs;
    inputs.reserve(batch.size());
    for (const Job& j : batch) inputs.push_back(record::ApplyInput{nullptr, j.raw, j.provenance});
    auto outcomes = store_->apply_batch(inputs);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (outcomes) {
        batch[i].done((*outcomes)[i]);
      } else {
        batch[i].done(fail(outcomes.error()));
      }
    }
    batch.clear();
    lock.lock();
  }
}

asio::awaitable<SendOutcome> RecordSender::send(const store::PendingDelivery& d) {
  auto home = co_await asio::this_coro::executor;
  std::optional<Result<record::ApplyOutcome>> result;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&](auto handler) {
        record::Provenance p{d.message_id, d.control_id, d.received_at};
        writer_->submit(d.payload, std::move(p),
                        [&result, home, handler = std::make_shared<decltype(handler)>(
                                            std::move(handler))](Result<record::ApplyOutcome> r) {
                          result.emplace(std::move(r));
                          auto ex = asio::get_associated_executor(*handler, home);
                          asio::post(ex, [handler] { std::move (*handler)(); });
                        });
      },
      asio::use_awaitable);
  if (!result->ok()) co_return SendOutcome::failed("error", result->error().message);
  const record::ApplyOutcome& o = result->value();
  const std::string reply = o.reason.empty() ? std::string(record::to_string(o.status))
                                             : std::string(record::to_string(o.status)) + ": " + o.reason;
  if (o.status == record::ApplyStatus::failed) co_return SendOutcome::refused("nak", o.reason, reply);
  co_return SendOutcome::delivered(reply);
}

std::filesystem::path record_store_path(const config::DestinationConfig& d,
                                        const std::filesystem::path& data_dir) {
  auto it = d.params.find("file");
  if (it == d.params.end() || it->second.text.empty()) return data_dir / "records.db";
  return it->second.text;
}

record::SharingPolicy sharing_policy_of(const config::DestinationConfig& d) {
  record::SharingPolicy p;
  auto list = [&](const char* key, std::vector<std::string>& out) {
    if (auto it = d.params.find(key); it != d.params.end()) out = it->second.list;
  };
  list("suppressed_clinics", p.suppressed_clinics);
  list("suppressed_specialties", p.suppressed_specialties);
  list("suppressed_codes", p.suppressed_codes);
  if (auto it = d.params.find("opt_out_field"); it != d.params.end()) p.opt_out_field = it->second.text;
  list("opt_out_values", p.opt_out_values);
  list("override_roles", p.override_roles);
  return p;
}

}  // namespace irwell::delivery
