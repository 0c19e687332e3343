// lower_init: a block's init becomes `if (reduction variables at their minimum) init`.
#include "loom/lower/lower_init.h"

#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/mutator.h"

namespace loom::lower {
namespace {

class InitLowerer : public ir::IRMutator {
 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::BlockNode* op) override {
    ir::Stmt mutated = ir::IRMutator::visit(op);
    const auto* block = mutated.as<ir::BlockNode>();
    if (!block->init.defined()) return mutated;
    ir::Expr at_min;
    for (const ir::IterVar& iv : block->iter_vars) {
      if (iv.type != ir::IterType::CommReduce) continue;
      ir::Expr cond = ir::eq(iv.var, iv.dom.min);
      at_min = at_min.defined() ? ir::logical_and(at_min, cond) : cond;
    }
    LOOM_ICHECK(at_min.defined(), "block " + block->name + " has an init but no reduction iteration variable");
    ir::Stmt body = ir::SeqStmtNode::make({ir::IfThenElseNode::make(at_min, block->init), block->body});
    return ir::Block::make(block->name, block->iter_vars, block->reads, block->writes, body, ir::Stmt(),
                           block->alloc_buffers, block->match_buffers, block->annotations);
  }
};

}  // namespace

ir::PrimFunc lower_init(const ir::PrimFunc& func) {
  InitLowerer lowerer;
  return func.with_body(lowerer.mutate(func->body));
}

}  // namespace loom::lower
