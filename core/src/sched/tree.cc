// Finding blocks and loops, and path-copying replacement.
#include "tree.h"

#include <set>

#include "loom/ir/error.h"
#include "loom/ir/mutator.h"
#include "loom/ir/visitor.h"

namespace loom::sched::detail {

namespace {

/// Depth-first search for the first statement satisfying `pred`, recording the path.
class PathFinder : public ir::IRVisitor {
 public:
  explicit PathFinder(std::function<bool(const ir::Stmt&)> pred) : pred_(std::move(pred)) {}
  std::optional<StmtPath> result;

  void visit_stmt(const ir::Stmt& s) override {
    if (!s.defined() || result) return;
    path_.push_back(s);
    if (pred_(s)) {
      result = StmtPath{path_};
    } else {
      ir::IRVisitor::visit_stmt(s);
    }
    path_.pop_back();
  }
  // Expressions never hold statements.
  void visit_expr(const ir::Expr&) override {}

 private:
  std::function<bool(const ir::Stmt&)> pred_;
  std::vector<ir::Stmt> path_;
};

}  // namespace

std::optional<StmtPath> find_block(const ir::PrimFunc& func, const std::string& name) {
  PathFinder f([&](const ir::Stmt& s) {
    const auto* b = s.as<ir::BlockNode>();
    return b && b->name == name;
  });
  f.visit_stmt(func->body);
  return f.result;
}

std::optional<StmtPath> find_loop(const ir::PrimFunc& func, const ir::Var& loop_var) {
  PathFinder f([&](const ir::Stmt& s) {
    const auto* loop = s.as<ir::ForNode>();
    return loop && loop->loop_var.same_as(loop_var);
  });
  f.visit_stmt(func->body);
  return f.result;
}

std::vector<const ir::ForNode*> loops_above(const StmtPath& path) {
  std::vector<const ir::ForNode*> loops;
  // Walk up from the target's parent until a block.
  size_t end = path.nodes.size() - 1;
  if (path.target().is<ir::BlockNode>() && end > 0) --end;  // skip the block's own realize
  for (size_t i = end; i-- > 0;) {
    const ir::Stmt& s = path.nodes[i];
    if (s.is<ir::BlockNode>() || s.is<ir::BlockRealizeNode>()) break;
    if (const auto* loop = s.as<ir::ForNode>()) loops.push_back(loop);
  }
  return {loops.rbegin(), loops.rend()};
}

const ir::BlockRealizeNode* scope_realize(const StmtPath& path) {
  size_t end = path.nodes.size() - 1;
  if (path.target().is<ir::BlockNode>() && end > 0) --end;
  for (size_t i = end; i-- > 0;) {
    if (const auto* r = path.nodes[i].as<ir::BlockRealizeNode>()) return r;
  }
  return nullptr;
}

namespace {

class Replacer : public ir::IRMutator {
 public:
  Replacer(const ir::StmtNode* target, ir::Stmt replacement) : target_(target), replacement_(std::move(replacement)) {}
  bool found = false;

  using ir::IRMutator::mutate;
  ir::Stmt mutate(const ir::Stmt& s) override {
    if (s.get() == target_) {
      found = true;
      return replacement_;
    }
    if (found) return s;  // the target is unique: nothing else to rewrite
    return ir::IRMutator::mutate(s);
  }
  ir::Expr mutate(const ir::Expr& e) override { return e; }

 protected:
  ir::Stmt visit(const ir::ForNode* op) override {
    ir::Stmt body = mutate(op->body);
    if (body.same_as(op->body)) return ir::Stmt(ir::Ref<ir::StmtNode>(op));
    if (!body.defined()) return ir::Stmt();  // a loop left empty goes too
    return ir::ForNode::make(op->loop_var, op->min, op->extent, op->for_kind, body, op->thread_tag, op->annotations);
  }
  ir::Stmt visit(const ir::SeqStmtNode* op) override {
    std::vector<ir::Stmt> seq;
    bool changed = false;
    for (const ir::Stmt& s : op->seq) {
      ir::Stmt n = mutate(s);
      changed = changed || !n.same_as(s);
      if (n.defined()) seq.push_back(n);
    }
    if (!changed) return ir::Stmt(ir::Ref<ir::StmtNode>(op));
    if (seq.empty()) return ir::Stmt();
    return ir::SeqStmtNode::make(std::move(seq));
  }

