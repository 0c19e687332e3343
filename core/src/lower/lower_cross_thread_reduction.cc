// lower_cross_thread_reduction: a reduction over a threadIdx loop becomes an in-thread
// reduction into a local accumulator followed by a warp-shuffle allreduce.
#include "loom/lower/lower_cross_thread_reduction.h"

#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/reducer.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/thread_tag.h"
#include "loom/ir/visitor.h"
#include "loom/lower/lower.h"

namespace loom::lower {
namespace {

using VarSet = std::unordered_set<const ir::VarNode*>;
using VarMap = std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual>;

void add_vars(const ir::Expr& e, VarSet* out) {
  ir::post_order_visit(e, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Var) out->insert(static_cast<const ir::VarNode*>(n));
  });
}
bool uses_any(const ir::Expr& e, const VarSet& vars) {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Var) found = found || vars.count(static_cast<const ir::VarNode*>(n));
  });
  return found;
}
void conjuncts(const ir::Expr& e, std::vector<ir::Expr>* out) {
  if (const auto* a = e.as<ir::AndNode>()) {
    conjuncts(a->a, out);
    conjuncts(a->b, out);
  } else if (!ir::is_const_true(e)) {
    out->push_back(e);
  }
}
ir::Expr all_of(const std::vector<ir::Expr>& terms) {
  ir::Expr out;
  for (const ir::Expr& t : terms) out = out.defined() ? ir::logical_and(out, t) : t;
  return out;
}
ir::Stmt guarded(const ir::Expr& cond, const ir::Stmt& body) {
  return cond.defined() ? ir::IfThenElseNode::make(cond, body) : body;
}
bool is_thread_loop(const ir::ForNode* loop) {
  std::optional<ir::ThreadTag> tag = ir::thread_tag_of(loop);
  return tag && tag->rank == ir::ThreadRank::Thread;
}
bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

/// The loops and `if` conditions above a statement.
struct Path {
  std::vector<const ir::ForNode*> loops;
  /// Each `if` condition with the number of loops above the `if`.
  std::vector<std::pair<ir::Expr, size_t>> conditions;
};

/// Replaces one BlockRealize (by identity).
class BlockReplacer : public ir::IRMutator {
 public:
  BlockReplacer(const ir::BlockRealizeNode* target, ir::Stmt replacement)
      : target_(target), replacement_(std::move(replacement)) {}

 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::BlockRealizeNode* op) override {
    return op == target_ ? replacement_ : ir::IRMutator::visit(op);
  }

 private:
  const ir::BlockRealizeNode* target_;
  ir::Stmt replacement_;
};

/// Finds the cross-thread reductions of one kernel and builds their replacements.
class Lowerer {
 public:
  explicit Lowerer(const ir::LaunchExtents& extents) : extents_(extents) {}

  /// Replacement of each thread-bound reduction loop.
  std::unordered_map<const ir::ForNode*, ir::Stmt> replacements;
  /// Shared buffers the replacements use, to allocate around the kernel.
  std::vector<ir::Buffer> shared;

  void walk(const ir::Stmt& stmt) {
    if (!stmt.defined()) return;
    switch (stmt->kind()) {
      case ir::NodeKind::For: {
        const auto* op = stmt.as<ir::ForNode>();
        path_.loops.push_back(op);
        walk(op->body);
        path_.loops.pop_back();
        return;
      }
      case ir::NodeKind::IfThenElse: {
        const auto* op = stmt.as<ir::IfThenElseNode>();
        path_.conditions.emplace_back(op->condition, path_.loops.size());
        walk(op->then_case);
        walk(op->else_case);
        path_.conditions.pop_back();
        return;
      }
      case ir::NodeKind::SeqStmt:
        for (const ir::Stmt& s : stmt.as<ir::SeqStmtNode>()->seq) walk(s);
        return;
      case ir::NodeKind::LetStmt:
        return walk(stmt.as<ir::LetStmtNode>()->body);
      case ir::NodeKind::Allocate:
        return walk(stmt.as<ir::AllocateNode>()->body);
      case ir::NodeKind::BlockRealize: {
        const auto* realize = stmt.as<ir::BlockRealizeNode>();
        if (!lower(realize)) walk(realize->block->body);
        return;
      }
      default:
        return;
    }
  }

