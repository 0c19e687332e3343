// Interval evaluation of integer expressions over relaxed variables, with symbolic ends.
#include "loom/arith/interval.h"

#include <functional>

#include "expr_order.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/visitor.h"

namespace loom::arith {

namespace {

using namespace loom::ir;

bool mentions_any(const Expr& e, const VarIntervalMap& dom) {
  if (dom.empty()) return false;
  bool found = false;
  post_order_visit(e, [&](const Object* node) {
    if (found || node->kind() != NodeKind::Var) return;
    if (dom.count(Var(static_cast<const VarNode*>(node)))) found = true;
  });
  return found;
}

class IntervalEvaluator {
 public:
  IntervalEvaluator(const VarIntervalMap& dom, Analyzer* analyzer) : dom_(dom), an_(analyzer) {}

  Interval eval(const Expr& e) {
    if (!mentions_any(e, dom_)) return point(e);
    DataType t = e.dtype();
    if (!t.is_integer() || !t.is_scalar()) return Interval::everything();
    switch (e->kind()) {
      case NodeKind::Var:
        return dom_.at(Var(e.as<VarNode>()));
      case NodeKind::Add: {
        const auto* n = e.as<AddNode>();
        Interval a = eval(n->a), b = eval(n->b);
        return {both(a.min, b.min, [](const Expr& x, const Expr& y) { return x + y; }),
                both(a.max, b.max, [](const Expr& x, const Expr& y) { return x + y; })};
      }
      case NodeKind::Sub: {
        const auto* n = e.as<SubNode>();
        Interval a = eval(n->a), b = eval(n->b);
        return {both(a.min, b.max, [](const Expr& x, const Expr& y) { return x - y; }),
                both(a.max, b.min, [](const Expr& x, const Expr& y) { return x - y; })};
      }
      case NodeKind::Mul: {
        const auto* n = e.as<MulNode>();
        return mul(eval(n->a), eval(n->b));
      }
      case NodeKind::FloorDiv:
      case NodeKind::Div: {
        Expr a_op = e->kind() == NodeKind::Div ? e.as<DivNode>()->a : e.as<FloorDivNode>()->a;
        Expr b_op = e->kind() == NodeKind::Div ? e.as<DivNode>()->b : e.as<FloorDivNode>()->b;
        return div(eval(a_op), eval(b_op), e->kind() == NodeKind::FloorDiv);
      }
      case NodeKind::FloorMod:
      case NodeKind::Mod: {
        Expr a_op = e->kind() == NodeKind::Mod ? e.as<ModNode>()->a : e.as<FloorModNode>()->a;
        Expr b_op = e->kind() == NodeKind::Mod ? e.as<ModNode>()->b : e.as<FloorModNode>()->b;
        return mod(eval(a_op), eval(b_op), e->kind() == NodeKind::FloorMod);
      }
      case NodeKind::Min: {
        const auto* n = e.as<MinNode>();
        Interval a = eval(n->a), b = eval(n->b);
        // An unbounded lower end stays unbounded; an unbounded upper end yields the other.
        Expr lo = both(a.min, b.min, [](const Expr& x, const Expr& y) { return ir::min(x, y); });
        Expr hi = !a.max.defined() ? b.max : (!b.max.defined() ? a.max : simplify(ir::min(a.max, b.max)));
        return {lo, hi};
      }
      case NodeKind::Max: {
        const auto* n = e.as<MaxNode>();
        Interval a = eval(n->a), b = eval(n->b);
        Expr lo = !a.min.defined() ? b.min : (!b.min.defined() ? a.min : simplify(ir::max(a.min, b.min)));
        Expr hi = both(a.max, b.max, [](const Expr& x, const Expr& y) { return ir::max(x, y); });
        return {lo, hi};
      }
      case NodeKind::Select: {
        const auto* n = e.as<SelectNode>();
        return interval_union(eval(n->true_value), eval(n->false_value), an_);
      }
      case NodeKind::Call: {
        const auto* n = e.as<CallNode>();
        if (n->op == Intrinsic::if_then_else) return interval_union(eval(n->args[1]), eval(n->args[2]), an_);
        return Interval::everything();
      }
      case NodeKind::Cast: {
        const auto* n = e.as<CastNode>();
        DataType from = n->value.dtype();
        // Widening within the same signedness keeps every value.
        if (from.is_integer() && from.code() == t.code() && t.bits() >= from.bits()) {
          Interval v = eval(n->value);
          return {v.min.defined() ? simplify(cast(t, v.min)) : Expr(),
                  v.max.defined() ? simplify(cast(t, v.max)) : Expr()};
        }
        return Interval::everything();
      }
      default:
        return Interval::everything();
    }
  }

