#include "channels/client/send_command.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <ostream>

#include "channels/client/ack_verdict.h"
#include "channels/client/client_options.h"
#include "channels/client/endpoint.h"
#include "channels/client/message_file.h"
#include "channels/client/mllp_client.h"
#include "channels/client/report_field.h"

namespace irwell::client {

namespace asio = boost::asio;

namespace {

constexpr const char* kUsage = R"(usage: mllp-send [options] HOST:PORT FILE...

Sends every HL7 v2 message in the files (single messages, multi-message files, FHS/BHS
batches) over MLLP, one at a time, waiting for each ACK. Prints one line per message:
  FILE#N control_id=MSH-10 ack=CODE [error="..."]
Exit status: 0 if every message was accepted (AA or CA for its MSH-10), 1 otherwise,
2 for a usage or TLS setup error.

options:
)";

struct Tally {
  int messages = 0;
  int accepted = 0;
  int failed = 0;
  int not_sent = 0;
  int bad_files = 0;
};

bool has_framing_bytes(std::string_view payload) {
  return payload.find_first_of("\x0b\x1c") != std::string_view::npos;
}

asio::awaitable<void> send_all(const ToolArgs& opts, MllpClient& client, std::ostream& out,
                               Tally& tally) {
  bool stopped = false;
  for (const auto& file : opts.operands) {
    auto messages = load_message_file(file);
    if (!messages) {
      out << file << " " << report_field("error", messages.error().message) << "\n";
      ++tally.bad_files;
      continue;
    }
    for (const auto& m : *messages) {
      ++tally.messages;
      if (stopped) {
        ++tally.not_sent;
        continue;
      }
      out << m.label << " " << report_field("control_id", m.control_id);
      if (has_framing_bytes(m.payload)) {
        // MLLP cannot carry 0x0B/0x1C inside a message (HL7-EDGE-CASES A10).
        out << " ack=none " << report_field("error", "holds MLLP framing bytes; not sent") << "\n";
        ++tally.failed;
        continue;
      }
      if (!client.is_open()) {
        auto connected = co_await client.connect(opts.endpoint);
        if (!connected) {
          out << " ack=none " << report_field("error", connected.error().message) << "\n";
          ++tally.failed;
          stopped = true;
          continue;
        }
      }
      auto reply = co_await client.exchange(m.payload);
      if (!reply) {
        out << " ack=none " << report_field("error", reply.error().message) << "\n";
        ++tally.failed;
        continue;
      }
      AckVerdict v = judge_reply(m.control_id, *reply);
      out << " ack=" << (v.is_ack ? v.code : "none");
      if (v.accepted) {
        ++tally.accepted;
        if (!v.warning.empty()) out << " " << report_field("warning", v.warning);
      } else {
        ++tally.failed;
        out << " " << report_field("error", v.problem);
      }
      out << "\n";
    }
  }
  client.close();
}

}  // namespace

int send_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ToolArgs opts;
  if (int rc = parse_tool_args("mllp-send", kUsage, args, nullptr, 1, opts, out, err); rc != 0) {
    return rc < 0 ? 0 : rc;
  }

  std::unique_ptr<asio::ssl::context> tls;
  if (opts.client.tls.enabled) {
    auto ctx = make_tls_client_context(opts.client.tls);
    if (!ctx) {
      err << "mllp-send: " << ctx.error().message << "\n";
      return 2;
    }
    tls = std::move(*ctx);
  }

  asio::io_context io(1);
  auto timeout = std::chrono::duration_cast<MllpClient::Clock::duration>(
      std::chrono::duration<double>(opts.client.timeout_seconds));
  MllpClient client(io.get_executor(), tls.get(), timeout);
  Tally tally;
  asio::co_spawn(io, send_all(opts, client, out, tally), asio::detached);
  io.run();
  out.flush();

  err << "mllp-send: " << tally.messages << " messages, " << tally.accepted << " accepted, "
      << tally.failed << " failed";
  if (tally.not_sent) err << ", " << tally.not_sent << " not sent (no connection)";
  if (tally.bad_files) err << ", " << tally.bad_files << " unreadable files";
  err << "\n";
  bool all_good = tally.bad_files == 0 && tally.accepted == tally.messages;
  return all_good ? 0 : 1;
}

}  // namespace irwell::client
