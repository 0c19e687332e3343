// GPU lowering: virtual threads become unrolled serial loops.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Turns every loop bound to vthread / vthread.{x,y,z} into an `unroll` loop over the same
/// range (unroll_loops then copies its body when it is small enough). This is exact: the
/// sequential meaning of a vthread loop is a serial loop; what is given up is only the
/// interleaving of the virtual threads' statements that TVM's InjectVirtualThread does.
///
/// requires: any form (blocks allowed). guarantees: no vthread-bound loop is left.
ir::PrimFunc lower_vthreads(const ir::PrimFunc& func);

}  // namespace loom::lower
