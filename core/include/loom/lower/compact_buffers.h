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
///    block's buffer is written before it is read within the loop body that holds them);
/// 1) every load and store of the buffer inside the Allocate is collected, with the
///    variables of the loops nested inside the Allocate relaxed over their ranges (interval
///    analysis); loops outside stay symbolic, so a cache buffer under compute_at gets the
///    tile's size, not the whole tensor's;
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
