// insert_barriers: storage_sync before every statement that conflicts with the shared
// accesses since the last barrier.
#include "loom/lower/insert_barriers.h"

#include <set>
#include <unordered_set>
#include <vector>

#include "loom/ir/builder.h"
#include "loom/ir/thread_tag.h"
#include "loom/ir/visitor.h"

namespace loom::lower {
namespace {

bool is_shared(const ir::BufferNode* b) { return b->scope == "shared" || b->scope == "shared.dyn"; }

/// Shared buffers read and written.
struct AccessSet {
  std::set<const ir::BufferNode*> reads;
  std::set<const ir::BufferNode*> writes;

  void merge(const AccessSet& other) {
    reads.insert(other.reads.begin(), other.reads.end());
    writes.insert(other.writes.begin(), other.writes.end());
  }
  void clear() {
    reads.clear();
    writes.clear();
  }
  bool operator==(const AccessSet& other) const { return reads == other.reads && writes == other.writes; }
  /// Whether `next` (after these accesses) needs a barrier between them.
  bool conflicts_with(const AccessSet& next) const {
    for (const ir::BufferNode* b : next.writes) {
      if (reads.count(b) || writes.count(b)) return true;
    }
    for (const ir::BufferNode* b : next.reads) {
      if (writes.count(b)) return true;
    }
    return false;
  }
};

AccessSet accesses_of(const ir::Stmt& stmt) {
  AccessSet a;
  ir::post_order_visit(stmt, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::BufferLoad) {
      const ir::BufferNode* b = static_cast<const ir::BufferLoadNode*>(n)->buffer.get();
      if (is_shared(b)) a.reads.insert(b);
    } else if (n->kind() == ir::NodeKind::BufferStore) {
      const ir::BufferNode* b = static_cast<const ir::BufferStoreNode*>(n)->buffer.get();
      if (is_shared(b)) a.writes.insert(b);
    }
  });
  return a;
}

ir::Stmt barrier() { return ir::EvaluateNode::make(ir::call(ir::Intrinsic::storage_sync, {})); }

/// One kernel's barrier placement.
class Planner {
 public:
  explicit Planner(const ir::LaunchExtents& extents) : extents_(extents) {}

  /// `stmt` with barriers, given the accesses since the last barrier in pending_.
  ir::Stmt process(const ir::Stmt& stmt) {
    if (!stmt.defined()) return stmt;
    if (divergent(stmt)) {
      pending_.merge(accesses_of(stmt));
      return stmt;
    }
    switch (stmt->kind()) {
      case ir::NodeKind::SeqStmt: {
        std::vector<ir::Stmt> out;
        for (const ir::Stmt& s : stmt.as<ir::SeqStmtNode>()->seq) item(s, &out);
        return ir::SeqStmtNode::make(std::move(out));
      }
      case ir::NodeKind::For:
        return loop(stmt.as<ir::ForNode>());
      case ir::NodeKind::IfThenElse: {
        const auto* op = stmt.as<ir::IfThenElseNode>();
        const AccessSet before = pending_;
        ir::Stmt then_case = body(op->then_case);
        AccessSet after_then = pending_;
        pending_ = before;
        ir::Stmt else_case = body(op->else_case);
        pending_.merge(after_then);
        return ir::IfThenElseNode::make(op->condition, then_case, else_case);
      }
      case ir::NodeKind::LetStmt: {
        const auto* op = stmt.as<ir::LetStmtNode>();
        if (thread_dependent(op->value)) thread_vars_.insert(op->var.get());
        return ir::LetStmtNode::make(op->var, op->value, body(op->body));
      }
      case ir::NodeKind::Allocate: {
        const auto* op = stmt.as<ir::AllocateNode>();
        return ir::AllocateNode::make(op->buffer, body(op->body));
      }
      default:
        pending_.merge(accesses_of(stmt));
        return stmt;
    }
  }

 private:
  /// `stmt` as an element of a sequence: a barrier before it when it conflicts.
  void item(const ir::Stmt& stmt, std::vector<ir::Stmt>* out) {
    if (pending_.conflicts_with(accesses_of(stmt))) {
      out->push_back(barrier());
      pending_.clear();
    }
    out->push_back(process(stmt));
  }
  /// A body where a barrier may go first.
  ir::Stmt body(const ir::Stmt& stmt) {
    if (!stmt.defined()) return stmt;
    std::vector<ir::Stmt> out;
    item(stmt, &out);
    return ir::SeqStmtNode::make(std::move(out));
  }

  ir::Stmt loop(const ir::ForNode* op) {
    auto remake = [&](const ir::Stmt& b) {
      return ir::ForNode::make(op->loop_var, op->min, op->extent, op->for_kind, b, op->thread_tag, op->annotations);
    };
    std::optional<ir::ThreadTag> tag = ir::thread_tag_of(op);
    if (tag) {
      // A block or (full-extent) thread loop: each thread runs its body once.
      if (tag->rank == ir::ThreadRank::Thread) thread_vars_.insert(op->loop_var.get());
      return remake(body(op->body));
    }
    // A loop in time: walk the body from what enters it and what an iteration leaves,
    // until that stops growing.
    const AccessSet entering = pending_;
    AccessSet start = entering;
    ir::Stmt out;
    for (int round = 0; round < 8; ++round) {
      pending_ = start;
      out = body(op->body);
      AccessSet next = entering;
      next.merge(pending_);
      if (next == start) break;
      start = next;
    }
    pending_.merge(entering);  // the loop may run no iteration
    return remake(out);
  }

  bool thread_dependent(const ir::Expr& e) const {
    bool found = false;
    ir::post_order_visit(e, [&](const ir::Object* n) {
      if (n->kind() == ir::NodeKind::Var) found = found || thread_vars_.count(static_cast<const ir::VarNode*>(n));
    });
    return found;
  }

  /// Whether not every thread of the block runs `stmt` the same way.
  bool divergent(const ir::Stmt& stmt) const {
    if (const auto* op = stmt.as<ir::ForNode>()) {
      std::optional<ir::ThreadTag> tag = ir::thread_tag_of(op);
      if (tag && tag->rank == ir::ThreadRank::Thread) {
        std::optional<int64_t> extent = ir::as_const_int(op->extent);
        return !extent || *extent < extents_.block[static_cast<size_t>(tag->dim)];
      }
      return thread_dependent(op->min) || thread_dependent(op->extent);
    }
    if (const auto* op = stmt.as<ir::IfThenElseNode>()) return thread_dependent(op->condition);
    return false;
  }

  ir::LaunchExtents extents_;
  AccessSet pending_;
  std::unordered_set<const ir::VarNode*> thread_vars_;
};

}  // namespace

ir::PrimFunc insert_barriers(const ir::PrimFunc& func) {
  std::vector<ir::Buffer> globals;
  ir::Stmt body = func->body;
  while (const auto* alloc = body.as<ir::AllocateNode>()) {
    globals.push_back(alloc->buffer);
    body = alloc->body;
  }
  std::vector<ir::Stmt> kernels;
  if (const auto* seq = body.as<ir::SeqStmtNode>()) {
    kernels = seq->seq;
  } else if (body.defined()) {
    kernels.push_back(body);
  }
  for (ir::Stmt& kernel : kernels) kernel = Planner(ir::launch_extents(kernel)).process(kernel);
  ir::Stmt out = ir::SeqStmtNode::make(std::move(kernels));
  for (size_t i = globals.size(); i-- > 0;) out = ir::AllocateNode::make(globals[i], out);
  return func.with_body(out);
}

}  // namespace loom::lower
