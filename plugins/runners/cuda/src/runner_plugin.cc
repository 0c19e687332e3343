// The plugin `loom.cuda`: the CUDA runner component `loom.cuda`. measure():
//   1. builds every candidate in parallel on oneTBB (build.h): GPU-lowered through the host,
//      emitted as CUDA C++ and compiled by NVRTC for the target's arch; a failure is that
//      candidate's result "build failed: <reason>" (NVRTC's log included);
//   2. refuses, before any launch, a candidate whose ptxas report exceeds the device's
//      per-block limits (threads, registers x threads, static shared memory): a "build"
//      failure that says which kernel and which limit;
//   3. without a driver or a device (driver.h), every other candidate is a failed result
//      "no CUDA device: ..." — the plugin itself loads and is created everywhere;
//   4. when correctness is checked, computes each distinct reference's outputs on the seed's
//      inputs once (loom/runner/reference.h): in the interpreter (check = "interpreter") or
//      compiled unscheduled for the CPU and run in loom-cpu-worker ("compiled");
//   5. runs and times the candidates one at a time in loom-cuda-worker (worker_protocol.h), on
//      inputs drawn from the seed, with CUDA events after the warm-up, number / repeat /
//      min_repeat_ms as loom.cpu, an L2 flush before every sample (flush_cache, on by
//      default); a kernel that faults is that candidate's failed result and the worker (and
//      its context) is restarted.
// Config keys: the shared ones (loom/runner/measure_options.h) and fmad (NVRTC's --fmad),
// max_registers_per_block / max_shared_memory_per_block (0: the device's, or without one the
// target's and 65536 registers), worker (loom-cuda-worker), cpu_worker (loom-cpu-worker, for
// check = "compiled").
#include <tbb/parallel_for.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "build.h"
#include "driver.h"
#include "export.h"
#include "fmt/format.h"
#include "loom/cpu/compiled_reference.h"
#include "loom/plugin.hpp"
#include "loom/runner/arguments.h"
#include "loom/runner/measure_options.h"
#include "loom/runner/reference.h"
#include "loom/runner/worker_client.h"
#include "worker_protocol.h"

namespace loom::cuda {
namespace {

namespace lp = loom::plugin;
namespace pir = loom::plugin::ir;
using Clock = std::chrono::steady_clock;

constexpr const char* kName = "loom.cuda";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct RunnerOptions {
  runner::MeasureOptions measure;
  CudaCompileOptions compile;
  /// 0: the device's (or the target's).
  int64_t max_registers_per_block = 0, max_shared_memory_per_block = 0;
  std::string worker, cpu_worker;
};

RunnerOptions read_options(const lp::Config& c) {
  runner::OptionReader reader(c, kName);
  RunnerOptions o;
  runner::MeasureOptions defaults;
  defaults.timing.min_repeat_ms = 100;
  defaults.timing.flush_cache = true;
  o.measure = reader.measure_options(defaults);
  o.compile.fmad = c.get_bool("fmad", true);
  o.max_registers_per_block = reader.int_at_least("max_registers_per_block", 0, 0);
  o.max_shared_memory_per_block = reader.int_at_least("max_shared_memory_per_block", 0, 0);
  const void* anchor = reinterpret_cast<const void*>(&read_options);
  o.worker = reader.worker("worker", "loom-cuda-worker", anchor);
  if (o.measure.check == runner::Check::kCompiled)
    o.cpu_worker = reader.worker("cpu_worker", "loom-cpu-worker", anchor);
  return o;
}

void require_cuda(const std::string& kind, const char* what) {
  if (!kind.empty() && kind != "cuda")
    throw lp::Error(fmt::format("{} {} for CUDA GPUs (kind \"cuda\"), not for \"{}\"", kName, what, kind),
                    LOOM_ERROR_UNSUPPORTED);
}

/// One candidate between the build and the run.
struct Build {
  std::string name;
  std::vector<runner::ArgInfo> args;
  std::optional<CudaBuild> code;
  std::string error;  // why it does not run: "build failed: ..." or a limit it exceeds
  double build_s = 0;
  runner::CheckPlan check;
};

class CudaRunner : public lp::Runner {
 public:
  explicit CudaRunner(const lp::Config& config)
      : options_(read_options(config)), driver_(std::make_shared<Driver>()), client_(options_.worker, {}) {
    if (!options_.cpu_worker.empty())
      cpu_client_ = std::make_unique<runner::WorkerClient>(options_.cpu_worker, std::vector<std::string>{});
  }

