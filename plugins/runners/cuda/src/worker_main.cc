// loom-cuda-worker: the CUDA runner's worker process. It owns the device's primary context
// and answers run requests on file descriptor 3 (worker_protocol.h): loads the CUBIN, copies
// the parameters to device allocations (global allocations zeroed), launches the kernels in
// order once, optionally copies every parameter back, times the launch sequence with CUDA
// events (loom/runner/sampling.h; an L2 flush before every sample) and replies. A launch that
// fails poisons the context: the reply is kFatal and the process exits, so the runner starts a
// fresh worker (and context) for the next candidate.
//
// Usage: loom-cuda-worker
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "driver.h"
#include "fmt/format.h"
#include "loom/runner/sampling.h"
#include "loom/runner/worker_server.h"
#include "worker_protocol.h"

namespace loom::cuda::worker {
namespace {

using runner::Reply;

/// The process's driver and context, made on the first request.
struct Device {
  Driver driver;
  int ordinal = -1;
  CUcontext context = nullptr;
  DeviceInfo info;
  CUdeviceptr l2_buffer = 0;

  /// Makes the context of `device` current; throws DriverError.
  void use(int device) {
    if (!driver.available()) throw DriverError(driver.load(), CUDA_ERROR_NO_DEVICE);
    if (context != nullptr && ordinal == device) return;
    if (context != nullptr) throw DriverError("the worker already serves another device", CUDA_ERROR_INVALID_DEVICE);
    info = driver.device_info(device);
    CUdevice dev = 0;
    driver.check(driver.cuDeviceGet(&dev, device), "cuDeviceGet");
    driver.check(driver.cuDevicePrimaryCtxRetain(&context, dev), "cuDevicePrimaryCtxRetain");
    driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    ordinal = device;
    if (info.l2_bytes > 0)
      driver.check(driver.cuMemAlloc(&l2_buffer, static_cast<size_t>(info.l2_bytes)), "cuMemAlloc");
  }
};

Device& device() {
  static Device* d = new Device;  // never destroyed: the context lives as long as the process
  return *d;
}

/// The device memory and module of one request, released on every exit path.
struct Resources {
  Driver& driver;
  CUmodule module = nullptr;
  std::vector<CUdeviceptr> allocations;
  CUevent start = nullptr, stop = nullptr;

