// A deterministic total order on expressions, used to sort the terms of canonical forms
// and to recognise syntactically equal subexpressions (same variables by identity).
#pragma once

#include "loom/ir/expr.h"

namespace loom::arith::detail {

/// Compares two expressions deeply: by kind, dtype, then fields; variables and buffers by
/// name first (so the order reads naturally: i before j), then by identity. Returns <0, 0
/// or >0; 0 exactly when the trees are identical up to sharing (same Var/Buffer objects).
int compare_expr(const ir::Expr& a, const ir::Expr& b);

inline bool same_expr(const ir::Expr& a, const ir::Expr& b) { return a.same_as(b) || compare_expr(a, b) == 0; }

/// The number of nodes in `e`, capped at `cap` (for limiting work on large inputs).
int expr_size(const ir::Expr& e, int cap);

}  // namespace loom::arith::detail