  /// Resolves `requested` (kind "cuda"): arch "auto" asks the device, and is refused when
  /// there is none; an explicit arch resolves without a device. The limits are the device's
  /// when one answers, else the requested ones, defaulted as an sm_90 GPU's.
  lp::Target resolve_target(const lp::Target& requested) override {
    require_cuda(requested.kind, "builds");
    lp::Target out = requested;
    out.kind = "cuda";
    if (out.arch.empty()) out.arch = "sm_90";
    std::optional<DeviceInfo> info;
    try {
      info = driver_->device_info(requested.device);
    } catch (const DriverError& e) {
      if (out.arch == "auto")
        throw lp::Error(fmt::format("{}: arch \"auto\" asks the device, but there is none: {}", kName, e.what()),
                        LOOM_ERROR_UNSUPPORTED);
    }
    if (info) {
      if (out.arch == "auto") out.arch = info->arch();
      out.max_threads_per_block = info->max_threads_per_block;
      out.max_shared_memory_per_block = info->max_shared_memory_per_block;
      out.warp_size = info->warp_size;
      out.multiprocessor_count = info->multiprocessor_count;
      out.l2_bytes = info->l2_bytes;
    }
    if (out.max_threads_per_block == 0) out.max_threads_per_block = 1024;
    if (out.max_shared_memory_per_block == 0) out.max_shared_memory_per_block = 48 * 1024;
    if (out.warp_size == 0) out.warp_size = 32;
    if (out.max_registers_per_thread == 0) out.max_registers_per_thread = 255;
    out.description = "cuda -arch=" + out.arch;
    return out;
  }

  void initialize(const lp::TuningContext& context) override {
    std::lock_guard<std::mutex> lock(mutex_);
    require_cuda(context.target.kind, "builds");
    if (context.target.arch == "auto")
      throw lp::Error(fmt::format("{}: the target's arch is \"auto\": resolve the target first", kName),
                      LOOM_ERROR_ARGUMENT);
    if (!context.target.arch.empty()) arch_ = context.target.arch;
    device_ = context.target.device;
    limits_.threads = context.target.max_threads_per_block > 0 ? context.target.max_threads_per_block : 1024;
    limits_.shared_bytes =
        context.target.max_shared_memory_per_block > 0 ? context.target.max_shared_memory_per_block : 48 * 1024;
    limits_.registers = 65536;
    if (driver_->available()) {
      try {
        DeviceInfo info = driver_->device_info(device_);
        limits_.threads = info.max_threads_per_block;
        limits_.registers = info.max_registers_per_block;
        limits_.shared_bytes = info.max_shared_memory_per_block;
      } catch (const DriverError&) {
        // Measuring says why for every candidate.
      }
    }
    if (options_.max_registers_per_block > 0) limits_.registers = options_.max_registers_per_block;
    if (options_.max_shared_memory_per_block > 0) limits_.shared_bytes = options_.max_shared_memory_per_block;
  }

  lp::ExportResult export_func(const lp::ExportRequest& request) override {
    std::string arch = arch_;
    if (request.target) {
      require_cuda(request.target->kind, "exports");
      if (!request.target->arch.empty()) arch = resolve_target(*request.target).arch;
    }
    try {
      return export_cuda(request.func, request.name, request.symbol, request.directory, request.origin, arch,
                         options_.compile);
    } catch (const lp::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw lp::Error(fmt::format("cannot compile {} for {}: {}", request.func.node().name(), arch, e.what()),
                      LOOM_ERROR);
    }
  }

  std::vector<lp::MeasureResult> measure(const std::vector<lp::MeasureInput>& inputs) override {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = inputs.size();
    std::vector<Build> builds(n);
    // 1-2. Build every candidate in parallel and check its resources.
    tbb::parallel_for(size_t{0}, n, [&](size_t k) { build(inputs[k], builds[k]); });
    std::vector<lp::MeasureResult> results;
    results.reserve(n);
    // 3. Without a device, every candidate that built fails here.
    const std::string& no_device = driver_->load();
    if (no_device.empty()) {
      // 4. The outputs of every reference not cached yet.
      std::vector<const runner::CheckPlan*> plans;
      for (const Build& b : builds) plans.push_back(&b.check);
      references_.update(plans, options_.measure, [this](const pir::Func& ref) {
        return cpu::compile_reference(ref, cpu::CodegenOptions{}, *cpu_client_, options_.measure.timeout_s);
      });
    }
    // 5. Run and time one candidate at a time in the worker.
    for (size_t k = 0; k < n; ++k) results.push_back(run(inputs[k], builds[k], no_device));
    return results;
  }

