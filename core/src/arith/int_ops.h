// Exact integer helpers shared by the arith sources: floor division, wrap-around to a
// dtype's width and saturating arithmetic on bounds with infinite sentinels.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "loom/arith/analyzer.h"
#include "loom/ir/dtype.h"

namespace loom::arith::detail {

/// floor(a / b); requires b != 0 and not (a == INT64_MIN and b == -1).
inline int64_t floordiv_i64(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

/// a - b * floor(a / b) (sign of b); same requirements as floordiv_i64.
inline int64_t floormod_i64(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

/// Wraps `value` into the integer dtype `t` (two's complement; bool becomes 0/1).
inline int64_t wrap_to(ir::DataType t, int64_t value) {
  if (t.is_bool()) return value != 0;
  if (t.bits() >= 64) return value;
  uint64_t mask = (uint64_t{1} << t.bits()) - 1;
  uint64_t u = static_cast<uint64_t>(value) & mask;
  if (t.is_int() && ((u >> (t.bits() - 1)) & 1)) u |= ~mask;
  return static_cast<int64_t>(u);
}

/// Signed index types: the analyzer's affine and bound-based rules apply to these.
inline bool is_index_type(ir::DataType t) { return t.is_int() && t.is_scalar() && t.bits() >= 32; }

/// Checked arithmetic: nullopt on int64 overflow.
inline std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

constexpr int64_t kNegInf = ConstIntBound::kNegInf;
constexpr int64_t kPosInf = ConstIntBound::kPosInf;

/// a + b on bound ends; an infinite operand keeps its infinity, overflow saturates.
inline int64_t sat_add(int64_t a, int64_t b) {
  if (a == kNegInf || b == kNegInf) return (a == kPosInf || b == kPosInf) ? kPosInf : kNegInf;
  if (a == kPosInf || b == kPosInf) return kPosInf;
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return a > 0 ? kPosInf : kNegInf;
  if (r == kNegInf) return kNegInf;
  return r;
}

/// -a on a bound end.
inline int64_t sat_neg(int64_t a) {
  if (a == kNegInf) return kPosInf;
  if (a == kPosInf) return kNegInf;
  return -a;
}

/// a * b on bound ends (0 * inf is 0).
inline int64_t sat_mul(int64_t a, int64_t b) {
  if (a == 0 || b == 0) return 0;
  bool neg = (a < 0) != (b < 0);
  if (a == kNegInf || a == kPosInf || b == kNegInf || b == kPosInf) return neg ? kNegInf : kPosInf;
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r) || r == kNegInf) return neg ? kNegInf : kPosInf;
  return r;
}

/// floor(a / c) on a bound end, c > 0.
inline int64_t sat_floordiv(int64_t a, int64_t c) {
  if (a == kNegInf || a == kPosInf) return a;
  return floordiv_i64(a, c);
}

/// trunc(a / c) on a bound end, c > 0.
inline int64_t sat_truncdiv(int64_t a, int64_t c) {
  if (a == kNegInf || a == kPosInf) return a;
  return a / c;
}

inline int64_t gcd_i64(int64_t a, int64_t b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b != 0) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

}  // namespace loom::arith::detail
