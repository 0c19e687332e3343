// The invariants DebugMode::Verify re-checks after every primitive, beyond the
// IR's well-formedness (ir/verify.h).
#pragma once

#include <string>
#include <vector>

#include "loom/ir/function.h"

namespace loom::sched {

/// The problems found in `after` (the function a primitive produced from `before`), each a
/// sentence naming the block or buffer and the rule:
/// 1) declared regions cover the accesses: every buffer element a (leaf) block's body or init
///    loads or stores lies in the block's declared read or write region of that buffer
///    (reads may also fall in the write region, as in reductions that read their output);
/// 2) affine bindings are kept: a block whose bindings were quasi-affine expressions (+, -,
///    * by constants, floordiv/floormod by positive constants) of the loops and enclosing
///    blocks' iteration variables above it in `before` still has such bindings, and so has
///    every new block when all of `before`'s blocks had them;
/// 3) producers come before consumers: in execution order, the first block touching a
///    buffer allocated in the function writes it (and, when it also reads it, has an init);
/// 4) region cover: over the whole function, the writes of every allocated buffer cover its
///    reads (regions relaxed over all loops and clipped to the buffer's shape).
std::vector<std::string> verify_schedule_invariants(const ir::PrimFunc& before, const ir::PrimFunc& after);

}  // namespace loom::sched
