// The worker's request loop and test faults (loom/runner/worker_server.h).
#include "loom/runner/worker_server.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace loom::runner {
namespace {

/// Reads exactly `size` bytes; false on EOF before the first byte, throws on a short read.
bool read_exact(int fd, char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ProtocolError(std::string("worker: read failed: ") + std::strerror(errno));
    if (n == 0) {
      if (done == 0) return false;
      throw ProtocolError("worker: the runner closed the connection mid-message");
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ProtocolError(std::string("worker: write failed: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

}  // namespace

int serve(int fd, const std::function<Reply(std::string_view payload)>& run) {
  for (;;) {
    char header[kHeaderSize];
    if (!read_exact(fd, header, kHeaderSize)) return 0;  // the runner is done with us
    uint32_t type = 0;
    uint64_t size = 0;
    parse_header(header, &type, &size);
    std::string payload(size, '\0');
    if (size > 0 && !read_exact(fd, payload.data(), size)) throw ProtocolError("worker: EOF in a message");
    if (type != kRun) throw ProtocolError("worker: unexpected message type " + std::to_string(type));
    Reply reply = run(payload);
    write_all(fd, reply.encode());
    if (reply.status == kFatal) return 0;
  }
}

void raise_fault(DebugFault fault) {
  switch (fault) {
    case DebugFault::kNone:
      return;
    case DebugFault::kSegv:
      std::raise(SIGSEGV);
      break;
    case DebugFault::kAbort:
      std::abort();
    case DebugFault::kFpe:
      std::raise(SIGFPE);
      break;
    case DebugFault::kHang:
      for (;;) ::pause();
  }
  std::_Exit(99);  // a handled signal must not let the "kernel" return normally
}

int worker_main(const char* name, const std::function<Reply(std::string_view payload)>& run) {
  try {
    return serve(kWorkerFd, run);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 3;
  }
}

}  // namespace loom::runner
