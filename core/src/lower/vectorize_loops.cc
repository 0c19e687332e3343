// vectorize_loops: vectorized loops of constant extent become vector statements over Ramp /
// Broadcast; the others become serial loops.
#include "loom/lower/vectorize_loops.h"

#include <optional>
#include <vector>

#include "loom/arith/analyzer.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/mutator.h"
#include "loom/ir/visitor.h"

namespace loom::lower {
namespace {

bool uses_var(const ir::Expr& e, const ir::VarNode* var) {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Object* n) { found = found || n == var; });
  return found;
}

ir::Expr make_binary(ir::NodeKind kind, ir::Expr a, ir::Expr b) {
  switch (kind) {
#define LOOM_X(T)       \
  case ir::NodeKind::T: \
    return ir::T##Node::make(std::move(a), std::move(b));
    LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
    LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
    LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
    default:
      break;
  }
  LOOM_ICHECK(false, "vectorize_loops: not a binary node kind");
  return {};
}

/// The binary operands of a node of a binary, comparison or logical kind (else nullopt).
std::optional<std::pair<ir::Expr, ir::Expr>> binary_operands(const ir::Expr& e) {
  switch (e->kind()) {
#define LOOM_X(T)                                              \
  case ir::NodeKind::T: {                                      \
    const auto* op = static_cast<const ir::T##Node*>(e.get()); \
    return std::make_pair(op->a, op->b);                       \
  }
    LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
    LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
    LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
    default:
      return std::nullopt;
  }
}

/// Thrown inside the vectorizer when the loop's body cannot be vectorized.
struct CannotVectorize {};

/// Rewrites the body of one loop over `var` (from `min`, `lanes` iterations) lane-wise.
class LoopVectorizer {
 public:
  LoopVectorizer(const ir::Var& var, const ir::Expr& min, int lanes, arith::Analyzer& analyzer)
      : var_(var), min_(min), lanes_(lanes), analyzer_(analyzer) {}

  /// The vector statement, or nullopt when the body cannot be vectorized.
  std::optional<ir::Stmt> run(const ir::Stmt& body) {
    try {
      check_dependences(body);
      return stmt(body);
    } catch (const CannotVectorize&) {
      return std::nullopt;
    }
  }

 private:
  bool varies(const ir::Expr& e) const { return uses_var(e, var_.get()); }

  ir::Expr broadcast(const ir::Expr& e) const {
    return e.dtype().lanes() == lanes_ ? e : ir::BroadcastNode::make(e, lanes_);
  }

  ir::Expr ramp(const ir::Expr& base, const ir::Expr& stride) {
    ir::Expr s = analyzer_.simplify(stride);
    if (ir::is_zero(s)) return ir::BroadcastNode::make(analyzer_.simplify(base), lanes_);
    return ir::RampNode::make(analyzer_.simplify(base), s, lanes_);
  }

  /// e lane-wise: a scalar when e does not use the variable, else a vector of `lanes_`.
  ir::Expr expr(const ir::Expr& e) {
    if (!varies(e)) return e;
    switch (e->kind()) {
      case ir::NodeKind::Var:  // the loop variable itself
        return ramp(ir::cast(var_.dtype(), min_), ir::make_const(var_.dtype(), int64_t{1}));
      case ir::NodeKind::BufferLoad: {
        const auto* op = e.as<ir::BufferLoadNode>();
        std::vector<ir::Expr> indices;
        for (const ir::Expr& i : op->indices) indices.push_back(expr(i));
        return ir::BufferLoadNode::make(op->buffer, std::move(indices));
      }
      case ir::NodeKind::Not:
        return ir::NotNode::make(expr(e.as<ir::NotNode>()->a));
      case ir::NodeKind::Cast: {
        const auto* op = e.as<ir::CastNode>();
        ir::Expr v = expr(op->value);
        return ir::CastNode::make(op->dtype.with_lanes(v.dtype().lanes()), v);
      }
      case ir::NodeKind::Select: {
        const auto* op = e.as<ir::SelectNode>();
        return ir::SelectNode::make(broadcast(expr(op->condition)), broadcast(expr(op->true_value)),
                                    broadcast(expr(op->false_value)));
      }
      case ir::NodeKind::Call: {
        const auto* op = e.as<ir::CallNode>();
        // The lazy select guards loads lane by lane; it stays scalar (the loop stays a loop).
        // The GPU collectives are per-thread scalars.
        if (op->op == ir::Intrinsic::if_then_else || ir::is_gpu_intrinsic(op->op)) throw CannotVectorize{};
        std::vector<ir::Expr> args;
        for (const ir::Expr& a : op->args) args.push_back(broadcast(expr(a)));
        return ir::CallNode::make(op->op, std::move(args));
      }
      default:
        break;
    }
    if (auto operands = binary_operands(e)) return binary(e->kind(), expr(operands->first), expr(operands->second));
    // Ramp, Broadcast: already vectors.
    throw CannotVectorize{};
  }

  /// a op b on vectorized operands; integer + - * of Ramps and scalars stay Ramps.
  ir::Expr binary(ir::NodeKind kind, const ir::Expr& a, const ir::Expr& b) {
    const auto* ra = a.as<ir::RampNode>();
    const auto* rb = b.as<ir::RampNode>();
    const bool sa = a.dtype().lanes() == 1, sb = b.dtype().lanes() == 1;
    if (kind == ir::NodeKind::Add) {
      if (ra && rb) return ramp(ra->base + rb->base, ra->stride + rb->stride);
      if (ra && sb) return ramp(ra->base + b, ra->stride);
      if (sa && rb) return ramp(a + rb->base, rb->stride);
    } else if (kind == ir::NodeKind::Sub) {
      if (ra && rb) return ramp(ra->base - rb->base, ra->stride - rb->stride);
      if (ra && sb) return ramp(ra->base - b, ra->stride);
      if (sa && rb) return ramp(a - rb->base, ir::make_const(rb->stride.dtype(), int64_t{0}) - rb->stride);
    } else if (kind == ir::NodeKind::Mul) {
      if (ra && sb) return ramp(ra->base * b, ra->stride * b);
      if (sa && rb) return ramp(a * rb->base, a * rb->stride);
    }
    return make_binary(kind, broadcast(a), broadcast(b));
  }

