// The default rewriting of IRMutator (rebuild only what changed) and the substitution and
// lambda helpers built on it.
#include "loom/ir/mutator.h"

#include "loom/ir/error.h"

namespace loom::ir {

Expr IRMutator::mutate(const Expr& expr) {
  if (!expr.defined()) return expr;
  switch (expr->kind()) {
#define LOOM_X(T)   \
  case NodeKind::T: \
    return visit(static_cast<const T##Node*>(expr.get()));
    LOOM_FOR_EACH_EXPR(LOOM_X)
#undef LOOM_X
    default:
      return expr;
  }
}

Stmt IRMutator::mutate(const Stmt& stmt) {
  if (!stmt.defined()) return stmt;
  switch (stmt->kind()) {
#define LOOM_X(T)   \
  case NodeKind::T: \
    return visit(static_cast<const T##Node*>(stmt.get()));
    LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X
    default:
      return stmt;
  }
}

std::vector<Expr> IRMutator::mutate_exprs(const std::vector<Expr>& exprs, bool* changed) {
  std::vector<Expr> out;
  out.reserve(exprs.size());
  for (const Expr& e : exprs) {
    out.push_back(mutate(e));
    if (!out.back().same_as(e)) *changed = true;
  }
  return out;
}

Range IRMutator::mutate_range(const Range& range, bool* changed) {
  Range out{mutate(range.min), mutate(range.extent)};
  if (!out.min.same_as(range.min) || !out.extent.same_as(range.extent)) *changed = true;
  return out;
}

BufferRegion IRMutator::mutate_region(const BufferRegion& region) {
  bool changed = false;
  BufferRegion out{region.buffer, {}};
  for (const Range& r : region.region) out.region.push_back(mutate_range(r, &changed));
  return changed ? out : region;
}

namespace {
Expr self(const ExprNode* op) { return Expr(Ref<ExprNode>(op)); }
Stmt self(const StmtNode* op) { return Stmt(Ref<StmtNode>(op)); }
}  // namespace

Expr IRMutator::visit(const IntImmNode* op) { return self(op); }
Expr IRMutator::visit(const FloatImmNode* op) { return self(op); }
Expr IRMutator::visit(const VarNode* op) { return self(op); }

Expr IRMutator::visit(const BufferLoadNode* op) {
  bool changed = false;
  std::vector<Expr> indices = mutate_exprs(op->indices, &changed);
  return changed ? BufferLoadNode::make(op->buffer, std::move(indices)) : self(op);
}

#define LOOM_X(T)                                              \
  Expr IRMutator::visit(const T##Node* op) {                   \
    Expr a = mutate(op->a);                                    \
    Expr b = mutate(op->b);                                    \
    if (a.same_as(op->a) && b.same_as(op->b)) return self(op); \
    return T##Node::make(std::move(a), std::move(b));          \
  }
LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X

Expr IRMutator::visit(const NotNode* op) {
  Expr a = mutate(op->a);
  return a.same_as(op->a) ? self(op) : NotNode::make(a);
}

Expr IRMutator::visit(const SelectNode* op) {
  Expr c = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
  if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value)) return self(op);
  return SelectNode::make(c, t, f);
}

Expr IRMutator::visit(const CastNode* op) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self(op) : CastNode::make(op->dtype, v);
}

Expr IRMutator::visit(const RampNode* op) {
  Expr base = mutate(op->base), stride = mutate(op->stride);
  if (base.same_as(op->base) && stride.same_as(op->stride)) return self(op);
  return RampNode::make(base, stride, op->lanes);
}

Expr IRMutator::visit(const BroadcastNode* op) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self(op) : BroadcastNode::make(v, op->lanes);
}

Expr IRMutator::visit(const CallNode* op) {
  bool changed = false;
  std::vector<Expr> args = mutate_exprs(op->args, &changed);
  return changed ? CallNode::make(op->op, std::move(args)) : self(op);
}

Stmt IRMutator::visit(const ForNode* op) {
  Expr min = mutate(op->min), extent = mutate(op->extent);
  Stmt body = mutate(op->body);
  if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return self(op);
  return ForNode::make(op->loop_var, min, extent, op->for_kind, body, op->thread_tag, op->annotations);
}

Stmt IRMutator::visit(const BlockRealizeNode* op) {
  bool changed = false;
  std::vector<Expr> values = mutate_exprs(op->iter_values, &changed);
  Expr pred = mutate(op->predicate);
  Stmt block = mutate(Stmt(op->block));
  if (!changed && pred.same_as(op->predicate) && block.same_as(op->block)) return self(op);
  const auto* b = block.as<BlockNode>();
  LOOM_ICHECK(b != nullptr, "a mutator turned a Block into another kind of statement");
  return BlockRealizeNode::make(std::move(values), pred, Block(b));
}

