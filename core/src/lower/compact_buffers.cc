// compact_buffers: each Allocate's buffer shrinks to the hull of the accesses under it.
#include "loom/lower/compact_buffers.h"

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "loom/arith/analyzer.h"
#include "loom/arith/interval.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/mutator.h"
#include "loom/ir/storage_scope.h"
#include "loom/ir/visitor.h"

namespace loom::lower {
namespace {

/// Whether `stmt` loads or stores `buffer`.
bool uses(const ir::Stmt& stmt, const ir::BufferNode* buffer) {
  bool found = false;
  ir::post_order_visit(stmt, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::BufferLoad)
      found = found || static_cast<const ir::BufferLoadNode*>(n)->buffer.get() == buffer;
    if (n->kind() == ir::NodeKind::BufferStore) {
      found = found || static_cast<const ir::BufferStoreNode*>(n)->buffer.get() == buffer;
    }
  });
  return found;
}
bool uses(const ir::Expr& expr, const ir::BufferNode* buffer) {
  bool found = false;
  ir::post_order_visit(expr, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::BufferLoad)
      found = found || static_cast<const ir::BufferLoadNode*>(n)->buffer.get() == buffer;
  });
  return found;
}

/// Whether a buffer of storage scope `scope` is shared by the iterations of `loop` (a
/// thread-bound loop whose tag the scope relaxes, ir/storage_scope.h).
bool shared_across(const ir::ForNode* loop, const std::string& scope) {
  return loop->for_kind == ir::ForKind::ThreadBinding && ir::thread_tag_relaxed_by_scope(scope, loop->thread_tag);
}

/// The one child of `stmt` that holds every access to `b` and that an allocation of `b`
/// can move into: the body of a loop or let whose header does not use it, the only
/// statement of a sequence or the only branch of an `if` that uses it, the body of another
/// allocation; null when there is none.
const ir::Stmt* holder(const ir::Stmt& stmt, const ir::BufferNode* b) {
  if (const auto* loop = stmt.as<ir::ForNode>()) {
    return uses(loop->min, b) || uses(loop->extent, b) ? nullptr : &loop->body;
  }
  if (const auto* seq = stmt.as<ir::SeqStmtNode>()) {
    const ir::Stmt* user = nullptr;
    for (const ir::Stmt& s : seq->seq) {
      if (!uses(s, b)) continue;
      if (user) return nullptr;
      user = &s;
    }
    return user;
  }
  if (const auto* branch = stmt.as<ir::IfThenElseNode>()) {
    if (uses(branch->condition, b)) return nullptr;
    bool in_then = uses(branch->then_case, b);
    bool in_else = branch->else_case.defined() && uses(branch->else_case, b);
    if (in_then == in_else) return nullptr;
    return in_then ? &branch->then_case : &branch->else_case;
  }
  if (const auto* let = stmt.as<ir::LetStmtNode>()) return uses(let->value, b) ? nullptr : &let->body;
  if (const auto* alloc = stmt.as<ir::AllocateNode>()) return &alloc->body;
  return nullptr;
}

/// `stmt` with its child `child` (one that holder returned) replaced by `replacement`.
ir::Stmt with_child(const ir::Stmt& stmt, const ir::Stmt* child, ir::Stmt replacement) {
  if (const auto* loop = stmt.as<ir::ForNode>()) {
    return ir::ForNode::make(loop->loop_var, loop->min, loop->extent, loop->for_kind, std::move(replacement),
                             loop->thread_tag, loop->annotations);
  }
  if (const auto* seq = stmt.as<ir::SeqStmtNode>()) {
    std::vector<ir::Stmt> stmts = seq->seq;
    stmts[static_cast<size_t>(child - seq->seq.data())] = std::move(replacement);
    return ir::SeqStmtNode::make(std::move(stmts));
  }
  if (const auto* branch = stmt.as<ir::IfThenElseNode>()) {
    if (child == &branch->then_case)
      return ir::IfThenElseNode::make(branch->condition, std::move(replacement), branch->else_case);
    return ir::IfThenElseNode::make(branch->condition, branch->then_case, std::move(replacement));
  }
  if (const auto* let = stmt.as<ir::LetStmtNode>()) {
    return ir::LetStmtNode::make(let->var, let->value, std::move(replacement));
  }
  const auto* alloc = stmt.as<ir::AllocateNode>();
  LOOM_ICHECK(alloc != nullptr, "compact_buffers: with_child of a statement holder does not descend into");
  return ir::AllocateNode::make(alloc->buffer, std::move(replacement));
}