 private:
  Interval point(const Expr& e) {
    Expr s = simplify(e);
    return {s, s};
  }

  Expr simplify(const Expr& e) { return an_->simplify(e); }

  template <typename F>
  Expr both(const Expr& x, const Expr& y, F f) {
    if (!x.defined() || !y.defined()) return Expr();
    return simplify(f(x, y));
  }

  bool nonneg(const Expr& e) { return e.defined() && an_->const_int_bound(e).min_value >= 0; }
  bool nonpos(const Expr& e) { return e.defined() && an_->const_int_bound(e).max_value <= 0; }
  bool positive(const Expr& e) { return e.defined() && an_->const_int_bound(e).min_value > 0; }
  bool negative(const Expr& e) { return e.defined() && an_->const_int_bound(e).max_value < 0; }

  Interval scale(const Interval& v, const Expr& p) {
    auto times = [&](const Expr& x) { return x.defined() ? simplify(x * p) : Expr(); };
    if (nonneg(p)) return {times(v.min), times(v.max)};
    if (nonpos(p)) return {times(v.max), times(v.min)};
    return Interval::everything();
  }

  Interval mul(const Interval& a, const Interval& b) {
    if (b.is_single_point()) return scale(a, b.min);
    if (a.is_single_point()) return scale(b, a.min);
    // Both relaxed: products of non-negative intervals are monotone.
    if (nonneg(a.min) && nonneg(b.min)) {
      return {simplify(a.min * b.min), a.max.defined() && b.max.defined() ? simplify(a.max * b.max) : Expr()};
    }
    // Constant ends: the extremes are among the corner products.
    auto ca = a.is_bounded() ? std::make_pair(as_const_int(a.min), as_const_int(a.max))
                             : std::make_pair(std::optional<int64_t>(), std::optional<int64_t>());
    auto cb = b.is_bounded() ? std::make_pair(as_const_int(b.min), as_const_int(b.max))
                             : std::make_pair(std::optional<int64_t>(), std::optional<int64_t>());
    if (ca.first && ca.second && cb.first && cb.second) {
      Expr c[4] = {a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max};
      Expr lo = c[0], hi = c[0];
      for (int i = 1; i < 4; ++i) {
        lo = ir::min(lo, c[i]);
        hi = ir::max(hi, c[i]);
      }
      return {simplify(lo), simplify(hi)};
    }
    return Interval::everything();
  }

  Interval div(const Interval& a, const Interval& b, bool floor) {
    if (!b.is_single_point()) return Interval::everything();
    const Expr& p = b.min;
    auto q = [&](const Expr& x) { return x.defined() ? simplify(floor ? floordiv(x, p) : truncdiv(x, p)) : Expr(); };
    // Division by a fixed divisor is monotone in the dividend (non-decreasing for a positive
    // divisor, non-increasing for a negative one), for both roundings.
    if (positive(p)) return {q(a.min), q(a.max)};
    if (negative(p)) return {q(a.max), q(a.min)};
    return Interval::everything();
  }

