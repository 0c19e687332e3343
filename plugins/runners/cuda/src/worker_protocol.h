// The run request of the CUDA runner (runner_plugin.cc) to its worker process
// (worker_main.cc, `loom-cuda-worker`), which owns the CUDA context, so that a kernel that
// faults (and poisons the context) takes down only the worker. Transport, framing and the
// reply are every runner's (loom/runner/worker_protocol.h); a faulting launch is a kFatal
// reply, after which the worker exits and the runner starts another.
//
// Run request (parent -> worker, kRun):
//     bytes  cubin           from loom::cuda::compile_cuda
//     string name            the candidate's name (for messages)
//     i32    device          the device ordinal
//     u32    flags           kReturnOutputs: reply with every parameter after the first run;
//                            kTime: time the launch sequence (loom/runner/sampling.h, CUDA
//                            events) after that run
//     timing                 TimingFields; flush_cache: a cuMemsetD8 over a buffer of the
//                            device's L2 size before every sample
//     u32    debug_fault     a DebugFault (test-only): fault instead of launching
//     u32    n_kernels       then per kernel, in launch order:
//       string name; i64 grid[3]; i64 block[3]
//       u32 n_args, then per argument: u8 kind (0: parameter, 1: global), u32 index
//     u32    n_globals       then per global allocation: u64 bytes (zeroed before the first run)
//     u32    n_params        then per function parameter: u8 is_buffer, bytes data (a buffer's
//                            contents, copied to a device allocation; a scalar's value)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loom/runner/worker_protocol.h"

namespace loom::cuda::worker {

struct KernelLaunch {
  std::string name;
  std::array<int64_t, 3> grid{1, 1, 1}, block{1, 1, 1};
  /// (kind, index): kind 0 a function parameter, 1 a global allocation.
  std::vector<std::pair<uint8_t, uint32_t>> args;
};

struct Param {
  bool is_buffer = false;
  std::string data;
};

struct RunRequest {
  std::string cubin, name;
  int32_t device = 0;
  uint32_t flags = 0;
  runner::TimingFields timing;
  runner::DebugFault debug_fault = runner::DebugFault::kNone;
  std::vector<KernelLaunch> kernels;
  std::vector<uint64_t> globals;
  std::vector<Param> params;

  std::string encode() const {
    runner::Writer w;
    w.put_bytes(cubin);
    w.put_bytes(name);
    w.put(device);
    w.put(flags);
    timing.write(w);
    w.put(static_cast<uint32_t>(debug_fault));
    w.put(static_cast<uint32_t>(kernels.size()));
    for (const KernelLaunch& k : kernels) {
      w.put_bytes(k.name);
      for (int64_t v : k.grid) w.put(v);
      for (int64_t v : k.block) w.put(v);
      w.put(static_cast<uint32_t>(k.args.size()));
      for (const auto& [kind, index] : k.args) {
        w.put(kind);
        w.put(index);
      }
    }
    w.put(static_cast<uint32_t>(globals.size()));
    for (uint64_t g : globals) w.put(g);
    w.put(static_cast<uint32_t>(params.size()));
    for (const Param& p : params) {
      w.put<uint8_t>(p.is_buffer ? 1 : 0);
      w.put_bytes(p.data);
    }
    return w.frame(runner::kRun);
  }

  static RunRequest decode(std::string_view payload) {
    runner::Reader r(payload);
    RunRequest q;
    q.cubin = std::string(r.get_bytes());
    q.name = std::string(r.get_bytes());
    q.device = r.get<int32_t>();
    q.flags = r.get<uint32_t>();
    q.timing = runner::TimingFields::read(r);
    q.debug_fault = static_cast<runner::DebugFault>(r.get<uint32_t>());
    uint32_t n = r.get<uint32_t>();
    for (uint32_t i = 0; i < n; ++i) {
      KernelLaunch k;
      k.name = std::string(r.get_bytes());
      for (int64_t& v : k.grid) v = r.get<int64_t>();
      for (int64_t& v : k.block) v = r.get<int64_t>();
      uint32_t n_args = r.get<uint32_t>();
      for (uint32_t a = 0; a < n_args; ++a) {
        auto kind = r.get<uint8_t>();
        k.args.emplace_back(kind, r.get<uint32_t>());
      }
      q.kernels.push_back(std::move(k));
    }
    n = r.get<uint32_t>();
    for (uint32_t i = 0; i < n; ++i) q.globals.push_back(r.get<uint64_t>());
    n = r.get<uint32_t>();
    for (uint32_t i = 0; i < n; ++i) {
      Param p;
      p.is_buffer = r.get<uint8_t>() != 0;
      p.data = std::string(r.get_bytes());
      q.params.push_back(std::move(p));
    }
    if (!r.done()) throw runner::ProtocolError("worker protocol: trailing bytes in a CUDA run request");
    for (const KernelLaunch& k : q.kernels) {
      for (const auto& [kind, index] : k.args) {
        if (kind > 1 || index >= (kind == 0 ? q.params.size() : q.globals.size()))
          throw runner::ProtocolError("worker protocol: kernel " + k.name + " has an argument out of range");
      }
    }
    return q;
  }
};

}  // namespace loom::cuda::worker
