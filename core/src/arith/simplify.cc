// The simplifier: one bottom-up pass that puts integer index expressions in affine normal
// form and applies rewrite rules that the analyzer's known ranges decide.
//
// Every rule is an identity under the semantics of loom/ir/expr.h, given that signed index
// arithmetic (int32 / int64) does not overflow. Rules that reason about division or bounds
// only fire on those index types; the affine normal form itself is exact under wrap-around
// (it only reorders +, - and *), so it applies to every signed integer dtype.
#include <algorithm>

#include "const_fold.h"
#include "expr_order.h"
#include "int_ops.h"
#include "linear_form.h"
#include "loom/arith/analyzer.h"

namespace loom::arith {

namespace {

using namespace loom::ir;
using detail::compare_expr;
using detail::from_linear;
using detail::LinearForm;
using detail::same_expr;
using detail::to_linear;

/// How many times the div/mod merge of a sum is retried (it can enable itself).
constexpr int kMaxMergeRounds = 8;

Expr imm(DataType t, int64_t v) { return IntImmNode::make(t, detail::wrap_to(t, v)); }
Expr bool_imm(bool v) { return IntImmNode::make(DataType::Bool(), v ? 1 : 0); }

bool is_signed_scalar(DataType t) { return t.is_int() && t.is_scalar(); }

std::optional<int64_t> const_of(const Expr& e) {
  if (const auto* n = e.as<IntImmNode>()) return n->value;
  return std::nullopt;
}

bool finite(const ConstIntBound& b) {
  return b.min_value != ConstIntBound::kNegInf && b.max_value != ConstIntBound::kPosInf;
}

class Simplifier {
 public:
  explicit Simplifier(Analyzer* analyzer) : analyzer_(analyzer) {}

  Expr visit(const Expr& e) {
    if (!e.defined()) return e;
    switch (e->kind()) {
      case NodeKind::IntImm:
      case NodeKind::FloatImm:
        return e;
      case NodeKind::Var: {
        const Analyzer::VarInfo* info = analyzer_->lookup(Var(e.as<VarNode>()));
        if (info && info->value.defined()) return info->value;
        return e;
      }
      case NodeKind::BufferLoad: {
        const auto* n = e.as<BufferLoadNode>();
        bool changed = false;
        std::vector<Expr> indices = visit_all(n->indices, &changed);
        return changed ? BufferLoadNode::make(n->buffer, std::move(indices)) : e;
      }
      case NodeKind::Call: {
        const auto* n = e.as<CallNode>();
        bool changed = false;
        std::vector<Expr> args = visit_all(n->args, &changed);
        if (n->op == Intrinsic::if_then_else) {
          if (auto c = const_of(args[0]); c && args[0].dtype().is_scalar()) return *c ? args[1] : args[2];
        }
        return changed ? CallNode::make(n->op, std::move(args)) : e;
      }
      case NodeKind::Ramp: {
        const auto* n = e.as<RampNode>();
        Expr base = visit(n->base), stride = visit(n->stride);
        if (base.same_as(n->base) && stride.same_as(n->stride)) return e;
        return RampNode::make(base, stride, n->lanes);
      }
      case NodeKind::Broadcast: {
        const auto* n = e.as<BroadcastNode>();
        Expr value = visit(n->value);
        return value.same_as(n->value) ? e : BroadcastNode::make(value, n->lanes);
      }
      case NodeKind::Cast:
        return visit_cast(e);
      case NodeKind::Not:
        return visit_not(e);
      case NodeKind::Select:
        return visit_select(e);
      case NodeKind::Add:
        return binary<AddNode>(e);
      case NodeKind::Sub:
        return binary<SubNode>(e);
      case NodeKind::Mul:
        return binary<MulNode>(e);
      case NodeKind::Div:
        return binary<DivNode>(e);
      case NodeKind::Mod:
        return binary<ModNode>(e);
      case NodeKind::FloorDiv:
        return binary<FloorDivNode>(e);
      case NodeKind::FloorMod:
        return binary<FloorModNode>(e);
      case NodeKind::Min:
        return binary<MinNode>(e);
      case NodeKind::Max:
        return binary<MaxNode>(e);
      case NodeKind::EQ:
        return binary<EQNode>(e);
      case NodeKind::NE:
        return binary<NENode>(e);
      case NodeKind::LT:
        return binary<LTNode>(e);
      case NodeKind::LE:
        return binary<LENode>(e);
      case NodeKind::GT:
        return binary<GTNode>(e);
      case NodeKind::GE:
        return binary<GENode>(e);
      case NodeKind::And:
        return binary<AndNode>(e);
      case NodeKind::Or:
        return binary<OrNode>(e);
      default:
        return e;
    }
  }

