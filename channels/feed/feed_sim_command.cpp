#include "channels/feed/feed_sim_command.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include "channels/client/ack_verdict.h"
#include "channels/client/client_options.h"
#include "channels/client/mllp_client.h"
#include "channels/feed/feed_generator.h"
#include "channels/feed/trust_profile.h"

namespace irwell::feed {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr const char* kUsage = R"(usage: feed-sim [options] (--out DIR | --to HOST:PORT)

Generates a realistic synthetic HL7 v2 feed from invented acute trusts: ED attendances,
admissions, transfers and discharges (ADT A04 A01 A02 A03), outpatient appointments booked,
rescheduled, cancelled and missed (SIU S12 S13 S15 S26), pathology results, some corrected
(ORU R01), demographic updates and merges (ADT A08 A31 A28 A40). Every patient is invented,
with an NHS number from the 999 test range. The same --seed gives the same feed, byte for byte.

options:
  --count N          messages to generate (default 100)
  --seed N           the feed's seed (default 1)
  --trusts A,B       only these trusts (default: all; see below)
  --out DIR          write one file per message into DIR (created); "-" writes to stdout
  --to HOST:PORT     send over MLLP, one message at a time, waiting for each ACK
  --rate R           with --to: at most R messages per second (default 0: no limit)
  --acked FILE       with --to: write the MSH-10 of each message answered AA/CA to FILE
  --give-up SECONDS  with --to: stop when the endpoint stays unreachable this long (default 60)
  -h, --help         this help
)";

struct Settings {
  FeedOptions feed;
  uint64_t count = 100;
  std::string out_dir;
  bool to_given = false;
  client::Endpoint to;
  double rate = 0;
  std::string acked_file;
  double give_up_seconds = 60;
  client::ClientOptions client;
};

bool parse_number(const std::string& text, double& v) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  return ec == std::errc() && p == end && v >= 0;
}

bool parse_count(const std::string& text, uint64_t& v) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  return ec == std::errc() && p == end;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// 0: parsed; -1: help printed; 2: usage error (reported).
int parse(const std::vector<std::string>& args, Settings& s, std::ostream& out, std::ostream& err) {
  auto usage_error = [&](const std::string& m) {
    err << "feed-sim: " << m << " (try --help)\n";
    return 2;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") {
      out << kUsage;
      out << "\ntrusts:\n";
      for (const auto& t : builtin_trusts()) out << "  " << t.code << "  " << t.name << "\n";
      out << "\nTLS (with --to):\n" << client::kClientOptionsHelp;
      return -1;
    }
    std::string value, message;
    bool ok = true;
    auto take = [&](const char* name) {
      return client::option_value(args, i, name, value, ok, message);
    };
    if (take("--count")) {
      if (!ok) return usage_error(message);
      if (!parse_count(value, s.count)) return usage_error("--count takes a whole number");
    } else if (take("--seed")) {
      if (!ok) return usage_error(message);
      if (!parse_count(value, s.feed.seed)) return usage_error("--seed takes a whole number");
    } else if (take("--trusts")) {
      if (!ok) return usage_error(message);
      s.feed.trusts = split_commas(value);
    } else if (take("--out")) {
      if (!ok) return usage_error(message);
      s.out_dir = value;
    } else if (take("--to")) {
      if (!ok) return usage_error(message);
      auto e = client::parse_endpoint(value);
      if (!e) return usage_error("--to: " + e.error().message);
      s.to = *e;
      s.to_given = true;
    } else if (take("--rate")) {
      if (!ok) return usage_error(message);
      if (!parse_number(value, s.rate)) return usage_error("--rate takes a number >= 0");
    } else if (take("--acked")) {
      if (!ok) return usage_error(message);
      s.acked_file = value;
    } else if (take("--give-up")) {
      if (!ok) return usage_error(message);
      if (!parse_number(value, s.give_up_seconds)) {
        return usage_error("--give-up takes a number of seconds");
      }
    } else {
      switch (client::take_client_option(args, i, s.client, message)) {
        case client::OptionTaken::taken:
          break;
        case client::OptionTaken::error:
          return usage_error(message);
        case client::OptionTaken::not_mine:
          return usage_error("unknown argument \"" + args[i] + "\"");
      }
    }
  }
  if (s.out_dir.empty() == !s.to_given)
    return usage_error("give one of --out DIR or --to HOST:PORT");
  if (!s.to_given && (s.rate > 0 || !s.acked_file.empty() || s.client.tls.enabled)) {
    return usage_error("--rate, --acked and TLS options go with --to");
  }
  return 0;
}

struct Counts {
  std::map<std::string, uint64_t> by_trust, by_type, by_ack;
  uint64_t messages = 0, accepted = 0, retries = 0, connections = 0;
  bool gave_up = false;
  std::string last_error;
};

void count(Counts& c, const GeneratedMessage& m) {
  ++c.messages;
  ++c.by_trust[m.trust];
  ++c.by_type[m.type];
}

std::string tally(const std::map<std::string, uint64_t>& m) {
  std::string out;
  for (const auto& [k, v] : m) out += fmt::format("{}{}={}", out.empty() ? "" : " ", k, v);
  return out;
}

std::string file_name(uint64_t n, const GeneratedMessage& m) {
  std::string type = m.type;
  for (char& c : type) {
    if (c == '^') c = '_';
  }
  return fmt::format("{:06}-{}-{}.hl7", n, m.control_id, type);
}

