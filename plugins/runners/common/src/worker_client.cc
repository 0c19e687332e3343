// Starting, talking to and reaping a runner's worker process (loom/runner/worker_client.h).
#include "loom/runner/worker_client.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "fmt/format.h"

extern char** environ;

namespace loom::runner {
namespace {

using Clock = std::chrono::steady_clock;

/// Why a read or write on the worker's socket stopped.
enum class Io { kOk, kClosed, kLate };

Io send_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Io::kClosed;  // EPIPE / ECONNRESET: the worker is gone
    done += static_cast<size_t>(n);
  }
  return Io::kOk;
}

/// Reads exactly size bytes before `deadline`.
Io recv_all(int fd, char* data, size_t size, Clock::time_point deadline) {
  size_t done = 0;
  while (done < size) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Io::kLate;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1 << 30)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Io::kClosed;
    if (r == 0) continue;  // the deadline check above ends the wait
    ssize_t n = ::recv(fd, data + done, size - done, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return Io::kClosed;
    done += static_cast<size_t>(n);
  }
  return Io::kOk;
}

std::string seconds_text(double s) { return fmt::format("{:g} s", s); }

}  // namespace

std::string describe_signal(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  const char* descr = sigdescr_np(signal);
  std::string name = abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
  if (descr == nullptr) return name;
  std::string text = descr;
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name + " (" + text + ")";
}

WorkerClient::WorkerClient(std::string executable, std::vector<std::string> args)
    : executable_(std::move(executable)), args_(std::move(args)) {}

WorkerClient::~WorkerClient() { stop(); }

void WorkerClient::start() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::runtime_error(fmt::format("cannot make a socket pair for the worker: {}", std::strerror(errno)));
  int child = fds[1];
  if (child == kWorkerFd) {
    // dup2 onto itself would keep close-on-exec; move it first.
    child = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
    ::close(fds[1]);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child, kWorkerFd);
  std::vector<char*> argv = {executable_.data()};
  for (std::string& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, executable_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(child);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error(fmt::format("cannot start the worker {}: {}", executable_, std::strerror(rc)));
  }
  pid_ = pid;
  fd_ = fds[0];
  ++starts_;
}

std::string WorkerClient::reap(bool kill_first) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pid_ < 0) return "no worker";
  if (kill_first) ::kill(pid_, SIGKILL);
  int status = 0;
  // A worker that closed its end is exiting; give it a moment, then make sure.
  auto deadline = Clock::now() + std::chrono::seconds(2);
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) {
      status = 0;
      break;
    }
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pid_ = -1;
  if (WIFSIGNALED(status)) return describe_signal(WTERMSIG(status));
  if (WIFEXITED(status)) return fmt::format("the worker exited with status {}", WEXITSTATUS(status));
  return "the worker ended";
}

void WorkerClient::stop() {
  if (pid_ < 0) return;
  reap(false);
}

Outcome WorkerClient::call(const std::string& request, double timeout_s) {
  if (pid_ < 0) start();
  Outcome out;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  auto died = [&] {
    out.kind = Outcome::kCrashed;
    out.reason = reap(false);
    return out;
  };
  if (send_all(fd_, request) != Io::kOk) return died();
  char header[kHeaderSize];
  Io io = recv_all(fd_, header, kHeaderSize, deadline);
  uint32_t type = 0;
  uint64_t size = 0;
  std::string payload;
  // A reply that breaks the protocol means the worker is broken: it is treated as a crash
  // (killed, restarted for the next request), so one bad run cannot end the caller's batch.
  auto malformed = [&](const std::string& what) {
    reap(true);
    out.kind = Outcome::kCrashed;
    out.reason = "the worker sent a malformed reply (" + what + ")";
    return out;
  };
  if (io == Io::kOk) {
    try {
      parse_header(header, &type, &size);
    } catch (const ProtocolError& e) {
      return malformed(e.what());
    }
    payload.resize(size);
    io = recv_all(fd_, payload.data(), size, deadline);
  }
  if (io == Io::kLate) {
    reap(true);
    out.kind = Outcome::kTimedOut;
    out.reason = "timed out after " + seconds_text(timeout_s);
    return out;
  }
  if (io == Io::kClosed) return died();
  if (type != kReply) return malformed("message type " + std::to_string(type));
  try {
    out.reply = Reply::decode(payload);
  } catch (const ProtocolError& e) {
    return malformed(e.what());
  }
  if (out.reply.status == kFatal) reap(false);
  return out;
}

}  // namespace loom::runner