  ir::Stmt stmt(const ir::Stmt& s) {
    switch (s->kind()) {
      case ir::NodeKind::SeqStmt: {
        std::vector<ir::Stmt> seq;
        for (const ir::Stmt& c : s.as<ir::SeqStmtNode>()->seq) seq.push_back(stmt(c));
        return ir::SeqStmtNode::make(std::move(seq));
      }
      case ir::NodeKind::BufferStore: {
        const auto* op = s.as<ir::BufferStoreNode>();
        std::vector<ir::Expr> indices;
        bool unit_ramp = false;
        for (size_t d = 0; d < op->indices.size(); ++d) {
          ir::Expr index = expr(op->indices[d]);
          if (index.dtype().lanes() > 1) {
            const auto* r = index.as<ir::RampNode>();
            // One vector index, a unit-stride Ramp: every lane stores its own element.
            if (unit_ramp || r == nullptr || !ir::is_one(r->stride)) throw CannotVectorize{};
            unit_ramp = true;
          }
          indices.push_back(index);
        }
        if (!unit_ramp) throw CannotVectorize{};  // every lane would store one location
        return ir::BufferStoreNode::make(op->buffer, broadcast(expr(op->value)), std::move(indices));
      }
      case ir::NodeKind::IfThenElse: {
        const auto* op = s.as<ir::IfThenElseNode>();
        if (varies(op->condition)) throw CannotVectorize{};
        return ir::IfThenElseNode::make(op->condition, stmt(op->then_case),
                                        op->else_case.defined() ? stmt(op->else_case) : ir::Stmt());
      }
      case ir::NodeKind::LetStmt: {
        const auto* op = s.as<ir::LetStmtNode>();
        if (varies(op->value)) throw CannotVectorize{};
        return ir::LetStmtNode::make(op->var, op->value, stmt(op->body));
      }
      case ir::NodeKind::Evaluate:
        if (varies(s.as<ir::EvaluateNode>()->value)) throw CannotVectorize{};
        return s;
      default:  // loops, allocations
        throw CannotVectorize{};
    }
  }

  /// Throws CannotVectorize unless every access to a buffer the body stores uses the index
  /// of its stores.
  void check_dependences(const ir::Stmt& body) {
    std::vector<const ir::BufferStoreNode*> stores;
    std::vector<std::pair<const ir::BufferNode*, const std::vector<ir::Expr>*>> accesses;
    ir::post_order_visit(body, [&](const ir::Object* n) {
      if (n->kind() == ir::NodeKind::BufferStore) {
        const auto* st = static_cast<const ir::BufferStoreNode*>(n);
        stores.push_back(st);
        accesses.emplace_back(st->buffer.get(), &st->indices);
      } else if (n->kind() == ir::NodeKind::BufferLoad) {
        const auto* ld = static_cast<const ir::BufferLoadNode*>(n);
        accesses.emplace_back(ld->buffer.get(), &ld->indices);
      }
    });
    for (const ir::BufferStoreNode* st : stores) {
      for (const auto& [buffer, indices] : accesses) {
        if (buffer != st->buffer.get() || indices == &st->indices) continue;
        if (indices->size() != st->indices.size()) throw CannotVectorize{};
        for (size_t d = 0; d < indices->size(); ++d) {
          if (!analyzer_.can_prove_equal((*indices)[d], st->indices[d])) throw CannotVectorize{};
        }
      }
    }
  }

  ir::Var var_;
  ir::Expr min_;
  int lanes_;
  arith::Analyzer& analyzer_;
};

class Vectorizer : public ir::IRMutator {
 public:
  explicit Vectorizer(const VectorizeOptions& options) : options_(options) {}

 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::BlockRealizeNode* op) override {
    LOOM_ICHECK(false, "vectorize_loops: block " + op->block->name + " is still there (run lower_blocks)");
    return ir::IRMutator::visit(op);
  }
  ir::Stmt visit(const ir::ForNode* op) override {
    if (op->for_kind != ir::ForKind::Vectorized) return ir::IRMutator::visit(op);
    std::optional<int64_t> extent = ir::as_const_int(op->extent);
    if (extent && *extent >= 2 && *extent <= options_.max_lanes) {
      LoopVectorizer v(op->loop_var, op->min, static_cast<int>(*extent), analyzer_);
      if (std::optional<ir::Stmt> vectorized = v.run(op->body)) return *vectorized;
    }
    // A scalar loop; vectorized loops inside may still vectorize.
    return ir::ForNode::make(op->loop_var, op->min, op->extent, ir::ForKind::Serial, mutate(op->body), op->thread_tag,
                             op->annotations);
  }

 private:
  VectorizeOptions options_;
  arith::Analyzer analyzer_;
};

}  // namespace

ir::PrimFunc vectorize_loops(const ir::PrimFunc& func, const VectorizeOptions& options) {
  Vectorizer vectorizer(options);
  return func.with_body(vectorizer.mutate(func->body));
}

}  // namespace loom::lower