 private:
  std::vector<Expr> visit_all(const std::vector<Expr>& exprs, bool* changed) {
    std::vector<Expr> out;
    out.reserve(exprs.size());
    for (const Expr& x : exprs) {
      out.push_back(visit(x));
      if (!out.back().same_as(x)) *changed = true;
    }
    return out;
  }

  ConstIntBound bound(const Expr& e) { return analyzer_->const_int_bound(e); }

  template <typename Node>
  Expr binary(const Expr& e) {
    const auto* n = e.as<Node>();
    Expr a = visit(n->a), b = visit(n->b);
    Expr r = rewrite(Node::kKind, a, b);
    if (!r.defined()) r = (a.same_as(n->a) && b.same_as(n->b)) ? e : Node::make(a, b);
    // An index expression whose bound is a single value is that value.
    if (detail::is_index_type(r.dtype()) && !r.template is<IntImmNode>()) {
      ConstIntBound rb = bound(r);
      if (rb.is_const()) return imm(r.dtype(), rb.min_value);
    }
    return r;
  }

  /// The rewritten form of kind(a, b) for simplified operands, or null to keep the node.
  Expr rewrite(NodeKind kind, const Expr& a, const Expr& b) {
    if (auto folded = detail::fold_binary(kind, a, b)) return *folded;
    DataType t = a.dtype();
    switch (kind) {
      case NodeKind::And:
      case NodeKind::Or:
        return rewrite_logic(kind, a, b);
      default:
        break;
    }
    if (!t.is_scalar()) return Expr();
    bool index = detail::is_index_type(t);
    switch (kind) {
      case NodeKind::Add:
      case NodeKind::Sub:
      case NodeKind::Mul:
        if (is_signed_scalar(t)) return rewrite_affine(kind, a, b);
        return rewrite_identity(kind, a, b);
      case NodeKind::FloorDiv:
        if (index) return rewrite_floordiv(a, b);
        return is_const_int_value(b, 1) ? a : Expr();
      case NodeKind::FloorMod:
        if (index) return rewrite_floormod(a, b);
        return is_const_int_value(b, 1) && t.is_integer() ? imm(t, 0) : Expr();
      case NodeKind::Div:
      case NodeKind::Mod:
        if (index) {
          // Truncating and flooring division agree when the dividend is non-negative and
          // the divisor positive.
          auto c = const_of(b);
          if (c && *c > 0 && bound(a).min_value >= 0)
            return kind == NodeKind::Div ? rewrite_floordiv(a, b) : rewrite_floormod(a, b);
        }
        if (t.is_integer() && is_const_int_value(b, 1)) return kind == NodeKind::Div ? a : imm(t, 0);
        return Expr();
      case NodeKind::Min:
      case NodeKind::Max:
        return rewrite_minmax(kind, a, b);
      case NodeKind::EQ:
      case NodeKind::NE:
      case NodeKind::LT:
      case NodeKind::LE:
      case NodeKind::GT:
      case NodeKind::GE:
        return rewrite_compare(kind, a, b);
      default:
        return Expr();
    }
  }

  static bool is_const_int_value(const Expr& e, int64_t v) {
    auto c = const_of(e);
    return c && *c == v;
  }

  /// Identities that hold under wrap-around for unsigned integers and floats are limited:
  /// x + 0 and x * 1 for integers only (x + 0.0 flips -0.0).
  Expr rewrite_identity(NodeKind kind, const Expr& a, const Expr& b) {
    if (!a.dtype().is_integer()) return Expr();
    if ((kind == NodeKind::Add || kind == NodeKind::Sub) && is_const_int_value(b, 0)) return a;
    if (kind == NodeKind::Add && is_const_int_value(a, 0)) return b;
    if (kind == NodeKind::Mul && is_const_int_value(b, 1)) return a;
    if (kind == NodeKind::Mul && is_const_int_value(a, 1)) return b;
    return Expr();
  }

