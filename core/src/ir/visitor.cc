// The default traversal of IRVisitor and post_order_visit.
#include "loom/ir/visitor.h"

namespace loom::ir {

void IRVisitor::visit_expr(const Expr& expr) {
  if (!expr.defined()) return;
  switch (expr->kind()) {
#define LOOM_X(T)                                   \
  case NodeKind::T:                                 \
    visit(static_cast<const T##Node*>(expr.get())); \
    return;
    LOOM_FOR_EACH_EXPR(LOOM_X)
#undef LOOM_X
    default:
      return;
  }
}

void IRVisitor::visit_stmt(const Stmt& stmt) {
  if (!stmt.defined()) return;
  switch (stmt->kind()) {
#define LOOM_X(T)                                   \
  case NodeKind::T:                                 \
    visit(static_cast<const T##Node*>(stmt.get())); \
    return;
    LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X
    default:
      return;
  }
}

void IRVisitor::visit_region(const BufferRegion& region) {
  for (const Range& r : region.region) {
    visit_expr(r.min);
    visit_expr(r.extent);
  }
}

void IRVisitor::visit(const IntImmNode*) {}
void IRVisitor::visit(const FloatImmNode*) {}
void IRVisitor::visit(const VarNode*) {}
void IRVisitor::visit(const BufferLoadNode* op) {
  for (const Expr& e : op->indices) visit_expr(e);
}
#define LOOM_X(T)                            \
  void IRVisitor::visit(const T##Node* op) { \
    visit_expr(op->a);                       \
    visit_expr(op->b);                       \
  }
LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
void IRVisitor::visit(const NotNode* op) { visit_expr(op->a); }
void IRVisitor::visit(const SelectNode* op) {
  visit_expr(op->condition);
  visit_expr(op->true_value);
  visit_expr(op->false_value);
}
void IRVisitor::visit(const CastNode* op) { visit_expr(op->value); }
void IRVisitor::visit(const RampNode* op) {
  visit_expr(op->base);
  visit_expr(op->stride);
}
void IRVisitor::visit(const BroadcastNode* op) { visit_expr(op->value); }
void IRVisitor::visit(const CallNode* op) {
  for (const Expr& e : op->args) visit_expr(e);
}

void IRVisitor::visit(const ForNode* op) {
  visit_expr(op->min);
  visit_expr(op->extent);
  visit_stmt(op->body);
}
void IRVisitor::visit(const BlockRealizeNode* op) {
  for (const Expr& e : op->iter_values) visit_expr(e);
  visit_expr(op->predicate);
  visit_stmt(op->block);
}
void IRVisitor::visit(const BlockNode* op) {
  for (const IterVar& iv : op->iter_vars) {
    visit_expr(iv.dom.min);
    visit_expr(iv.dom.extent);
  }
  for (const BufferRegion& r : op->reads) visit_region(r);
  for (const BufferRegion& r : op->writes) visit_region(r);
  for (const Buffer& b : op->alloc_buffers) {
    for (const Expr& e : b->shape) visit_expr(e);
  }
  for (const MatchBufferRegion& m : op->match_buffers) visit_region(m.source);
  visit_stmt(op->init);
  visit_stmt(op->body);
}
void IRVisitor::visit(const BufferStoreNode* op) {
  visit_expr(op->value);
  for (const Expr& e : op->indices) visit_expr(e);
}
void IRVisitor::visit(const IfThenElseNode* op) {
  visit_expr(op->condition);
  visit_stmt(op->then_case);
  visit_stmt(op->else_case);
}
void IRVisitor::visit(const SeqStmtNode* op) {
  for (const Stmt& s : op->seq) visit_stmt(s);
}
void IRVisitor::visit(const EvaluateNode* op) { visit_expr(op->value); }
void IRVisitor::visit(const LetStmtNode* op) {
  visit_expr(op->value);
  visit_stmt(op->body);
}
void IRVisitor::visit(const AllocateNode* op) {
  for (const Expr& e : op->buffer->shape) visit_expr(e);
  visit_stmt(op->body);
}

namespace {

class PostOrderVisitor : public IRVisitor {
 public:
  explicit PostOrderVisitor(const std::function<void(const Object*)>& fn) : fn_(fn) {}
  void visit_expr(const Expr& e) override {
    if (!e.defined()) return;
    IRVisitor::visit_expr(e);
    fn_(e.get());
  }
  void visit_stmt(const Stmt& s) override {
    if (!s.defined()) return;
    IRVisitor::visit_stmt(s);
    fn_(s.get());
  }

 private:
  const std::function<void(const Object*)>& fn_;
};

}  // namespace

void post_order_visit(const Stmt& node, const std::function<void(const Object*)>& fn) {
  PostOrderVisitor v(fn);
  v.visit_stmt(node);
}

void post_order_visit(const Expr& node, const std::function<void(const Object*)>& fn) {
  PostOrderVisitor v(fn);
  v.visit_expr(node);
}

}  // namespace loom::ir
