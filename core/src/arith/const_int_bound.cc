// Constant integer bounds of expressions: interval arithmetic on int64 with infinite
// sentinels, clamped to each dtype's range so that wrap-around never makes a bound unsound.
#include <algorithm>

#include "int_ops.h"
#include "loom/arith/analyzer.h"
#include "loom/ir/builder.h"

namespace loom::arith {

namespace {

using namespace loom::ir;
using detail::kNegInf;
using detail::kPosInf;

ConstIntBound make_bound(int64_t lo, int64_t hi) { return ConstIntBound{lo, hi}; }

ConstIntBound everything() { return make_bound(kNegInf, kPosInf); }

ConstIntBound bound_union(const ConstIntBound& a, const ConstIntBound& b) {
  return make_bound(std::min(a.min_value, b.min_value), std::max(a.max_value, b.max_value));
}

/// Keeps `b` when it fits the dtype's range, else the dtype's whole range (the value may
/// have wrapped).
ConstIntBound clamp_to(DataType t, const ConstIntBound& b) {
  ConstIntBound full = ConstIntBound::of_dtype(t);
  if (b.min_value >= full.min_value && b.max_value <= full.max_value) return b;
  return full;
}

class BoundEvaluator {
 public:
  explicit BoundEvaluator(const Analyzer& analyzer) : analyzer_(analyzer) {}

  ConstIntBound eval(const Expr& e) {
    if (!e.defined()) return everything();
    DataType t = e.dtype();
    if (!(t.is_integer() || t.is_bool()) || !t.is_scalar()) return everything();
    return clamp_to(t, eval_raw(e));
  }

 private:
  ConstIntBound eval_raw(const Expr& e) {
    switch (e->kind()) {
      case NodeKind::IntImm: {
        int64_t v = e.as<IntImmNode>()->value;
        if (e.dtype().is_uint() && v < 0) return ConstIntBound::of_dtype(e.dtype());
        return make_bound(v, v);
      }
      case NodeKind::Var: {
        const Analyzer::VarInfo* info = analyzer_.lookup(Var(e.as<VarNode>()));
        return info ? info->bound : ConstIntBound::of_dtype(e.dtype());
      }
      case NodeKind::Add: {
        const auto* n = e.as<AddNode>();
        ConstIntBound a = eval(n->a), b = eval(n->b);
        return make_bound(detail::sat_add(a.min_value, b.min_value), detail::sat_add(a.max_value, b.max_value));
      }
      case NodeKind::Sub: {
        const auto* n = e.as<SubNode>();
        ConstIntBound a = eval(n->a), b = eval(n->b);
        return make_bound(detail::sat_add(a.min_value, detail::sat_neg(b.max_value)),
                          detail::sat_add(a.max_value, detail::sat_neg(b.min_value)));
      }
      case NodeKind::Mul: {
        const auto* n = e.as<MulNode>();
        ConstIntBound a = eval(n->a), b = eval(n->b);
        int64_t p[4] = {detail::sat_mul(a.min_value, b.min_value), detail::sat_mul(a.min_value, b.max_value),
                        detail::sat_mul(a.max_value, b.min_value), detail::sat_mul(a.max_value, b.max_value)};
        return make_bound(*std::min_element(p, p + 4), *std::max_element(p, p + 4));
      }
      case NodeKind::FloorDiv: {
        const auto* n = e.as<FloorDivNode>();
        return div_bound(eval(n->a), eval(n->b), /*floor=*/true);
      }
      case NodeKind::Div: {
        const auto* n = e.as<DivNode>();
        return div_bound(eval(n->a), eval(n->b), /*floor=*/false);
      }
      case NodeKind::FloorMod: {
        const auto* n = e.as<FloorModNode>();
        ConstIntBound a = eval(n->a), b = eval(n->b);
        if (b.min_value > 0) {
          int64_t m = b.max_value == kPosInf ? kPosInf : b.max_value - 1;
          if (b.is_const() && a.min_value != kNegInf && a.max_value != kPosInf &&
              detail::floordiv_i64(a.min_value, b.min_value) == detail::floordiv_i64(a.max_value, b.min_value)) {
            return make_bound(detail::floormod_i64(a.min_value, b.min_value),
                              detail::floormod_i64(a.max_value, b.min_value));
          }
          if (a.min_value >= 0) return make_bound(0, std::min(a.max_value, m));
          return make_bound(0, m);
        }
        if (b.max_value < 0) {
          int64_t m = b.min_value == kNegInf ? kNegInf : b.min_value + 1;
          return make_bound(m, 0);
        }
        return everything();
      }
      case NodeKind::Mod: {
        const auto* n = e.as<ModNode>();
        ConstIntBound a = eval(n->a), b = eval(n->b);
        // |a % b| < |b| and the result has the sign of a.
        int64_t bmax = std::max(detail::sat_neg(b.min_value), b.max_value);
        int64_t m = bmax == kPosInf ? kPosInf : bmax - 1;
        if (m < 0) return everything();
        int64_t lo = a.min_value >= 0 ? 0 : std::max(detail::sat_neg(m), a.min_value);
        int64_t hi = a.max_value <= 0 ? 0 : std::min(m, a.max_value);
        return make_bound(lo, hi);
      }
      case NodeKind::Min: {
        const auto* n = e.as<MinNode>();
        ConstIntBound a = eval(n->a), b = eval(n->b);
        return make_bound(std::min(a.min_value, b.min_value), std::min(a.max_value, b.max_value));
      }
      case NodeKind::Max: {
        const auto* n = e.as<MaxNode>();
        ConstIntBound a = eval(n->a), b = eval(n->b);
        return make_bound(std::max(a.min_value, b.min_value), std::max(a.max_value, b.max_value));
      }
      case NodeKind::Select: {
        const auto* n = e.as<SelectNode>();
        ConstIntBound c = eval(n->condition);
        if (c.min_value == 1) return eval(n->true_value);
        if (c.max_value == 0) return eval(n->false_value);
        return bound_union(eval(n->true_value), eval(n->false_value));
      }
      case NodeKind::Cast: {
        const auto* n = e.as<CastNode>();
        DataType from = n->value.dtype();
        if (from.is_integer() || from.is_bool()) return eval(n->value);  // clamp_to handles narrowing.
        return ConstIntBound::of_dtype(e.dtype());
      }
      case NodeKind::Call: {
        const auto* n = e.as<CallNode>();
        if (n->op == Intrinsic::if_then_else) return bound_union(eval(n->args[1]), eval(n->args[2]));
        return ConstIntBound::of_dtype(e.dtype());
      }
      default:
        return ConstIntBound::of_dtype(e.dtype());
    }
  }

