// Lowering pass 3: every allocated buffer shrinks to the region its uses really touch.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Places each allocation where it is used and shrinks it to the region accessed there
/// (TVM's PlanAndUpdateBufferAllocationLocation + CompactBufferAllocation):
/// 0) each Allocate moves down to the innermost statement holding every access to its
///    buffer: through loops (of every kind: a buffer under a parallel loop becomes private
///    to an iteration), into the only statement of a sequence or the only branch of an `if`
///    that uses it. As in TVM, this assumes no value flows through the buffer from one
///    iteration of such a loop to the next (the schedule primitives never produce that: a
///    block's buffer is written before it is read within the loop body that holds them).
///    It never moves into a thread-bound loop whose threads share the buffer by its storage
///    scope (ir::thread_tag_relaxed_by_scope): a "shared" buffer stays above threadIdx and
///    vthread loops (one copy per thread block), a "global" one above blockIdx and
///    threadIdx loops (TVM keeps global allocations outside blockIdx loops), "local" may
///    go anywhere;
/// 1) every load and store of the buffer inside the Allocate is collected, with the
///    variables of the loops nested inside the Allocate relaxed over their ranges (interval
///    analysis); loops outside stay symbolic, so a cache buffer under compute_at gets the
///    tile's size, not the whole tensor's. Two exceptions by storage scope: the thread
///    loops ABOVE the Allocate that share the buffer are relaxed too (a shared buffer
///    allocated inside a threadIdx loop covers every thread); and for a non-global buffer
///    kept above such a loop by step 0, the other loops on the way down to where step 0
///    would have put it without the scope rule stay symbolic (TVM's allocation site: the
///    buffer is still private to one iteration of each), so a shared tile under blockIdx
///    read under threadIdx and a serial k loop holds the block's tile of one k iteration;
/// 2) per dimension, the hull of those intervals, intersected with [0, shape), gives
///    [lo, hi]; the new extent is hi - lo + 1 when it is a constant, else its constant upper
///    bound when that is smaller than the dimension, else the dimension is kept whole;
/// 3) the buffer gets the new shape (compact row-major, no strides) and every index is
///    shifted by lo.
/// storage_align's padding ("buffer_dim_align") is not applied: the annotation is gone
/// once blocks are lowered, so compacted buffers are dense (a performance, not a
/// correctness, matter). Buffers with explicit strides or an elem_offset are left as they
/// are, and so is a dimension whose accesses cannot be bounded (an index that depends on
/// loaded data, for instance).
///
/// requires: no blocks (run lower_blocks first); throws InternalError otherwise.
/// guarantees: every Allocate's buffer is no larger in any dimension; the program computes
/// what it computed (accesses that run stay in bounds).
ir::PrimFunc compact_buffers(const ir::PrimFunc& func);

}  // namespace loom::lower
