// One candidate built for the CUDA runner and its export: lowered through the host with the
// GPU pipeline, emitted as CUDA C++ (loom/cuda/codegen.h) and compiled by NVRTC
// (loom/cuda/nvrtc.h) for an arch; and the check of its ptxas report against a device's
// per-block limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loom/cuda/codegen.h"
#include "loom/cuda/nvrtc.h"
#include "loom/plugin.hpp"

namespace loom::cuda {

struct CudaBuild {
  CudaSource source;
  CudaBinary binary;
};

/// `func` GPU-lowered, emitted with kernels named NAME_kernelI and compiled for `arch`.
/// Throws CudaCodegenError, CudaCompileError, plugin::Error (lowering), std::exception.
CudaBuild build_cuda(const plugin::ir::Func& func, const std::string& name, const std::string& arch,
                     const CudaCompileOptions& options);

/// What a block may use on the device.
struct BlockLimits {
  int64_t threads = 1024;
  int64_t registers = 65536;
  int64_t shared_bytes = 48 * 1024;
};

/// The first kernel of `build` that would not launch within `limits` (registers x threads per
/// block, static shared bytes, threads per block), as "kernel K: ..."; nullopt when all fit.
std::optional<std::string> exceeds_limits(const CudaBuild& build, const BlockLimits& limits);

/// One line per kernel: "K: grid (x, y, z), block (x, y, z), R registers, S bytes shared,
/// L bytes stack, spills X bytes stored / Y bytes loaded".
std::vector<std::string> resource_notes(const CudaBuild& build);

}  // namespace loom::cuda
