// Constant folding of operators on integer, bool and floating-point constants with the
// exact semantics of loom/ir/expr.h (wrap-around, floor/trunc division, float rounding).
#pragma once

#include <optional>

#include "loom/ir/expr.h"

namespace loom::arith::detail {

/// The value of `kind`(a, b) when both are scalar constants and the result is defined
/// (no division by zero); nullopt otherwise. `kind` is a binary, comparison or logical kind.
std::optional<ir::Expr> fold_binary(ir::NodeKind kind, const ir::Expr& a, const ir::Expr& b);
/// The value of casting constant `value` to `dtype`; nullopt when `value` is not a scalar
/// constant or the conversion is not representable (NaN to an integer).
std::optional<ir::Expr> fold_cast(ir::DataType dtype, const ir::Expr& value);
/// `value` rounded to the float dtype `t` (float16, bfloat16, float32 or float64), round
/// to nearest even, overflow to infinity.
double round_to_float_dtype(ir::DataType t, double value);

}  // namespace loom::arith::detail
