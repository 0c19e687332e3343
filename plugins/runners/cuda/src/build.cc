// Building a candidate for the GPU and checking its resources (build.h).
#include "build.h"

#include "fmt/format.h"

namespace loom::cuda {

namespace lp = loom::plugin;

CudaBuild build_cuda(const lp::ir::Func& func, const std::string& name, const std::string& arch,
                     const CudaCompileOptions& options) {
  lp::LowerOptions lower;
  lower.pipeline = LOOM_LOWER_PIPELINE_GPU;
  lp::ir::Func lowered = lp::lower(func, lower);
  CudaBuild b;
  b.source = emit_cuda(lowered, name);
  b.binary = compile_cuda(b.source.code, arch, options);
  return b;
}

std::optional<std::string> exceeds_limits(const CudaBuild& build, const BlockLimits& limits) {
  for (const CudaKernelInfo& k : build.source.kernels) {
    const CudaResourceUsage& use = build.binary.resources_of(k.name);
    int64_t threads = k.block[0] * k.block[1] * k.block[2];
    if (threads > limits.threads)
      return fmt::format("kernel {}: {} threads per block, more than the device's {}", k.name, threads, limits.threads);
    if (int64_t regs = int64_t{use.registers} * threads; regs > limits.registers)
      return fmt::format("kernel {}: {} registers x {} threads = {} registers per block, more than the device's {}",
                         k.name, use.registers, threads, regs, limits.registers);
    if (use.shared_bytes > limits.shared_bytes)
      return fmt::format("kernel {}: {} bytes of shared memory per block, more than the device's {}", k.name,
                         use.shared_bytes, limits.shared_bytes);
  }
  return std::nullopt;
}

std::vector<std::string> resource_notes(const CudaBuild& build) {
  std::vector<std::string> out;
  for (const CudaKernelInfo& k : build.source.kernels) {
    const CudaResourceUsage& use = build.binary.resources_of(k.name);
    out.push_back(fmt::format(
        "{}: grid ({}, {}, {}), block ({}, {}, {}), {} registers, {} bytes shared, {} bytes stack, spills {} bytes "
        "stored / {} bytes loaded",
        k.name, k.grid[0], k.grid[1], k.grid[2], k.block[0], k.block[1], k.block[2], use.registers, use.shared_bytes,
        use.local_bytes, use.spill_stores_bytes, use.spill_loads_bytes));
  }
  return out;
}

}  // namespace loom::cuda
