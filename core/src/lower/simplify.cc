// simplify: arithmetic simplification with the loops' ranges known; extent-1 loops and
// decided `if`s removed.
#include "loom/lower/simplify.h"

#include "loom/arith/analyzer.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"

namespace loom::lower {
namespace {

bool is_no_op(const ir::Stmt& s) {
  const auto* e = s.as<ir::EvaluateNode>();
  return e != nullptr && ir::as_const_int(e->value).has_value();
}

class Simplifier : public ir::IRMutator {
 public:
  using ir::IRMutator::mutate;
  ir::Expr mutate(const ir::Expr& expr) override {
    if (!expr.defined()) return expr;
    ir::Expr e = ir::IRMutator::mutate(expr);
    ir::Expr s = analyzer_.simplify(e);
    return s.dtype() == e.dtype() ? s : e;
  }

 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::ForNode* op) override {
    ir::Expr min = mutate(op->min);
    ir::Expr extent = mutate(op->extent);
    if (ir::is_one(extent) && op->for_kind != ir::ForKind::ThreadBinding) {
      ir::Var var = op->loop_var;
      return mutate(ir::substitute(op->body, [&](const ir::Var& v) -> std::optional<ir::Expr> {
        if (v.same_as(var)) return min;
        return std::nullopt;
      }));
    }
    analyzer_.bind(op->loop_var, ir::Range::from_min_extent(min, extent));
    ir::Stmt body = mutate(op->body);
    analyzer_.unbind(op->loop_var);
    if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) {
      return ir::Stmt(ir::Ref<ir::StmtNode>(op));
    }
    return ir::ForNode::make(op->loop_var, min, extent, op->for_kind, body, op->thread_tag, op->annotations);
  }
  ir::Stmt visit(const ir::SeqStmtNode* op) override {
    std::vector<ir::Stmt> seq;
    bool changed = false;
    for (const ir::Stmt& s : op->seq) {
      ir::Stmt m = mutate(s);
      changed = changed || !m.same_as(s);
      if (is_no_op(m)) {
        changed = true;
        continue;
      }
      seq.push_back(m);
    }
    if (!changed) return ir::Stmt(ir::Ref<ir::StmtNode>(op));
    if (seq.empty()) return ir::EvaluateNode::make(ir::make_int(0));
    return ir::SeqStmtNode::make(std::move(seq));
  }
  ir::Stmt visit(const ir::IfThenElseNode* op) override {
    ir::Expr cond = mutate(op->condition);
    if (ir::is_const_true(cond) || analyzer_.can_prove(cond)) return mutate(op->then_case);
    if (ir::is_zero(cond) || analyzer_.can_prove(ir::logical_not(cond))) {
      return op->else_case.defined() ? mutate(op->else_case) : ir::EvaluateNode::make(ir::make_int(0));
    }
    ir::Stmt then_case = mutate(op->then_case);
    ir::Stmt else_case = op->else_case.defined() ? mutate(op->else_case) : ir::Stmt();
    return ir::IfThenElseNode::make(cond, then_case, else_case);
  }

 private:
  arith::Analyzer analyzer_;
};

}  // namespace

ir::PrimFunc simplify(const ir::PrimFunc& func) {
  Simplifier simplifier;
  return func.with_body(simplifier.mutate(func->body));
}

}  // namespace loom::lower
