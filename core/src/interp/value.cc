// Lane-wise operations on interpreter values, written to match loom/ir/expr.h exactly.
#include "value.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "loom/interp/error.h"
#include "loom/interp/float16.h"

namespace loom::interp {

using ir::DataType;
using ir::Intrinsic;
using ir::NodeKind;

Value::Value(DataType dtype) : dtype_(dtype) {
  scalar_.i = 0;
  if (dtype.lanes() > 1) {
    Scalar zero;
    zero.i = 0;
    lanes_.assign(static_cast<size_t>(dtype.lanes()), zero);
  }
}

Value Value::from_int(DataType dtype, int64_t v) {
  Value out(dtype);
  for (int l = 0; l < dtype.lanes(); ++l) out.lane_ref(l).i = wrap_int(static_cast<uint64_t>(v), dtype);
  return out;
}

Value Value::from_float(DataType dtype, double v) {
  Value out(dtype);
  for (int l = 0; l < dtype.lanes(); ++l) out.lane_ref(l).f = round_float(v, dtype);
  return out;
}

int64_t wrap_int(uint64_t v, DataType t) {
  const int bits = t.bits();
  if (t.is_bool()) return static_cast<int64_t>(v & 1u);
  if (bits >= 64) return static_cast<int64_t>(v);
  const uint64_t mask = (uint64_t{1} << bits) - 1u;
  uint64_t low = v & mask;
  if (t.is_int() && (low >> (bits - 1)) != 0) low |= ~mask;  // sign-extend
  return static_cast<int64_t>(low);
}

double round_float(double v, DataType t) {
  if (t.is_bfloat16()) return round_to_bfloat16(v);
  switch (t.bits()) {
    case 16:
      return round_to_float16(v);
    case 32:
      return round_to_float32(v);
    default:
      return v;
  }
}

double scalar_to_double(Scalar v, DataType t) {
  if (t.is_float()) return v.f;
  if (t.is_uint()) return static_cast<double>(static_cast<uint64_t>(v.i));
  return static_cast<double>(v.i);
}

namespace {

/// A float truncated toward zero and saturated to the range of integer dtype `to`.
int64_t float_to_int(double f, DataType to) {
  if (std::isnan(f)) return 0;
  const double t = std::trunc(f);
  const int bits = to.bits();
  if (to.is_uint()) {
    if (t <= 0.0) return 0;
    if (bits >= 64) {
      if (t >= 18446744073709551616.0) return -1;  // UINT64_MAX as a bit pattern
      return static_cast<int64_t>(static_cast<uint64_t>(t));
    }
    const double max = std::ldexp(1.0, bits) - 1.0;
    return static_cast<int64_t>(t >= max ? max : t);
  }
  const double min = -std::ldexp(1.0, bits - 1);
  const double limit = std::ldexp(1.0, bits - 1);  // one past the max, exactly representable
  if (t <= min) return static_cast<int64_t>(min);
  if (t >= limit) return bits >= 64 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(limit) - 1;
  return static_cast<int64_t>(t);
}

/// An integer lane of dtype `from` converted to float dtype `to` with one rounding.
double int_to_float(int64_t v, DataType from, DataType to) {
  const bool is_unsigned = from.is_uint() || from.is_bool();
  if (to.bits() == 64) {
    return is_unsigned ? static_cast<double>(static_cast<uint64_t>(v)) : static_cast<double>(v);
  }
  if (to.bits() == 32 && !to.is_bfloat16()) {
    return is_unsigned ? static_cast<double>(static_cast<float>(static_cast<uint64_t>(v)))
                       : static_cast<double>(static_cast<float>(v));
  }
  // 16-bit targets: the conversion to double is exact below 2^53, far beyond their range.
  return round_float(is_unsigned ? static_cast<double>(static_cast<uint64_t>(v)) : static_cast<double>(v), to);
}

}  // namespace

Scalar cast_scalar(Scalar v, DataType from, DataType to) {
  Scalar out;
  if (to.is_bool()) {
    out.i = from.is_float() ? (v.f != 0.0 ? 1 : 0) : (v.i != 0 ? 1 : 0);
  } else if (to.is_float()) {
    out.f = from.is_float() ? round_float(v.f, to) : int_to_float(v.i, from, to);
  } else {
    out.i = from.is_float() ? float_to_int(v.f, to) : wrap_int(static_cast<uint64_t>(v.i), to);
  }
  return out;
}

Scalar load_scalar(const uint8_t* p, DataType t) {
  Scalar out;
  if (t.is_float()) {
    if (t.bits() == 16) {
      uint16_t bits = 0;
      std::memcpy(&bits, p, 2);
      out.f = t.is_bfloat16() ? bfloat16_bits_to_float(bits) : float16_bits_to_float(bits);
    } else if (t.bits() == 32) {
      float f = 0;
      std::memcpy(&f, p, 4);
      out.f = f;
    } else {
      std::memcpy(&out.f, p, 8);
    }
    return out;
  }
  uint64_t raw = 0;
  std::memcpy(&raw, p, static_cast<size_t>(t.bytes()));  // little-endian host
  out.i = t.is_bool() ? (raw != 0 ? 1 : 0) : wrap_int(raw, t);
  return out;
}

void store_scalar(uint8_t* p, DataType t, Scalar v) {
  if (t.is_float()) {
    if (t.bits() == 16) {
      const uint16_t bits = t.is_bfloat16() ? double_to_bfloat16_bits(v.f) : double_to_float16_bits(v.f);
      std::memcpy(p, &bits, 2);
    } else if (t.bits() == 32) {
      const float f = round_to_float32(v.f);
      std::memcpy(p, &f, 4);
    } else {
      std::memcpy(p, &v.f, 8);
    }
    return;
  }
  const uint64_t raw = static_cast<uint64_t>(v.i);
  std::memcpy(p, &raw, static_cast<size_t>(t.bytes()));
}

namespace {

/// Applies `fn` in the arithmetic precision of float dtype t: double for float64, float for
/// the others, then rounds a 16-bit result back to its format.
template <typename F>
double float_arith(DataType t, double a, double b, F fn) {
  if (t.bits() == 64) return fn(a, b);
  const float r = fn(static_cast<float>(a), static_cast<float>(b));
  return t.bits() == 16 ? round_float(r, t) : static_cast<double>(r);
}

double float_binary(NodeKind kind, DataType t, double a, double b) {
  switch (kind) {
    case NodeKind::Add:
      return float_arith(t, a, b, [](auto x, auto y) { return x + y; });
    case NodeKind::Sub:
      return float_arith(t, a, b, [](auto x, auto y) { return x - y; });
    case NodeKind::Mul:
      return float_arith(t, a, b, [](auto x, auto y) { return x * y; });
    case NodeKind::Div:
      return float_arith(t, a, b, [](auto x, auto y) { return x / y; });
    case NodeKind::Mod:
      return float_arith(t, a, b, [](auto x, auto y) { return std::fmod(x, y); });
    case NodeKind::FloorDiv:
      return float_arith(t, a, b, [](auto x, auto y) { return std::floor(x / y); });
    case NodeKind::FloorMod:
      return float_arith(t, a, b, [](auto x, auto y) { return x - y * std::floor(x / y); });
    // Min/Max behave as select(a < b, a, b) / select(a > b, a, b), as generated code does.
    case NodeKind::Min:
      return a < b ? a : b;
    case NodeKind::Max:
      return a > b ? a : b;
    default:
      break;
  }
  LOOM_ICHECK(false, std::string("not a float arithmetic node: ") + ir::node_kind_name(kind));
  return 0.0;
}

/// Integer division helpers on normalized operands (b != 0). The one overflowing case,
/// INT64_MIN / -1, wraps to INT64_MIN with remainder 0.
int64_t trunc_div(int64_t a, int64_t b) {
  if (b == -1) return static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(a));
  return a / b;
}
int64_t trunc_mod(int64_t a, int64_t b) { return b == -1 ? 0 : a % b; }
int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = trunc_div(a, b);
  return (trunc_mod(a, b) != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t floor_mod(int64_t a, int64_t b) {
  const int64_t r = trunc_mod(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

int64_t int_binary(NodeKind kind, DataType t, int64_t a, int64_t b) {
  const uint64_t ua = static_cast<uint64_t>(a);
  const uint64_t ub = static_cast<uint64_t>(b);
  const bool is_unsigned = t.is_uint() || t.is_bool();
  switch (kind) {
    case NodeKind::Add:
      return wrap_int(ua + ub, t);
    case NodeKind::Sub:
      return wrap_int(ua - ub, t);
    case NodeKind::Mul:
      return wrap_int(ua * ub, t);
    case NodeKind::Div:
    case NodeKind::FloorDiv:
      if (b == 0) return 0;
      if (is_unsigned) return wrap_int(ua / ub, t);
      return wrap_int(static_cast<uint64_t>(kind == NodeKind::Div ? trunc_div(a, b) : floor_div(a, b)), t);
    case NodeKind::Mod:
    case NodeKind::FloorMod:
      if (b == 0) return 0;
      if (is_unsigned) return wrap_int(ua % ub, t);
      return wrap_int(static_cast<uint64_t>(kind == NodeKind::Mod ? trunc_mod(a, b) : floor_mod(a, b)), t);
    case NodeKind::Min:
      return is_unsigned ? (ua < ub ? a : b) : (a < b ? a : b);
    case NodeKind::Max:
      return is_unsigned ? (ua > ub ? a : b) : (a > b ? a : b);
    case NodeKind::And:
      return (a != 0 && b != 0) ? 1 : 0;
    case NodeKind::Or:
      return (a != 0 || b != 0) ? 1 : 0;
    default:
      break;
  }
  LOOM_ICHECK(false, std::string("not an integer arithmetic node: ") + ir::node_kind_name(kind));
  return 0;
}

/// A comparison of two lanes of dtype t.
bool compare(NodeKind kind, DataType t, Scalar a, Scalar b) {
  auto apply = [kind](auto x, auto y) {
    switch (kind) {
      case NodeKind::EQ:
        return x == y;
      case NodeKind::NE:
        return x != y;
      case NodeKind::LT:
        return x < y;
      case NodeKind::LE:
        return x <= y;
      case NodeKind::GT:
        return x > y;
      case NodeKind::GE:
        return x >= y;
      default:
        return false;
    }
  };
  if (t.is_float()) return apply(a.f, b.f);
  if (t.is_uint()) return apply(static_cast<uint64_t>(a.i), static_cast<uint64_t>(b.i));
  return apply(a.i, b.i);
}

bool is_compare(NodeKind kind) {
  switch (kind) {
#define LOOM_X(T) case NodeKind::T:
    LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
#undef LOOM_X
    return true;
    default:
      return false;
  }
}

}  // namespace

Value binary_op(NodeKind kind, const Value& a, const Value& b) {
  const DataType operand = a.dtype().lanes() >= b.dtype().lanes() ? a.dtype() : b.dtype();
  const DataType elem = operand.element_of();
  const int lanes = operand.lanes();
  if (is_compare(kind)) {
    Value out(DataType::Bool(lanes));
    for (int l = 0; l < lanes; ++l) out.lane_ref(l).i = compare(kind, elem, a.lane(l), b.lane(l)) ? 1 : 0;
    return out;
  }
  Value out(operand);
  if (elem.is_float()) {
    for (int l = 0; l < lanes; ++l) out.lane_ref(l).f = float_binary(kind, elem, a.lane(l).f, b.lane(l).f);
  } else {
    for (int l = 0; l < lanes; ++l) out.lane_ref(l).i = int_binary(kind, elem, a.lane(l).i, b.lane(l).i);
  }
  return out;
}

Value logical_not(const Value& a) {
  Value out(a.dtype());
  for (int l = 0; l < a.lanes(); ++l) out.lane_ref(l).i = a.lane(l).i == 0 ? 1 : 0;
  return out;
}

Value cast_value(DataType to, const Value& v) {
  const DataType target = to.with_lanes(v.lanes());
  Value out(target);
  const DataType from = v.dtype().element_of();
  const DataType elem = to.element_of();
  for (int l = 0; l < v.lanes(); ++l) out.lane_ref(l) = cast_scalar(v.lane(l), from, elem);
  return out;
}

namespace {

/// A one-argument float function in the arithmetic precision of t (see float_arith).
template <typename F>
double float_unary(DataType t, double x, F fn) {
  return float_arith(t, x, 0.0, [&fn](auto v, auto) { return fn(v); });
}

double float_math(Intrinsic op, DataType t, double x, double y) {
  switch (op) {
    case Intrinsic::exp:
      return float_unary(t, x, [](auto v) { return std::exp(v); });
    case Intrinsic::exp2:
      return float_unary(t, x, [](auto v) { return std::exp2(v); });
    case Intrinsic::exp10:
      return float_unary(t, x, [](auto v) { return std::pow(static_cast<decltype(v)>(10), v); });
    case Intrinsic::log:
      return float_unary(t, x, [](auto v) { return std::log(v); });
    case Intrinsic::log2:
      return float_unary(t, x, [](auto v) { return std::log2(v); });
    case Intrinsic::log10:
      return float_unary(t, x, [](auto v) { return std::log10(v); });
    case Intrinsic::log1p:
      return float_unary(t, x, [](auto v) { return std::log1p(v); });
    case Intrinsic::sqrt:
      return float_unary(t, x, [](auto v) { return std::sqrt(v); });
    case Intrinsic::rsqrt:
      return float_unary(t, x, [](auto v) { return static_cast<decltype(v)>(1) / std::sqrt(v); });
    case Intrinsic::sigmoid:
      return float_unary(t, x, [](auto v) {
        using F = decltype(v);
        return static_cast<F>(1) / (static_cast<F>(1) + std::exp(-v));
      });
    case Intrinsic::tanh:
      return float_unary(t, x, [](auto v) { return std::tanh(v); });
    case Intrinsic::sin:
      return float_unary(t, x, [](auto v) { return std::sin(v); });
    case Intrinsic::cos:
      return float_unary(t, x, [](auto v) { return std::cos(v); });
    case Intrinsic::tan:
      return float_unary(t, x, [](auto v) { return std::tan(v); });
    case Intrinsic::atan:
      return float_unary(t, x, [](auto v) { return std::atan(v); });
    case Intrinsic::erf:
      return float_unary(t, x, [](auto v) { return std::erf(v); });
    case Intrinsic::abs:
      return float_unary(t, x, [](auto v) { return std::fabs(v); });
    case Intrinsic::floor:
      return float_unary(t, x, [](auto v) { return std::floor(v); });
    case Intrinsic::ceil:
      return float_unary(t, x, [](auto v) { return std::ceil(v); });
    // round: to nearest, ties to even (as numpy.round and LLVM's nearbyint).
    case Intrinsic::round:
      return float_unary(t, x, [](auto v) { return std::nearbyint(v); });
    case Intrinsic::trunc:
      return float_unary(t, x, [](auto v) { return std::trunc(v); });
    case Intrinsic::pow:
      return float_arith(t, x, y, [](auto a, auto b) { return std::pow(a, b); });
    case Intrinsic::fmod:
      return float_arith(t, x, y, [](auto a, auto b) { return std::fmod(a, b); });
    case Intrinsic::if_then_else:
    case Intrinsic::storage_sync:
    case Intrinsic::warp_shuffle:
    case Intrinsic::warp_shuffle_down:
      break;
  }
  LOOM_ICHECK(false, std::string("not a math intrinsic: ") + ir::intrinsic_name(op));
  return 0.0;
}

/// Integer operands: abs wraps (abs(INT_MIN) is INT_MIN), the rounding functions are the
/// identity; other intrinsics are float-only and rejected by CallNode::make.
int64_t int_math(Intrinsic op, DataType t, int64_t x) {
  if (op == Intrinsic::abs) {
    if (t.is_uint() || x >= 0) return x;
    return wrap_int(uint64_t{0} - static_cast<uint64_t>(x), t);
  }
  if (op == Intrinsic::floor || op == Intrinsic::ceil || op == Intrinsic::round || op == Intrinsic::trunc) return x;
  throw RuntimeError(std::string("intrinsic T.") + ir::intrinsic_name(op) + " is not defined on integer dtype " +
                     t.to_string());
}

}  // namespace

Value math_op(Intrinsic op, DataType dtype, const std::vector<Value>& args) {
  LOOM_ICHECK(!args.empty(), "math intrinsic without arguments");
  const DataType elem = dtype.element_of();
  Value out(dtype);
  for (int l = 0; l < dtype.lanes(); ++l) {
    if (elem.is_float()) {
      const double x = args[0].lane(l).f;
      const double y = args.size() > 1 ? args[1].lane(l).f : 0.0;
      out.lane_ref(l).f = float_math(op, elem, x, y);
    } else {
      out.lane_ref(l).i = int_math(op, elem, args[0].lane(l).i);
    }
  }
  return out;
}

}  // namespace loom::interp