Stmt IRMutator::visit(const BlockNode* op) {
  bool changed = false;
  std::vector<IterVar> iter_vars;
  for (const IterVar& iv : op->iter_vars) iter_vars.push_back({iv.var, mutate_range(iv.dom, &changed), iv.type});
  auto regions = [&](const std::vector<BufferRegion>& in) {
    std::vector<BufferRegion> out;
    for (const BufferRegion& r : in) {
      out.push_back(mutate_region(r));
      if (out.back().region.size() != r.region.size() || !out.back().buffer.same_as(r.buffer)) changed = true;
      for (size_t i = 0; i < r.region.size() && !changed; ++i) {
        changed = !out.back().region[i].min.same_as(r.region[i].min) ||
                  !out.back().region[i].extent.same_as(r.region[i].extent);
      }
    }
    return out;
  };
  std::vector<BufferRegion> reads = regions(op->reads);
  std::vector<BufferRegion> writes = regions(op->writes);
  std::vector<MatchBufferRegion> matches;
  for (const MatchBufferRegion& m : op->match_buffers) {
    BufferRegion src = regions({m.source})[0];
    matches.push_back({m.buffer, src});
  }
  Stmt init = mutate(op->init);
  Stmt body = mutate(op->body);
  if (!changed && init.same_as(op->init) && body.same_as(op->body)) return self(op);
  return Block::make(op->name, std::move(iter_vars), std::move(reads), std::move(writes), body, init, op->alloc_buffers,
                     std::move(matches), op->annotations);
}

Stmt IRMutator::visit(const BufferStoreNode* op) {
  Expr value = mutate(op->value);
  bool changed = false;
  std::vector<Expr> indices = mutate_exprs(op->indices, &changed);
  if (!changed && value.same_as(op->value)) return self(op);
  return BufferStoreNode::make(op->buffer, value, std::move(indices));
}

Stmt IRMutator::visit(const IfThenElseNode* op) {
  Expr c = mutate(op->condition);
  Stmt t = mutate(op->then_case), e = mutate(op->else_case);
  if (c.same_as(op->condition) && t.same_as(op->then_case) && e.same_as(op->else_case)) return self(op);
  return IfThenElseNode::make(c, t, e);
}

Stmt IRMutator::visit(const SeqStmtNode* op) {
  bool changed = false;
  std::vector<Stmt> seq;
  for (const Stmt& s : op->seq) {
    seq.push_back(mutate(s));
    if (!seq.back().same_as(s)) changed = true;
  }
  return changed ? SeqStmtNode::make(std::move(seq)) : self(op);
}

Stmt IRMutator::visit(const EvaluateNode* op) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self(op) : EvaluateNode::make(v);
}

Stmt IRMutator::visit(const LetStmtNode* op) {
  Expr v = mutate(op->value);
  Stmt body = mutate(op->body);
  if (v.same_as(op->value) && body.same_as(op->body)) return self(op);
  return LetStmtNode::make(op->var, v, body);
}

Stmt IRMutator::visit(const AllocateNode* op) {
  Stmt body = mutate(op->body);
  return body.same_as(op->body) ? self(op) : AllocateNode::make(op->buffer, body);
}

namespace {

class LambdaExprMutator : public IRMutator {
 public:
  explicit LambdaExprMutator(const std::function<std::optional<Expr>(const Expr&)>& fn) : fn_(fn) {}
  using IRMutator::mutate;
  Expr mutate(const Expr& e) override {
    Expr inner = IRMutator::mutate(e);
    if (!inner.defined()) return inner;
    if (auto r = fn_(inner)) return *r;
    return inner;
  }

 private:
  const std::function<std::optional<Expr>(const Expr&)>& fn_;
};

}  // namespace

Stmt mutate_exprs_with(const Stmt& stmt, const std::function<std::optional<Expr>(const Expr&)>& fn) {
  LambdaExprMutator m(fn);
  return m.mutate(stmt);
}

Expr mutate_exprs_with(const Expr& expr, const std::function<std::optional<Expr>(const Expr&)>& fn) {
  LambdaExprMutator m(fn);
  return m.mutate(expr);
}

namespace {
std::function<std::optional<Expr>(const Expr&)> var_rewriter(const std::function<std::optional<Expr>(const Var&)>& fn) {
  return [&fn](const Expr& e) -> std::optional<Expr> {
    if (const auto* v = e.as<VarNode>()) return fn(Var(v));
    return std::nullopt;
  };
}
std::function<std::optional<Expr>(const Var&)> map_lookup(const std::unordered_map<Var, Expr, RefHash, RefEqual>& map) {
  return [&map](const Var& v) -> std::optional<Expr> {
    auto it = map.find(v);
    if (it == map.end()) return std::nullopt;
    return it->second;
  };
}
}  // namespace

Expr substitute(const Expr& expr, const std::function<std::optional<Expr>(const Var&)>& fn) {
  return mutate_exprs_with(expr, var_rewriter(fn));
}
Stmt substitute(const Stmt& stmt, const std::function<std::optional<Expr>(const Var&)>& fn) {
  return mutate_exprs_with(stmt, var_rewriter(fn));
}
Expr substitute(const Expr& expr, const std::unordered_map<Var, Expr, RefHash, RefEqual>& map) {
  if (map.empty()) return expr;
  return substitute(expr, map_lookup(map));
}
Stmt substitute(const Stmt& stmt, const std::unordered_map<Var, Expr, RefHash, RefEqual>& map) {
  if (map.empty()) return stmt;
  return substitute(stmt, map_lookup(map));
}

}  // namespace loom::ir
