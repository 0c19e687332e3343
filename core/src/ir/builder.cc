// Operators on Expr with TVMScript's dtype promotion and constant folding of constant
// operands (as TVM's operator overloads do).
#include "loom/ir/builder.h"

#include <cmath>
#include <functional>
#include <limits>

#include "fmt/format.h"
#include "loom/ir/error.h"

namespace loom::ir {

namespace {

/// Wraps `value` to the width of the integer dtype `t`.
int64_t wrap(DataType t, int64_t value) {
  if (t.bits() >= 64) return value;
  uint64_t mask = (uint64_t{1} << t.bits()) - 1;
  uint64_t u = static_cast<uint64_t>(value) & mask;
  if (t.is_int() && (u >> (t.bits() - 1)) & 1) u |= ~mask;
  return static_cast<int64_t>(u);
}

int64_t floordiv_int(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Expr broadcast_to(const Expr& e, int lanes) {
  if (e.dtype().lanes() == lanes) return e;
  if (e.dtype().lanes() != 1)
    throw UserError(fmt::format("cannot combine vectors of {} and {} lanes", e.dtype().lanes(), lanes));
  return BroadcastNode::make(e, lanes);
}

}  // namespace

Expr make_const(DataType dtype, int64_t value) {
  if (dtype.is_float()) return FloatImmNode::make(dtype, static_cast<double>(value));
  if (dtype.is_bool()) return IntImmNode::make(dtype, value != 0);
  return IntImmNode::make(dtype, wrap(dtype, value));
}

Expr make_const(DataType dtype, double value) {
  if (dtype.is_float()) return FloatImmNode::make(dtype, value);
  return make_const(dtype, static_cast<int64_t>(value));
}

Expr make_bool(bool value) { return IntImmNode::make(DataType::Bool(), value ? 1 : 0); }

Expr max_value(DataType t) {
  if (t.is_int())
    return make_const(t, t.bits() >= 64 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << (t.bits() - 1)) - 1);
  if (t.is_uint()) return make_const(t, t.bits() >= 64 ? int64_t{-1} : (int64_t{1} << t.bits()) - 1);
  if (t.is_bool()) return make_bool(true);
  if (t.is_float16()) return FloatImmNode::make(t, 65504.0);
  if (t.is_bfloat16()) return FloatImmNode::make(t, 3.3895313892515355e38);
  if (t.is_float() && t.bits() == 32) return FloatImmNode::make(t, std::numeric_limits<float>::max());
  if (t.is_float()) return FloatImmNode::make(t, std::numeric_limits<double>::max());
  throw UserError(fmt::format("dtype {} has no maximum value", t.to_string()));
}

Expr min_value(DataType t) {
  if (t.is_int())
    return make_const(t, t.bits() >= 64 ? std::numeric_limits<int64_t>::min() : -(int64_t{1} << (t.bits() - 1)));
  if (t.is_uint()) return make_const(t, int64_t{0});
  if (t.is_bool()) return make_bool(false);
  if (t.is_float()) return FloatImmNode::make(t, -as_const_float(max_value(t)).value());
  throw UserError(fmt::format("dtype {} has no minimum value", t.to_string()));
}

std::optional<int64_t> as_const_int(const Expr& e) {
  if (const auto* imm = e.as<IntImmNode>()) return imm->value;
  return std::nullopt;
}

std::optional<double> as_const_float(const Expr& e) {
  if (const auto* imm = e.as<FloatImmNode>()) return imm->value;
  return std::nullopt;
}

bool is_const_int(const Expr& e, int64_t value) {
  auto c = as_const_int(e);
  return c && *c == value && !e.dtype().is_bool();
}

bool is_const_true(const Expr& e) {
  const auto* imm = e.as<IntImmNode>();
  return imm && e.dtype().is_bool() && imm->value == 1;
}

Expr cast(DataType dtype, const Expr& e) {
  if (e.dtype() == dtype) return e;
  if (dtype.lanes() != e.dtype().lanes() && e.dtype().lanes() == 1) {
    return BroadcastNode::make(cast(dtype.element_of(), e), dtype.lanes());
  }
  if (auto c = as_const_int(e); c && dtype.is_scalar()) {
    if (e.dtype().is_uint() && e.dtype().bits() == 64 && dtype.is_float())
      return make_const(dtype, static_cast<double>(static_cast<uint64_t>(*c)));
    return make_const(dtype, *c);
  }
  if (auto c = as_const_float(e); c && dtype.is_float()) return make_const(dtype, *c);
  return CastNode::make(dtype, e);
}

void match_types(Expr* a, Expr* b) {
  if (!a->defined() || !b->defined()) throw UserError("operand is undefined");
  DataType ta = a->dtype(), tb = b->dtype();
  // Lanes: broadcast a scalar to the other side's vector.
  if (ta.lanes() != tb.lanes()) {
    int lanes = std::max(ta.lanes(), tb.lanes());
    *a = broadcast_to(*a, lanes);
    *b = broadcast_to(*b, lanes);
    ta = a->dtype();
    tb = b->dtype();
  }
  if (ta == tb) return;
  // A constant may take the other side's dtype only when its value is representable there;
  // otherwise the usual widening applies (x_int32 + 2^40 becomes int64, never x + 0).
  auto retypable = [](const Expr& c, DataType target) {
    if (c.is<FloatImmNode>()) return target.is_float();
    auto v = as_const_int(c);
    if (!v) return false;
    if (target.is_float()) return true;
    if (target.is_bool()) return *v == 0 || *v == 1;
    if (c.dtype().is_uint() && c.dtype().bits() == 64 && *v < 0) return target.is_uint() && target.bits() == 64;
    if (target.bits() >= 64) return target.is_int() || *v >= 0;
    int64_t lo = target.is_int() ? -(int64_t{1} << (target.bits() - 1)) : 0;
    int64_t hi = target.is_int() ? (int64_t{1} << (target.bits() - 1)) - 1 : (int64_t{1} << target.bits()) - 1;
    return *v >= lo && *v <= hi;
  };
  bool a_const = retypable(*a, tb);
  bool b_const = retypable(*b, ta);
  // A constant takes the other side's dtype, unless that would turn a float constant into an int.
  if (b_const) {
    *b = cast(ta, *b);
    return;
  }
  if (a_const) {
    *a = cast(tb, *a);
    return;
  }
  if (ta.is_float() && !tb.is_float()) {
    *b = cast(ta, *b);
  } else if (tb.is_float() && !ta.is_float()) {
    *a = cast(tb, *a);
  } else if (ta.is_bool() && !tb.is_bool()) {
    *a = cast(tb, *a);
  } else if (tb.is_bool() && !ta.is_bool()) {
    *b = cast(ta, *b);
  } else if (ta.bits() < tb.bits()) {
    *a = cast(tb, *a);
  } else if (tb.bits() < ta.bits()) {
    *b = cast(ta, *b);
  } else {
    throw UserError(fmt::format("cannot combine operands of dtypes {} and {}", ta.to_string(), tb.to_string()));
  }
}

namespace {

bool is_u64(DataType t) { return t.is_uint() && t.bits() == 64; }

/// Folds two uint64 constants with unsigned semantics (their int64 fields hold the bits).
std::optional<Expr> fold_u64(const Expr& a, const Expr& b,
                             const std::function<std::optional<uint64_t>(uint64_t, uint64_t)>& fn) {
  if (!is_u64(a.dtype())) return std::nullopt;
  auto ia = as_const_int(a), ib = as_const_int(b);
  if (!ia || !ib) return std::nullopt;
  auto r = fn(static_cast<uint64_t>(*ia), static_cast<uint64_t>(*ib));
  if (!r) return std::nullopt;
  return make_const(a.dtype(), static_cast<int64_t>(*r));
}
using OptU = std::optional<uint64_t>;

template <typename IntFn, typename FloatFn>
std::optional<Expr> fold(const Expr& a, const Expr& b, IntFn int_fn, FloatFn float_fn) {
  if (!a.dtype().is_scalar()) return std::nullopt;
  auto ia = as_const_int(a), ib = as_const_int(b);
  if (ia && ib && a.dtype().is_integer()) {
    if (auto r = int_fn(*ia, *ib)) return make_const(a.dtype(), *r);
    return std::nullopt;
  }
  auto fa = as_const_float(a), fb = as_const_float(b);
  if (fa && fb) {
    if (auto r = float_fn(*fa, *fb)) return make_const(a.dtype(), *r);
  }
  return std::nullopt;
}

using OptI = std::optional<int64_t>;
using OptF = std::optional<double>;
auto no_float = [](double, double) -> OptF { return std::nullopt; };

}  // namespace

Expr operator+(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold(
          a, b,
          [](int64_t p, int64_t q) -> OptI {
            return static_cast<int64_t>(static_cast<uint64_t>(p) + static_cast<uint64_t>(q));
          },
          [](double p, double q) -> OptF { return p + q; }))
    return *f;
  return AddNode::make(a, b);
}

