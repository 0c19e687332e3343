// Tests of traversal: IRVisitor reaches every child kind in field order, post_order_visit
// reports children before parents, IRMutator keeps untouched subtrees shared and rebuilds
// only the changed path, and substitute / mutate_exprs_with rewrite what they should.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "../common/expect_error.h"
#include "expect_error.h"
#include "loom/ir/ir.h"
#include "matmul_kernel.h"

using loom::testing::throws_with;

namespace loom::ir {
namespace {

const DataType i32 = DataType::Int(32);
const DataType f32 = DataType::Float(32);
const DataType boolean = DataType::Bool();

Expr c(int64_t v) { return IntImmNode::make(i32, v); }

/// A statement holding every node kind, with a marker variable (named after its place) in
/// each child position the visitor must reach.
struct EveryKind {
  Buffer A = Buffer::make("A", f32, {c(16), c(16)});
  Var i{"i"}, j{"j"}, vi{"vi"}, vj{"vj"}, x{"x"}, f{"f", f32}, p{"p", boolean};
  // Markers: each appears exactly once, at the named place.
  Var m_for_min{"for_min"}, m_for_extent{"for_extent"}, m_bind{"bind"}, m_pred{"pred"}, m_dom{"dom"}, m_read{"read"},
      m_write{"write"}, m_alloc{"alloc_shape"}, m_match{"match_source"}, m_init{"init"}, m_body{"body"},
      m_if{"if_cond"}, m_then{"then"}, m_else{"else"}, m_let{"let_value"}, m_allocate{"allocate_shape"}, m_eval{"eval"};
  Buffer S = Buffer::make("S", f32, {m_alloc}, {}, {}, "local");
  Buffer M = Buffer::make("M", f32, {c(1), c(1)});
  Buffer T = Buffer::make("T", f32, {m_allocate});
  Stmt stmt;

  /// One expression of each expression kind (besides the markers' Var).
  std::vector<Expr> all_exprs() const {
    return {c(1),
            FloatImmNode::make(f32, 1.5),
            BufferLoadNode::make(A, {vi, vj}),
            AddNode::make(x, c(1)),
            SubNode::make(x, c(1)),
            MulNode::make(x, c(2)),
            DivNode::make(x, c(2)),
            ModNode::make(x, c(2)),
            FloorDivNode::make(x, c(2)),
            FloorModNode::make(x, c(2)),
            MinNode::make(x, c(2)),
            MaxNode::make(x, c(2)),
            EQNode::make(x, c(2)),
            NENode::make(x, c(2)),
            LTNode::make(x, c(2)),
            LENode::make(x, c(2)),
            GTNode::make(x, c(2)),
            GENode::make(x, c(2)),
            AndNode::make(p, p),
            OrNode::make(p, p),
            NotNode::make(p),
            SelectNode::make(p, f, f),
            CastNode::make(f32, x),
            RampNode::make(x, c(1), 4),
            BroadcastNode::make(f, 4),
            CallNode::make(Intrinsic::exp, {f})};
  }

  EveryKind() {
    std::vector<Stmt> evals;
    for (const Expr& e : all_exprs()) evals.push_back(EvaluateNode::make(e));
    evals.push_back(EvaluateNode::make(m_body));
    Stmt ite = IfThenElseNode::make(LTNode::make(m_if, c(0)), EvaluateNode::make(m_then), EvaluateNode::make(m_else));
    Stmt let = LetStmtNode::make(x, m_let, EvaluateNode::make(x));
    Stmt alloc = AllocateNode::make(T, EvaluateNode::make(m_eval));
    Stmt store = BufferStoreNode::make(A, FloatImmNode::make(f32, 0.0), {vi, vj});
    evals.push_back(ite);
    evals.push_back(let);
    evals.push_back(alloc);
    evals.push_back(store);
    Stmt body = SeqStmtNode::make(evals);
    Stmt init = EvaluateNode::make(m_init);
    std::vector<IterVar> ivs = {{vi, {c(0), m_dom}, IterType::DataPar}, {vj, {c(0), c(16)}, IterType::CommReduce}};
    BufferRegion read{A, {{m_read, c(1)}, {vj, c(1)}}};
    BufferRegion write{A, {{vi, c(1)}, {m_write, c(1)}}};
    BufferRegion match_source{A, {{m_match, c(1)}, {vj, c(1)}}};
    Block block = Block::make("B", ivs, {read}, {write}, body, init, {S}, {{M, match_source}});
    Stmt realize = BlockRealizeNode::make({m_bind, j}, LTNode::make(m_pred, c(16)), block);
    Stmt inner = ForNode::make(j, c(0), c(16), ForKind::Vectorized, realize);
    stmt = ForNode::make(i, m_for_min, m_for_extent, ForKind::Serial, inner);
  }
};

/// Records every node kind visited and the names of variables in visit order.
class RecordingVisitor : public IRVisitor {
 public:
  std::set<NodeKind> kinds;

