// split_kernels: global allocations to the top, one kernel per top-level statement, work
// outside the thread loops on one thread.
#include "loom/lower/split_kernels.h"

#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/printer.h"
#include "loom/ir/thread_tag.h"
#include "loom/ir/visitor.h"
#include "loom/lower/lower.h"

namespace loom::lower {
namespace {

bool is_shared(const std::string& scope) { return scope == "shared" || scope == "shared.dyn"; }
bool is_global(const std::string& scope) { return scope == "global"; }

bool is_rank(const ir::ForNode* loop, ir::ThreadRank rank) {
  std::optional<ir::ThreadTag> tag = ir::thread_tag_of(loop);
  return tag && tag->rank == rank;
}

/// Whether `stmt` holds a loop bound to a tag of `rank`.
bool contains_rank(const ir::Stmt& stmt, ir::ThreadRank rank) {
  bool found = false;
  ir::post_order_visit(stmt, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::For) found = found || is_rank(static_cast<const ir::ForNode*>(n), rank);
  });
  return found;
}

/// Step 1: global Allocates outside the thread loops leave their place, to go to the top.
class GlobalHoister : public ir::IRMutator {
 public:
  explicit GlobalHoister(const ir::PrimFunc& func) {
    for (const ir::Var& p : func->params) params_.insert(p.get());
  }
  std::vector<ir::Buffer> hoisted;

 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::ForNode* op) override {
    const bool thread = ir::thread_tag_of(op).has_value();
    if (thread) loops_.push_back(op);
    ir::Stmt out = ir::IRMutator::visit(op);
    if (thread) loops_.pop_back();
    return out;
  }
  ir::Stmt visit(const ir::AllocateNode* op) override {
    ir::Stmt body = mutate(op->body);
    const ir::Buffer& b = op->buffer;
    if (!is_global(b->scope)) return ir::AllocateNode::make(b, body);
    if (!loops_.empty()) {
      throw GpuLoweringError("global buffer " + b->name + " is allocated inside loop " +
                             loops_.back()->loop_var.name() + " bound to " + loops_.back()->thread_tag +
                             ", which would make one copy per " +
                             (is_rank(loops_.back(), ir::ThreadRank::Block) ? "block" : "thread") +
                             ": a GPU kernel cannot allocate global memory (give the buffer \"shared\" or "
                             "\"local\" scope, or compute it outside the kernel)");
    }
    for (const ir::Expr& e : b->shape) {
      ir::post_order_visit(e, [&](const ir::Object* n) {
        if (n->kind() != ir::NodeKind::Var) return;
        const auto* v = static_cast<const ir::VarNode*>(n);
        if (!params_.count(v)) {
          throw GpuLoweringError("global buffer " + b->name + " has a shape that depends on " + v->name +
                                 ", which is not a parameter: the host cannot allocate it before the kernels run");
        }
      });
    }
    hoisted.push_back(b);
    return body;
  }

 private:
  std::vector<const ir::ForNode*> loops_;
  std::unordered_set<const ir::VarNode*> params_;
};

/// The first local and the first shared-or-global buffer a statement stores to (null when
/// none).
struct Stores {
  const ir::BufferNode* local = nullptr;
  const ir::BufferNode* shared_or_global = nullptr;
};
Stores stores_of(const ir::Stmt& stmt) {
  Stores s;
  ir::post_order_visit(stmt, [&](const ir::Object* n) {
    if (n->kind() != ir::NodeKind::BufferStore) return;
    const ir::BufferNode* b = static_cast<const ir::BufferStoreNode*>(n)->buffer.get();
    const ir::BufferNode*& slot = is_shared(b->scope) || is_global(b->scope) ? s.shared_or_global : s.local;
    if (!slot) slot = b;
  });
  return s;
}

const char* const kThreadTags[3] = {"threadIdx.x", "threadIdx.y", "threadIdx.z"};

/// Step 3: what runs outside the threadIdx loops and stores to shared or global memory goes
/// to one thread.
class SingleThreadGuard {
 public:
  explicit SingleThreadGuard(const ir::LaunchExtents& extents) : extents_(extents) {}

