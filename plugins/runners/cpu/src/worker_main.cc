// loom-cpu-worker: the CPU runner's worker process. It reads run requests on file
// descriptor 3 (worker_protocol.h, loom/runner/worker_server.h), loads each kernel's object file into a JIT session
// (loom::cpu::load_object), runs it once on the arguments it was sent, optionally sends the
// arguments back, times it with loom::cpu::time_function and replies with the samples. A
// kernel that crashes kills this process; the runner notices and starts another.
//
// Usage: loom-cpu-worker [--threads N]   (N > 0: the oneTBB arena's size; 0: all cores)
#include <tbb/global_control.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loom/cpu/codegen.h"
#include "loom/cpu/timing.h"
#include "loom/runner/worker_server.h"
#include "worker_protocol.h"

namespace loom::cpu::worker {
namespace {

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
  runner::raise_fault(q.debug_fault);
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
  return loom::runner::worker_main("loom-cpu-worker", [](std::string_view payload) {
    return loom::cpu::worker::run(loom::cpu::worker::RunRequest::decode(payload));
  });
}