 private:
  [[noreturn]] static void fail(const ir::BlockNode* block, const std::string& why) {
    throw GpuLoweringError("cross-thread reduction block " + block->name + " cannot be lowered: " + why);
  }

  /// Lowers `realize` when it is a cross-thread reduction; false when it is not one.
  bool lower(const ir::BlockRealizeNode* realize) {
    const ir::BlockNode* block = realize->block.get();
    VarSet reduce_vars, spatial_vars;
    for (size_t i = 0; i < block->iter_vars.size(); ++i) {
      add_vars(realize->iter_values[i],
               block->iter_vars[i].type == ir::IterType::CommReduce ? &reduce_vars : &spatial_vars);
    }
    const std::vector<const ir::ForNode*>& loops = path_.loops;
    std::vector<size_t> thread_reductions;
    for (size_t i = 0; i < loops.size(); ++i) {
      if (is_thread_loop(loops[i]) && reduce_vars.count(loops[i]->loop_var.get())) thread_reductions.push_back(i);
    }
    if (thread_reductions.empty()) return false;
    if (thread_reductions.size() > 1) {
      fail(block, "its reduction is bound to two thread loops, " + loops[thread_reductions[0]]->loop_var.name() +
                      " and " + loops[thread_reductions[1]]->loop_var.name() + " (fuse them before binding)");
    }
    const size_t p = thread_reductions[0];
    const ir::ForNode* tloop = loops[p];
    const ir::ThreadTag tag = *ir::thread_tag_of(tloop);
    const ir::Var& t = tloop->loop_var;

    // The outermost reduction loop O: from there down, no loop is spatial.
    size_t o = p;
    for (size_t i = 0; i < p; ++i) {
      if (reduce_vars.count(loops[i]->loop_var.get())) {
        o = i;
        break;
      }
    }
    const ir::ForNode* outer = loops[o];
    VarSet thread_vars, inner_vars;
    for (size_t i = 0; i < o; ++i) {
      if (is_thread_loop(loops[i])) thread_vars.insert(loops[i]->loop_var.get());
    }
    for (size_t i = o; i < loops.size(); ++i) {
      if (spatial_vars.count(loops[i]->loop_var.get()))
        fail(block, "loop " + loops[i]->loop_var.name() + " below its reduction loop " + outer->loop_var.name() +
                        " is a spatial loop (reorder the reduction loops innermost)");
      if (i != p && is_thread_loop(loops[i]))
        fail(block, "loop " + loops[i]->loop_var.name() + " below its reduction loop " + outer->loop_var.name() +
                        " is bound to " + loops[i]->thread_tag);
      inner_vars.insert(loops[i]->loop_var.get());
    }
    if (replacements.count(outer))
      fail(block, "another cross-thread reduction shares its reduction loop " + outer->loop_var.name());
    for (const auto& [c, depth] : path_.conditions) {
      if (depth <= o && uses_any(c, thread_vars))
        fail(block, "an `if` above it depends on a thread index, so not every thread reaches it");
    }

    // The threads: a group is E consecutive lanes, every other thread dimension is bound.
    const std::optional<int64_t> extent = ir::as_const_int(tloop->extent);
    const auto d = static_cast<size_t>(tag.dim);
    if (!extent || !ir::is_zero(tloop->min) || !is_power_of_two(*extent) || *extent > 1024)
      fail(block, "the extent of its thread loop " + t.name() + " must be a constant power of two up to 1024");
    const int64_t e = *extent;
    if (e != extents_.block[d])
      fail(block, "its thread loop " + t.name() + " has extent " + std::to_string(e) + " but the kernel launches " +
                      std::to_string(extents_.block[d]) + " threads on " + tloop->thread_tag +
                      " (the extra threads would not take part)");
    for (size_t k = 0; k < d; ++k) {
      if (extents_.block[k] > 1)
        fail(block, "it reduces over " + tloop->thread_tag + " while the kernel also launches " +
                        std::to_string(extents_.block[k]) +
                        " threads on a lower dimension, so a group's threads are "
                        "not consecutive lanes (reduce over threadIdx.x)");
    }
    std::array<ir::Expr, 3> tids;
    for (size_t k = 0; k < 3; ++k) {
      if (k == d || extents_.block[k] == 1) continue;
      for (size_t i = 0; i < o; ++i) {
        std::optional<ir::ThreadTag> other = ir::thread_tag_of(loops[i]);
        if (other && other->rank == ir::ThreadRank::Thread && static_cast<size_t>(other->dim) == k &&
            ir::is_const_int(loops[i]->extent, extents_.block[k]))
          tids[k] = loops[i]->loop_var;
      }
      if (!tids[k].defined())
        fail(block, std::string("the kernel launches ") + std::to_string(extents_.block[k]) + " threads on threadIdx." +
                        "xyz"[k] + " but no loop of that extent bound to it lies above the block");
    }

    // The update.
    const auto* update = block->body.as<ir::BufferStoreNode>();
    if (!update) fail(block, "its body must be a single buffer store");
    std::string why;
    std::optional<ir::Reducer> reducer = ir::match_reduction_update(update, &why);
    if (!reducer) fail(block, why);
    if (block->writes.size() != 1 || !block->writes[0].buffer.same_as(update->buffer))
      fail(block, "it must write exactly the buffer it updates");
    if (!block->alloc_buffers.empty() || !block->match_buffers.empty()) fail(block, "it allocates or matches buffers");
    const auto* init = block->init.as<ir::BufferStoreNode>();
    if (block->init.defined()) {
      bool same = init && init->buffer.same_as(update->buffer);
      for (size_t i = 0; same && i < init->indices.size(); ++i)
        same = ir::structural_equal(init->indices[i], update->indices[i], {false, false});
      if (!same) fail(block, "its init must be one store to the element it updates");
    }
    VarMap binding;
    for (size_t i = 0; i < block->iter_vars.size(); ++i) binding[block->iter_vars[i].var] = realize->iter_values[i];
    const ir::Expr value = ir::substitute(reducer->rhs, binding);
    std::vector<ir::Expr> indices;
    for (const ir::Expr& i : update->indices) indices.push_back(ir::substitute(i, binding));
    const ir::Expr init_value = init ? ir::substitute(init->value, binding) : ir::Expr();
    for (const ir::Expr& i : indices) {
      if (uses_any(i, inner_vars)) fail(block, "the element it writes depends on a reduction loop");
    }
    if (init_value.defined() && uses_any(init_value, inner_vars))
      fail(block, "its init value depends on a reduction loop");
    std::vector<ir::Expr> terms, spatial_terms;
    conjuncts(ir::substitute(realize->predicate, binding), &terms);
    for (const ir::Expr& c : terms) {
      if (!uses_any(c, inner_vars)) spatial_terms.push_back(c);
    }

    // The in-thread reduction into acc.
    const ir::DataType dtype = update->buffer->dtype;
    const ir::Buffer acc = ir::Buffer::make(block->name + "_acc", dtype, {ir::make_int(1)}, {}, {}, "local");
    const std::vector<ir::Expr> at0 = {ir::make_int(0)};
    const ir::Expr acc0 = ir::BufferLoadNode::make(acc, at0);
    auto set_acc = [&](const ir::Expr& v) { return ir::BufferStoreNode::make(acc, v, at0); };
    const ir::Stmt update_acc = guarded(all_of(terms), set_acc(reducer->combine(acc0, value)));
    ir::Stmt in_thread = BlockReplacer(realize, update_acc).mutate(ir::Stmt(ir::Ref<ir::StmtNode>(outer)));
    auto thread_loop = [&](const std::string& suffix, const std::function<ir::Stmt(const ir::Var&)>& make_body) {
      ir::Var v(t.name() + suffix, t.dtype());
      return ir::ForNode::make(v, ir::make_const(t.dtype(), int64_t{0}), tloop->extent, ir::ForKind::ThreadBinding,
                               make_body(v), tloop->thread_tag);
    };
    ir::Stmt init_acc = thread_loop("_init", [&](const ir::Var&) { return set_acc(reducer->identity); });
    std::vector<ir::Stmt> body;

    // The allreduce: shuffles within groups of `width` lanes, lane 0 ends with the result.
    ir::Stmt allreduce = thread_loop("_red", [&](const ir::Var& t) {
      auto tree = [&](int64_t width) {
        for (int64_t off = width / 2; off >= 1; off /= 2) {
          ir::Expr moved = ir::CallNode::make(
              ir::Intrinsic::warp_shuffle_down,
              {acc0, ir::make_int(static_cast<int32_t>(off)), ir::make_int(static_cast<int32_t>(width))});
          body.push_back(set_acc(reducer->combine(acc0, moved)));
        }
      };
      const ir::DataType it = t.dtype();
      auto c = [&](int64_t v) { return ir::make_const(it, v); };
      if (e <= 32) {
        tree(e);
      } else {
        tree(32);
        const int64_t warps = e / 32;
        const int64_t groups = extents_.threads() / e;
        ir::Expr g = c(0);
        int64_t stride = 1;
        for (size_t k = 0; k < 3; ++k) {
          if (k > d && tids[k].defined()) g = g + ir::cast(it, tids[k]) * c(stride / e);
          stride *= extents_.block[k];
        }
        const ir::Buffer red =
            ir::Buffer::make(block->name + "_red", dtype, {ir::make_int(groups * warps)}, {}, {}, "shared");
        shared.push_back(red);
        body.push_back(
            ir::IfThenElseNode::make(ir::eq(ir::floormod(t, c(32)), c(0)),
                                     ir::BufferStoreNode::make(red, acc0, {g * c(warps) + ir::floordiv(t, c(32))})));
        body.push_back(ir::IfThenElseNode::make(ir::operator<(t, c(warps)),
                                                set_acc(ir::BufferLoadNode::make(red, {g * c(warps) + t})),
                                                set_acc(reducer->identity)));
        tree(warps);
      }
      spatial_terms.insert(spatial_terms.begin(), ir::eq(t, c(0)));
      const ir::Expr start = init_value.defined() ? init_value : ir::BufferLoadNode::make(update->buffer, indices);
      body.push_back(guarded(all_of(spatial_terms),
                             ir::BufferStoreNode::make(update->buffer, reducer->combine(start, acc0), indices)));
      return ir::SeqStmtNode::make(std::move(body));
    });
    replacements[outer] = ir::AllocateNode::make(acc, ir::SeqStmtNode::make({init_acc, in_thread, allreduce}));
    return true;
  }

