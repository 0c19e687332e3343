// Read-only traversal of loom IR: a visitor base class with one virtual per node kind, and
// a lambda helper for small analyses.
#pragma once

#include <functional>

#include "loom/ir/function.h"

namespace loom::ir {

/// Visits every node of a tree. The default for each node visits its children in field
/// order (for a BlockRealize: iter_values, predicate, then the block; for a Block: iter_var
/// doms, read and write regions, alloc buffer shapes, match buffer sources, init, body).
/// Override the `visit` of the kinds of interest and call the base to keep descending.
class IRVisitor {
 public:
  virtual ~IRVisitor() = default;

  /// Dispatch on the node's kind; a null expression or statement is skipped.
  virtual void visit_expr(const Expr& expr);
  virtual void visit_stmt(const Stmt& stmt);
  /// Visits the ranges of a region.
  virtual void visit_region(const BufferRegion& region);

 protected:
#define LOOM_X(T) virtual void visit(const T##Node* op);
  LOOM_FOR_EACH_EXPR(LOOM_X)
  LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X
};

/// Calls `fn` on every expression and statement node under `node`, children before
/// parents.
void post_order_visit(const Stmt& node, const std::function<void(const Object*)>& fn);
void post_order_visit(const Expr& node, const std::function<void(const Object*)>& fn);

}  // namespace loom::ir
