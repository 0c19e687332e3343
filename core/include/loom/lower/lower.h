// The target-independent lowering pipeline: scheduled TensorIR to a codegen-ready form.
#pragma once

#include <functional>
#include <string>

#include "loom/ir/error.h"
#include "loom/ir/function.h"

namespace loom::lower {

/// A scheduled function the GPU pipeline cannot put into the GPU-lowered form (a
/// schedule a GPU cannot run as written, e.g. a shared buffer allocated inside a threadIdx
/// loop, or a barrier that would have to go inside a thread-dependent branch). The message
/// names the buffer, loop or block and the rule.
class GpuLoweringError : public UserError {
 public:
  explicit GpuLoweringError(const std::string& message) : UserError(message) {}
};

struct LowerOptions {
  /// Called after each pass with the pass's name and its result (an IR dump hook).
  std::function<void(const std::string& pass, const ir::PrimFunc& func)> after_pass;
  /// Runs ir::check_well_formed after each pass (throws UserError naming the problems).
  bool verify = true;
  /// Runs unroll_loops (and the simplify after it). false keeps `unroll` loops as loops, as
  /// feature extraction wants them (one row per store, the unroll visible as a loop kind).
  bool unroll = true;
  /// Turns vectorized loops into vector statements where it can (vectorize_loops). false
  /// makes every vectorized loop a serial loop instead; either way none is left.
  bool vectorize = true;
};

/// Runs the passes in order: lower_init, lower_blocks, compact_buffers, flatten_buffers,
/// simplify, unroll_loops, simplify, vectorize_loops (see their headers).
///
/// The result has no blocks: the body is loops (serial, parallel, and `unroll` loops too
/// large to unroll, left for the code generator), stores, `if`s, lets and Allocate
/// statements over 1-D buffers; vectorized loops have become vector statements over Ramp /
/// Broadcast expressions or serial loops. Parameters are 1-D buffers over the caller's
/// contiguous storage. Storage scopes are kept on the buffers, not acted on. It runs in the
/// reference interpreter and computes what `func` computes.
///
/// Allocations keep the IR's meaning: they start zeroed (stmt.h), so a code generator must
/// zero them. Most lowered functions write an allocation before reading it; some schedules
/// do read zeroes (tests/lower/test_lower.cc counts them with allocations filled with
/// garbage). storage_align is not applied (compact_buffers.h).
ir::PrimFunc lower(const ir::PrimFunc& func, const LowerOptions& options = {});

/// The GPU pipeline: scheduled TensorIR to the GPU-lowered form (docs/ARCHITECTURE.md "The
/// GPU-lowered form"), which the interpreter's SIMT mode (interp/simt.h) and a GPU code
/// generator read. The passes, in order: lower_vthreads, lower_cross_thread_reduction
/// (with the warp-shuffle allreduce), lower_init, lower_blocks, compact_buffers,
/// flatten_buffers, simplify, unroll_loops and simplify (options.unroll), vectorize_loops
/// (options.vectorize; vector statements the code generator emits as vector accesses only
/// where it can prove alignment), split_kernels (global allocations to the top, one kernel
/// per top-level statement, launch extents, work outside the threadIdx loops on one
/// thread), insert_barriers (storage_sync for shared memory). Each pass's header says what
/// it requires and guarantees.
///
/// throws: GpuLoweringError when the schedule cannot run as a GPU kernel as written (the
/// message names the buffer, loop or block); a tuner counts such a candidate as failed.
ir::PrimFunc lower_gpu(const ir::PrimFunc& func, const LowerOptions& options = {});

}  // namespace loom::lower
