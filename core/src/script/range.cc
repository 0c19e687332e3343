// Reading and writing ranges as begin/end pairs, shared by the parser and the printer so
// that the two always agree.
#include "range.h"

#include "loom/arith/analyzer.h"
#include "loom/ir/ir.h"

namespace loom::script::detail {

using namespace loom::ir;

namespace {

bool same(const Expr& a, const Expr& b) {
  StructuralEqualOptions exact;
  exact.map_free_vars = false;
  return a.same_as(b) || structural_equal(a, b, exact);
}

}  // namespace

Range range_from_begin_end(Expr begin, Expr end) {
  match_types(&begin, &end);
  if (!begin.dtype().is_integer() || !begin.dtype().is_scalar()) {
    throw UserError("range bounds must be integers, got " + begin.dtype().to_string());
  }
  auto b = as_const_int(begin), e = as_const_int(end);
  if (b && e) return Range::from_min_extent(begin, make_const(begin.dtype(), *e - *b));
  if (b && *b == 0) return Range::from_min_extent(begin, end);
  if (const auto* add = end.as<AddNode>(); add && same(add->a, begin)) return Range::from_min_extent(begin, add->b);
  return Range::from_min_extent(begin, arith::Analyzer().simplify(SubNode::make(end, begin)));
}

Expr range_end_for_print(const Range& r) {
  auto mn = as_const_int(r.min), ext = as_const_int(r.extent);
  if (mn && ext) return make_const(r.min.dtype(), *mn + *ext);
  if (mn && *mn == 0) return r.extent;
  Expr plain = AddNode::make(r.min, r.extent);
  try {
    Expr simple = arith::Analyzer().simplify(plain);
    if (same(range_from_begin_end(r.min, simple).extent, r.extent)) return simple;
  } catch (const UserError&) {
  }
  return plain;
}

}  // namespace loom::script::detail
