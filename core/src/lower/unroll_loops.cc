// unroll_loops: `unroll` loops of small constant extent become copies of their bodies.
#include "loom/lower/unroll_loops.h"

#include "loom/arith/analyzer.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/mutator.h"
#include "loom/ir/visitor.h"

namespace loom::lower {
namespace {

/// The number of statement and expression nodes under `s`, and whether one is an Allocate.
struct BodySize {
  int64_t nodes = 0;
  bool allocates = false;
};

BodySize measure(const ir::Stmt& s) {
  BodySize size;
  ir::post_order_visit(s, [&](const ir::Object* n) {
    ++size.nodes;
    size.allocates = size.allocates || n->kind() == ir::NodeKind::Allocate;
  });
  return size;
}

/// A copy of a statement with every variable it defines (loops, lets) replaced by a fresh
/// one of the same name and dtype.
class FreshVariables : public ir::IRMutator {
 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::ForNode* op) override {
    ir::Var fresh(op->loop_var.name(), op->loop_var.dtype());
    ir::Stmt body = rename(op->body, op->loop_var, fresh);
    return ir::ForNode::make(fresh, mutate(op->min), mutate(op->extent), op->for_kind, mutate(body), op->thread_tag,
                             op->annotations);
  }
  ir::Stmt visit(const ir::LetStmtNode* op) override {
    ir::Var fresh(op->var.name(), op->var.dtype());
    ir::Stmt body = rename(op->body, op->var, fresh);
    return ir::LetStmtNode::make(fresh, mutate(op->value), mutate(body));
  }

 private:
  static ir::Stmt rename(const ir::Stmt& body, const ir::Var& from, const ir::Var& to) {
    return ir::substitute(body, [&](const ir::Var& v) -> std::optional<ir::Expr> {
      if (v.same_as(from)) return ir::Expr(to);
      return std::nullopt;
    });
  }
};

class Unroller : public ir::IRMutator {
 public:
  explicit Unroller(const UnrollOptions& options) : options_(options) {}

 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::BlockRealizeNode* op) override {
    LOOM_ICHECK(false, "unroll_loops: block " + op->block->name + " is still there (run lower_blocks)");
    return ir::IRMutator::visit(op);
  }
  ir::Stmt visit(const ir::ForNode* op) override {
    ir::Stmt mutated = ir::IRMutator::visit(op);  // inner loops first
    const auto* loop = mutated.as<ir::ForNode>();
    if (loop == nullptr || loop->for_kind != ir::ForKind::Unrolled) return mutated;
    std::optional<int64_t> extent = ir::as_const_int(loop->extent);
    if (!extent || *extent > options_.max_extent) return mutated;
    if (*extent <= 0) return ir::EvaluateNode::make(ir::make_int(0));
    BodySize size = measure(loop->body);
    if (size.allocates || size.nodes * *extent > options_.max_nodes) return mutated;
    std::vector<ir::Stmt> copies;
    const ir::Var var = loop->loop_var;
    for (int64_t c = 0; c < *extent; ++c) {
      ir::Expr value = analyzer_.simplify(loop->min + ir::make_const(var.dtype(), c));
      ir::Stmt copy = ir::substitute(loop->body, [&](const ir::Var& v) -> std::optional<ir::Expr> {
        if (v.same_as(var)) return value;
        return std::nullopt;
      });
      copies.push_back(c == 0 ? copy : FreshVariables().mutate(copy));
    }
    return copies.size() == 1 ? copies[0] : ir::SeqStmtNode::make(std::move(copies));
  }

 private:
  UnrollOptions options_;
  arith::Analyzer analyzer_;
};

}  // namespace

ir::PrimFunc unroll_loops(const ir::PrimFunc& func, const UnrollOptions& options) {
  Unroller unroller(options);
  return func.with_body(unroller.mutate(func->body));
}

}  // namespace loom::lower
