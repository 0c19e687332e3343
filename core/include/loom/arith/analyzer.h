// The arithmetic analyzer: known variable ranges, constant integer bounds, the simplifier
// for index expressions and a conservative prover built on them.
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_map>

#include "loom/ir/expr.h"

namespace loom::arith {

/// A closed interval [min_value, max_value] of integers that an expression's value lies in.
/// kNegInf / kPosInf stand for an unbounded side.
struct ConstIntBound {
  static constexpr int64_t kNegInf = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kPosInf = std::numeric_limits<int64_t>::max();
  int64_t min_value = kNegInf;
  int64_t max_value = kPosInf;

  /// True when the bound holds exactly one value.
  bool is_const() const { return min_value == max_value; }
  /// The full range of `dtype` (integer, bool) or everything for other dtypes.
  static ConstIntBound of_dtype(ir::DataType dtype);
  bool operator==(const ConstIntBound&) const = default;
};

/// Holds what is known about variables (their ranges or fixed values) and answers
/// questions about integer expressions under that knowledge.
///
/// Semantics are those of loom/ir/expr.h. For signed index types (int32, int64) the
/// analyzer assumes that arithmetic does not overflow (index expressions stay far from the
/// dtype's limits); for narrower or unsigned integers it only folds constants and applies
/// identities that hold under wrap-around. Floating-point expressions are only folded when
/// all operands are constants.
class Analyzer {
 public:
  /// Records that `var` lies in [range.min, range.min + range.extent). The range may refer
  /// to previously bound variables. A later bind of the same variable replaces this one.
  /// requires: var has an integer dtype, range is integer-typed and defined.
  void bind(const ir::Var& var, const ir::Range& range);
  /// Records that `var` equals `value` (the simplifier substitutes it).
  /// requires: value does not mention var.
  void bind(const ir::Var& var, const ir::Expr& value);
  /// Forgets what is known about `var`.
  void unbind(const ir::Var& var);

  /// The bound of an integer or bool expression under the known ranges. Sound: every value
  /// `e` can take at points inside the bound ranges lies in the result. Never throws.
  ConstIntBound const_int_bound(const ir::Expr& e);

  /// An expression equal to `e` at every point of the bound ranges, in canonical form:
  /// integer index expressions become sums of coefficient * term + constant with terms in a
  /// deterministic order; floordiv/floormod by constants, min/max, comparisons, logic,
  /// select and casts are reduced where the known ranges decide them. Runs in time
  /// polynomial in the size of `e`.
  ir::Expr simplify(const ir::Expr& e);

  /// True only when `cond` (a bool expression) holds at every point of the bound ranges.
  /// False means "could not prove", not "false".
  bool can_prove(const ir::Expr& cond);
  /// True only when a == b provably holds (integer expressions).
  bool can_prove_equal(const ir::Expr& a, const ir::Expr& b);

  /// What is known about a variable, for the analyses built on the analyzer.
  struct VarInfo {
    ConstIntBound bound;
    /// Set when the variable was bound to a range.
    ir::Range range;
    /// Set when the variable was bound to a value.
    ir::Expr value;
  };
  /// The entry of `var`, or nullptr when nothing is known about it.
  const VarInfo* lookup(const ir::Var& var) const;

 private:
  std::unordered_map<ir::Var, VarInfo, ir::RefHash, ir::RefEqual> vars_;
};

}  // namespace loom::arith
