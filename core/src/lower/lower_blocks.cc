// lower_blocks: BlockRealize/Block nodes become their bodies, with bindings substituted,
// predicates as `if`s, allocations as Allocate statements and match_buffer views rewritten
// into indices of their sources.
#include "loom/lower/lower_blocks.h"

#include <unordered_map>

#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/mutator.h"

namespace loom::lower {
namespace {

/// A match_buffer view: the source region it stands for.
struct View {
  ir::BufferRegion source;
  size_t skip = 0;  // leading source dimensions the view drops (extent 1)
};

/// Rewrites accesses to match_buffer views into accesses to their sources.
class ViewRewriter : public ir::IRMutator {
 public:
  explicit ViewRewriter(std::unordered_map<const ir::BufferNode*, View> views) : views_(std::move(views)) {}

 protected:
  using ir::IRMutator::visit;
  std::vector<ir::Expr> source_indices(const View& view, const std::vector<ir::Expr>& indices) {
    std::vector<ir::Expr> out;
    const std::vector<ir::Range>& region = view.source.region;
    for (size_t d = 0; d < region.size(); ++d) {
      if (d < view.skip) {
        out.push_back(region[d].min);
      } else {
        ir::Expr i = indices[d - view.skip];
        ir::Expr m = region[d].min;
        ir::match_types(&m, &i);
        out.push_back(m + i);
      }
    }
    return out;
  }
  ir::Expr visit(const ir::BufferLoadNode* op) override {
    ir::Expr mutated = ir::IRMutator::visit(op);
    const auto* load = mutated.as<ir::BufferLoadNode>();
    auto it = views_.find(load->buffer.get());
    if (it == views_.end()) return mutated;
    return ir::BufferLoadNode::make(it->second.source.buffer, source_indices(it->second, load->indices));
  }
  ir::Stmt visit(const ir::BufferStoreNode* op) override {
    ir::Stmt mutated = ir::IRMutator::visit(op);
    const auto* store = mutated.as<ir::BufferStoreNode>();
    auto it = views_.find(store->buffer.get());
    if (it == views_.end()) return mutated;
    return ir::BufferStoreNode::make(it->second.source.buffer, store->value,
                                     source_indices(it->second, store->indices));
  }

 private:
  std::unordered_map<const ir::BufferNode*, View> views_;
};

class BlockLowerer : public ir::IRMutator {
 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::BlockRealizeNode* op) override {
    const ir::BlockNode* block = op->block.get();
    LOOM_ICHECK(!block->init.defined(), "lower_blocks: block " + block->name + " still has an init (run lower_init)");
    // 1. Lower the nested blocks first.
    ir::Stmt body = mutate(block->body);
    // 2. Views become indices of their sources; the views' shape variables become the
    //    region's extents.
    if (!block->match_buffers.empty()) {
      std::unordered_map<const ir::BufferNode*, View> views;
      std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual> shape_vars;
      for (const ir::MatchBufferRegion& m : block->match_buffers) {
        View view{m.source, m.source.region.size() - m.buffer->ndim()};
        LOOM_ICHECK(m.source.region.size() >= m.buffer->ndim(),
                    "match_buffer " + m.buffer->name + " has more dimensions than its source region");
        for (size_t j = 0; j < m.buffer->ndim(); ++j) {
          if (const auto* v = m.buffer->shape[j].as<ir::VarNode>()) {
            shape_vars[ir::Var(v)] = m.source.region[view.skip + j].extent;
          }
        }
        views[m.buffer.get()] = view;
      }
      body = ViewRewriter(std::move(views)).mutate(body);
      if (!shape_vars.empty()) body = ir::substitute(body, shape_vars);
    }
    // 3. Iteration variables take their bound values.
    if (!block->iter_vars.empty()) {
      std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual> bindings;
      for (size_t i = 0; i < block->iter_vars.size(); ++i) {
        bindings[block->iter_vars[i].var] = mutate(op->iter_values[i]);
      }
      body = ir::substitute(body, bindings);
    }
    // 4. Allocations around the body, the first buffer outermost.
    for (size_t i = block->alloc_buffers.size(); i-- > 0;) {
      body = ir::AllocateNode::make(block->alloc_buffers[i], body);
    }
    // 5. The predicate.
    ir::Expr predicate = op->predicate.defined() ? mutate(op->predicate) : ir::Expr();
    if (predicate.defined() && !ir::is_const_true(predicate)) body = ir::IfThenElseNode::make(predicate, body);
    return body;
  }
  ir::Stmt visit(const ir::BlockNode* op) override {
    LOOM_ICHECK(op->iter_vars.empty(), "lower_blocks: block " + op->name + " has no BlockRealize");
    ir::Stmt realize = ir::BlockRealizeNode::make({}, ir::make_bool(true), ir::Block(op));
    return mutate(realize);
  }
};

}  // namespace

ir::PrimFunc lower_blocks(const ir::PrimFunc& func) {
  BlockLowerer lowerer;
  return func.with_body(lowerer.mutate(func->body));
}

}  // namespace loom::lower