int write_files(const Settings& s, FeedGenerator& gen, std::ostream& out, std::ostream& err) {
  Counts c;
  const bool to_stdout = s.out_dir == "-";
  if (!to_stdout) {
    std::error_code ec;
    std::filesystem::create_directories(s.out_dir, ec);
    if (ec) {
      err << "feed-sim: cannot create " << s.out_dir << ": " << ec.message() << "\n";
      return 1;
    }
  }
  for (uint64_t i = 1; i <= s.count; ++i) {
    GeneratedMessage m = gen.next();
    count(c, m);
    if (to_stdout) {
      out << m.bytes;
      continue;
    }
    const auto path = std::filesystem::path(s.out_dir) / file_name(i, m);
    std::ofstream f(path, std::ios::binary);
    f << m.bytes;
    if (!f.flush()) {
      err << "feed-sim: cannot write " << path.string() << "\n";
      return 1;
    }
  }
  (to_stdout ? err : out) << fmt::format("feed-sim: {} messages; trusts: {}; types: {}\n",
                                         c.messages, tally(c.by_trust), tally(c.by_type));
  return 0;
}

asio::awaitable<void> pause(asio::steady_timer& timer, SteadyClock::duration d) {
  timer.expires_after(d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> send_feed(const Settings& s, FeedGenerator& gen, client::MllpClient& client,
                                std::ofstream* acked, Counts& c) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto start = SteadyClock::now();
  const auto give_up = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(s.give_up_seconds));
  for (uint64_t i = 0; i < s.count; ++i) {
    GeneratedMessage m = gen.next();
    count(c, m);
    if (s.rate > 0) {  // the i-th message leaves no earlier than start + i/rate
      const auto due = start + std::chrono::duration_cast<SteadyClock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(i) / s.rate));
      if (due > SteadyClock::now()) co_await pause(timer, due - SteadyClock::now());
    }
    std::optional<SteadyClock::time_point> failing_since;
    for (;;) {
      std::string problem;
      if (!client.is_open()) {
        auto connected = co_await client.connect(s.to);
        if (connected) {
          ++c.connections;
        } else {
          problem = connected.error().message;
        }
      }
      if (problem.empty()) {
        auto reply = co_await client.exchange(m.bytes);
        if (reply) {
          client::AckVerdict v = client::judge_reply(m.control_id, *reply);
          ++c.by_ack[v.code.empty() ? "none" : v.code];
          if (v.accepted) {
            ++c.accepted;
            if (acked) *acked << m.control_id << '\n' << std::flush;
          } else {
            c.last_error = m.control_id + ": " + v.problem;
          }
          break;
        }
        problem = reply.error().message;
      }
      // Not answered: the same message again on a new connection (the receiver answers a
      // repeat it already stored with the stored ACK, I1).
      c.last_error = problem;
      const auto now = SteadyClock::now();
      if (!failing_since) failing_since = now;
      if (now - *failing_since >= give_up) {
        c.gave_up = true;
        co_return;
      }
      ++c.retries;
      client.close();
      co_await pause(timer, std::chrono::milliseconds(200));
    }
  }
}

int send(const Settings& s, FeedGenerator& gen, std::ostream& out, std::ostream& err) {
  std::unique_ptr<asio::ssl::context> tls;
  if (s.client.tls.enabled) {
    auto ctx = client::make_tls_client_context(s.client.tls);
    if (!ctx) {
      err << "feed-sim: " << ctx.error().message << "\n";
      return 2;
    }
    tls = std::move(ctx).value();
  }
  std::ofstream acked;
  if (!s.acked_file.empty()) {
    acked.open(s.acked_file, std::ios::binary | std::ios::trunc);
    if (!acked) {
      err << "feed-sim: cannot write " << s.acked_file << "\n";
      return 2;
    }
  }
  asio::io_context io;
  const auto timeout = std::chrono::duration_cast<client::MllpClient::Clock::duration>(
      std::chrono::duration<double>(s.client.timeout_seconds));
  client::MllpClient client(io.get_executor(), tls.get(), timeout);
  Counts c;
  const auto start = SteadyClock::now();
  bool finished = false;
  asio::co_spawn(io, send_feed(s, gen, client, acked.is_open() ? &acked : nullptr, c),
                 [&](std::exception_ptr e) {
                   finished = !e;
                   client.close();
                 });
  io.run();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  out << fmt::format(
      "feed-sim: sent {} of {} messages to {} in {:.1f} s ({:.1f}/s); accepted {}; acks: {}; "
      "retries {}; connections {}\n",
      c.messages - (c.gave_up ? 1 : 0), s.count, client::to_string(s.to), seconds,
      seconds > 0 ? static_cast<double>(c.accepted) / seconds : 0.0, c.accepted, tally(c.by_ack),
      c.retries, c.connections);
  out << fmt::format("feed-sim: trusts: {}; types: {}\n", tally(c.by_trust), tally(c.by_type));
  if (!finished) {
    err << "feed-sim: stopped by an internal error\n";
    return 1;
  }
  if (c.gave_up) {
    err << "feed-sim: gave up: " << c.last_error << "\n";
    return 1;
  }
  if (c.accepted != s.count) {
    err << "feed-sim: " << s.count - c.accepted
        << " message(s) not accepted; last: " << c.last_error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int feed_sim_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Settings s;
  if (int rc = parse(args, s, out, err)) return rc < 0 ? 0 : rc;
  auto gen = FeedGenerator::create(s.feed);
  if (!gen) {
    err << "feed-sim: " << gen.error().message << "\n";
    return 2;
  }
  if (s.to_given) return send(s, **gen, out, err);
  return write_files(s, **gen, out, err);
}

}  // namespace irwell::feed
