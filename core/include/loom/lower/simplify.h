// Lowering pass 5: arithmetic simplification of a lowered function.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Simplifies the function with arith::Analyzer, the enclosing loops' ranges known:
/// 1) every expression is simplified (indices, conditions, loop bounds, stored values);
/// 2) a loop whose extent simplifies to 1 is removed, its variable replaced by its min;
/// 3) an `if` whose condition is provably true becomes its then branch, provably false its
///    else branch (or nothing).
/// Loop kinds are kept: a vectorized, unrolled or parallel loop of extent > 1 stays, for the
/// code generator to handle.
///
/// requires: any well-formed function (blocks allowed: a removed loop's variable is
/// replaced in the block bindings that use it).
/// guarantees: the program computes what it computed.
ir::PrimFunc simplify(const ir::PrimFunc& func);

}  // namespace loom::lower
