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
/// requires: any function (blocks allowed; their bodies are simplified in place, without
/// the removal of extent-1 loops whose variable a block binding uses being a problem).
/// guarantees: the program computes what it computed.
ir::PrimFunc simplify(const ir::PrimFunc& func);

}  // namespace loom::lower
