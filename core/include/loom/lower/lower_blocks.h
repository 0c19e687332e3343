// Lowering pass 2: blocks disappear, leaving loops, stores, conditions and allocations.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Removes every Block and BlockRealize (TVM's ConvertBlocksToOpaque + LowerOpaqueBlock):
/// 1) a BlockRealize becomes its block's body with each iteration variable replaced by its
///    bound value (iter_values are expressions of the enclosing loop variables);
/// 2) a predicate that is not the constant true wraps the result in `if predicate`;
/// 3) each alloc_buffer becomes an Allocate statement at the block's position (inside the
///    predicate's `if`, first buffer outermost); the root block's allocations therefore
///    surround the function body;
/// 4) match_buffer views are removed by index rewriting: a load or store M[i0, ..., ik-1] of
///    a view of source region S[r0, ..., rn-1] (n >= k, the n-k leading extents being 1)
///    becomes S[r0.min, ..., r(n-k-1).min, r(n-k).min + i0, ..., r(n-1).min + ik-1]; a
///    shape variable of the view is replaced by the region's extent;
/// 5) block annotations (storage_align's "buffer_dim_align" included) and read/write
///    regions are dropped. Loop kinds and loop annotations are kept as they are.
///
/// requires: no block has an init (run lower_init first); throws InternalError otherwise;
/// a match_buffer view may not declare variable strides or elem_offset that its body uses.
/// guarantees: the result contains no Block or BlockRealize node; every buffer that is not a
/// parameter is introduced by an Allocate; the program computes what it computed.
ir::PrimFunc lower_blocks(const ir::PrimFunc& func);

}  // namespace loom::lower
