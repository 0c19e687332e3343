// The affine normal form of integer expressions: a sum of coefficient * term plus a
// constant, terms kept sorted by detail::compare_expr. Shared by the simplifier and the
// iteration-map detector.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "loom/ir/expr.h"

namespace loom::arith::detail {

/// sum(coef_i * term_i) + constant over a signed integer dtype. Coefficients are never zero
/// and arithmetic on them wraps at the dtype's width, so the form is exact for +, - and *.
struct LinearForm {
  ir::DataType dtype = ir::DataType::Int(32);
  std::vector<std::pair<ir::Expr, int64_t>> terms;
  int64_t constant = 0;

  /// Adds coef * term, merging with an equal term.
  void add_term(const ir::Expr& term, int64_t coef);
  void add(const LinearForm& other, int64_t scale = 1);
  void scale(int64_t factor);
  bool is_const() const { return terms.empty(); }
};

/// Splits `e` (of a signed integer dtype) into its affine form; non-affine parts
/// (products of non-constants, divisions, loads, ...) become terms.
LinearForm to_linear(const ir::Expr& e);
/// Builds the canonical expression: positive terms first in term order, then the negative
/// ones subtracted, then the constant; `t * c` for a coefficient c != 1.
ir::Expr from_linear(const LinearForm& form);

}  // namespace loom::arith::detail