  // ---- affine normal form ---------------------------------------------------------------

  Expr rewrite_affine(NodeKind kind, const Expr& a, const Expr& b) {
    LinearForm la = to_linear(a), lb = to_linear(b);
    if (kind == NodeKind::Add) {
      la.add(lb);
      return finish_linear(std::move(la));
    }
    if (kind == NodeKind::Sub) {
      la.add(lb, -1);
      return finish_linear(std::move(la));
    }
    // Mul: scale when one side is constant; otherwise a product term with its coefficient
    // pulled out when each side is a single scaled term.
    if (lb.is_const()) {
      la.scale(lb.constant);
      return finish_linear(std::move(la));
    }
    if (la.is_const()) {
      lb.scale(la.constant);
      return finish_linear(std::move(lb));
    }
    Expr ta = a, tb = b;
    int64_t coef = 1;
    if (la.terms.size() == 1 && la.constant == 0 && lb.terms.size() == 1 && lb.constant == 0) {
      ta = la.terms[0].first;
      tb = lb.terms[0].first;
      coef = detail::wrap_to(a.dtype(), static_cast<int64_t>(static_cast<uint64_t>(la.terms[0].second) *
                                                             static_cast<uint64_t>(lb.terms[0].second)));
    }
    if (compare_expr(ta, tb) > 0) std::swap(ta, tb);
    LinearForm out;
    out.dtype = a.dtype();
    out.add_term(MulNode::make(ta, tb), coef);
    return from_linear(out);
  }

  /// Applies the sum-level rules (floordiv/floormod recombination) and builds the
  /// canonical expression.
  Expr finish_linear(LinearForm form) {
    if (detail::is_index_type(form.dtype)) merge_div_mod(&form);
    return from_linear(form);
  }

  /// k * c * (X // c) + k * (X % c)  ->  k * X, for constant c > 0.
  void merge_div_mod(LinearForm* form) {
    for (int round = 0; round < kMaxMergeRounds; ++round) {
      bool merged = false;
      for (size_t i = 0; i < form->terms.size() && !merged; ++i) {
        const auto* div = form->terms[i].first.as<FloorDivNode>();
        if (!div) continue;
        auto c = const_of(div->b);
        if (!c || *c <= 0) continue;
        int64_t div_coef = form->terms[i].second;
        for (size_t j = 0; j < form->terms.size(); ++j) {
          const auto* mod = form->terms[j].first.as<FloorModNode>();
          if (!mod || !is_const_int_value(mod->b, *c) || !same_expr(mod->a, div->a)) continue;
          int64_t mod_coef = form->terms[j].second;
          auto product = detail::checked_mul(mod_coef, *c);
          if (!product || *product != div_coef) continue;
          Expr x = div->a;
          Expr div_term = form->terms[i].first, mod_term = form->terms[j].first;
          form->add_term(div_term, -div_coef);
          form->add_term(mod_term, -mod_coef);
          form->add(to_linear(x), mod_coef);
          merged = true;
          break;
        }
      }
      if (!merged) return;
    }
  }

  // ---- division -------------------------------------------------------------------------

