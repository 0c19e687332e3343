#include "loom/ir/flops.h"

#include "loom/ir/visitor.h"

namespace loom::ir {
namespace {

class FlopCounter : public IRVisitor {
 public:
  double total = 0;
  bool unknown = false;

 protected:
  void count(const ExprNode* op) {
    if (op->dtype.is_float()) total += multiplier_ * op->dtype.lanes();
  }
#define LOOM_X(T)                          \
  void visit(const T##Node* op) override { \
    count(op);                             \
    IRVisitor::visit(op);                  \
  }
  LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
#undef LOOM_X

  void visit(const CallNode* op) override {
    if (op->op != Intrinsic::if_then_else) count(op);
    IRVisitor::visit(op);
  }

  void visit(const ForNode* op) override {
    const auto* extent = op->extent.as<IntImmNode>();
    if (extent == nullptr) {
      // Unknown only when the loop encloses a counted operation (flops.h).
      FlopCounter inner;
      inner.visit_stmt(op->body);
      unknown = unknown || inner.unknown || inner.total > 0;
      return;
    }
    double saved = multiplier_;
    multiplier_ *= static_cast<double>(extent->value);
    visit_stmt(op->body);
    multiplier_ = saved;
  }

 private:
  double multiplier_ = 1;
};

}  // namespace

double estimate_flops(const PrimFunc& func) {
  FlopCounter counter;
  counter.visit_stmt(func->body);
  return counter.unknown ? 0 : counter.total;
}

}  // namespace loom::ir