 private:
  void build(const lp::MeasureInput& input, Build& b) const {
    auto start = Clock::now();
    try {
      pir::PrimFunc func = input.func.node();
      b.name = std::string(func.name());
      b.args = runner::arg_layout(func);
      b.code = build_cuda(input.func, b.name, arch_, options_.compile);
    } catch (const std::exception& e) {
      b.error = fmt::format("build failed: {}", e.what());
    }
    b.build_s = seconds_since(start);
    if (!b.code) return;
    if (std::optional<std::string> over = exceeds_limits(*b.code, limits_)) {
      std::string notes;
      for (const std::string& line : resource_notes(*b.code)) notes += "; " + line;
      b.error = fmt::format("refused before launch: {} (ptxas: {})", *over, notes.substr(2));
      b.code.reset();
      return;
    }
    b.check = runner::plan_check(input, b.args, options_.measure.check);
  }

  worker::RunRequest request(const Build& b, std::vector<std::string> args, uint32_t flags) const {
    worker::RunRequest q;
    const CudaBuild& c = *b.code;
    q.cubin.assign(c.binary.cubin.begin(), c.binary.cubin.end());
    q.name = b.name;
    q.device = device_;
    q.flags = flags;
    q.timing = options_.measure.timing;
    q.debug_fault = options_.measure.fault_for(b.name);
    for (const CudaKernelInfo& k : c.source.kernels) {
      worker::KernelLaunch l;
      l.name = k.name;
      for (int d = 0; d < 3; ++d) {
        l.grid[d] = k.grid[d];
        l.block[d] = k.block[d];
      }
      for (const CudaKernelArg& a : k.args)
        l.args.emplace_back(a.kind == CudaKernelArg::Kind::kGlobal ? 1 : 0, static_cast<uint32_t>(a.index));
      q.kernels.push_back(std::move(l));
    }
    for (const CudaGlobalBuffer& g : c.source.globals)
      q.globals.push_back(static_cast<uint64_t>(g.elements) * runner::element_bytes(g.dtype));
    for (size_t i = 0; i < args.size(); ++i) q.params.push_back({b.args[i].is_buffer, std::move(args[i])});
    return q;
  }

  lp::MeasureResult run(const lp::MeasureInput& input, Build& b, const std::string& no_device) {
    auto failed = [&](const char* kind, std::string message) {
      lp::MeasureResult r = lp::MeasureResult::failure(kind, std::move(message));
      r.build_s = b.build_s;
      return r;
    };
    if (!b.code) return failed("build", b.error);
    if (!no_device.empty()) return failed("run", no_device);
    if (!b.check.error.empty()) return failed("check", b.check.error);
    auto start = Clock::now();
    std::shared_ptr<const runner::ReferenceOutputs> expected;
    if (b.check.reference != nullptr) {
      expected = references_.at(b.check, options_.measure.seed);
      if (!expected->error.empty()) return failed("check", "cannot check the result: " + expected->error);
    }
    std::vector<std::string> args;
    try {
      args = runner::make_inputs(input.func, b.args, options_.measure.seed);
    } catch (const std::exception& e) {
      return failed("run", fmt::format("cannot make the inputs: {}", e.what()));
    }
    uint32_t flags = runner::kTime | (expected ? runner::kReturnOutputs : 0u);
    runner::Outcome o = client_.call(request(b, std::move(args), flags).encode(), options_.measure.timeout_s);
    lp::MeasureResult r = runner::outcome_result(std::move(o), b.name, expected.get(), b.args, options_.measure);
    r.build_s = b.build_s;
    r.run_s = seconds_since(start);
    return r;
  }

  RunnerOptions options_;
  std::string arch_ = "sm_90";
  int device_ = 0;
  BlockLimits limits_;
  /// Shared by clones: the driver is opened once per process and never closed.
  std::shared_ptr<Driver> driver_;
  runner::WorkerClient client_;
  std::unique_ptr<runner::WorkerClient> cpu_client_;
  runner::ReferenceCache references_;
  std::mutex mutex_;
};

}  // namespace
}  // namespace loom::cuda

LOOM_DEFINE_PLUGIN("loom.cuda", "1.0") {
  registry.add_runner<loom::cuda::CudaRunner>(
      "loom.cuda", "1.0",
      "Builds candidates with the CUDA code generator and NVRTC and times them with CUDA events in a worker process "
      "(fault-safe), optionally checking their outputs; without a CUDA driver or device every candidate fails saying "
      "so");
}
