// Constant folding with the IR's exact semantics.
#include "const_fold.h"

#include <cmath>
#include <limits>

#include "int_ops.h"

namespace loom::arith::detail {

namespace {

using namespace loom::ir;

/// Rounds to a binary format with `precision` significand bits (implicit bit included),
/// minimum normal exponent `emin` and largest finite value `max_finite`.
double round_binary(double x, int precision, int emin, double max_finite) {
  if (!std::isfinite(x) || x == 0.0) return x;
  int e = 0;
  std::frexp(x, &e);  // x = m * 2^e, 0.5 <= |m| < 1: the leading bit has exponent e - 1.
  int lead = std::max(e - 1, emin);
  double quantum = std::ldexp(1.0, lead - (precision - 1));
  double r = std::nearbyint(x / quantum) * quantum;
  if (std::fabs(r) > max_finite) return std::copysign(std::numeric_limits<double>::infinity(), x);
  return r;
}

Expr make_int_const(DataType t, int64_t v) { return IntImmNode::make(t, wrap_to(t, v)); }
Expr make_bool_const(bool v) { return IntImmNode::make(DataType::Bool(), v ? 1 : 0); }

std::optional<Expr> fold_int(NodeKind kind, DataType t, int64_t a, int64_t b) {
  bool is_unsigned = t.is_uint();
  uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  switch (kind) {
    case NodeKind::Add:
      return make_int_const(t, static_cast<int64_t>(ua + ub));
    case NodeKind::Sub:
      return make_int_const(t, static_cast<int64_t>(ua - ub));
    case NodeKind::Mul:
      return make_int_const(t, static_cast<int64_t>(ua * ub));
    case NodeKind::Div:
    case NodeKind::FloorDiv:
    case NodeKind::Mod:
    case NodeKind::FloorMod: {
      if (b == 0) return std::nullopt;
      if (is_unsigned) {
        uint64_t r = (kind == NodeKind::Div || kind == NodeKind::FloorDiv) ? ua / ub : ua % ub;
        return make_int_const(t, static_cast<int64_t>(r));
      }
      if (a == std::numeric_limits<int64_t>::min() && b == -1) {
        // Only int64 can hold this pair; the quotient wraps, the remainder is 0.
        if (kind == NodeKind::Mod || kind == NodeKind::FloorMod) return make_int_const(t, 0);
        return make_int_const(t, a);
      }
      switch (kind) {
        case NodeKind::Div:
          return make_int_const(t, a / b);
        case NodeKind::Mod:
          return make_int_const(t, a % b);
        case NodeKind::FloorDiv:
          return make_int_const(t, floordiv_i64(a, b));
        default:
          return make_int_const(t, floormod_i64(a, b));
      }
    }
    case NodeKind::Min:
      return make_int_const(t, is_unsigned ? static_cast<int64_t>(std::min(ua, ub)) : std::min(a, b));
    case NodeKind::Max:
      return make_int_const(t, is_unsigned ? static_cast<int64_t>(std::max(ua, ub)) : std::max(a, b));
    case NodeKind::EQ:
      return make_bool_const(a == b);
    case NodeKind::NE:
      return make_bool_const(a != b);
    case NodeKind::LT:
      return make_bool_const(is_unsigned ? ua < ub : a < b);
    case NodeKind::LE:
      return make_bool_const(is_unsigned ? ua <= ub : a <= b);
    case NodeKind::GT:
      return make_bool_const(is_unsigned ? ua > ub : a > b);
    case NodeKind::GE:
      return make_bool_const(is_unsigned ? ua >= ub : a >= b);
    default:
      return std::nullopt;
  }
}

std::optional<Expr> fold_float(NodeKind kind, DataType t, double a, double b) {
  auto make = [t](double v) { return FloatImmNode::make(t, round_to_float_dtype(t, v)); };
  switch (kind) {
    case NodeKind::Add:
      return make(a + b);
    case NodeKind::Sub:
      return make(a - b);
    case NodeKind::Mul:
      return make(a * b);
    case NodeKind::Div:
      return make(a / b);
    case NodeKind::Mod:
      return make(std::fmod(a, b));
    case NodeKind::Min:
      if (std::isnan(a) || std::isnan(b)) return std::nullopt;
      return make(std::min(a, b));
    case NodeKind::Max:
      if (std::isnan(a) || std::isnan(b)) return std::nullopt;
      return make(std::max(a, b));
    case NodeKind::EQ:
      return make_bool_const(a == b);
    case NodeKind::NE:
      return make_bool_const(a != b);
    case NodeKind::LT:
      return make_bool_const(a < b);
    case NodeKind::LE:
      return make_bool_const(a <= b);
    case NodeKind::GT:
      return make_bool_const(a > b);
    case NodeKind::GE:
      return make_bool_const(a >= b);
    default:
      return std::nullopt;
  }
}

}  // namespace

double round_to_float_dtype(DataType t, double value) {
  if (t.is_bfloat16()) return round_binary(value, 8, -126, 3.3895313892515355e38);
  if (t.is_float16()) return round_binary(value, 11, -14, 65504.0);
  if (t.is_float() && t.bits() == 32) return static_cast<double>(static_cast<float>(value));
  return value;
}

std::optional<Expr> fold_binary(NodeKind kind, const Expr& a, const Expr& b) {
  DataType t = a.dtype();
  if (!t.is_scalar()) return std::nullopt;
  if (const auto* x = a.as<IntImmNode>()) {
    const auto* y = b.as<IntImmNode>();
    if (!y) return std::nullopt;
    if (t.is_bool()) {
      switch (kind) {
        case NodeKind::And:
          return make_bool_const(x->value && y->value);
        case NodeKind::Or:
          return make_bool_const(x->value || y->value);
        case NodeKind::EQ:
          return make_bool_const(x->value == y->value);
        case NodeKind::NE:
          return make_bool_const(x->value != y->value);
        default:
          return std::nullopt;
      }
    }
    return fold_int(kind, t, x->value, y->value);
  }
  if (const auto* x = a.as<FloatImmNode>()) {
    const auto* y = b.as<FloatImmNode>();
    if (!y) return std::nullopt;
    return fold_float(kind, t, x->value, y->value);
  }
  return std::nullopt;
}

std::optional<Expr> fold_cast(DataType t, const Expr& value) {
  if (!t.is_scalar() || !value.dtype().is_scalar()) return std::nullopt;
  DataType from = value.dtype();
  if (const auto* x = value.as<IntImmNode>()) {
    if (t.is_bool()) return make_bool_const(x->value != 0);
    if (t.is_integer()) return make_int_const(t, x->value);
    if (t.is_float()) {
      double v = from.is_uint() ? static_cast<double>(static_cast<uint64_t>(x->value)) : static_cast<double>(x->value);
      return FloatImmNode::make(t, round_to_float_dtype(t, v));
    }
    return std::nullopt;
  }
  if (const auto* x = value.as<FloatImmNode>()) {
    double v = x->value;
    if (t.is_bool()) return make_bool_const(v != 0.0);
    if (t.is_float()) return FloatImmNode::make(t, round_to_float_dtype(t, v));
    if (t.is_integer()) {
      if (std::isnan(v)) return std::nullopt;
      double tv = std::trunc(v);
      if (t.is_uint()) {
        if (tv <= 0) return make_int_const(t, 0);
        if (t.bits() >= 64) {
          if (tv >= 18446744073709551615.0) return make_int_const(t, -1);
          return make_int_const(t, static_cast<int64_t>(static_cast<uint64_t>(tv)));
        }
        double hi = std::ldexp(1.0, t.bits()) - 1;
        return make_int_const(t, static_cast<int64_t>(std::min(tv, hi)));
      }
      double hi = std::ldexp(1.0, t.bits() - 1) - 1, lo = -std::ldexp(1.0, t.bits() - 1);
      if (tv >= hi)
        return make_int_const(t, t.bits() >= 64 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(hi));
      if (tv <= lo)
        return make_int_const(t, t.bits() >= 64 ? std::numeric_limits<int64_t>::min() : static_cast<int64_t>(lo));
      return make_int_const(t, static_cast<int64_t>(tv));
    }
  }
  return std::nullopt;
}

}  // namespace loom::arith::detail
