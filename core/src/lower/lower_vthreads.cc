// lower_vthreads: vthread-bound loops become unroll loops.
#include "loom/lower/lower_vthreads.h"

#include "loom/ir/mutator.h"
#include "loom/ir/thread_tag.h"

namespace loom::lower {
namespace {

class VThreadLowerer : public ir::IRMutator {
 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::ForNode* op) override {
    ir::Stmt mutated = ir::IRMutator::visit(op);
    std::optional<ir::ThreadTag> tag = ir::thread_tag_of(op);
    if (!tag || tag->rank != ir::ThreadRank::VThread) return mutated;
    const auto* loop = mutated.as<ir::ForNode>();
    return ir::ForNode::make(loop->loop_var, loop->min, loop->extent, ir::ForKind::Unrolled, loop->body, {},
                             loop->annotations);
  }
};

}  // namespace

ir::PrimFunc lower_vthreads(const ir::PrimFunc& func) {
  VThreadLowerer lowerer;
  return func.with_body(lowerer.mutate(func->body));
}

}  // namespace loom::lower
