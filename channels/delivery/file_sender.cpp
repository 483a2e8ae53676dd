#include "channels/delivery/file_sender.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace irwell::delivery {

FileSenderOptions FileSenderOptions::from(const config::DestinationConfig& d) {
  FileSenderOptions o;
  o.dir = d.params.at("dir").text;
  o.filename = d.params.at("filename").text;
  const std::string& ending = d.params.at("line_ending").text;
  o.line_ending = ending == "lf" ? "\n" : ending == "crlf" ? "\r\n" : "\r";
  return o;
}

namespace {

std::string safe(std::string_view value) {
  std::string out;
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == '^';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

std::string with_endings(std::string_view payload, std::string_view ending) {
  std::string out;
  out.reserve(payload.size() + payload.size() / 40);
  for (size_t i = 0; i < payload.size(); ++i) {
    const char c = payload[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < payload.size() && payload[i + 1] == '\n') ++i;
      out += ending;
    } else {
      out += c;
    }
  }
  return out;
}

std::string errno_text(const char* what, const std::filesystem::path& p) {
  return fmt::format("{} {}: {}", what, p.string(), std::strerror(errno));
}

}  // namespace

std::string file_name_for(const std::string& pattern, const store::PendingDelivery& d) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '{') {
      const size_t end = pattern.find('}', i);
      if (end != std::string::npos) {
        const std::string_view key(pattern.data() + i + 1, end - i - 1);
        bool known = true;
        if (key == "control_id") {
          out += safe(d.control_id);
        } else if (key == "type") {
          out += safe(d.message_type);
        } else if (key == "event") {
          out += safe(d.trigger_event);
        } else if (key == "id") {
          out += std::to_string(d.message_id);
        } else if (key == "delivery") {
          out += std::to_string(d.id);
        } else {
          known = false;
        }
        if (known) {
          i = end + 1;
          continue;
        }
      }
    }
    out += pattern[i] == '/' ? '_' : pattern[i];
    ++i;
  }
  return out;
}

std::string write_file_atomically(const std::filesystem::path& dir, const std::string& name,
                                  std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path final_path = dir / name;
  const std::filesystem::path temp =
      dir / fmt::format(".{}.{}.{}.tmp", name, ::getpid(), counter.fetch_add(1));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_text("cannot create", temp);
  std::string problem;
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      problem = errno_text("cannot write", temp);
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (problem.empty() && ::fsync(fd) != 0) problem = errno_text("cannot fsync", temp);
  if (::close(fd) != 0 && problem.empty()) problem = errno_text("cannot close", temp);
  if (problem.empty() && ::rename(temp.c_str(), final_path.c_str()) != 0) {
    problem = errno_text("cannot rename to", final_path);
  }
  if (!problem.empty()) {
    ::unlink(temp.c_str());
    return problem;
  }
  // The rename is durable only once the directory itself is on disk.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno_text("cannot open directory", dir);
  if (::fsync(dfd) != 0) problem = errno_text("cannot fsync directory", dir);
  ::close(dfd);
  return problem;
}

boost::asio::awaitable<SendOutcome> FileSender::send(const store::PendingDelivery& d) {
  const std::string name = file_name_for(options_.filename, d);
  std::string bytes = with_endings(d.payload, options_.line_ending);
  std::string problem = co_await pool_.offload(
      [&] { return write_file_atomically(options_.dir, name, bytes); });
  if (!problem.empty()) co_return SendOutcome::failed("error", std::move(problem));
  co_return SendOutcome::delivered(name);
}

}  // namespace irwell::delivery