  ir::Stmt guard(const ir::Stmt& stmt) {
    if (!stmt.defined()) return stmt;
    if (!contains_rank(stmt, ir::ThreadRank::Thread)) {
      Stores s = stores_of(stmt);
      if (!s.shared_or_global) return stmt;
      if (!s.local) return on_one_thread(stmt);
      if (const auto* seq = stmt.as<ir::SeqStmtNode>()) return each(seq);
      throw GpuLoweringError("a statement outside the threadIdx loops stores both to local buffer " + s.local->name +
                             " and to " + s.shared_or_global->scope + " buffer " + s.shared_or_global->name +
                             ", so it can run neither on every thread (the " + s.shared_or_global->scope +
                             " stores would race) nor on one (the other threads would miss their local values)");
    }
    switch (stmt->kind()) {
      case ir::NodeKind::SeqStmt:
        return each(stmt.as<ir::SeqStmtNode>());
      case ir::NodeKind::For: {
        const auto* op = stmt.as<ir::ForNode>();
        if (is_rank(op, ir::ThreadRank::Thread)) return stmt;
        return ir::ForNode::make(op->loop_var, op->min, op->extent, op->for_kind, guard(op->body), op->thread_tag,
                                 op->annotations);
      }
      case ir::NodeKind::IfThenElse: {
        const auto* op = stmt.as<ir::IfThenElseNode>();
        return ir::IfThenElseNode::make(op->condition, guard(op->then_case), guard(op->else_case));
      }
      case ir::NodeKind::LetStmt: {
        const auto* op = stmt.as<ir::LetStmtNode>();
        return ir::LetStmtNode::make(op->var, op->value, guard(op->body));
      }
      case ir::NodeKind::Allocate: {
        const auto* op = stmt.as<ir::AllocateNode>();
        return ir::AllocateNode::make(op->buffer, guard(op->body));
      }
      default:
        return stmt;
    }
  }

 private:
  ir::Stmt each(const ir::SeqStmtNode* seq) {
    std::vector<ir::Stmt> out;
    for (const ir::Stmt& s : seq->seq) out.push_back(guard(s));
    return ir::SeqStmtNode::make(std::move(out));
  }
  ir::Stmt on_one_thread(const ir::Stmt& stmt) const {
    ir::Stmt body = stmt;
    for (size_t d = 0; d < 3; ++d) {
      if (extents_.block[d] == 1) continue;
      body = ir::ForNode::make(ir::Var(std::string("t0_") + "xyz"[d]), ir::make_int(0), ir::make_int(1),
                               ir::ForKind::ThreadBinding, body, kThreadTags[d]);
    }
    return body;
  }

  ir::LaunchExtents extents_;
};

/// Step 4: the checks of the GPU-lowered form that the earlier passes must have met.
void check_kernel(const ir::Stmt& kernel, size_t index) {
  std::vector<const ir::ForNode*> thread_loops;
  std::function<void(const ir::Stmt&)> walk = [&](const ir::Stmt& stmt) {
    if (!stmt.defined()) return;
    switch (stmt->kind()) {
      case ir::NodeKind::For: {
        const auto* op = stmt.as<ir::ForNode>();
        std::optional<ir::ThreadTag> tag = ir::thread_tag_of(op);
        if (op->for_kind == ir::ForKind::ThreadBinding && !tag) {
          throw GpuLoweringError("loop " + op->loop_var.name() + " is bound to \"" + op->thread_tag +
                                 "\", which is not a GPU thread tag");
        }
        if (tag) {
          if (tag->rank == ir::ThreadRank::VThread)
            throw InternalError("split_kernels: vthread loop " + op->loop_var.name() + " left (run lower_vthreads)");
          std::optional<int64_t> extent = ir::as_const_int(op->extent);
          if (!extent || !ir::is_zero(op->min)) {
            throw GpuLoweringError("loop " + op->loop_var.name() + " bound to " + op->thread_tag +
                                   " must start at 0 and have a constant extent, not [" + ir::to_string(op->min) +
                                   ", " + ir::to_string(op->min) + " + " + ir::to_string(op->extent) + ")");
          }
        }
        const bool thread = tag && tag->rank == ir::ThreadRank::Thread;
        if (thread) thread_loops.push_back(op);
        walk(op->body);
        if (thread) thread_loops.pop_back();
        return;
      }
      case ir::NodeKind::Allocate: {
        const auto* op = stmt.as<ir::AllocateNode>();
        if (is_shared(op->buffer->scope) && !thread_loops.empty()) {
          throw GpuLoweringError("shared buffer " + op->buffer->name + " is allocated inside loop " +
                                 thread_loops.back()->loop_var.name() + " bound to " + thread_loops.back()->thread_tag +
                                 " in kernel " + std::to_string(index) +
                                 ": shared memory is one copy per block, allocated above every threadIdx loop");
        }
        return walk(op->body);
      }
      case ir::NodeKind::SeqStmt:
        for (const ir::Stmt& s : stmt.as<ir::SeqStmtNode>()->seq) walk(s);
        return;
      case ir::NodeKind::IfThenElse:
        walk(stmt.as<ir::IfThenElseNode>()->then_case);
        return walk(stmt.as<ir::IfThenElseNode>()->else_case);
      case ir::NodeKind::LetStmt:
        return walk(stmt.as<ir::LetStmtNode>()->body);
      default:
        return;
    }
  };
  walk(kernel);
}

