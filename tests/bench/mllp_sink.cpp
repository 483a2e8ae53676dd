// mllp_sink: a minimal, fast MLLP receiver for delivery benchmarks. Accepts connections on
// 127.0.0.1:PORT, answers every frame at once with an AA whose MSA-2 is the frame's MSH-10, and
// exits after it has received N frames (or after IDLE seconds without one), printing one JSON
// line: {"received":N,"seconds":S,"msgs_per_s":R,"connections":C,"duplicates":D,
// "out_of_order":K}, where S is the time from the first to the last frame received, duplicates
// counts frames whose control ID had been received before (on any connection), and out_of_order
// counts frames whose control ID's trailing number was smaller than the previous one's on the
// same connection. mllp-bench numbers its messages in the order it sends them across all its
// connections, and several connections' messages commit in an order of their own, so
// out_of_order is 0 only when one sender connection feeds a FIFO destination; the delivery
// crash tests check order against the store instead.
//
// Usage: mllp_sink PORT N [IDLE_SECONDS]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
std::atomic<long> received{0};
std::atomic<long> out_of_order{0};
std::atomic<long> duplicates{0};
std::mutex seen_mutex;
std::unordered_set<std::string> seen_ids;  // guarded by seen_mutex

// The number an id ends with (mllp-bench's ids are a run prefix and a message number).
unsigned long long trailing_number(const std::string& id) {
  size_t i = id.size();
  while (i > 0 && id[i - 1] >= '0' && id[i - 1] <= '9') --i;
  return i == id.size() ? 0 : std::strtoull(id.c_str() + i, nullptr, 10);
}
std::atomic<int> connections{0};
std::atomic<Clock::rep> first_at{0}, last_at{0};

std::string field(const std::string& msg, int n) {  // MSH-n (n >= 3), raw
  size_t pos = 0;
  for (int i = 1; i < n; ++i) {
    pos = msg.find('|', pos);
    if (pos == std::string::npos) return "";
    ++pos;
  }
  size_t end = msg.find_first_of("|\r", pos);
  return msg.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

void serve(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string buf, out;
  unsigned long long previous = 0;
  char chunk[65536];
  for (;;) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    size_t start;
    out.clear();
    while ((start = buf.find('\x0b')) != std::string::npos) {
      size_t end = buf.find('\x1c', start);
      if (end == std::string::npos) break;
      std::string msg = buf.substr(start + 1, end - start - 1);
      buf.erase(0, end + (end + 1 < buf.size() && buf[end + 1] == '\r' ? 2 : 1));
      std::string id = field(msg, 10);
      const unsigned long long number = trailing_number(id);
      if (number < previous) ++out_of_order;
      previous = number;
      {
        std::lock_guard<std::mutex> lock(seen_mutex);
        if (!seen_ids.insert(id).second) ++duplicates;
      }
      out += "\x0bMSH|^~\\&|SINK|SINK|IRWELL|IRWELL|20260101000000||ACK|A" + id +
             "|P|2.5\rMSA|AA|" + id + "\r\x1c\r";
      const auto now = Clock::now().time_since_epoch().count();
      Clock::rep zero = 0;
      first_at.compare_exchange_strong(zero, now);
      last_at = now;
      ++received;
    }
    if (!out.empty() && send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0) break;
  }
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mllp_sink PORT N [IDLE_SECONDS]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const long want = std::atol(argv[2]);
  const int idle = argc > 3 ? std::atoi(argv[3]) : 120;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 64) != 0) {
    std::perror("mllp_sink: listen");
    return 2;
  }
  std::thread([lfd] {
    for (;;) {
      int fd = accept(lfd, nullptr, nullptr);
      if (fd < 0) return;
      ++connections;
      std::thread(serve, fd).detach();
    }
  }).detach();
  long seen = -1;
  auto quiet_since = Clock::now();
  while (received < want) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (received != seen) {
      seen = received;
      quiet_since = Clock::now();
    } else if (Clock::now() - quiet_since > std::chrono::seconds(idle)) {
      break;
    }
  }
  const double seconds =
      std::chrono::duration<double>(Clock::duration(last_at - first_at)).count();
  std::printf(
      "{\"received\":%ld,\"seconds\":%.3f,\"msgs_per_s\":%.0f,\"connections\":%d,"
      "\"duplicates\":%ld,\"out_of_order\":%ld}\n",
      received.load(), seconds, seconds > 0 ? received / seconds : 0.0, connections.load(),
      duplicates.load(), out_of_order.load());
  return received >= want ? 0 : 1;
}