  Interval mod(const Interval& a, const Interval& b, bool floor) {
    if (!b.is_single_point() || !positive(b.min)) return Interval::everything();
    const Expr& p = b.min;
    DataType t = p.dtype();
    Expr one = make_const(t, int64_t{1});
    bool a_nonneg = nonneg(a.min);
    if ((floor || a_nonneg) && a.is_bounded()) {
      // Inside one period the remainder is the dividend shifted.
      if (an_->can_prove_equal(floordiv(a.min, p), floordiv(a.max, p)))
        return {simplify(floormod(a.min, p)), simplify(floormod(a.max, p))};
    }
    if (floor || a_nonneg) return {make_const(t, int64_t{0}), simplify(p - one)};
    return {simplify(one - p), simplify(p - one)};
  }

  const VarIntervalMap& dom_;
  Analyzer* an_;
};

}  // namespace

bool Interval::is_single_point() const { return min.defined() && max.defined() && detail::same_expr(min, max); }

Interval Interval::from_range(const Range& range, Analyzer* analyzer) {
  Analyzer local;
  Analyzer* an = analyzer ? analyzer : &local;
  Expr last = range.min + range.extent - make_const(range.extent.dtype(), int64_t{1});
  return {an->simplify(range.min), an->simplify(last)};
}

Interval eval_interval(const Expr& e, const VarIntervalMap& dom, Analyzer* analyzer) {
  Analyzer local;
  return IntervalEvaluator(dom, analyzer ? analyzer : &local).eval(e);
}

Interval interval_union(const Interval& a, const Interval& b, Analyzer* analyzer) {
  Analyzer local;
  Analyzer* an = analyzer ? analyzer : &local;
  Expr lo = a.min.defined() && b.min.defined() ? an->simplify(ir::min(a.min, b.min)) : Expr();
  Expr hi = a.max.defined() && b.max.defined() ? an->simplify(ir::max(a.max, b.max)) : Expr();
  return {lo, hi};
}

Interval interval_intersect(const Interval& a, const Interval& b, Analyzer* analyzer) {
  Analyzer local;
  Analyzer* an = analyzer ? analyzer : &local;
  Expr lo = !a.min.defined() ? b.min : (!b.min.defined() ? a.min : an->simplify(ir::max(a.min, b.min)));
  Expr hi = !a.max.defined() ? b.max : (!b.max.defined() ? a.max : an->simplify(ir::min(a.max, b.max)));
  return {lo, hi};
}

Range interval_to_range(const Interval& interval, const Range* fallback, Analyzer* analyzer) {
  Analyzer local;
  Analyzer* an = analyzer ? analyzer : &local;
  Expr lo = interval.min, hi = interval.max;
  if (!lo.defined() || !hi.defined()) {
    LOOM_ICHECK(fallback != nullptr, "interval_to_range: unbounded interval without a fallback range");
    if (!lo.defined()) lo = fallback->min;
    if (!hi.defined()) hi = fallback->min + fallback->extent - make_const(fallback->extent.dtype(), int64_t{1});
  }
  Expr extent = an->simplify(hi - lo + make_const(hi.dtype(), int64_t{1}));
  return Range::from_min_extent(an->simplify(lo), extent);
}

std::vector<Range> relax_region(const std::vector<Expr>& indices, const VarIntervalMap& relaxed,
                                const std::vector<Expr>& shape, Analyzer* analyzer) {
  Analyzer local;
  Analyzer* an = analyzer ? analyzer : &local;
  std::vector<Range> region;
  region.reserve(indices.size());
  for (size_t d = 0; d < indices.size(); ++d) {
    Interval iv = eval_interval(indices[d], relaxed, an);
    if (iv.is_bounded()) {
      region.push_back(interval_to_range(iv, nullptr, an));
      continue;
    }
    LOOM_ICHECK(d < shape.size(), "relax_region: unbounded index without a buffer shape");
    DataType t = indices[d].dtype();
    Range whole = Range::from_min_extent(make_const(t, int64_t{0}), cast(t, shape[d]));
    region.push_back(interval_to_range(iv, &whole, an));
  }
  return region;
}

}  // namespace loom::arith