  Expr rewrite_floordiv(const Expr& a, const Expr& b) {
    DataType t = a.dtype();
    auto c = const_of(b);
    if (!c || *c == 0) return Expr();
    if (*c == 1) return a;
    if (*c < 0) {
      if (*c == std::numeric_limits<int64_t>::min()) return Expr();
      // floor(a / c) == floor(-a / -c).
      LinearForm neg = to_linear(a);
      neg.scale(-1);
      Expr na = finish_linear(std::move(neg));
      Expr r = rewrite_floordiv(na, imm(t, -*c));
      return r.defined() ? r : FloorDivNode::make(na, imm(t, -*c));
    }
    int64_t d = *c;
    LinearForm la = to_linear(a);
    // floor((d * Q + R) / d) == Q + floor(R / d).
    LinearForm quotient, rest;
    quotient.dtype = rest.dtype = t;
    for (const auto& [term, coef] : la.terms) {
      if (coef % d == 0) {
        quotient.add_term(term, coef / d);
      } else {
        rest.add_term(term, coef);
      }
    }
    quotient.constant = detail::floordiv_i64(la.constant, d);
    rest.constant = detail::floormod_i64(la.constant, d);
    if (!rest.is_const()) {
      Expr rest_expr = from_linear(rest);
      ConstIntBound rb = bound(rest_expr);
      if (finite(rb) && detail::floordiv_i64(rb.min_value, d) == detail::floordiv_i64(rb.max_value, d)) {
        quotient.constant += detail::floordiv_i64(rb.min_value, d);
      } else {
        quotient.add_term(floordiv_term(std::move(rest), d), 1);
      }
    }
    return finish_linear(std::move(quotient));
  }

  /// floor(rest / d) as a single term, for a rest that bounds do not decide.
  Expr floordiv_term(LinearForm rest, int64_t d) {
    DataType t = rest.dtype;
    int64_t g = common_factor(rest, d);
    if (g > 1) {
      // floor(g * R' / (g * d')) == floor(R' / d').
      for (auto& term : rest.terms) term.second /= g;
      rest.constant /= g;
      d /= g;
      if (d == 1) return from_linear(rest);
    }
    // floor(floor(x / d1) / d) == floor(x / (d1 * d)) for positive d1, d.
    if (rest.terms.size() == 1 && rest.constant == 0 && rest.terms[0].second == 1) {
      if (const auto* inner = rest.terms[0].first.as<FloorDivNode>()) {
        auto d1 = const_of(inner->b);
        if (d1 && *d1 > 0) {
          auto prod = detail::checked_mul(*d1, d);
          if (prod && detail::wrap_to(t, *prod) == *prod) return FloorDivNode::make(inner->a, imm(t, *prod));
        }
      }
    }
    return FloorDivNode::make(from_linear(rest), imm(t, d));
  }

  /// gcd of all coefficients, the constant and d (at least 1).
  static int64_t common_factor(const LinearForm& form, int64_t d) {
    int64_t g = d;
    for (const auto& term : form.terms) {
      if (term.second == std::numeric_limits<int64_t>::min()) return 1;
      g = detail::gcd_i64(g, term.second);
    }
    if (form.constant == std::numeric_limits<int64_t>::min()) return 1;
    g = detail::gcd_i64(g, form.constant);
    return g == 0 ? 1 : g;
  }

  Expr rewrite_floormod(const Expr& a, const Expr& b) {
    DataType t = a.dtype();
    auto c = const_of(b);
    if (!c || *c == 0) return Expr();
    if (*c == 1 || *c == -1) return imm(t, 0);
    if (*c < 0) return Expr();
    int64_t d = *c;
    LinearForm la = to_linear(a);
    // (d * Q + R) mod d == R mod d.
    LinearForm rest;
    rest.dtype = t;
    for (const auto& [term, coef] : la.terms)
      if (coef % d != 0) rest.add_term(term, coef);
    rest.constant = la.constant;
    if (rest.is_const()) return imm(t, detail::floormod_i64(rest.constant, d));
    // When R stays inside one period [k*d, k*d + d), R mod d == R - k*d.
    ConstIntBound rb = bound(from_linear(rest));
    if (finite(rb) && detail::floordiv_i64(rb.min_value, d) == detail::floordiv_i64(rb.max_value, d)) {
      rest.constant -= detail::floordiv_i64(rb.min_value, d) * d;
      return from_linear(rest);
    }
    rest.constant = detail::floormod_i64(rest.constant, d);
    int64_t g = common_factor(rest, d);
    if (g > 1) {
      // (g * R') mod (g * d') == g * (R' mod d').
      for (auto& term : rest.terms) term.second /= g;
      rest.constant /= g;
      Expr inner = rewrite_floormod(from_linear(rest), imm(t, d / g));
      if (!inner.defined()) inner = FloorModNode::make(from_linear(rest), imm(t, d / g));
      LinearForm out = to_linear(inner);
      out.scale(g);
      return from_linear(out);
    }
    // (x mod m) mod d == x mod d when d divides m.
    if (rest.terms.size() == 1 && rest.constant == 0 && rest.terms[0].second == 1) {
      if (const auto* inner = rest.terms[0].first.as<FloorModNode>()) {
        auto m = const_of(inner->b);
        if (m && *m > 0 && *m % d == 0) {
          Expr r = rewrite_floormod(inner->a, imm(t, d));
          return r.defined() ? r : FloorModNode::make(inner->a, imm(t, d));
        }
      }
    }
    return FloorModNode::make(from_linear(rest), imm(t, d));
  }