 protected:
#define LOOM_X(T)                          \
  void visit(const T##Node* op) override { \
    kinds.insert(NodeKind::T);             \
    IRVisitor::visit(op);                  \
  }
  LOOM_FOR_EACH_EXPR(LOOM_X)
  LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X
};

/// Records variable names in visit order.
class VarOrderVisitor : public IRVisitor {
 public:
  std::vector<std::string> vars;

 protected:
  using IRVisitor::visit;
  void visit(const VarNode* op) override { vars.push_back(op->name); }
};

// ---------------------------------------------------------------------------------------
// IRVisitor.

TEST(IRVisitor, VisitsEveryNodeKind) {
  EveryKind t;
  RecordingVisitor v;
  v.visit_stmt(t.stmt);
  std::vector<NodeKind> missing;
#define LOOM_X(T) \
  if (!v.kinds.count(NodeKind::T)) missing.push_back(NodeKind::T);
  LOOM_FOR_EACH_EXPR(LOOM_X)
  LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X
  std::string names;
  for (NodeKind k : missing) names += std::string(node_kind_name(k)) + " ";
  EXPECT_TRUE(missing.empty()) << "never visited: " << names;
  EXPECT_EQ(v.kinds.size(), 36u);  // 27 expression kinds + 9 statement kinds
}

TEST(IRVisitor, VisitsChildrenInFieldOrder) {
  EveryKind t;
  VarOrderVisitor v;
  v.visit_stmt(t.stmt);
  // Keep only the markers, in the order they were reached.
  std::vector<std::string> markers;
  const std::set<std::string> names = {"for_min", "for_extent",  "bind",         "pred",           "dom",  "read",
                                       "write",   "alloc_shape", "match_source", "init",           "body", "if_cond",
                                       "then",    "else",        "let_value",    "allocate_shape", "eval"};
  for (const std::string& n : v.vars) {
    if (names.count(n)) markers.push_back(n);
  }
  // For: min, extent, body. BlockRealize: iter_values, predicate, block. Block: iter_var
  // doms, reads, writes, alloc buffer shapes, match buffer sources, init, body.
  std::vector<std::string> expected = {"for_min", "for_extent",  "bind",         "pred",           "dom",  "read",
                                       "write",   "alloc_shape", "match_source", "init",           "body", "if_cond",
                                       "then",    "else",        "let_value",    "allocate_shape", "eval"};
  EXPECT_EQ(markers, expected);
}

TEST(IRVisitor, DoesNotVisitDefiningVariables) {
  // Loop variables, iteration variables and let variables are definitions, not uses.
  Var i("i"), x("x");
  Stmt s = ForNode::make(i, c(0), c(4), ForKind::Serial, LetStmtNode::make(x, c(1), EvaluateNode::make(c(0))));
  VarOrderVisitor v;
  v.visit_stmt(s);
  EXPECT_TRUE(v.vars.empty());
  v.visit_stmt(Stmt());  // null is skipped
  v.visit_expr(Expr());
  EXPECT_TRUE(v.vars.empty());
}

TEST(IRVisitor, VisitsBufferLoadIndicesAndStoreValueThenIndices) {
  Buffer A = Buffer::make("A", f32, {c(4), c(4)});
  Var a("a"), b("b"), d("d", f32);
  Stmt s = BufferStoreNode::make(A, AddNode::make(BufferLoadNode::make(A, {b, a}), d), {a, b});
  VarOrderVisitor v;
  v.visit_stmt(s);
  EXPECT_EQ(v.vars, (std::vector<std::string>{"b", "a", "d", "a", "b"}));
}

TEST(IRVisitor, VisitsTheMatmulKernel) {
  PrimFunc f = testing::make_matmul();
  RecordingVisitor v;
  v.visit_stmt(f->body);
  for (NodeKind k :
       {NodeKind::BlockRealize, NodeKind::Block, NodeKind::For, NodeKind::BufferStore, NodeKind::BufferLoad,
        NodeKind::Add, NodeKind::Mul, NodeKind::Var, NodeKind::IntImm, NodeKind::FloatImm}) {
    EXPECT_TRUE(v.kinds.count(k)) << node_kind_name(k);
  }
  EXPECT_FALSE(v.kinds.count(NodeKind::IfThenElse));
}

// ---------------------------------------------------------------------------------------
// post_order_visit.

std::vector<std::string> post_order(const Expr& e) {
  std::vector<std::string> out;
  post_order_visit(e, [&](const Object* node) {
    if (node->kind() == NodeKind::Var) {
      out.push_back(static_cast<const VarNode*>(node)->name);
    } else if (node->kind() == NodeKind::IntImm) {
      out.push_back(std::to_string(static_cast<const IntImmNode*>(node)->value));
    } else {
      out.push_back(node_kind_name(node->kind()));
    }
  });
  return out;
}

TEST(PostOrderVisit, ChildrenBeforeParentsLeftToRight) {
  Var a("a"), b("b"), d("d");
  Expr e = AddNode::make(a, MulNode::make(b, d));
  EXPECT_EQ(post_order(e), (std::vector<std::string>{"a", "b", "d", "Mul", "Add"}));
  Expr s = SelectNode::make(LTNode::make(a, b), d, c(3));
  EXPECT_EQ(post_order(s), (std::vector<std::string>{"a", "b", "LT", "d", "3", "Select"}));
}

TEST(PostOrderVisit, StatementsAndExpressions) {
  Buffer A = Buffer::make("A", i32, {c(4)});
  Var i("i"), x("x");
  Stmt s = ForNode::make(i, c(0), c(4), ForKind::Serial, BufferStoreNode::make(A, x, {i}));
  std::vector<std::string> order;
  post_order_visit(s, [&](const Object* node) {
    if (node->kind() == NodeKind::Var) {
      order.push_back(static_cast<const VarNode*>(node)->name);
    } else {
      order.push_back(node_kind_name(node->kind()));
    }
  });
  EXPECT_EQ(order, (std::vector<std::string>{"IntImm", "IntImm", "x", "i", "BufferStore", "For"}));
}

TEST(PostOrderVisit, ReportsTheRootLastAndBlocksBetweenBodyAndRealize) {
  EveryKind t;
  std::vector<const Object*> seen;
  post_order_visit(t.stmt, [&](const Object* node) { seen.push_back(node); });
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), t.stmt.get());
  // The Block is reported, after its body and before its BlockRealize.
  auto pos = [&](NodeKind k) {
    return std::find_if(seen.begin(), seen.end(), [&](const Object* o) { return o->kind() == k; }) - seen.begin();
  };
  EXPECT_LT(pos(NodeKind::SeqStmt), pos(NodeKind::Block));
  EXPECT_LT(pos(NodeKind::Block), pos(NodeKind::BlockRealize));
  EXPECT_LT(pos(NodeKind::BlockRealize), pos(NodeKind::For));
}