Expr operator-(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold(
          a, b,
          [](int64_t p, int64_t q) -> OptI {
            return static_cast<int64_t>(static_cast<uint64_t>(p) - static_cast<uint64_t>(q));
          },
          [](double p, double q) -> OptF { return p - q; }))
    return *f;
  return SubNode::make(a, b);
}

Expr operator*(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold(
          a, b,
          [](int64_t p, int64_t q) -> OptI {
            return static_cast<int64_t>(static_cast<uint64_t>(p) * static_cast<uint64_t>(q));
          },
          [](double p, double q) -> OptF { return p * q; }))
    return *f;
  return MulNode::make(a, b);
}

Expr operator/(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold_u64(a, b, [](uint64_t p, uint64_t q) -> OptU { return q == 0 ? OptU() : OptU(p / q); })) return *f;
  if (auto f = fold(
          a, b,
          [](int64_t p, int64_t q) -> OptI {
            return q == 0 || (q == -1 && p == std::numeric_limits<int64_t>::min()) ? OptI() : OptI(p / q);
          },
          [](double p, double q) -> OptF { return p / q; }))
    return *f;
  return DivNode::make(a, b);
}

Expr operator%(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold_u64(a, b, [](uint64_t p, uint64_t q) -> OptU { return q == 0 ? OptU() : OptU(p % q); })) return *f;
  if (auto f = fold(
          a, b, [](int64_t p, int64_t q) -> OptI { return q == 0 || q == -1 ? OptI() : OptI(p % q); }, no_float))
    return *f;
  return ModNode::make(a, b);
}