  ir::LaunchExtents extents_;
  Path path_;
};

class Replacer : public ir::IRMutator {
 public:
  explicit Replacer(const std::unordered_map<const ir::ForNode*, ir::Stmt>& replacements)
      : replacements_(replacements) {}

 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::ForNode* op) override {
    auto it = replacements_.find(op);
    if (it != replacements_.end()) return it->second;
    return ir::IRMutator::visit(op);
  }

 private:
  const std::unordered_map<const ir::ForNode*, ir::Stmt>& replacements_;
};

ir::Stmt lower_kernel(const ir::Stmt& kernel) {
  Lowerer lowerer(ir::launch_extents(kernel));
  lowerer.walk(kernel);
  if (lowerer.replacements.empty()) return kernel;
  ir::Stmt out = Replacer(lowerer.replacements).mutate(kernel);
  for (size_t i = lowerer.shared.size(); i-- > 0;) out = ir::AllocateNode::make(lowerer.shared[i], out);
  return out;
}

}  // namespace

ir::PrimFunc lower_cross_thread_reduction(const ir::PrimFunc& func) {
  // The kernels are the statements of the root block's body.
  const auto* root_realize = func->body.as<ir::BlockRealizeNode>();
  const ir::BlockNode* root = root_realize ? root_realize->block.get() : nullptr;
  if (root && !root->iter_vars.empty()) root = nullptr;
  const ir::Stmt body = root ? root->body : func->body;
  std::vector<ir::Stmt> kernels;
  if (const auto* seq = body.as<ir::SeqStmtNode>()) {
    for (const ir::Stmt& s : seq->seq) kernels.push_back(lower_kernel(s));
  } else {
    kernels.push_back(lower_kernel(body));
  }
  ir::Stmt new_body = ir::SeqStmtNode::make(std::move(kernels));
  if (!root) return func.with_body(new_body);
  ir::Block block = ir::Block::make(root->name, root->iter_vars, root->reads, root->writes, new_body, root->init,
                                    root->alloc_buffers, root->match_buffers, root->annotations);
  return func.with_body(ir::BlockRealizeNode::make(root_realize->iter_values, root_realize->predicate, block));
}

}  // namespace loom::lower
