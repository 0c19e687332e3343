// loom/cuda/nvrtc.h: CUDA C++ (from loom/cuda/codegen.h) compiled to a CUBIN with NVRTC,
// with ptxas' resource report per kernel.
//
// The options are `--gpu-architecture=ARCH -std=c++17 --ptxas-options=-v
// --include-path=TOOLKIT/include`, never fast math (results keep IEEE division, sqrt and
// denormals); `--fmad=false` when CudaCompileOptions::fmad is off, so that a*b+c rounds
// twice as the interpreter does (on by default, as the CPU generator's fp_contract). The
// toolkit is the one found at configure time, overridden by the environment's CUDA_HOME, then
// CUDA_PATH, when set.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace loom::cuda {

/// A compilation NVRTC refused: the message has NVRTC's log, and for errors in the source,
/// the offending lines of it.
class CudaCompileError : public std::runtime_error {
 public:
  CudaCompileError(const std::string& message, std::string log) : std::runtime_error(message), log_(std::move(log)) {}
  /// NVRTC's program log.
  const std::string& log() const { return log_; }

 private:
  std::string log_;
};

/// What ptxas reports for one kernel (bytes, except registers).
struct CudaResourceUsage {
  std::string kernel;
  int registers = 0;
  int64_t spill_stores_bytes = 0;
  int64_t spill_loads_bytes = 0;
  int64_t shared_bytes = 0;
  /// The stack frame.
  int64_t local_bytes = 0;
  /// Constant bank bytes ("N bytes cmem[B]" summed over the banks); 0 with CUDA 13's
  /// ptxas, which no longer lists them.
  int64_t constant_bytes = 0;
};

/// A compiled translation unit.
struct CudaBinary {
  /// The CUBIN (an ELF image for cuModuleLoadData).
  std::vector<char> cubin;
  /// NVRTC's program log (ptxas' report included).
  std::string log;
  std::string arch;
  /// One per kernel, in the report's order.
  std::vector<CudaResourceUsage> resources;

  /// The usage of `kernel`; throws std::out_of_range naming it when the report lacks it.
  const CudaResourceUsage& resources_of(const std::string& kernel) const;
};

struct CudaCompileOptions {
  /// Whether a float multiply and add may be fused into one FMA (NVRTC's --fmad).
  bool fmad = true;
};

/// Compiles `source` for `arch` ("sm_90", "sm_80", ...; "auto" is the runner's to resolve and
/// is refused here). Throws CudaCompileError for a source NVRTC rejects, std::invalid_argument
/// for a bad arch and std::runtime_error when NVRTC itself fails.
CudaBinary compile_cuda(const std::string& source, const std::string& arch = "sm_90",
                        const CudaCompileOptions& options = {});

/// The per-kernel resource usage in a ptxas -v report (NVRTC's log): each "Compiling entry
/// function 'K'" and the "Used N registers, ..." / "N bytes stack frame, N bytes spill
/// stores, N bytes spill loads" lines that follow it.
std::vector<CudaResourceUsage> parse_ptxas_report(const std::string& log);

/// The toolkit directory NVRTC's include path uses (see above).
std::string cuda_toolkit_dir();

}  // namespace loom::cuda