  // ---- min / max ------------------------------------------------------------------------

  Expr rewrite_minmax(NodeKind kind, const Expr& a, const Expr& b) {
    bool is_min = kind == NodeKind::Min;
    if (same_expr(a, b)) return a;
    DataType t = a.dtype();
    if (!detail::is_index_type(t)) return Expr();
    // Decide by the sign of a - b, then by the separate bounds.
    ConstIntBound diff = bound(difference(a, b));
    if (diff.max_value <= 0) return is_min ? a : b;
    if (diff.min_value >= 0) return is_min ? b : a;
    ConstIntBound ba = bound(a), bb = bound(b);
    if (ba.max_value <= bb.min_value) return is_min ? a : b;
    if (bb.max_value <= ba.min_value) return is_min ? b : a;
    // min(min(x, c1), c2) -> min(x, min(c1, c2)), the same for max.
    Expr x = a, y = b;
    if (const_of(x) && !const_of(y)) std::swap(x, y);
    if (auto cy = const_of(y)) {
      Expr inner_a, inner_b;
      if (const auto* m = x.as<MinNode>(); m && is_min) inner_a = m->a, inner_b = m->b;
      if (const auto* m = x.as<MaxNode>(); m && !is_min) inner_a = m->a, inner_b = m->b;
      if (inner_a.defined()) {
        if (auto ci = const_of(inner_b)) {
          int64_t v = is_min ? std::min(*ci, *cy) : std::max(*ci, *cy);
          Expr r = rewrite_minmax(kind, inner_a, imm(t, v));
          if (r.defined()) return r;
          return is_min ? MinNode::make(inner_a, imm(t, v)) : MaxNode::make(inner_a, imm(t, v));
        }
      }
      return is_min ? MinNode::make(x, y) : MaxNode::make(x, y);
    }
    // Commutative: order the operands.
    if (compare_expr(x, y) > 0) std::swap(x, y);
    return is_min ? MinNode::make(x, y) : MaxNode::make(x, y);
  }

  Expr difference(const Expr& a, const Expr& b) {
    LinearForm la = to_linear(a);
    la.add(to_linear(b), -1);
    return finish_linear(std::move(la));
  }

  // ---- comparisons and logic ------------------------------------------------------------

  Expr rewrite_compare(NodeKind kind, const Expr& a, const Expr& b) {
    DataType t = a.dtype();
    if (same_expr(a, b) && (t.is_integer() || t.is_bool())) {
      bool eq = kind == NodeKind::EQ || kind == NodeKind::LE || kind == NodeKind::GE;
      return bool_imm(eq);
    }
    if (!detail::is_index_type(t)) return Expr();
    ConstIntBound d = bound(difference(a, b));
    std::optional<bool> decided;
    switch (kind) {
      case NodeKind::LT:
        if (d.max_value < 0) decided = true;
        if (d.min_value >= 0) decided = false;
        break;
      case NodeKind::LE:
        if (d.max_value <= 0) decided = true;
        if (d.min_value > 0) decided = false;
        break;
      case NodeKind::GT:
        if (d.min_value > 0) decided = true;
        if (d.max_value <= 0) decided = false;
        break;
      case NodeKind::GE:
        if (d.min_value >= 0) decided = true;
        if (d.max_value < 0) decided = false;
        break;
      case NodeKind::EQ:
        if (d.min_value == 0 && d.max_value == 0) decided = true;
        if (d.min_value > 0 || d.max_value < 0) decided = false;
        break;
      case NodeKind::NE:
        if (d.min_value == 0 && d.max_value == 0) decided = false;
        if (d.min_value > 0 || d.max_value < 0) decided = true;
        break;
      default:
        break;
    }
    if (decided) return bool_imm(*decided);
    return Expr();
  }

