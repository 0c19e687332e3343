// Lowering pass 1: a reduction block's init statement becomes a guarded store in its body.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Moves every block's init into its body, as TVM's LowerInitBlock:
///   body  ->  if (r0 == r0.dom.min && r1 == r1.dom.min ...) { init }  body
/// where r0, r1, ... are the block's reduction (CommReduce) iteration variables.
///
/// requires: a function in scheduled-IR form (blocks allowed everywhere).
/// guarantees: no block has an init statement; the program computes what it computed
/// (the interpreter runs init exactly under that condition). Blocks, loops and buffers are
/// otherwise untouched.
ir::PrimFunc lower_init(const ir::PrimFunc& func);

}  // namespace loom::lower