Expr truncdiv(const Expr& a, const Expr& b) { return a / b; }
Expr truncmod(const Expr& a, const Expr& b) { return a % b; }

Expr operator-(const Expr& a) {
  if (auto c = as_const_int(a); c && a.dtype().is_scalar())
    return make_const(a.dtype(), static_cast<int64_t>(0 - static_cast<uint64_t>(*c)));
  if (auto c = as_const_float(a)) return make_const(a.dtype(), -*c);
  return make_const(a.dtype().element_of(), int64_t{0}) - a;
}

Expr floordiv(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold_u64(a, b, [](uint64_t p, uint64_t q) -> OptU { return q == 0 ? OptU() : OptU(p / q); })) return *f;
  if (auto f = fold(
          a, b, [](int64_t p, int64_t q) -> OptI { return q == 0 || q == -1 ? OptI() : OptI(floordiv_int(p, q)); },
          no_float))
    return *f;
  return FloorDivNode::make(a, b);
}

Expr floormod(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold_u64(a, b, [](uint64_t p, uint64_t q) -> OptU { return q == 0 ? OptU() : OptU(p % q); })) return *f;
  if (auto f = fold(
          a, b,
          [](int64_t p, int64_t q) -> OptI { return q == 0 || q == -1 ? OptI() : OptI(p - q * floordiv_int(p, q)); },
          no_float))
    return *f;
  return FloorModNode::make(a, b);
}