// ---------------------------------------------------------------------------------------
// IRMutator.

/// Replaces variables by name (for tests where the variable object is hard to reach).
class RenameToConst : public IRMutator {
 public:
  explicit RenameToConst(std::string name) : name_(std::move(name)) {}
  int calls = 0;

 protected:
  using IRMutator::visit;
  Expr visit(const VarNode* op) override {
    ++calls;
    if (op->name == name_) return c(7);
    return IRMutator::visit(op);
  }

 private:
  std::string name_;
};

TEST(IRMutator, IdentityReturnsTheSameNode) {
  EveryKind t;
  IRMutator identity;
  EXPECT_TRUE(identity.mutate(t.stmt).same_as(t.stmt));
  for (const Expr& e : t.all_exprs()) {
    EXPECT_TRUE(identity.mutate(e).same_as(e)) << node_kind_name(e->kind());
  }
  PrimFunc f = testing::make_matmul();
  EXPECT_TRUE(identity.mutate(f->body).same_as(f->body));
  EXPECT_FALSE(identity.mutate(Expr()).defined());
  EXPECT_FALSE(identity.mutate(Stmt()).defined());
  // A mutator that changes nothing because nothing matches also shares everything.
  RenameToConst nomatch("no_such_var");
  EXPECT_TRUE(nomatch.mutate(t.stmt).same_as(t.stmt));
  EXPECT_GT(nomatch.calls, 20);
}

