// The affine normal form: parsing sums and building canonical expressions.
#include "linear_form.h"

#include <algorithm>

#include "expr_order.h"
#include "int_ops.h"

namespace loom::arith::detail {

namespace {

using namespace loom::ir;

int64_t wrap_add(DataType t, int64_t a, int64_t b) {
  return wrap_to(t, static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)));
}
int64_t wrap_mul(DataType t, int64_t a, int64_t b) {
  return wrap_to(t, static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)));
}

Expr make_imm(DataType t, int64_t v) { return IntImmNode::make(t, wrap_to(t, v)); }

void collect(const Expr& e, int64_t coef, LinearForm* out) {
  DataType t = out->dtype;
  switch (e->kind()) {
    case NodeKind::IntImm:
      out->constant = wrap_add(t, out->constant, wrap_mul(t, coef, e.as<IntImmNode>()->value));
      return;
    case NodeKind::Add: {
      const auto* n = e.as<AddNode>();
      collect(n->a, coef, out);
      collect(n->b, coef, out);
      return;
    }
    case NodeKind::Sub: {
      const auto* n = e.as<SubNode>();
      collect(n->a, coef, out);
      collect(n->b, wrap_mul(t, coef, -1), out);
      return;
    }
    case NodeKind::Mul: {
      const auto* n = e.as<MulNode>();
      if (const auto* c = n->b.as<IntImmNode>()) {
        collect(n->a, wrap_mul(t, coef, c->value), out);
        return;
      }
      if (const auto* c = n->a.as<IntImmNode>()) {
        collect(n->b, wrap_mul(t, coef, c->value), out);
        return;
      }
      break;
    }
    default:
      break;
  }
  out->add_term(e, coef);
}

}  // namespace

void LinearForm::add_term(const Expr& term, int64_t coef) {
  coef = wrap_to(dtype, coef);
  if (coef == 0) return;
  auto it = std::lower_bound(terms.begin(), terms.end(), term, [](const std::pair<Expr, int64_t>& p, const Expr& t) {
    return compare_expr(p.first, t) < 0;
  });
  if (it != terms.end() && compare_expr(it->first, term) == 0) {
    it->second = wrap_add(dtype, it->second, coef);
    if (it->second == 0) terms.erase(it);
    return;
  }
  terms.insert(it, {term, coef});
}

void LinearForm::add(const LinearForm& other, int64_t factor) {
  for (const auto& [term, coef] : other.terms) add_term(term, wrap_mul(dtype, coef, factor));
  constant = wrap_add(dtype, constant, wrap_mul(dtype, other.constant, factor));
}

void LinearForm::scale(int64_t factor) {
  factor = wrap_to(dtype, factor);
  if (factor == 0) {
    terms.clear();
    constant = 0;
    return;
  }
  std::vector<std::pair<Expr, int64_t>> scaled;
  for (auto& [term, coef] : terms) {
    int64_t c = wrap_mul(dtype, coef, factor);
    if (c != 0) scaled.emplace_back(term, c);
  }
  terms = std::move(scaled);
  constant = wrap_mul(dtype, constant, factor);
}

LinearForm to_linear(const Expr& e) {
  LinearForm form;
  form.dtype = e.dtype();
  collect(e, 1, &form);
  return form;
}

Expr from_linear(const LinearForm& form) {
  DataType t = form.dtype;
  Expr acc;
  auto scaled = [&](const Expr& term, int64_t coef) {
    return coef == 1 ? term : MulNode::make(term, make_imm(t, coef));
  };
  for (const auto& [term, coef] : form.terms) {
    if (coef <= 0) continue;
    acc = acc.defined() ? AddNode::make(acc, scaled(term, coef)) : scaled(term, coef);
  }
  for (const auto& [term, coef] : form.terms) {
    if (coef > 0) continue;
    // -coef wraps for the most negative coefficient; then keep the term added as is.
    int64_t neg = wrap_to(t, -coef);
    if (acc.defined() && neg > 0) {
      acc = SubNode::make(acc, scaled(term, neg));
    } else {
      acc = acc.defined() ? AddNode::make(acc, scaled(term, coef)) : scaled(term, coef);
    }
  }
  if (!acc.defined()) return make_imm(t, form.constant);
  if (form.constant > 0) return AddNode::make(acc, make_imm(t, form.constant));
  if (form.constant < 0) {
    int64_t neg = wrap_to(t, -form.constant);
    if (neg > 0) return SubNode::make(acc, make_imm(t, neg));
    return AddNode::make(acc, make_imm(t, form.constant));
  }
  return acc;
}

}  // namespace loom::arith::detail
