// loom/runner/worker_client.h: a runner's side of its worker process (worker_protocol.h):
// starts the worker executable lazily, sends it one request at a time, waits for the reply
// with a deadline, and turns a worker that died (a signal, an exit) or ran late (killed) into
// an outcome with a reason; the next request starts a fresh worker. A kFatal reply is
// returned as a reply, and the worker, which exits after sending it, is reaped.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "loom/runner/worker_protocol.h"

namespace loom::runner {

struct Outcome {
  enum Kind { kReplied, kCrashed, kTimedOut };
  Kind kind = kReplied;
  /// kCrashed: "SIGSEGV (segmentation fault)" or "exited with status 3";
  /// kTimedOut: "timed out after 10 s".
  std::string reason;
  /// kReplied: the worker's reply.
  Reply reply;
};

class WorkerClient {
 public:
  /// `executable`: the worker binary, started with the arguments `args`.
  WorkerClient(std::string executable, std::vector<std::string> args);
  ~WorkerClient();
  WorkerClient(const WorkerClient&) = delete;
  WorkerClient& operator=(const WorkerClient&) = delete;

  /// Sends `request` (an encoded frame) and waits up to timeout_s for the reply. Throws
  /// std::runtime_error when the worker cannot be started at all.
  Outcome call(const std::string& request, double timeout_s);

  /// The running worker's process id, or -1.
  pid_t pid() const { return pid_; }
  /// How many workers this client has started.
  int starts() const { return starts_; }

 private:
  void start();
  /// Closes the connection and reaps the worker (killing it if it does not exit soon).
  void stop();
  /// Reaps a worker that died or is being killed; the reason it ended.
  std::string reap(bool kill_first);

  std::string executable_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  int fd_ = -1;
  int starts_ = 0;
};

/// "SIGSEGV (segmentation fault)".
std::string describe_signal(int signal);

}  // namespace loom::runner