/// Moves each Allocate down to the innermost statement that holds all the accesses to its
/// buffer (TVM's PlanAndUpdateBufferAllocationLocation): through loops, into the one
/// statement of a sequence that uses it, into the one branch of an `if` that does, through
/// lets and other allocations; but never into a thread-bound loop whose threads share the
/// buffer by its storage scope (a "shared" one stays above threadIdx / vthread loops, a
/// "global" one above blockIdx and threadIdx loops).
class AllocationSinker : public ir::IRMutator {
 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::AllocateNode* op) override { return sink(op->buffer, mutate(op->body)); }

 private:
  static ir::Stmt sink(const ir::Buffer& buffer, const ir::Stmt& body) {
    const auto* loop = body.as<ir::ForNode>();
    const ir::Stmt* child = loop && shared_across(loop, buffer->scope) ? nullptr : holder(body, buffer.get());
    if (!child) return ir::AllocateNode::make(buffer, body);
    return with_child(body, child, sink(buffer, *child));
  }
};

/// The loops an allocation of `b` at `body` could still move into (the chain holder
/// follows), minus those whose threads share the buffer: an allocation kept above a thread
/// loop by its scope is still private to one iteration of each of these loops.
std::vector<const ir::ForNode*> private_loops(const ir::Stmt& body, const ir::BufferNode* b) {
  std::vector<const ir::ForNode*> out;
  for (const ir::Stmt* s = &body; s;) {
    const ir::Stmt* next = holder(*s, b);
    const auto* loop = s->as<ir::ForNode>();
    if (loop && next && !shared_across(loop, b->scope)) out.push_back(loop);
    s = next;
  }
  return out;
}

/// The hull, per dimension, of the accesses to one buffer, with the loops (and lets) inside
/// the visited statement relaxed over their ranges, except the loops in `symbolic`, which
/// stay symbolic (bound in the analyzer); `relaxed` gives the intervals of variables of
/// enclosing loops relaxed too.
class AccessHull : public ir::IRVisitor {
 public:
  AccessHull(const ir::BufferNode* buffer, arith::Analyzer* analyzer, arith::VarIntervalMap relaxed,
             std::unordered_set<const ir::VarNode*> symbolic)
      : buffer_(buffer),
        analyzer_(analyzer),
        relaxed_(std::move(relaxed)),
        symbolic_(std::move(symbolic)),
        hull_(buffer->ndim()) {}

  bool seen() const { return seen_; }
  const std::vector<arith::Interval>& hull() const { return hull_; }

 protected:
  using ir::IRVisitor::visit;
  void visit(const ir::ForNode* op) override {
    visit_expr(op->min);
    visit_expr(op->extent);
    if (symbolic_.count(op->loop_var.get())) {
      analyzer_->bind(op->loop_var, ir::Range::from_min_extent(op->min, op->extent));
      visit_stmt(op->body);
      analyzer_->unbind(op->loop_var);
      return;
    }
    arith::Interval lo = arith::eval_interval(op->min, relaxed_, analyzer_);
    arith::Interval hi = arith::eval_interval(op->min + op->extent - 1, relaxed_, analyzer_);
    relaxed_[op->loop_var] = arith::Interval{lo.min, hi.max};
    visit_stmt(op->body);
    relaxed_.erase(op->loop_var);
  }
  void visit(const ir::LetStmtNode* op) override {
    visit_expr(op->value);
    relaxed_[op->var] = op->value.dtype().is_int() ? arith::eval_interval(op->value, relaxed_, analyzer_)
                                                   : arith::Interval::everything();
    visit_stmt(op->body);
    relaxed_.erase(op->var);
  }
  void visit(const ir::BufferLoadNode* op) override {
    ir::IRVisitor::visit(op);
    if (op->buffer.get() == buffer_) add(op->indices);
  }
  void visit(const ir::BufferStoreNode* op) override {
    ir::IRVisitor::visit(op);
    if (op->buffer.get() == buffer_) add(op->indices);
  }

