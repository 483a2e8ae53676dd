#include "channels/delivery/file_sender.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <vector>

#include "engine/core/log.h"

namespace irwell::delivery {

FileSenderOptions FileSenderOptions::from(const config::DestinationConfig& d, const Clock& clock) {
  FileSenderOptions o;
  o.dir = d.params.at("dir").text;
  o.filename = d.params.at("filename").text;
  const std::string& ending = d.params.at("line_ending").text;
  o.line_ending = ending == "lf" ? "\n" : ending == "crlf" ? "\r\n" : "\r";
  if (auto it = d.params.find("batch_period");
      it != d.params.end() && it->second.duration > Duration::zero()) {
    o.batch = std::make_shared<FileBatch>(o.dir, d.name, o.filename, it->second.duration, clock);
  }
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

std::string file_name_for(const std::string& pattern, const store::PendingDelivery& d,
                          std::string_view period) {
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
        } else if (key == "period" && !period.empty()) {
          out += period;
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

namespace {

// fsync of a directory, so entries created or renamed in it survive a crash.
std::string sync_directory(const std::filesystem::path& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno_text("cannot open directory", dir);
  std::string problem;
  if (::fsync(dfd) != 0) problem = errno_text("cannot fsync directory", dir);
  ::close(dfd);
  return problem;
}

// Writes all of `bytes` at the end of fd; empty, or the reason.
std::string write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_text("cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

std::string write_file_atomically(const std::filesystem::path& dir, const std::string& name,
                                  std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path final_path = dir / name;
  const std::filesystem::path temp =
      dir / fmt::format(".{}.{}.{}.tmp", name, ::getpid(), counter.fetch_add(1));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_text("cannot create", temp);
  std::string problem = write_all(fd, bytes, temp);
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
  return sync_directory(dir);
}

FileBatch::FileBatch(std::filesystem::path dir, std::string destination, std::string filename,
                     Duration period, const Clock& clock)
    : dir_(std::move(dir)),
      prefix_("." + safe(destination) + ".batch."),
      filename_(std::move(filename)),
      period_(period),
      clock_(clock) {}

FileBatch::~FileBatch() {
  if (fd_ >= 0) ::close(fd_);
}

TimePoint FileBatch::period_start_of(TimePoint t) const {
  const auto since = t.time_since_epoch();
  return t - (since % period_ + period_) % period_;
}

std::string FileBatch::append(const store::PendingDelivery& d, std::string_view bytes) {
  std::lock_guard lock(mu_);
  const TimePoint start = period_start_of(clock_.now());
  if (!recovered_) {
    if (std::string problem = recover(start); !problem.empty()) return problem;
  }
  if (fd_ >= 0 && start_ != start) {
    if (std::string problem = finish(); !problem.empty()) return problem;
  }
  if (fd_ < 0) {
    if (std::string problem = open_new(d, start); !problem.empty()) return problem;
  }
  std::string problem = write_all(fd_, bytes, temp_);
  if (problem.empty() && ::fsync(fd_) != 0) problem = errno_text("cannot fsync", temp_);
  if (!problem.empty()) {
    // Cut off what was written of this message; it is sent (appended) again on retry.
    if (::ftruncate(fd_, size_) != 0) problem += "; " + errno_text("cannot truncate", temp_);
    return problem;
  }
  size_ += static_cast<off_t>(bytes.size());
  return {};
}

std::string FileBatch::finish_if_due() {
  std::lock_guard lock(mu_);
  const TimePoint start = period_start_of(clock_.now());
  if (!recovered_) {
    if (std::string problem = recover(start); !problem.empty()) return problem;
  }
  if (fd_ >= 0 && start_ != start) return finish();
  return {};
}

std::string FileBatch::open_new(const store::PendingDelivery& d, TimePoint period_start) {
  const long long epoch =
      std::chrono::duration_cast<std::chrono::seconds>(period_start.time_since_epoch()).count();
  const std::time_t t = static_cast<std::time_t>(epoch);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  const std::string period =
      fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                  utc.tm_hour, utc.tm_min, utc.tm_sec);
  final_name_ = file_name_for(filename_, d, period);
  temp_ = dir_ / fmt::format("{}{}.{}.tmp", prefix_, epoch, final_name_);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return errno_text("cannot create", temp_);
  start_ = period_start;
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? st.st_size : 0;
  // The new entry must survive a crash with the messages fsynced into it.
  return sync_directory(dir_);
}

std::string FileBatch::finish() {
  ::close(fd_);
  fd_ = -1;
  const std::filesystem::path final_path = dir_ / final_name_;
  if (::rename(temp_.c_str(), final_path.c_str()) != 0) {
    recovered_ = false;  // the next call looks for the hidden file again and renames it
    return errno_text("cannot rename to", final_path);
  }
  return sync_directory(dir_);
}

std::string FileBatch::recover(TimePoint period_start) {
  std::error_code ec;
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix_) && name.ends_with(".tmp")) found.push_back(entry.path());
  }
  if (ec) return fmt::format("cannot read directory {}: {}", dir_.string(), ec.message());
  std::sort(found.begin(), found.end());
  for (const auto& path : found) {
    // .<destination>.batch.<epoch s>.<final>.tmp
    const std::string name = path.filename().string();
    const std::string rest = name.substr(prefix_.size(), name.size() - prefix_.size() - 4);
    const size_t dot = rest.find('.');
    long long epoch = 0;
    auto [end, perr] = std::from_chars(rest.data(), rest.data() + dot, epoch);
    if (dot == std::string::npos || dot + 1 >= rest.size() || perr != std::errc() ||
        end != rest.data() + dot) {
      continue;  // not one of ours
    }
    const TimePoint start{std::chrono::seconds(epoch)};
    const std::string final_name = rest.substr(dot + 1);
    if (start == period_start && fd_ < 0) {
      fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd_ < 0) return errno_text("cannot reopen", path);
      struct stat st {};
      size_ = ::fstat(fd_, &st) == 0 ? st.st_size : 0;
      start_ = start;
      temp_ = path;
      final_name_ = final_name;
      log::info("file_batch_resumed", {{"file", final_name}});
      continue;
    }
    const std::filesystem::path final_path = dir_ / final_name;
    if (::rename(path.c_str(), final_path.c_str()) != 0) {
      return errno_text("cannot rename to", final_path);
    }
    log::info("file_batch_recovered", {{"file", final_name}});
    if (std::string problem = sync_directory(dir_); !problem.empty()) return problem;
  }
  recovered_ = true;
  return {};
}

boost::asio::awaitable<SendOutcome> FileSender::send(const store::PendingDelivery& d) {
  std::string bytes = with_endings(d.payload, options_.line_ending);
  if (options_.batch) {
    std::string problem = co_await pool_.offload([&] { return options_.batch->append(d, bytes); });
    if (!problem.empty()) co_return SendOutcome::failed("error", std::move(problem));
    co_return SendOutcome::delivered("appended to batch");
  }
  const std::string name = file_name_for(options_.filename, d);
  std::string problem =
      co_await pool_.offload([&] { return write_file_atomically(options_.dir, name, bytes); });
  if (!problem.empty()) co_return SendOutcome::failed("error", std::move(problem));
  co_return SendOutcome::delivered(name);
}

}  // namespace irwell::delivery

namespace irwell::delivery {

void FileSender::close() {
  if (!options_.batch) return;
  if (std::string problem = options_.batch->finish_if_due(); !problem.empty()) {
    log::warn("file_batch_not_finished", {{"dir", options_.dir.string()}, {"error", problem}});
  }
}

}  // namespace irwell::delivery