TEST(IRMutator, RebuildsOnlyTheChangedPath) {
  Buffer A = Buffer::make("A", i32, {c(8)});
  Var i("i"), x("x"), y("y");
  Stmt s1 = BufferStoreNode::make(A, AddNode::make(x, c(1)), {i});
  Expr untouched = MulNode::make(x, x);
  Stmt s2 = BufferStoreNode::make(A, AddNode::make(untouched, y), {i});
  Stmt seq = SeqStmtNode::make({s1, s2});
  Stmt loop = ForNode::make(i, c(0), c(8), ForKind::Parallel, seq);

  RenameToConst m("y");
  Stmt out = m.mutate(loop);
  ASSERT_FALSE(out.same_as(loop));
  const auto* f = out.as<ForNode>();
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->loop_var.same_as(i));
  EXPECT_EQ(f->for_kind, ForKind::Parallel);
  EXPECT_TRUE(f->min.same_as(loop.as<ForNode>()->min));
  const auto* s = f->body.as<SeqStmtNode>();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->seq[0].same_as(s1));  // the sibling statement is shared
  EXPECT_FALSE(s->seq[1].same_as(s2));
  const auto* store = s->seq[1].as<BufferStoreNode>();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->buffer.same_as(A));
  EXPECT_TRUE(store->indices[0].same_as(i));
  const auto* add = store->value.as<AddNode>();
  ASSERT_NE(add, nullptr);
  EXPECT_TRUE(add->a.same_as(untouched));  // the untouched operand is shared
  EXPECT_EQ(as_const_int(add->b), 7);
}

TEST(IRMutator, RebuildsBlocksKeepingUnchangedFields) {
  EveryKind t;
  const auto* old_loop = t.stmt.as<ForNode>();
  const auto* old_realize = old_loop->body.as<ForNode>()->body.as<BlockRealizeNode>();
  const BlockNode* old_block = old_realize->block.get();

  RenameToConst m("read");  // only the read region changes
  Stmt out = m.mutate(t.stmt);
  ASSERT_FALSE(out.same_as(t.stmt));
  const auto* realize = out.as<ForNode>()->body.as<ForNode>()->body.as<BlockRealizeNode>();
  ASSERT_NE(realize, nullptr);
  EXPECT_TRUE(realize->predicate.same_as(old_realize->predicate));
  EXPECT_TRUE(realize->iter_values[0].same_as(old_realize->iter_values[0]));
  const BlockNode* block = realize->block.get();
  EXPECT_NE(block, old_block);
  EXPECT_EQ(block->name, "B");
  EXPECT_TRUE(block->body.same_as(old_block->body));
  EXPECT_TRUE(block->init.same_as(old_block->init));
  EXPECT_TRUE(block->iter_vars[0].var.same_as(old_block->iter_vars[0].var));
  EXPECT_TRUE(block->iter_vars[0].dom.extent.same_as(old_block->iter_vars[0].dom.extent));
  EXPECT_EQ(block->iter_vars[1].type, IterType::CommReduce);
  EXPECT_TRUE(block->alloc_buffers[0].same_as(old_block->alloc_buffers[0]));
  EXPECT_TRUE(block->match_buffers[0].buffer.same_as(old_block->match_buffers[0].buffer));
  ASSERT_EQ(block->reads.size(), 1u);
  EXPECT_TRUE(block->reads[0].buffer.same_as(t.A));
  EXPECT_EQ(as_const_int(block->reads[0].region[0].min), 7);
  EXPECT_TRUE(block->reads[0].region[1].min.same_as(old_block->reads[0].region[1].min));
  EXPECT_TRUE(block->writes[0].region[1].min.same_as(old_block->writes[0].region[1].min));
}

