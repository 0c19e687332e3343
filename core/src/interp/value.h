// Runtime values of the reference interpreter (private to the module): a dtype with one
// scalar per lane, and the pure operations on them that implement the semantics written at
// the top of loom/ir/expr.h (wrap-around, rounding, casts, comparisons, math intrinsics).
#pragma once

#include <cstdint>
#include <vector>

#include "loom/ir/expr.h"

namespace loom::interp {

/// One lane of a value. Integers and bool are held in `i`, normalized to their dtype: signed
/// values sign-extended from their width, unsigned values zero-extended (a uint64 above
/// INT64_MAX is its bit pattern), bool 0 or 1. Floats are held in `f`, already rounded to
/// their dtype (a float16 lane holds a double that is exactly a float16 value).
union Scalar {
  int64_t i;
  double f;
};

/// A value of dtype `dtype`: one Scalar per lane. A scalar keeps its lane inline; a vector
/// keeps all its lanes in `lanes_`.
class Value {
 public:
  Value() : dtype_(ir::DataType::Int(32)) { scalar_.i = 0; }
  /// A zero value of dtype `dtype` (all lanes zero).
  explicit Value(ir::DataType dtype);
  static Value from_int(ir::DataType dtype, int64_t v);
  static Value from_float(ir::DataType dtype, double v);

  ir::DataType dtype() const { return dtype_; }
  int lanes() const { return dtype_.lanes(); }
  /// Lane `i`; a scalar value answers every lane (so scalars broadcast).
  Scalar lane(int i) const { return lanes_.empty() ? scalar_ : lanes_[i]; }
  Scalar& lane_ref(int i) { return lanes_.empty() ? scalar_ : lanes_[i]; }
  /// The single lane of a scalar value.
  int64_t as_int() const { return scalar_.i; }
  double as_float() const { return scalar_.f; }

 private:
  ir::DataType dtype_;
  Scalar scalar_;
  std::vector<Scalar> lanes_;
};

/// `v` reduced to the width of integer or bool dtype `t` (two's-complement wrap; bool keeps
/// the low bit).
int64_t wrap_int(uint64_t v, ir::DataType t);
/// `v` rounded to the precision of float dtype `t` (nearest, ties to even).
double round_float(double v, ir::DataType t);
/// A lane converted from dtype `from` to dtype `to` with the IR's cast semantics.
Scalar cast_scalar(Scalar v, ir::DataType from, ir::DataType to);
/// A lane as a double (floats exact, integers converted, uint64 as unsigned).
double scalar_to_double(Scalar v, ir::DataType t);

/// Reads / writes one element of dtype `t` (scalar) at `p` in the NDArray storage format.
Scalar load_scalar(const uint8_t* p, ir::DataType t);
void store_scalar(uint8_t* p, ir::DataType t, Scalar v);

/// The binary operation `kind` (an arithmetic, comparison or logical node kind) lane-wise
/// on a and b of equal dtype (a scalar operand broadcasts to the other's lanes). Integer
/// division and modulus by zero give 0: the caller checks divisors first (see Machine).
Value binary_op(ir::NodeKind kind, const Value& a, const Value& b);
/// Logical negation of a bool value.
Value logical_not(const Value& a);
/// `v` converted lane-wise to `to` (which has v's lanes).
Value cast_value(ir::DataType to, const Value& v);
/// A math intrinsic (every intrinsic except if_then_else) applied lane-wise; the result
/// has `dtype`.
Value math_op(ir::Intrinsic op, ir::DataType dtype, const std::vector<Value>& args);

}  // namespace loom::interp