 private:
  const ir::StmtNode* target_;
  ir::Stmt replacement_;
};

}  // namespace

ir::Stmt replace_stmt(const ir::Stmt& root, const ir::StmtNode* target, const ir::Stmt& replacement) {
  Replacer r(target, replacement);
  ir::Stmt out = r.mutate(root);
  LOOM_ICHECK(r.found, "replace_stmt: the target statement is not in the tree");
  return out;
}

ir::PrimFunc replace_in_func(const ir::PrimFunc& func, const ir::StmtNode* target, const ir::Stmt& replacement) {
  ir::Stmt body = replace_stmt(func->body, target, replacement);
  LOOM_ICHECK(body.defined(), "replace_in_func: the whole function body was removed");
  return func.with_body(body);
}

std::vector<const ir::BlockRealizeNode*> child_block_realizes(const ir::Stmt& stmt) {
  std::vector<const ir::BlockRealizeNode*> out;
  std::function<void(const ir::Stmt&)> walk = [&](const ir::Stmt& s) {
    if (!s.defined()) return;
    if (const auto* r = s.as<ir::BlockRealizeNode>()) {
      out.push_back(r);
      return;
    }
    if (const auto* f = s.as<ir::ForNode>()) return walk(f->body);
    if (const auto* seq = s.as<ir::SeqStmtNode>()) {
      for (const ir::Stmt& x : seq->seq) walk(x);
      return;
    }
    if (const auto* i = s.as<ir::IfThenElseNode>()) {
      walk(i->then_case);
      walk(i->else_case);
      return;
    }
    if (const auto* l = s.as<ir::LetStmtNode>()) return walk(l->body);
    if (const auto* a = s.as<ir::AllocateNode>()) return walk(a->body);
    if (const auto* b = s.as<ir::BlockNode>()) return walk(b->body);
  };
  walk(stmt);
  return out;
}

VarSet vars_in(const ir::Expr& e) {
  VarSet out;
  ir::post_order_visit(e, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Var) out.insert(static_cast<const ir::VarNode*>(n));
  });
  return out;
}

BufferSet buffers_of(const std::vector<ir::BufferRegion>& regions) {
  BufferSet out;
  for (const ir::BufferRegion& r : regions) out.insert(r.buffer.get());
  return out;
}

bool intersects(const BufferSet& a, const BufferSet& b) {
  for (const ir::BufferNode* x : a) {
    if (b.count(x)) return true;
  }
  return false;
}

namespace {

class BufferReplacer : public ir::IRMutator {
 public:
  BufferReplacer(ir::Buffer from, ir::Buffer to, bool allocations)
      : from_(std::move(from)), to_(std::move(to)), allocations_(allocations) {}
  using ir::IRMutator::mutate;

  ir::BufferRegion mutate_region(const ir::BufferRegion& region) override {
    ir::BufferRegion r = ir::IRMutator::mutate_region(region);
    if (r.buffer.same_as(from_)) r.buffer = to_;
    return r;
  }

 protected:
  ir::Expr visit(const ir::BufferLoadNode* op) override {
    ir::Expr e = ir::IRMutator::visit(op);
    const auto* load = e.as<ir::BufferLoadNode>();
    return load->buffer.same_as(from_) ? ir::BufferLoadNode::make(to_, load->indices) : e;
  }
  ir::Stmt visit(const ir::BufferStoreNode* op) override {
    ir::Stmt s = ir::IRMutator::visit(op);
    const auto* store = s.as<ir::BufferStoreNode>();
    return store->buffer.same_as(from_) ? ir::BufferStoreNode::make(to_, store->value, store->indices) : s;
  }
  ir::Stmt visit(const ir::BlockNode* op) override {
    ir::Stmt s = ir::IRMutator::visit(op);
    if (!allocations_) return s;
    const auto* b = s.as<ir::BlockNode>();
    bool allocates = false;
    std::vector<ir::Buffer> allocs;
    for (const ir::Buffer& a : b->alloc_buffers) {
      allocates = allocates || a.same_as(from_);
      allocs.push_back(a.same_as(from_) ? to_ : a);
    }
    if (!allocates) return s;
    return ir::Block::make(b->name, b->iter_vars, b->reads, b->writes, b->body, b->init, allocs, b->match_buffers,
                           b->annotations);
  }

 private:
  ir::Buffer from_;
  ir::Buffer to_;
  bool allocations_;
};

}  // namespace

ir::Stmt replace_buffer(const ir::Stmt& stmt, const ir::Buffer& from, const ir::Buffer& to, bool allocations) {
  BufferReplacer replacer(from, to, allocations);
  return replacer.mutate(stmt);
}

bool is_known_storage_scope(const std::string& scope) {
  static const std::set<std::string> kScopes = {"global", "shared",        "shared.dyn",    "local",
                                                "warp",   "wmma.matrix_a", "wmma.matrix_b", "wmma.accumulator"};
  return kScopes.count(scope) != 0;
}

std::string unique_block_name(const ir::PrimFunc& func, const std::string& base) {
  std::set<std::string> used;
  ir::post_order_visit(func->body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Block) used.insert(static_cast<const ir::BlockNode*>(n)->name);
  });
  if (!used.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string name = base + "_" + std::to_string(i);
    if (!used.count(name)) return name;
  }
}

}  // namespace loom::sched::detail