Expr min(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold_u64(a, b, [](uint64_t p, uint64_t q) -> OptU { return std::min(p, q); })) return *f;
  if (auto f = fold(
          a, b, [](int64_t p, int64_t q) -> OptI { return std::min(p, q); },
          [](double p, double q) -> OptF { return std::fmin(p, q); }))
    return *f;
  return MinNode::make(a, b);
}

Expr max(const Expr& x, const Expr& y) {
  Expr a = x, b = y;
  match_types(&a, &b);
  if (auto f = fold_u64(a, b, [](uint64_t p, uint64_t q) -> OptU { return std::max(p, q); })) return *f;
  if (auto f = fold(
          a, b, [](int64_t p, int64_t q) -> OptI { return std::max(p, q); },
          [](double p, double q) -> OptF { return std::fmax(p, q); }))
    return *f;
  return MaxNode::make(a, b);
}

#define LOOM_COMPARE(fn, Node, op)                                                                                   \
  Expr fn(const Expr& x, const Expr& y) {                                                                            \
    Expr a = x, b = y;                                                                                               \
    match_types(&a, &b);                                                                                             \
    if (a.dtype().is_scalar()) {                                                                                     \
      auto ia = as_const_int(a), ib = as_const_int(b);                                                               \
      if (ia && ib && is_u64(a.dtype())) return make_bool(static_cast<uint64_t>(*ia) op static_cast<uint64_t>(*ib)); \
      if (ia && ib) return make_bool(*ia op * ib);                                                                   \
      auto fa = as_const_float(a), fb = as_const_float(b);                                                           \
      if (fa && fb) return make_bool(*fa op * fb);                                                                   \
    }                                                                                                                \
    return Node::make(a, b);                                                                                         \
  }
LOOM_COMPARE(operator<, LTNode, <)
LOOM_COMPARE(operator<=, LENode, <=)
LOOM_COMPARE(operator>, GTNode, >)
LOOM_COMPARE(operator>=, GENode, >=)
LOOM_COMPARE(eq, EQNode, ==)
LOOM_COMPARE(ne, NENode, !=)
#undef LOOM_COMPARE

Expr logical_and(const Expr& a, const Expr& b) {
  if (is_const_true(a)) return b;
  if (is_const_true(b)) return a;
  return AndNode::make(a, b);
}

Expr logical_or(const Expr& a, const Expr& b) { return OrNode::make(a, b); }

Expr logical_not(const Expr& a) {
  if (const auto* imm = a.as<IntImmNode>(); imm && a.dtype().is_bool()) return make_bool(imm->value == 0);
  return NotNode::make(a);
}

Expr select(const Expr& cond, const Expr& t, const Expr& f) {
  Expr a = t, b = f;
  match_types(&a, &b);
  return SelectNode::make(cond, a, b);
}

Expr if_then_else(const Expr& cond, const Expr& t, const Expr& f) {
  Expr a = t, b = f;
  match_types(&a, &b);
  return CallNode::make(Intrinsic::if_then_else, {cond, a, b});
}

Expr call(Intrinsic op, std::vector<Expr> args) {
  if (op == Intrinsic::if_then_else && args.size() == 3) return if_then_else(args[0], args[1], args[2]);
  if (args.size() == 2) match_types(&args[0], &args[1]);
  if (op != Intrinsic::abs) {
    for (Expr& a : args) {
      if (a.defined() && a.dtype().is_integer()) a = cast(DataType::Float(32).with_lanes(a.dtype().lanes()), a);
    }
  }
  return CallNode::make(op, std::move(args));
}

}  // namespace loom::ir
