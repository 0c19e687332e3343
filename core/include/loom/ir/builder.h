// Building expressions the way TVMScript users write them: operators on Expr with the
// usual dtype promotion, constant helpers and shorthands for the intrinsics.
//
// Promotion (for binary operators and min/max/select): when dtypes differ, a constant
// operand takes the other operand's dtype; otherwise int with float converts the int to the
// float dtype, and a narrower int/float is cast to the wider one. Vector lanes broadcast a
// scalar to the vector's lanes. The node `make` functions never promote: they check.
#pragma once

#include <cstdint>

#include "loom/ir/expr.h"

namespace loom::ir {

Expr make_const(DataType dtype, int64_t value);
Expr make_const(DataType dtype, double value);
inline Expr make_int(int64_t value, DataType dtype = DataType::Int(32)) { return make_const(dtype, value); }
inline Expr make_float(double value, DataType dtype = DataType::Float(32)) { return make_const(dtype, value); }
Expr make_bool(bool value);
/// The largest / smallest finite value of dtype (for max / min reduction identities).
Expr max_value(DataType dtype);
Expr min_value(DataType dtype);

/// If `e` is an integer constant, its value.
std::optional<int64_t> as_const_int(const Expr& e);
/// If `e` is a float constant, its value.
std::optional<double> as_const_float(const Expr& e);
bool is_const_int(const Expr& e, int64_t value);
inline bool is_zero(const Expr& e) { return is_const_int(e, 0); }
inline bool is_one(const Expr& e) { return is_const_int(e, 1); }
/// The constant true (bool 1).
bool is_const_true(const Expr& e);

/// Casts `e` to dtype (no-op when it already has it; folds constants).
Expr cast(DataType dtype, const Expr& e);

Expr operator+(const Expr& a, const Expr& b);
Expr operator-(const Expr& a, const Expr& b);
Expr operator*(const Expr& a, const Expr& b);
/// True division for floats, truncating division for integers (as tir.Div).
Expr operator/(const Expr& a, const Expr& b);
Expr operator%(const Expr& a, const Expr& b);
Expr operator-(const Expr& a);
Expr operator<(const Expr& a, const Expr& b);
Expr operator<=(const Expr& a, const Expr& b);
Expr operator>(const Expr& a, const Expr& b);
Expr operator>=(const Expr& a, const Expr& b);
// Logical operators are named functions, not &&/||/!: overloading those on a handle type
// would make `if (!expr)` build an IR node instead of testing for null.
Expr logical_and(const Expr& a, const Expr& b);
Expr logical_or(const Expr& a, const Expr& b);
Expr logical_not(const Expr& a);
Expr eq(const Expr& a, const Expr& b);
Expr ne(const Expr& a, const Expr& b);
Expr floordiv(const Expr& a, const Expr& b);
Expr floormod(const Expr& a, const Expr& b);
Expr truncdiv(const Expr& a, const Expr& b);
Expr truncmod(const Expr& a, const Expr& b);
Expr min(const Expr& a, const Expr& b);
Expr max(const Expr& a, const Expr& b);
Expr select(const Expr& cond, const Expr& t, const Expr& f);
Expr if_then_else(const Expr& cond, const Expr& t, const Expr& f);
/// A math intrinsic call; integer arguments of float-only functions are cast to float32.
Expr call(Intrinsic op, std::vector<Expr> args);

/// Applies the promotion rules above to a pair of operands.
void match_types(Expr* a, Expr* b);

}  // namespace loom::ir