TEST(IRMutator, ReachesEveryMarker) {
  // Each marker rewritten on its own changes the tree: the mutator descends everywhere the
  // visitor does (except alloc buffer shapes, which a mutator leaves alone).
  for (const char* marker : {"for_min", "for_extent", "bind", "pred", "dom", "read", "write", "match_source", "init",
                             "body", "if_cond", "then", "else", "let_value", "eval"}) {
    EveryKind t;
    RenameToConst m(marker);
    EXPECT_FALSE(m.mutate(t.stmt).same_as(t.stmt)) << marker;
  }
}

TEST(IRMutator, MutateRegionSharesAnUnchangedRegion) {
  Buffer A = Buffer::make("A", i32, {c(8)});
  Var x("x");
  BufferRegion r{A, {{x, c(1)}}};
  IRMutator identity;
  BufferRegion same = identity.mutate_region(r);
  EXPECT_TRUE(same.buffer.same_as(A));
  EXPECT_TRUE(same.region[0].min.same_as(x));
  RenameToConst m("x");
  BufferRegion changed = m.mutate_region(r);
  EXPECT_TRUE(changed.buffer.same_as(A));
  EXPECT_EQ(as_const_int(changed.region[0].min), 7);
  EXPECT_TRUE(changed.region[0].extent.same_as(r.region[0].extent));
}

TEST(IRMutator, BlockReplacedByAnotherStatementIsAnInternalError) {
  class BlockEraser : public IRMutator {
   protected:
    using IRMutator::visit;
    Stmt visit(const BlockNode*) override { return EvaluateNode::make(c(0)); }
  };
  PrimFunc f = testing::make_matmul();
  BlockEraser m;
  EXPECT_TRUE(throws_with<InternalError>([&] { m.mutate(f->body); },
                                         "a mutator turned a Block into another kind of statement"));
}

TEST(IRMutator, RebuildingWithMismatchedDtypesIsAUserError) {
  Var x("x");
  Expr e = AddNode::make(x, c(1));
  std::unordered_map<Var, Expr, RefHash, RefEqual> map = {{x, Var("w", DataType::Int(64))}};
  EXPECT_USER_ERROR(substitute(e, map), "Add: operands have different dtypes: w (int64) and 1 (int32)");
}

// ---------------------------------------------------------------------------------------
// substitute and mutate_exprs_with.

TEST(Substitute, ReplacesVariablesByIdentity) {
  Var x("x"), y("y"), other_x("x");
  Expr keep = MulNode::make(y, y);
  Expr e = AddNode::make(MulNode::make(x, other_x), keep);
  std::unordered_map<Var, Expr, RefHash, RefEqual> map = {{x, AddNode::make(y, c(1))}};
  Expr out = substitute(e, map);
  EXPECT_EQ(to_string(out), "(y + 1) * x + y * y");
  EXPECT_TRUE(out.as<AddNode>()->b.same_as(keep));
  EXPECT_TRUE(out.as<AddNode>()->a.as<MulNode>()->b.same_as(other_x));  // same name, other variable: kept
}

TEST(Substitute, EmptyMapAndNoMatchShareTheInput) {
  Var x("x"), y("y");
  Expr e = AddNode::make(x, y);
  EXPECT_TRUE(substitute(e, std::unordered_map<Var, Expr, RefHash, RefEqual>{}).same_as(e));
  EXPECT_TRUE(substitute(e, [](const Var&) -> std::optional<Expr> { return std::nullopt; }).same_as(e));
  Stmt s = EvaluateNode::make(e);
  EXPECT_TRUE(substitute(s, std::unordered_map<Var, Expr, RefHash, RefEqual>{}).same_as(s));
  std::unordered_map<Var, Expr, RefHash, RefEqual> unrelated = {{Var("z"), c(1)}};
  EXPECT_TRUE(substitute(s, unrelated).same_as(s));
}