/// Step 2: one top-level statement as a kernel.
ir::Stmt make_kernel(const ir::Stmt& stmt, size_t index) {
  // The lets and Allocates above the blockIdx loops, and the blockIdx loops themselves.
  std::vector<ir::Stmt> wrappers;
  std::vector<const ir::ForNode*> blocks;
  ir::Stmt inner = stmt;
  while (true) {
    if (const auto* let = inner.as<ir::LetStmtNode>(); let && blocks.empty()) {
      wrappers.push_back(inner);
      inner = let->body;
    } else if (const auto* alloc = inner.as<ir::AllocateNode>(); alloc && blocks.empty()) {
      wrappers.push_back(inner);
      inner = alloc->body;
    } else if (const auto* loop = inner.as<ir::ForNode>(); loop && is_rank(loop, ir::ThreadRank::Block)) {
      blocks.push_back(loop);
      inner = loop->body;
    } else {
      break;
    }
  }
  ir::post_order_visit(inner, [&](const ir::Object* n) {
    if (n->kind() != ir::NodeKind::For) return;
    const auto* loop = static_cast<const ir::ForNode*>(n);
    if (is_rank(loop, ir::ThreadRank::Block)) {
      throw GpuLoweringError("loop " + loop->loop_var.name() + " bound to " + loop->thread_tag + " in kernel " +
                             std::to_string(index) +
                             " is below another statement: a kernel's blockIdx loops must enclose all of it "
                             "(bind the outermost loops of each top-level loop nest to blockIdx)");
    }
  });
  if (!contains_rank(inner, ir::ThreadRank::Thread)) {
    inner = ir::ForNode::make(ir::Var("t0_x"), ir::make_int(0), ir::make_int(1), ir::ForKind::ThreadBinding, inner,
                              "threadIdx.x");
  }
  // The wrappers go inside the blockIdx loops (they do not depend on them): lets stay
  // lets, shared Allocates land where shared memory lives, local ones per thread.
  for (size_t i = wrappers.size(); i-- > 0;) {
    if (const auto* let = wrappers[i].as<ir::LetStmtNode>()) {
      inner = ir::LetStmtNode::make(let->var, let->value, inner);
    } else {
      inner = ir::AllocateNode::make(wrappers[i].as<ir::AllocateNode>()->buffer, inner);
    }
  }
  const ir::LaunchExtents extents = ir::launch_extents(inner);
  if (extents.threads() > 1) inner = SingleThreadGuard(extents).guard(inner);
  if (blocks.empty()) {
    inner = ir::ForNode::make(ir::Var("b0_x"), ir::make_int(0), ir::make_int(1), ir::ForKind::ThreadBinding, inner,
                              "blockIdx.x");
  }
  for (size_t i = blocks.size(); i-- > 0;) {
    const ir::ForNode* b = blocks[i];
    inner = ir::ForNode::make(b->loop_var, b->min, b->extent, b->for_kind, inner, b->thread_tag, b->annotations);
  }
  check_kernel(inner, index);
  return inner;
}

}  // namespace

ir::PrimFunc split_kernels(const ir::PrimFunc& func) {
  GlobalHoister hoister(func);
  ir::Stmt body = hoister.mutate(func->body);
  std::vector<ir::Stmt> tops;
  if (const auto* seq = body.as<ir::SeqStmtNode>()) {
    tops = seq->seq;
  } else if (body.defined()) {
    tops.push_back(body);
  }
  std::vector<ir::Stmt> kernels;
  for (size_t i = 0; i < tops.size(); ++i) kernels.push_back(make_kernel(tops[i], i));
  ir::Stmt out = ir::SeqStmtNode::make(std::move(kernels));
  for (size_t i = hoister.hoisted.size(); i-- > 0;) out = ir::AllocateNode::make(hoister.hoisted[i], out);
  return func.with_body(out);
}

}  // namespace loom::lower