  explicit Resources(Driver& d) : driver(d) {}
  ~Resources() {
    for (CUdeviceptr p : allocations) driver.cuMemFree(p);
    if (start != nullptr) driver.cuEventDestroy(start);
    if (stop != nullptr) driver.cuEventDestroy(stop);
    if (module != nullptr) driver.cuModuleUnload(module);
  }
  CUdeviceptr alloc(size_t bytes) {
    CUdeviceptr p = 0;
    driver.check(driver.cuMemAlloc(&p, std::max<size_t>(bytes, 1)), "cuMemAlloc");
    allocations.push_back(p);
    return p;
  }
};

Reply run(const RunRequest& q) {
  auto begin = std::chrono::steady_clock::now();
  Reply reply;
  Device& dev = device();
  Driver& d = dev.driver;
  // Failures before the first launch leave the context usable; after it, they are fatal.
  bool launched = false;
  try {
    dev.use(q.device);
    Resources res(d);
    d.check(d.cuModuleLoadData(&res.module, q.cubin.data()), "cuModuleLoadData");
    std::vector<CUfunction> functions;
    for (const KernelLaunch& k : q.kernels) {
      CUfunction f = nullptr;
      d.check(d.cuModuleGetFunction(&f, res.module, k.name.c_str()), ("cuModuleGetFunction " + k.name).c_str());
      functions.push_back(f);
    }
    std::vector<CUdeviceptr> param_ptrs(q.params.size(), 0), global_ptrs;
    for (size_t i = 0; i < q.params.size(); ++i) {
      if (!q.params[i].is_buffer) continue;
      param_ptrs[i] = res.alloc(q.params[i].data.size());
      d.check(d.cuMemcpyHtoD(param_ptrs[i], q.params[i].data.data(), q.params[i].data.size()), "cuMemcpyHtoD");
    }
    for (uint64_t bytes : q.globals) {
      global_ptrs.push_back(res.alloc(bytes));
      d.check(d.cuMemsetD8(global_ptrs.back(), 0, bytes), "cuMemsetD8");
    }
    // The argument arrays of each launch: pointers to a device pointer or a scalar's bytes.
    std::vector<std::vector<void*>> launch_args;
    for (const KernelLaunch& k : q.kernels) {
      std::vector<void*> args;
      for (const auto& [kind, index] : k.args) {
        if (kind == 1) {
          args.push_back(&global_ptrs[index]);
        } else if (q.params[index].is_buffer) {
          args.push_back(&param_ptrs[index]);
        } else {
          args.push_back(const_cast<char*>(q.params[index].data.data()));
        }
      }
      launch_args.push_back(std::move(args));
    }
    auto launch_all = [&] {
      for (size_t i = 0; i < q.kernels.size(); ++i) {
        const KernelLaunch& k = q.kernels[i];
        d.check(d.cuLaunchKernel(functions[i], static_cast<unsigned>(k.grid[0]), static_cast<unsigned>(k.grid[1]),
                                 static_cast<unsigned>(k.grid[2]), static_cast<unsigned>(k.block[0]),
                                 static_cast<unsigned>(k.block[1]), static_cast<unsigned>(k.block[2]), 0, nullptr,
                                 launch_args[i].data(), nullptr),
                ("cuLaunchKernel " + k.name).c_str());
      }
    };
    runner::raise_fault(q.debug_fault);
    launched = true;
    launch_all();
    d.check(d.cuCtxSynchronize(), "cuCtxSynchronize after the first run");
    if (q.flags & runner::kReturnOutputs) {
      for (size_t i = 0; i < q.params.size(); ++i) {
        std::string out = q.params[i].data;
        if (q.params[i].is_buffer) d.check(d.cuMemcpyDtoH(out.data(), param_ptrs[i], out.size()), "cuMemcpyDtoH");
        reply.outputs.push_back(std::move(out));
      }
    }
    if (q.flags & runner::kTime) {
      d.check(d.cuEventCreate(&res.start, CU_EVENT_DEFAULT), "cuEventCreate");
      d.check(d.cuEventCreate(&res.stop, CU_EVENT_DEFAULT), "cuEventCreate");
      auto sample = [&](int n) {
        d.check(d.cuEventRecord(res.start, nullptr), "cuEventRecord");
        for (int i = 0; i < n; ++i) launch_all();
        d.check(d.cuEventRecord(res.stop, nullptr), "cuEventRecord");
        d.check(d.cuEventSynchronize(res.stop), "cuEventSynchronize");
        float ms = 0;
        d.check(d.cuEventElapsedTime(&ms, res.start, res.stop), "cuEventElapsedTime");
        return static_cast<double>(ms) * 1e-3;
      };
      auto flush = [&] {
        if (q.timing.flush_cache && dev.l2_buffer != 0) {
          d.check(d.cuMemsetD8(dev.l2_buffer, 0, static_cast<size_t>(dev.info.l2_bytes)), "cuMemsetD8 (L2 flush)");
          d.check(d.cuCtxSynchronize(), "cuCtxSynchronize");
        }
        runner::cooldown(q.timing);
      };
      try {
        runner::Samples s = runner::take_samples(q.timing, sample, flush);
        reply.samples_s = std::move(s.samples_s);
        reply.number = s.number;
      } catch (const std::invalid_argument& e) {
        reply.status = runner::kFailed;
        reply.message = e.what();
      }
    }
  } catch (const DriverError& e) {
    reply.status = launched ? runner::kFatal : runner::kFailed;
    reply.message = launched ? fmt::format("{} (the kernel faulted; the worker restarts)", e.what()) : e.what();
    reply.outputs.clear();
  }
  reply.run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  return reply;
}

}  // namespace
}  // namespace loom::cuda::worker

int main(int argc, char** argv) {
  if (argc != 1) {
    std::fprintf(stderr, "loom-cuda-worker: unknown argument '%s' (usage: loom-cuda-worker)\n", argv[1]);
    return 2;
  }
  return loom::runner::worker_main("loom-cuda-worker", [](std::string_view payload) {
    return loom::cuda::worker::run(loom::cuda::worker::RunRequest::decode(payload));
  });
}
