// loom-cpu-worker: the CPU runner's worker process. It reads run requests on file
// descriptor 3 (worker_protocol.h), loads each kernel's object file into a JIT session
// (loom::cpu::load_object), runs it once on the arguments it was sent, optionally sends the
// arguments back, times it with loom::cpu::time_function and replies with the samples. A
// kernel that crashes kills this process; the runner notices and starts another.
//
// Usage: loom-cpu-worker [--threads N]   (N > 0: the oneTBB arena's size; 0: all cores)
#include <tbb/global_control.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loom/cpu/codegen.h"
#include "loom/cpu/timing.h"
#include "worker_protocol.h"

namespace loom::cpu::worker {
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

/// Storage for one argument, aligned to 64 bytes (the codegen requires element alignment;
/// 64 also satisfies kernels compiled with assume_aligned).
struct Storage {
  std::unique_ptr<char, decltype(&std::free)> data{nullptr, &std::free};
  size_t size = 0;
};

Storage make_storage(std::string_view bytes) {
  Storage s;
  s.size = bytes.size();
  size_t rounded = (std::max<size_t>(bytes.size(), 1) + 63) / 64 * 64;
  s.data.reset(static_cast<char*>(std::aligned_alloc(64, rounded)));
  if (!s.data) throw std::bad_alloc();
  std::memcpy(s.data.get(), bytes.data(), bytes.size());
  return s;
}

/// The test-only faults (runner key debug_fault): each kills the process the way a broken
/// kernel would, or never returns.
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

Reply run(const RunRequest& q) {
  auto start = std::chrono::steady_clock::now();
  Reply reply;
  ObjectCode code;
  code.name = q.name;
  code.packed_name = q.packed_name;
  code.object = q.object;
  std::optional<Kernel> kernel;
  try {
    kernel.emplace(load_object(code));
  } catch (const std::exception& e) {
    reply.status = 1;
    reply.message = std::string("cannot load the kernel: ") + e.what();
    return reply;
  }
  std::vector<Storage> storage;
  std::vector<void*> args;
  storage.reserve(q.args.size());
  for (const std::string& a : q.args) {
    storage.push_back(make_storage(a));
    args.push_back(storage.back().data.get());
  }
  raise_fault(q.debug_fault);
  (*kernel)(args.data());
  if (q.flags & kReturnOutputs) {
    for (const Storage& s : storage) reply.outputs.emplace_back(s.data.get(), s.size);
  }
  if (q.flags & kTime) {
    TimingOptions options;
    options.warmup = q.warmup;
    options.number = q.number;
    options.repeat = q.repeat;
    options.min_repeat_ms = q.min_repeat_ms;
    options.cooldown_ms = q.cooldown_ms;
    options.flush_cache = q.flush_cache;
    try {
      Timing t = time_function([&] { (*kernel)(args.data()); }, options);
      reply.samples_s = std::move(t.samples_s);
      reply.number = t.number;
    } catch (const std::invalid_argument& e) {
      reply.status = 1;
      reply.message = e.what();
    }
  }
  reply.run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return reply;
}

int serve(int fd) {
  for (;;) {
    char header[kHeaderSize];
    if (!read_exact(fd, header, kHeaderSize)) return 0;  // the runner is done with us
    uint32_t type = 0;
    uint64_t size = 0;
    parse_header(header, &type, &size);
    std::string payload(size, '\0');
    if (size > 0 && !read_exact(fd, payload.data(), size)) throw ProtocolError("worker: EOF in a message");
    if (type != kRun) throw ProtocolError("worker: unexpected message type " + std::to_string(type));
    write_all(fd, run(RunRequest::decode(payload)).encode());
  }
}

}  // namespace
}  // namespace loom::cpu::worker

int main(int argc, char** argv) {
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "loom-cpu-worker: unknown argument '%s' (usage: loom-cpu-worker [--threads N])\n",
                   arg.c_str());
      return 2;
    }
  }
  std::optional<tbb::global_control> arena;
  if (threads > 0) arena.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  try {
    return loom::cpu::worker::serve(loom::cpu::worker::kWorkerFd);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loom-cpu-worker: %s\n", e.what());
    return 3;
  }
}
