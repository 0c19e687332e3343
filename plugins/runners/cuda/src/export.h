// `loom export --target cuda` (the loom.cuda runner's export_func): a scheduled function
// GPU-lowered and compiled into NAME.cu (the CUDA C++), NAME.cubin (for cuModuleLoad) and a C
// header NAME.h giving each kernel's symbol, launch dimensions, static shared memory, ptxas
// resources and arguments (in order, with how to pass them), and the global scratch buffers.
#pragma once

#include <string>

#include "loom/cuda/nvrtc.h"
#include "loom/plugin.hpp"

namespace loom::cuda {

/// Writes `directory`/`name`.cu, .cubin and .h for `func`, its kernels named SYMBOL_kernelI
/// (SYMBOL: `symbol`, or `name` when empty) compiled for `arch`; returns the files and one note
/// per kernel with its launch dimensions, registers, shared bytes and spills. Throws
/// plugin::Error (LOOM_ERROR_ARGUMENT) for a symbol that is not a C identifier or a file that
/// cannot be written; the code generator's and NVRTC's errors as they are.
plugin::ExportResult export_cuda(const plugin::ir::Func& func, const std::string& name, const std::string& symbol,
                                 const std::string& directory, const std::string& origin, const std::string& arch,
                                 const CudaCompileOptions& options);

}  // namespace loom::cuda
