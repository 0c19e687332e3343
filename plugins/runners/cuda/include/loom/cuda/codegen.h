// loom/cuda/codegen.h: the CUDA C++ code generator of the GPU target. It turns a function in
// the GPU-lowered form (docs/ARCHITECTURE.md "The GPU-lowered form": top-level global
// Allocates around a sequence of kernels whose ThreadBinding loops bind blockIdx /
// threadIdx) into CUDA C++ source, one `extern "C" __global__` function per kernel, for
// NVRTC (loom/cuda/nvrtc.h).
//
// It reads the IR only through the plugin views (loom/plugin_ir.hpp), so the host table
// must be set (a plugin has it; a test calls loom::plugin::set_host(loom::host::host_api())).
//
// Kernels. Top-level statement I (below the global Allocates) becomes
//
//     extern "C" __global__ void __launch_bounds__(THREADS) NAME_kernelI(PARAMS)
//
// launched with CudaKernelInfo::grid and ::block: per tag, the largest extent of the
// kernel's ThreadBinding loops with that tag (1 when absent). A ThreadBinding loop of extent
// E becomes `if (threadIdx.x < E) { const int v = threadIdx.x; ... }`, the `if` left out
// when E is the launch extent (blockIdx alike).
//
// Parameters, in this order: the function's parameters the kernel uses, in the function's
// order (a buffer as `T* __restrict__`, `const T* __restrict__` when the kernel only reads
// it; a scalar by value), then the global allocations the kernel uses, outermost first (as
// buffers). CudaKernelInfo::args lists them. Every buffer pointer must be 16-byte aligned
// (cudaMalloc gives 256) and point to element 0 of the buffer's storage (elem_offset is
// added by the kernel); global allocations must be zeroed by the host before the first
// kernel that uses them.
//
// Storage: shared Allocates are `__shared__ __align__(16) T name[n];`, zeroed on entry by
// all threads of the block (each a strided part) followed by `__syncthreads()`, unless the
// first statement that uses the buffer provably only writes it, every element (loops of known
// bounds, indices evaluated for every iteration: a cooperative fetch), so that no zero is
// ever read; inside a loop, a barrier first lets the previous iteration's readers finish, at most 48 KiB per kernel
// (static shared memory); local Allocates are `__align__(16) T name[n] = {};`.
//
// Semantics follow the reference interpreter (loom/interp/interpreter.h) as the CPU code
// generator's do: integer division and modulo by zero give 0 and MIN / -1 wraps, floordiv /
// floormod round toward negative infinity, float -> integer casts truncate and saturate
// (NaN -> 0), float16 / bfloat16 values are held in float and rounded back after every
// operation (loads and stores convert), min / max on floats are `a < b ? a : b`, T.round
// rounds ties to even (rintf), if_then_else is lazy. One difference: CUDA C++ leaves signed
// int32 / int64 overflow of + - * undefined where the IR wraps; lowered indices do not
// overflow, and the generator emits these operators plainly (as TVM's does). Integers
// narrower than 32 bits are computed in unsigned int and wrapped back exactly.
//
// Vectors: Broadcast, Ramp and vector operators are emitted lane by lane. A load or store
// whose index is a stride-1 Ramp of 2 or 4 lanes of a float32 or int32 buffer is one
// float2 / float4 (int2 / int4) access when its alignment is provable: the Ramp's base a
// known multiple of the lanes and the buffer's elem_offset 0; otherwise, and inside an
// if_then_else branch, it is scalarized. A vector store evaluates every lane before it writes
// any.
//
// GPU intrinsics: T.storage_sync() is `__syncthreads()` (refused inside a guarded thread
// loop or a branch that depends on the thread); T.warp_shuffle / T.warp_shuffle_down are
// `__shfl_sync` / `__shfl_down_sync` with the mask of the lanes of the warp that reach the
// call: 0xffffffff when no enclosing thread loop is guarded and the block's thread count is a
// multiple of 32, else computed from the launch extents and the enclosing guards
// (loom_warp_mask). A shuffle under a branch, or in a loop whose bounds, depend on the thread
// or on loaded data is refused (its set of lanes is not known).
//
// Anything the generator does not handle (a block, a parallel or vthread loop, a symbolic
// shape, a multi-dimensional index, ...) is a CudaCodegenError naming the construct.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "loom/plugin_ir.hpp"

namespace loom::cuda {

/// A function the CUDA generator cannot emit; the message names the construct.
class CudaCodegenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One argument of a kernel.
struct CudaKernelArg {
  enum class Kind {
    kParam,   ///< The function's parameter number `index` (a buffer or a scalar).
    kGlobal,  ///< The global allocation number `index` (CudaSource::globals).
  };
  Kind kind = Kind::kParam;
  size_t index = 0;
  /// The parameter's or the buffer's IR name.
  std::string name;
  /// The element dtype of a buffer, the dtype of a scalar.
  plugin::ir::DataType dtype;
  /// Whether the argument is a buffer (a device pointer), else a scalar passed by value.
  bool is_buffer = false;
  /// A buffer's element count (its flattened shape); 1 for a scalar.
  int64_t elements = 1;
  /// Whether the kernel writes the buffer.
  bool written = false;
};

/// One kernel: its symbol, launch dimensions and arguments (in parameter order).
struct CudaKernelInfo {
  std::string name;
  int64_t grid[3] = {1, 1, 1};
  int64_t block[3] = {1, 1, 1};
  std::vector<CudaKernelArg> args;
  /// Bytes of the kernel's __shared__ arrays.
  int64_t shared_bytes = 0;
};

/// A global allocation (a top-level Allocate): the host allocates it zeroed.
struct CudaGlobalBuffer {
  std::string name;
  plugin::ir::DataType dtype;
  int64_t elements = 0;
};

/// The generated translation unit and what launching it needs.
struct CudaSource {
  std::string code;
  /// In launch order.
  std::vector<CudaKernelInfo> kernels;
  /// Outermost first; CudaKernelArg::index of a kGlobal argument indexes this.
  std::vector<CudaGlobalBuffer> globals;
};

/// The CUDA C++ for `lowered` (in the GPU-lowered form), its kernels named NAME_kernel0,
/// NAME_kernel1, ... (`name` made a valid identifier). Throws CudaCodegenError.
CudaSource emit_cuda(const plugin::ir::Func& lowered, std::string name);
/// The same from a view of the function.
CudaSource emit_cuda(const plugin::ir::PrimFunc& lowered, std::string name);

}  // namespace loom::cuda
