// The total order on expressions used by canonical forms.
#include "expr_order.h"

#include <cstring>
#include <functional>
#include <string>

#include "loom/ir/visitor.h"

namespace loom::arith::detail {

namespace {

using namespace loom::ir;

int cmp_int(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

int cmp_dtype(DataType a, DataType b) {
  if (int c = cmp_int(static_cast<int>(a.code()), static_cast<int>(b.code()))) return c;
  if (int c = cmp_int(a.bits(), b.bits())) return c;
  return cmp_int(a.lanes(), b.lanes());
}

int cmp_ptr(const void* a, const void* b) { return std::less<const void*>()(a, b) ? -1 : (a == b ? 0 : 1); }

int cmp_exprs(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  if (int c = cmp_int(static_cast<int64_t>(a.size()), static_cast<int64_t>(b.size()))) return c;
  for (size_t i = 0; i < a.size(); ++i)
    if (int c = compare_expr(a[i], b[i])) return c;
  return 0;
}

template <NodeKind K>
int cmp_binary(const Expr& a, const Expr& b) {
  const auto* x = a.as<BinaryNode<K>>();
  const auto* y = b.as<BinaryNode<K>>();
  if (int c = compare_expr(x->a, y->a)) return c;
  return compare_expr(x->b, y->b);
}

}  // namespace

int compare_expr(const Expr& a, const Expr& b) {
  if (a.same_as(b)) return 0;
  if (!a.defined() || !b.defined()) return a.defined() ? 1 : -1;
  if (int c = cmp_int(static_cast<int>(a->kind()), static_cast<int>(b->kind()))) return c;
  if (int c = cmp_dtype(a.dtype(), b.dtype())) return c;
  switch (a->kind()) {
    case NodeKind::IntImm:
      return cmp_int(a.as<IntImmNode>()->value, b.as<IntImmNode>()->value);
    case NodeKind::FloatImm: {
      double x = a.as<FloatImmNode>()->value, y = b.as<FloatImmNode>()->value;
      if (x < y) return -1;
      if (x > y) return 1;
      // Equal values, or NaNs: fall back to the bit patterns so the order is total.
      int c = std::memcmp(&x, &y, sizeof x);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case NodeKind::Var: {
      const auto* x = a.as<VarNode>();
      const auto* y = b.as<VarNode>();
      if (int c = x->name.compare(y->name)) return c < 0 ? -1 : 1;
      return cmp_int(static_cast<int64_t>(x->serial), static_cast<int64_t>(y->serial));
    }
    case NodeKind::BufferLoad: {
      const auto* x = a.as<BufferLoadNode>();
      const auto* y = b.as<BufferLoadNode>();
      if (!x->buffer.same_as(y->buffer)) {
        if (int c = x->buffer->name.compare(y->buffer->name)) return c < 0 ? -1 : 1;
        return cmp_ptr(x->buffer.get(), y->buffer.get());
      }
      return cmp_exprs(x->indices, y->indices);
    }
    case NodeKind::Not:
      return compare_expr(a.as<NotNode>()->a, b.as<NotNode>()->a);
    case NodeKind::Select: {
      const auto* x = a.as<SelectNode>();
      const auto* y = b.as<SelectNode>();
      if (int c = compare_expr(x->condition, y->condition)) return c;
      if (int c = compare_expr(x->true_value, y->true_value)) return c;
      return compare_expr(x->false_value, y->false_value);
    }
    case NodeKind::Cast:
      return compare_expr(a.as<CastNode>()->value, b.as<CastNode>()->value);
    case NodeKind::Ramp: {
      const auto* x = a.as<RampNode>();
      const auto* y = b.as<RampNode>();
      if (int c = compare_expr(x->base, y->base)) return c;
      if (int c = compare_expr(x->stride, y->stride)) return c;
      return cmp_int(x->lanes, y->lanes);
    }
    case NodeKind::Broadcast: {
      const auto* x = a.as<BroadcastNode>();
      const auto* y = b.as<BroadcastNode>();
      if (int c = compare_expr(x->value, y->value)) return c;
      return cmp_int(x->lanes, y->lanes);
    }
    case NodeKind::Call: {
      const auto* x = a.as<CallNode>();
      const auto* y = b.as<CallNode>();
      if (int c = cmp_int(static_cast<int>(x->op), static_cast<int>(y->op))) return c;
      return cmp_exprs(x->args, y->args);
    }
#define LOOM_X(T)   \
  case NodeKind::T: \
    return cmp_binary<NodeKind::T>(a, b);
      LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
      LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
      LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
    default:
      return cmp_ptr(a.get(), b.get());
  }
}

int expr_size(const Expr& e, int cap) {
  int count = 0;
  std::function<void(const Expr&)> walk = [&](const Expr& x) {
    if (!x.defined() || count >= cap) return;
    ++count;
    switch (x->kind()) {
#define LOOM_X(T)                                    \
  case NodeKind::T: {                                \
    const auto* n = x.as<BinaryNode<NodeKind::T>>(); \
    walk(n->a);                                      \
    walk(n->b);                                      \
    break;                                           \
  }
      LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
      LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
      LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
      case NodeKind::Not:
        walk(x.as<NotNode>()->a);
        break;
      case NodeKind::Select: {
        const auto* n = x.as<SelectNode>();
        walk(n->condition);
        walk(n->true_value);
        walk(n->false_value);
        break;
      }
      case NodeKind::Cast:
        walk(x.as<CastNode>()->value);
        break;
      case NodeKind::BufferLoad:
        for (const Expr& i : x.as<BufferLoadNode>()->indices) walk(i);
        break;
      case NodeKind::Call:
        for (const Expr& i : x.as<CallNode>()->args) walk(i);
        break;
      default:
        break;
    }
  };
  walk(e);
  return count;
}

}  // namespace loom::arith::detail
