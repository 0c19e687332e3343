// GPU lowering: the host/device split into kernels with launch dimensions.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Puts a lowered function (no blocks, flat buffers) into the GPU-lowered form that
/// docs/ARCHITECTURE.md "The GPU-lowered form" defines and the SIMT interpreter and a GPU
/// code generator read:
/// 1. Every "global" Allocate that lies outside all thread-bound loops moves to the top of
///    the function, in program order (the host allocates it and passes it to the kernels).
/// 2. Each top-level statement below them becomes one kernel launch. Its blockIdx loops must
///    enclose it (only lets and Allocates may sit above them); a kernel without blockIdx
///    loops gets a blockIdx.x loop of extent 1, one without threadIdx loops a threadIdx.x
///    loop of extent 1 inside that. Launch extents are the largest extent per tag.
/// 3. In a kernel of several threads, every thread runs what lies outside the threadIdx
///    loops. Such a statement that stores to a shared or global buffer is wrapped in
///    threadIdx loops of extent 1 (one per tag the kernel uses), so that thread 0 alone
///    runs it, as the sequential program does once; one that stores only to local buffers
///    stays as it is (each thread computes its own copy).
///
/// requires: a function after lower_blocks (any later CPU pass allowed), vthread loops
/// lowered (lower_vthreads). throws: GpuLoweringError (lower.h) naming the loop or buffer
/// when the function cannot take that form: a global buffer allocated inside thread loops,
/// a shared buffer allocated inside a threadIdx loop or outside the blockIdx loops of its
/// kernel, a blockIdx loop below another statement, a thread loop with a non-constant
/// extent, a statement outside the threadIdx loops storing to both local and shared/global
/// buffers.
/// guarantees: the GPU-lowered form; run in SIMT mode it computes what the sequential
/// program computes, given that the schedule's thread loops are race free.
ir::PrimFunc split_kernels(const ir::PrimFunc& func);

}  // namespace loom::lower
