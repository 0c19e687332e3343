// The analyzer's state (known variables) and the prover built on the simplifier.
#include "loom/arith/analyzer.h"

#include "fmt/format.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/printer.h"

namespace loom::arith {

using namespace loom::ir;

void Analyzer::bind(const Var& var, const Range& range) {
  LOOM_ICHECK(var.defined() && range.min.defined() && range.extent.defined(), "bind: undefined variable or range");
  if (!var.dtype().is_integer() || !range.min.dtype().is_integer() || !range.extent.dtype().is_integer())
    throw UserError(fmt::format("cannot bind variable {} of dtype {} to a range: ranges are for integers", var.name(),
                                var.dtype().to_string()));
  VarInfo info;
  info.range = range;
  ConstIntBound lo = const_int_bound(range.min);
  Expr last = simplify(range.min + range.extent - make_const(range.extent.dtype(), int64_t{1}));
  ConstIntBound hi = const_int_bound(last);
  info.bound = {lo.min_value, hi.max_value};
  vars_[var] = std::move(info);
}

void Analyzer::bind(const Var& var, const Expr& value) {
  LOOM_ICHECK(var.defined() && value.defined(), "bind: undefined variable or value");
  if (var.dtype() != value.dtype())
    throw UserError(fmt::format("cannot bind variable {} of dtype {} to a value of dtype {}", var.name(),
                                var.dtype().to_string(), value.dtype().to_string()));
  VarInfo info;
  info.value = simplify(value);
  info.bound = const_int_bound(info.value);
  vars_[var] = std::move(info);
}

void Analyzer::unbind(const Var& var) { vars_.erase(var); }

const Analyzer::VarInfo* Analyzer::lookup(const Var& var) const {
  auto it = vars_.find(var);
  return it == vars_.end() ? nullptr : &it->second;
}

bool Analyzer::can_prove(const Expr& cond) {
  if (!cond.defined() || !cond.dtype().is_bool() || !cond.dtype().is_scalar()) return false;
  return is_const_true(simplify(cond));
}

bool Analyzer::can_prove_equal(const Expr& a, const Expr& b) {
  if (!a.defined() || !b.defined() || a.dtype() != b.dtype()) return false;
  if (!a.dtype().is_integer()) return false;
  return can_prove(eq(a, b));
}

}  // namespace loom::arith
