// Rewriting loom IR: a mutator base class with one virtual per node kind. A node whose
// children all come back unchanged is returned as is, so untouched subtrees stay shared.
#pragma once

#include <functional>
#include <optional>
#include <unordered_map>

#include "loom/ir/function.h"

namespace loom::ir {

class IRMutator {
 public:
  virtual ~IRMutator() = default;

  /// Dispatch on the node's kind; null maps to null.
  virtual Expr mutate(const Expr& expr);
  virtual Stmt mutate(const Stmt& stmt);
  /// Mutates the ranges; returns the region unchanged (same buffer) otherwise.
  virtual BufferRegion mutate_region(const BufferRegion& region);

 protected:
#define LOOM_X(T) virtual Expr visit(const T##Node* op);
  LOOM_FOR_EACH_EXPR(LOOM_X)
#undef LOOM_X
#define LOOM_X(T) virtual Stmt visit(const T##Node* op);
  LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X

  /// Mutates each element; sets *changed when any differs.
  std::vector<Expr> mutate_exprs(const std::vector<Expr>& exprs, bool* changed);
  Range mutate_range(const Range& range, bool* changed);
};

/// Rewrites every expression bottom-up with `fn`, which returns a replacement or nullopt to
/// keep the (already child-rewritten) node.
Stmt mutate_exprs_with(const Stmt& stmt, const std::function<std::optional<Expr>(const Expr&)>& fn);
Expr mutate_exprs_with(const Expr& expr, const std::function<std::optional<Expr>(const Expr&)>& fn);

/// Replaces variables by expressions (by identity); everything else is kept shared.
Expr substitute(const Expr& expr, const std::function<std::optional<Expr>(const Var&)>& fn);
Stmt substitute(const Stmt& stmt, const std::function<std::optional<Expr>(const Var&)>& fn);
Expr substitute(const Expr& expr, const std::unordered_map<Var, Expr, RefHash, RefEqual>& map);
Stmt substitute(const Stmt& stmt, const std::unordered_map<Var, Expr, RefHash, RefEqual>& map);

}  // namespace loom::ir