TEST(Substitute, InStatementsKeepsDefinitionsAndRewritesUses) {
  testing::MatmulSpec spec;
  PrimFunc f = testing::make_matmul(spec);
  // Replace every use of the loop variable k by 0 through a function.
  const auto* li = f->body.as<BlockRealizeNode>()->block->body.as<ForNode>();
  const auto* lk = li->body.as<ForNode>()->body.as<ForNode>();
  Var k = lk->loop_var;
  Stmt out = substitute(f->body, [&](const Var& v) -> std::optional<Expr> {
    if (v.same_as(k)) return c(0);
    return std::nullopt;
  });
  ASSERT_FALSE(out.same_as(f->body));
  const auto* new_lk = out.as<BlockRealizeNode>()->block->body.as<ForNode>()->body.as<ForNode>()->body.as<ForNode>();
  ASSERT_NE(new_lk, nullptr);
  EXPECT_TRUE(new_lk->loop_var.same_as(k));  // the definition stays
  const auto* realize = new_lk->body.as<BlockRealizeNode>();
  EXPECT_EQ(as_const_int(realize->iter_values[2]), 0);
  EXPECT_TRUE(realize->iter_values[0].same_as(lk->body.as<BlockRealizeNode>()->iter_values[0]));
  EXPECT_TRUE(realize->block.same_as(lk->body.as<BlockRealizeNode>()->block));  // k is not used in the block
}

TEST(Substitute, WorksOnEveryMarker) {
  EveryKind t;
  int replaced = 0;
  Stmt out = substitute(t.stmt, [&](const Var& v) -> std::optional<Expr> {
    if (v.name() == "init" || v.name() == "then" || v.name() == "let_value") {
      ++replaced;
      return c(0);
    }
    return std::nullopt;
  });
  EXPECT_EQ(replaced, 3);
  EXPECT_FALSE(out.same_as(t.stmt));
  // The rewritten tree no longer uses the three markers; the others remain.
  VarOrderVisitor v;
  v.visit_stmt(out);
  EXPECT_EQ(std::count(v.vars.begin(), v.vars.end(), "init"), 0);
  EXPECT_EQ(std::count(v.vars.begin(), v.vars.end(), "then"), 0);
  EXPECT_EQ(std::count(v.vars.begin(), v.vars.end(), "let_value"), 0);
  EXPECT_EQ(std::count(v.vars.begin(), v.vars.end(), "else"), 1);
}

TEST(MutateExprsWith, RewritesBottomUp) {
  Var x("x");
  // (x + 1) * 2 with every integer constant incremented: the function sees children first.
  Expr e = MulNode::make(AddNode::make(x, c(1)), c(2));
  std::vector<std::string> seen;
  Expr out = mutate_exprs_with(e, [&](const Expr& node) -> std::optional<Expr> {
    seen.push_back(to_string(node));
    if (auto v = as_const_int(node)) return c(*v + 1);
    return std::nullopt;
  });
  EXPECT_EQ(to_string(out), "(x + 2) * 3");
  // Parents are shown already rewritten.
  EXPECT_EQ(seen, (std::vector<std::string>{"x", "1", "x + 2", "2", "(x + 2) * 3"}));
}

TEST(MutateExprsWith, ReachesExpressionsInsideStatements) {
  PrimFunc f = testing::make_matmul();
  // Turn every Mul into an Add: the update becomes C + (A + B).
  Stmt out = mutate_exprs_with(f->body, [](const Expr& e) -> std::optional<Expr> {
    if (const auto* m = e.as<MulNode>()) return AddNode::make(m->a, m->b);
    return std::nullopt;
  });
  int muls = 0, adds = 0;
  post_order_visit(out, [&](const Object* n) {
    muls += n->kind() == NodeKind::Mul;
    adds += n->kind() == NodeKind::Add;
  });
  EXPECT_EQ(muls, 0);
  EXPECT_EQ(adds, 2);
  // Returning nullopt everywhere keeps the tree shared.
  EXPECT_TRUE(
      mutate_exprs_with(f->body, [](const Expr&) -> std::optional<Expr> { return std::nullopt; }).same_as(f->body));
}

}  // namespace
}  // namespace loom::ir
