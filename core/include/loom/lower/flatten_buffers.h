// Lowering pass 4: every buffer becomes one-dimensional.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Rewrites every buffer, parameters included, as a 1-D buffer of the same storage (TVM's
/// FlattenBuffer):
/// - an access B[i0, ..., in-1] becomes B'[elem_offset + i0 * s0 + ... + in-1 * sn-1] with
///   the buffer's explicit strides, or its compact row-major strides when it has none; the
///   index is simplified;
/// - a parameter buffer of shape (d0, ..., dn-1) becomes (d0 * ... * dn-1): the caller's
///   contiguous storage, unchanged byte for byte (the interpreter addresses declared
///   strides of a parameter inside that storage, and so does the flat index);
/// - an Allocate's buffer becomes the span its strides and offset address (the product of
///   the shape when it has none); a 0-d buffer becomes shape (1) indexed by 0.
/// The flat buffers keep the names, dtypes and scopes; they have no strides or offset.
///
/// requires: no blocks (run lower_blocks first); throws InternalError otherwise.
/// guarantees: every buffer has exactly one dimension; the function reads and writes the
/// same bytes of its arguments as before.
ir::PrimFunc flatten_buffers(const ir::PrimFunc& func);

}  // namespace loom::lower
