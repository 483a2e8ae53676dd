#include "channels/delivery/mllp_sender.h"

#include <fmt/format.h>

#include "channels/client/ack_verdict.h"
#include "channels/client/tls_client_context.h"
#include "engine/hl7/salvage.h"

namespace irwell::delivery {

namespace asio = boost::asio;

std::string with_cr_segments(std::string_view payload) {
  std::string out;
  out.reserve(payload.size());
  for (size_t i = 0; i < payload.size(); ++i) {
    const char c = payload[i];
    if (c == '\r' && i + 1 < payload.size() && payload[i + 1] == '\n') {
      out += '\r';
      ++i;
    } else if (c == '\n') {
      out += '\r';
    } else {
      out += c;
    }
  }
  return out;
}

Result<MllpSenderOptions> MllpSenderOptions::from(const config::DestinationConfig& d) {
  MllpSenderOptions o;
  const config::Params& p = d.params;
  o.endpoint.host = p.at("host").text;
  o.endpoint.port = static_cast<uint16_t>(p.at("port").integer);
  o.connect_timeout = p.at("connect_timeout").duration;
  o.ack_timeout = p.at("ack_timeout").duration;
  o.retry_on_ae = p.at("on_ae").text == "retry";
  o.retry_on_ar = p.at("on_ar").text == "retry";
  if (auto it = p.find("tls"); it != p.end() && it->second.given) {
    const auto& m = it->second.map;
    auto get = [&](const char* key) {
      auto f = m.find(key);
      return f == m.end() ? std::string() : f->second;
    };
    client::TlsClientOptions t;
    t.ca = get("ca");
    t.cert = get("cert");
    t.key = get("key");
    auto context = client::make_tls_client_context(t);
    if (!context) {
      return fail(fmt::format("destination \"{}\": {}", d.name, context.error().message));
    }
    o.tls = std::shared_ptr<asio::ssl::context>(std::move(*context));
    // The certificate is checked against server_name (also sent as SNI) instead of host.
    o.endpoint.tls_name = get("server_name");
  }
  return o;
}

MllpSender::MllpSender(asio::any_io_executor executor, MllpSenderOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {
  tls_in_use_ = options_.tls_slot ? options_.tls_slot->get() : options_.tls;
  client_ = std::make_unique<client::MllpClient>(
      executor_, tls_in_use_.get(),
      std::chrono::duration_cast<client::MllpClient::Clock::duration>(options_.ack_timeout),
      std::chrono::duration_cast<client::MllpClient::Clock::duration>(options_.connect_timeout));
}

void MllpSender::close() { client_->close(); }

void MllpSender::renew_client_if_reloaded() {
  if (!options_.tls_slot) return;
  auto current = options_.tls_slot->get();
  if (current == tls_in_use_) return;
  // Certificates were reloaded: the next connection uses them (the old one is closed already).
  tls_in_use_ = std::move(current);
  client_ = std::make_unique<client::MllpClient>(
      executor_, tls_in_use_.get(),
      std::chrono::duration_cast<client::MllpClient::Clock::duration>(options_.ack_timeout),
      std::chrono::duration_cast<client::MllpClient::Clock::duration>(options_.connect_timeout));
}

asio::awaitable<SendOutcome> MllpSender::send(const store::PendingDelivery& d) {
  using Kind = client::ClientError::Kind;
  auto outcome_of = [](Kind k) { return k == Kind::timeout ? "timeout" : "error"; };
  if (!client_->is_open()) {
    renew_client_if_reloaded();
    auto connected = co_await client_->connect(options_.endpoint);
    if (!connected) {
      co_return SendOutcome::failed(outcome_of(connected.error().kind), connected.error().message);
    }
  }
  const std::string frame = with_cr_segments(d.payload);
  const std::string control_id = hl7::salvage_header(frame).control_id;
  auto reply = co_await client_->exchange(frame);
  if (!reply) {
    client_->close();
    co_return SendOutcome::failed(outcome_of(reply.error().kind), reply.error().message);
  }
  const client::AckVerdict verdict = client::judge_reply(control_id, *reply);
  if (verdict.accepted) co_return SendOutcome::delivered(std::move(*reply));
  if (!verdict.is_ack || verdict.control_id != control_id) {
    // Out of step with the receiver: start afresh on a new connection.
    client_->close();
    co_return SendOutcome::failed("error", verdict.problem, std::move(*reply));
  }
  const bool rejected = verdict.code == "AR" || verdict.code == "CR";
  const bool retry = rejected ? options_.retry_on_ar : options_.retry_on_ae;
  // "AE: <the receiver's text>": the admin API hides what follows the code from viewers (it may
  // quote patient data), so keep this shape.
  std::string problem = fmt::format("{}: {}", verdict.code, verdict.problem);
  if (retry) co_return SendOutcome::failed("nak", std::move(problem), std::move(*reply));
  co_return SendOutcome::refused("nak", std::move(problem), std::move(*reply));
}

}  // namespace irwell::delivery