 private:
  void add(const std::vector<ir::Expr>& indices) {
    for (size_t d = 0; d < indices.size(); ++d) {
      arith::Interval iv = arith::eval_interval(indices[d], relaxed_, analyzer_);
      hull_[d] = seen_ ? arith::interval_union(hull_[d], iv, analyzer_) : iv;
    }
    seen_ = true;
  }

  const ir::BufferNode* buffer_;
  arith::Analyzer* analyzer_;
  arith::VarIntervalMap relaxed_;
  std::unordered_set<const ir::VarNode*> symbolic_;
  std::vector<arith::Interval> hull_;
  bool seen_ = false;
};

/// Replaces one buffer by another, shifting every index by the region's minimum.
class Shifter : public ir::IRMutator {
 public:
  Shifter(const ir::BufferNode* from, ir::Buffer to, std::vector<ir::Expr> mins)
      : from_(from), to_(std::move(to)), mins_(std::move(mins)) {}

 protected:
  using ir::IRMutator::visit;
  std::vector<ir::Expr> shift(const std::vector<ir::Expr>& indices) {
    std::vector<ir::Expr> out;
    for (size_t d = 0; d < indices.size(); ++d) {
      out.push_back(ir::is_zero(mins_[d]) ? indices[d]
                                          : analyzer_.simplify(ir::cast(indices[d].dtype(), indices[d] - mins_[d])));
    }
    return out;
  }
  ir::Expr visit(const ir::BufferLoadNode* op) override {
    ir::Expr mutated = ir::IRMutator::visit(op);
    const auto* load = mutated.as<ir::BufferLoadNode>();
    if (load->buffer.get() != from_) return mutated;
    return ir::BufferLoadNode::make(to_, shift(load->indices));
  }
  ir::Stmt visit(const ir::BufferStoreNode* op) override {
    ir::Stmt mutated = ir::IRMutator::visit(op);
    const auto* store = mutated.as<ir::BufferStoreNode>();
    if (store->buffer.get() != from_) return mutated;
    return ir::BufferStoreNode::make(to_, store->value, shift(store->indices));
  }

 private:
  const ir::BufferNode* from_;
  ir::Buffer to_;
  std::vector<ir::Expr> mins_;
  arith::Analyzer analyzer_;
};

