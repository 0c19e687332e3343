// Lowering pass 6: unrolled loops replaced by copies of their bodies.
#pragma once

#include <cstdint>

#include "loom/ir/function.h"

namespace loom::lower {

struct UnrollOptions {
  /// The most iterations a loop may have to be unrolled.
  int64_t max_extent = 64;
  /// The most IR nodes (statements and expressions) the copies of one loop may hold together:
  /// extent * the size of the body.
  int64_t max_nodes = 4096;
};

/// Replaces every `unroll` loop of constant extent N <= options.max_extent whose copies fit
/// in options.max_nodes by N copies of its body, iteration c with the loop variable replaced
/// by min + c (simplified), in a SeqStmt. Loops and lets inside a copy get fresh variables, so
/// that each variable is still defined once. Inner loops are unrolled first.
///
/// A loop that does not qualify (a symbolic extent, too many iterations or nodes, an Allocate
/// in its body, which each copy would allocate again) keeps its `unroll` kind, for the code
/// generator (LLVM's loop unroller). A loop of extent 0 becomes a no-op.
///
/// requires: a function without blocks (after lower_blocks).
/// guarantees: the program computes what it computed; the unrolled statements run in the
/// loop's order.
ir::PrimFunc unroll_loops(const ir::PrimFunc& func, const UnrollOptions& options = {});

}  // namespace loom::lower
