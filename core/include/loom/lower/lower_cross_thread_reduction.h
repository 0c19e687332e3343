// GPU lowering: reductions over threadIdx-bound loops become warp-shuffle allreduces.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Lowers every cross-thread reduction: a reduction block one of whose reduction iteration
/// variables is bound (through its binding) to a loop L bound to threadIdx.{x,y,z} (TVM's
/// LowerCrossThreadReduction and LowerThreadAllreduce in one pass). L's subtree becomes
///
///   for t in thread_binding(E, thread=L's tag):
///       acc = local (1,)
///       acc[0] = identity                        -- in-thread part: the loops below L
///       for ...: if predicate: acc[0] = acc[0] op value
///       acc[0] = acc[0] op warp_shuffle_down(acc[0], E/2, W) ... op ...(acc[0], 1, W)
///       [E > 32: lane 0 of each warp writes red[g * E/32 + t / 32] (shared), then every
///        thread reads red[g * E/32 + t] (identity past E/32) and the first warp reduces
///        those with width E/32]
///       if t == 0 and spatial predicate: W[i] = init op acc[0]   (W[i] op acc[0] without init)
///
/// where W = min(E, 32) and g the thread's group (its index among the groups of E threads).
/// The barriers the shared buffer needs come from insert_barriers. The combiner is +, *,
/// max or min (ir/reducer.h).
///
/// The reduction must have this shape, as the CUDA schedule rules produce it; otherwise
/// GpuLoweringError (lower.h) names the block and what is missing:
/// - one reduction loop bound to threadIdx, L; no reduction loop above L; the loops below
///   L form a chain down to the block and bind only reduction variables;
/// - E = L's extent is a power of two, at most 1024, equal to its tag's launch extent in
///   the kernel; the lower thread dimensions have launch extent 1 (a group's threads are
///   consecutive lanes);
/// - every other thread tag the kernel uses is bound by a full-extent loop above the block
///   and no `if` above it depends on a thread (all threads of a group reach the shuffles);
/// - the block writes one buffer with one update (and at most one init store to the same
///   element), has no allocations or match_buffers, and its predicate's conjuncts that
///   involve reduction loops constrain only the in-thread part.
///
/// requires: scheduled IR (blocks), before lower_init. guarantees: no cross-thread
/// reduction block is left; the function computes what it computed up to the
/// reassociation of the reduction (floating-point sums may differ in rounding).
ir::PrimFunc lower_cross_thread_reduction(const ir::PrimFunc& func);

}  // namespace loom::lower