  /// Bound of a / b, floor or truncating.
  static ConstIntBound div_bound(const ConstIntBound& a, const ConstIntBound& b, bool floor) {
    auto div = [floor](int64_t x, int64_t c) {
      return floor ? detail::sat_floordiv(x, c) : detail::sat_truncdiv(x, c);
    };
    if (b.is_const() && b.min_value > 0)
      return make_bound(div(a.min_value, b.min_value), div(a.max_value, b.min_value));
    if (b.is_const() && b.min_value < 0 && b.min_value != kNegInf) {
      // a / c == (-a) / (-c) for both roundings.
      int64_t c = -b.min_value;
      return make_bound(div(detail::sat_neg(a.max_value), c), div(detail::sat_neg(a.min_value), c));
    }
    if (b.min_value > 0) {
      // Positive divisor: |a / b| <= |a| (floor may reach a.min when negative).
      int64_t lo = a.min_value >= 0 ? 0 : a.min_value;
      int64_t hi = a.max_value <= 0 ? 0 : a.max_value;
      return make_bound(lo, hi);
    }
    return everything();
  }

  const Analyzer& analyzer_;
};

}  // namespace

ConstIntBound ConstIntBound::of_dtype(DataType t) {
  if (t.is_bool()) return {0, 1};
  if (!t.is_integer() || t.bits() >= 64) {
    if (t.is_uint()) return {0, kPosInf};
    return {kNegInf, kPosInf};
  }
  if (t.is_uint()) return {0, (int64_t{1} << t.bits()) - 1};
  return {-(int64_t{1} << (t.bits() - 1)), (int64_t{1} << (t.bits() - 1)) - 1};
}

ConstIntBound Analyzer::const_int_bound(const Expr& e) { return BoundEvaluator(*this).eval(e); }

}  // namespace loom::arith