class Compactor : public ir::IRMutator {
 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::ForNode* op) override {
    analyzer_.bind(op->loop_var, ir::Range::from_min_extent(op->min, op->extent));
    ancestors_.push_back(op);
    ir::Stmt result = ir::IRMutator::visit(op);
    ancestors_.pop_back();
    analyzer_.unbind(op->loop_var);
    return result;
  }
  ir::Stmt visit(const ir::BlockRealizeNode* op) override {
    LOOM_ICHECK(false, "compact_buffers: block " + op->block->name + " is still there (run lower_blocks)");
    return ir::IRMutator::visit(op);
  }
  ir::Stmt visit(const ir::AllocateNode* op) override {
    // 1. Inner allocations first.
    ir::Stmt body = mutate(op->body);
    const ir::Buffer& buffer = op->buffer;
    if (buffer->ndim() == 0 || !buffer->strides.empty() || buffer->elem_offset.defined()) {
      return body.same_as(op->body) ? ir::Stmt(ir::Ref<ir::StmtNode>(op)) : ir::AllocateNode::make(buffer, body);
    }
    // 2. The hull of the accesses: the loops inside relaxed, but those the allocation was
    // kept above by its scope only and is still private to; the enclosing thread loops
    // whose threads share it relaxed too.
    arith::VarIntervalMap relaxed;
    for (const ir::ForNode* loop : ancestors_) {
      if (!shared_across(loop, buffer->scope)) continue;
      arith::Interval lo = arith::eval_interval(loop->min, relaxed, &analyzer_);
      arith::Interval hi = arith::eval_interval(loop->min + loop->extent - 1, relaxed, &analyzer_);
      relaxed[loop->loop_var] = arith::Interval{lo.min, hi.max};
    }
    std::vector<const ir::ForNode*> private_chain;
    if (ir::storage_rank(buffer->scope) != ir::StorageRank::Global) private_chain = private_loops(body, buffer.get());
    std::unordered_set<const ir::VarNode*> symbolic;
    for (const ir::ForNode* loop : private_chain) symbolic.insert(loop->loop_var.get());
    AccessHull hull(buffer.get(), &analyzer_, std::move(relaxed), std::move(symbolic));
    hull.visit_stmt(body);
    if (!hull.seen()) return ir::AllocateNode::make(buffer, body);
    // 3. Per dimension: [lo, hi] within [0, shape), a constant extent (the private loops'
    // variables may appear in lo: they are in scope at every access).
    for (const ir::ForNode* loop : private_chain)
      analyzer_.bind(loop->loop_var, ir::Range::from_min_extent(loop->min, loop->extent));
    std::vector<ir::Expr> shape, mins;
    bool changed = false;
    for (size_t d = 0; d < buffer->ndim(); ++d) {
      const ir::Expr& dim = buffer->shape[d];
      const arith::Interval& iv = hull.hull()[d];
      std::optional<int64_t> extent;
      ir::Expr lo;
      if (iv.is_bounded() && iv.min.dtype().is_int()) {
        ir::Expr zero = ir::make_const(iv.min.dtype(), int64_t{0});
        lo = analyzer_.simplify(ir::max(iv.min, zero));
        ir::Expr hi = analyzer_.simplify(ir::min(iv.max, ir::cast(iv.max.dtype(), dim) - 1));
        // [lo, hi] lies inside [iv.min, iv.max]: either extent bounds it.
        for (const ir::Expr& ext : {hi - lo + 1, iv.max - iv.min + 1}) {
          int64_t bound = analyzer_.const_int_bound(analyzer_.simplify(ext)).max_value;
          if (bound != arith::ConstIntBound::kPosInf && (!extent || bound < *extent)) extent = bound;
        }
        if (extent && *extent < 1) extent = 1;
      }
      std::optional<int64_t> dim_value = ir::as_const_int(dim);
      if (!extent || !dim_value || *extent >= *dim_value) {
        shape.push_back(dim);
        mins.push_back(ir::make_const(dim.dtype(), int64_t{0}));
        continue;
      }
      changed = true;
      shape.push_back(ir::make_const(dim.dtype(), *extent));
      mins.push_back(lo);
    }
    for (const ir::ForNode* loop : private_chain) analyzer_.unbind(loop->loop_var);
    if (!changed) return ir::AllocateNode::make(buffer, body);
    // 4. The new buffer, indices shifted.
    ir::Buffer compact = ir::Buffer::make(buffer->name, buffer->dtype, shape, {}, {}, buffer->scope);
    body = Shifter(buffer.get(), compact, mins).mutate(body);
    return ir::AllocateNode::make(compact, body);
  }

 private:
  arith::Analyzer analyzer_;
  std::vector<const ir::ForNode*> ancestors_;
};

}  // namespace

ir::PrimFunc compact_buffers(const ir::PrimFunc& func) {
  ir::Stmt body = AllocationSinker().mutate(func->body);
  Compactor compactor;
  return func.with_body(compactor.mutate(body));
}

}  // namespace loom::lower
