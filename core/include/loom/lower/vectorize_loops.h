// Lowering pass 7: vectorized loops become vector statements over Ramp / Broadcast.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

struct VectorizeOptions {
  /// The most lanes a vector statement may have (the loop's extent).
  int max_lanes = 64;
};

/// Replaces every `vectorized` loop `for i in range(m, m + N)` (N constant,
/// 2 <= N <= options.max_lanes) whose body can be computed lane-wise by one vector statement
/// per statement of the body (TVM's VectorizeLoop):
/// - i becomes Ramp(m, 1, N); expressions that do not use i stay scalar and are broadcast
///   (Broadcast(x, N)) where they meet a vector; integer + - * of a Ramp and a scalar or
///   another Ramp fold into one Ramp, so an index `i * 32 + j` becomes Ramp(j', 32, N);
/// - a load at a vector index becomes a vector load (a gather unless the index is a
///   unit-stride Ramp); a store must be at a unit-stride Ramp index (each lane its own
///   element, in order);
/// - `if`s and lets inside the body are kept when their condition / value does not use i.
/// The body must also be free of cross-lane dependences: every load or store of a buffer
/// that the body stores must use the same index as the stores (provably equal for every i),
/// so that running the statements one after the other over all lanes computes what the
/// loop computes lane after lane.
///
/// Any other vectorized loop (symbolic or too large an extent, a loop or Allocate inside, a
/// store at an index that is not a unit-stride Ramp: a non-unit stride, an invariant
/// location as in a reduction, a loop-carried dependence through a buffer, an `if` or a let
/// that depends on i, an if_then_else that depends on i) becomes a serial loop, its body
/// processed in turn: never a wrong result.
///
/// requires: a function without blocks whose buffers are flat (after flatten_buffers) and
/// whose indices are simplified (after simplify); no vector expressions yet.
/// guarantees: the program computes what it computed; no `vectorized` loop is left.
ir::PrimFunc vectorize_loops(const ir::PrimFunc& func, const VectorizeOptions& options = {});

}  // namespace loom::lower