  Expr rewrite_logic(NodeKind kind, const Expr& a, const Expr& b) {
    if (!a.dtype().is_scalar()) return Expr();
    bool is_and = kind == NodeKind::And;
    auto ca = const_of(a), cb = const_of(b);
    // true && x -> x, false && x -> false; dually for ||.
    if (ca) return (*ca != 0) == is_and ? b : bool_imm(!is_and);
    if (cb) return (*cb != 0) == is_and ? a : bool_imm(!is_and);
    if (same_expr(a, b)) return a;
    // x && !x -> false, x || !x -> true.
    if (const auto* na = a.as<NotNode>(); na && same_expr(na->a, b)) return bool_imm(!is_and);
    if (const auto* nb = b.as<NotNode>(); nb && same_expr(nb->a, a)) return bool_imm(!is_and);
    // The same for integer comparisons, whose negation was already flipped (a < b, a >= b).
    Expr na = negated_compare(a);
    if (na.defined() && same_expr(na, b)) return bool_imm(!is_and);
    return Expr();
  }

  /// The flipped form of an integer comparison (a < b -> a >= b), or null.
  static Expr negated_compare(const Expr& e) {
    auto flip = [](auto* node, auto make) -> Expr {
      if (!node || !node->a.dtype().is_integer()) return Expr();
      return make(node->a, node->b);
    };
    Expr r;
    if (!r.defined()) r = flip(e.as<LTNode>(), [](const Expr& x, const Expr& y) { return GENode::make(x, y); });
    if (!r.defined()) r = flip(e.as<LENode>(), [](const Expr& x, const Expr& y) { return GTNode::make(x, y); });
    if (!r.defined()) r = flip(e.as<GTNode>(), [](const Expr& x, const Expr& y) { return LENode::make(x, y); });
    if (!r.defined()) r = flip(e.as<GENode>(), [](const Expr& x, const Expr& y) { return LTNode::make(x, y); });
    if (!r.defined()) r = flip(e.as<EQNode>(), [](const Expr& x, const Expr& y) { return NENode::make(x, y); });
    if (!r.defined()) r = flip(e.as<NENode>(), [](const Expr& x, const Expr& y) { return EQNode::make(x, y); });
    return r;
  }

  Expr visit_not(const Expr& e) {
    const auto* n = e.as<NotNode>();
    Expr a = visit(n->a);
    if (auto c = const_of(a); c && a.dtype().is_scalar()) return bool_imm(*c == 0);
    if (const auto* inner = a.as<NotNode>()) return inner->a;
    // Negated comparisons of integers flip (not for floats: NaN compares false both ways).
    if (Expr r = negated_compare(a); r.defined()) return r;
    return a.same_as(n->a) ? e : NotNode::make(a);
  }

  Expr visit_select(const Expr& e) {
    const auto* n = e.as<SelectNode>();
    Expr c = visit(n->condition), tv = visit(n->true_value), fv = visit(n->false_value);
    if (auto cv = const_of(c); cv && c.dtype().is_scalar()) return *cv ? tv : fv;
    if (same_expr(tv, fv)) return tv;
    if (c.same_as(n->condition) && tv.same_as(n->true_value) && fv.same_as(n->false_value)) return e;
    return SelectNode::make(c, tv, fv);
  }

  Expr visit_cast(const Expr& e) {
    const auto* n = e.as<CastNode>();
    Expr v = visit(n->value);
    if (v.dtype() == e.dtype()) return v;
    if (auto folded = detail::fold_cast(e.dtype(), v)) return *folded;
    return v.same_as(n->value) ? e : CastNode::make(e.dtype(), v);
  }

  Analyzer* analyzer_;
};

}  // namespace

Expr Analyzer::simplify(const Expr& e) { return Simplifier(this).visit(e); }

}  // namespace loom::arith
