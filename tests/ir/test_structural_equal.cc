// Tests of structural equality and hashing: equal modulo names, every structural difference
// detected and reported with its exact path and values, strict names, consistent variable
// binding, free variables, and hashes that agree with equality.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "loom/ir/ir.h"
#include "matmul_kernel.h"

namespace loom::ir {
namespace {

using testing::make_matmul;
using testing::MatmulSpec;

const DataType i32 = DataType::Int(32);
const DataType f32 = DataType::Float(32);

Expr c(int64_t v) { return IntImmNode::make(i32, v); }

/// The reported difference as "path: lhs vs rhs", or "equal".
template <typename T>
std::string diff_text(const T& a, const T& b, const StructuralEqualOptions& options = {}) {
  auto d = structural_diff(a, b, options);
  return d ? d->to_string() : "equal";
}

StructuralEqualOptions strict() {
  StructuralEqualOptions o;
  o.strict_names = true;
  return o;
}

/// The path prefix of everything inside the matmul's reduction block.
const std::string kBlockC = "func main / block root / body / for i / for j / for k / block C";

MatmulSpec renamed_spec() {
  MatmulSpec s;
  s.func_name = "main";  // the function name is compared only in strict mode; keep paths stable
  s.a_handle = "pa";
  s.b_handle = "pb";
  s.c_handle = "pc";
  s.a_name = "X";
  s.b_name = "Y";
  s.c_name = "Z";
  s.i_name = "ii";
  s.j_name = "jj";
  s.k_name = "kk";
  s.vi_name = "v0";
  s.vj_name = "v1";
  s.vk_name = "v2";
  s.block_name = "matmul";
  return s;
}

// ---------------------------------------------------------------------------------------
// Equal modulo names.

TEST(StructuralEqual, KernelsDifferingOnlyInNamesAreEqualAndHashEqual) {
  PrimFunc a = make_matmul();
  PrimFunc b = make_matmul(renamed_spec());
  EXPECT_EQ(diff_text(a, b), "equal");
  EXPECT_TRUE(structural_equal(a, b));
  EXPECT_TRUE(structural_equal(b, a));
  EXPECT_EQ(structural_hash(a), structural_hash(b));
  MatmulSpec other_func = renamed_spec();
  other_func.func_name = "other";
  EXPECT_TRUE(structural_equal(a, make_matmul(other_func)));
  EXPECT_EQ(structural_hash(a), structural_hash(make_matmul(other_func)));
  // Two separately built copies (distinct objects everywhere) are equal, also strictly.
  PrimFunc a2 = make_matmul();
  EXPECT_FALSE(a.same_as(a2));
  EXPECT_TRUE(structural_equal(a, a2, strict()));
  EXPECT_EQ(structural_hash(a, true), structural_hash(a2, true));
  EXPECT_TRUE(structural_equal(a, a));
}

TEST(StructuralEqual, StatementsAndExpressionsOfTheKernel) {
  PrimFunc a = make_matmul(), b = make_matmul(renamed_spec());
  EXPECT_TRUE(structural_equal(a->body, b->body));
  EXPECT_EQ(structural_hash(a->body), structural_hash(b->body));
  const auto* realize_a = a->body.as<BlockRealizeNode>();
  const auto* realize_b = b->body.as<BlockRealizeNode>();
  EXPECT_TRUE(structural_equal(Stmt(realize_a->block), Stmt(realize_b->block)));
}

// ---------------------------------------------------------------------------------------
// Each structural difference, with its exact report.

TEST(StructuralEqual, LoopExtentDiffers) {
  MatmulSpec s;
  s.i_extent = 64;
  PrimFunc a = make_matmul(s), b = make_matmul();
  EXPECT_EQ(diff_text(a, b), "func main / block root / body / for i / extent: 64 vs 128");
  auto d = structural_diff(a, b);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->path, "func main / block root / body / for i / extent");
  EXPECT_EQ(d->lhs, "64");
  EXPECT_EQ(d->rhs, "128");
  EXPECT_NE(structural_hash(a), structural_hash(b));
}

TEST(StructuralEqual, BufferShapeDiffers) {
  MatmulSpec s;
  s.m = 64;
  EXPECT_EQ(diff_text(make_matmul(s), make_matmul()), "func main / param 0 / buffer A / shape 0: 64 vs 128");
  MatmulSpec t;
  t.n = 32;
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(t)), "func main / param 1 / buffer B / shape 1: 128 vs 32");
}

TEST(StructuralEqual, DtypeDiffers) {
  MatmulSpec s;
  s.dtype = DataType::Float(16);
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(s)), "func main / param 0 / buffer A / dtype: float32 vs float16");
}

TEST(StructuralEqual, LoopKindDiffers) {
  MatmulSpec s;
  s.i_kind = ForKind::Parallel;
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(s)),
            "func main / block root / body / for i / kind: serial vs parallel");
  MatmulSpec v;
  v.i_kind = ForKind::Vectorized;
  EXPECT_EQ(diff_text(make_matmul(s), make_matmul(v)),
            "func main / block root / body / for i / kind: parallel vs vectorized");
  MatmulSpec u;
  u.i_kind = ForKind::Unrolled;
  EXPECT_EQ(diff_text(make_matmul(u), make_matmul()), "func main / block root / body / for i / kind: unroll vs serial");
}

TEST(StructuralEqual, ThreadTagDiffers) {
  MatmulSpec x, y;
  x.i_kind = y.i_kind = ForKind::ThreadBinding;
  x.i_thread_tag = "threadIdx.x";
  y.i_thread_tag = "blockIdx.x";
  EXPECT_EQ(diff_text(make_matmul(x), make_matmul(y)),
            "func main / block root / body / for i / thread: threadIdx.x vs blockIdx.x");
  EXPECT_EQ(diff_text(make_matmul(x), make_matmul()),
            "func main / block root / body / for i / kind: thread_binding vs serial");
  MatmulSpec x2 = x;
  x2.i_name = "tx";
  EXPECT_TRUE(structural_equal(make_matmul(x), make_matmul(x2)));
}

TEST(StructuralEqual, PredicateDiffers) {
  MatmulSpec p64, p32;
  p64.predicate_bound = 64;
  p32.predicate_bound = 32;
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(p64)), kBlockC + " / predicate: True vs i < 64");
  EXPECT_EQ(diff_text(make_matmul(p64), make_matmul(p32)), kBlockC + " / predicate / LT.rhs: 64 vs 32");
  MatmulSpec p64_renamed = p64;
  p64_renamed.i_name = "outer";
  EXPECT_TRUE(structural_equal(make_matmul(p64), make_matmul(p64_renamed)));
}

TEST(StructuralEqual, RegionDiffers) {
  MatmulSpec s;
  s.a_read_k_extent = 4;
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(s)), kBlockC + " / read 0 (A) / range 1 extent: 1 vs 4");
}

TEST(StructuralEqual, AnnotationDiffers) {
  MatmulSpec one, two, text, flt, list;
  one.block_annotations = {{"meta", 1}};
  two.block_annotations = {{"meta", 2}};
  text.block_annotations = {{"meta", "x"}};
  flt.block_annotations = {{"meta", 1.0}};
  list.block_annotations = {{"meta", std::vector<AnnValue>{1, 2}}};
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(one)), kBlockC + " / annotations: (none) vs key meta");
  EXPECT_EQ(diff_text(make_matmul(one), make_matmul()), kBlockC + " / annotations: key meta vs (none)");
  EXPECT_EQ(diff_text(make_matmul(one), make_matmul(two)), kBlockC + " / annotations.meta: 1 vs 2");
  EXPECT_EQ(diff_text(make_matmul(one), make_matmul(text)), kBlockC + " / annotations.meta: 1 vs \"x\"");
  EXPECT_EQ(diff_text(make_matmul(one), make_matmul(flt)), kBlockC + " / annotations.meta: 1 vs 1.0");
  EXPECT_EQ(diff_text(make_matmul(one), make_matmul(list)), kBlockC + " / annotations.meta: 1 vs [1, 2]");
  MatmulSpec list2 = list;
  list2.block_annotations = {{"meta", std::vector<AnnValue>{1, 3}}};
  EXPECT_EQ(diff_text(make_matmul(list), make_matmul(list2)), kBlockC + " / annotations.meta[1]: 2 vs 3");
  MatmulSpec other_key;
  other_key.block_annotations = {{"tag", 1}};
  EXPECT_EQ(diff_text(make_matmul(one), make_matmul(other_key)), kBlockC + " / annotations: key meta vs key tag");
  MatmulSpec loop_ann;
  loop_ann.i_annotations = {{"pragma_unroll", 16}};
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(loop_ann)),
            "func main / block root / body / for i / annotations: (none) vs key pragma_unroll");
  EXPECT_TRUE(structural_equal(make_matmul(list), make_matmul(list)));
}

TEST(StructuralEqual, IterTypeDiffers) {
  MatmulSpec s;
  s.vk_type = IterType::DataPar;
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(s)), kBlockC + " / iter_var 2 / type: reduce vs spatial");
}

TEST(StructuralEqual, BufferScopeDiffers) {
  MatmulSpec s;
  s.c_scope = "shared";
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(s)), "func main / param 2 / buffer C / scope: global vs shared");
}

TEST(StructuralEqual, IndexOrderDiffers) {
  MatmulSpec s;
  s.transpose_b_load = true;
  EXPECT_EQ(diff_text(make_matmul(), make_matmul(s)),
            kBlockC + " / body / store C / value / Add.rhs / Mul.rhs / index 0: vk vs vj");
}

// ---------------------------------------------------------------------------------------
// Strict names.

TEST(StructuralEqual, StrictNamesDetectsEachRename) {
  PrimFunc base = make_matmul();
  struct Case {
    const char* what;
    MatmulSpec spec;
    std::string expected;
  };
  std::vector<Case> cases;
  {
    MatmulSpec s;
    s.func_name = "other";
    cases.push_back({"function", s, "func main / name: main vs other"});
  }
  {
    MatmulSpec s;
    s.a_handle = "pa";
    cases.push_back({"parameter", s, "func main / param 0 / var name: a vs pa"});
  }
  {
    MatmulSpec s;
    s.b_name = "Y";
    cases.push_back({"buffer", s, "func main / param 1 / buffer B / name: B vs Y"});
  }
  {
    MatmulSpec s;
    s.i_name = "ii";
    cases.push_back({"loop var", s, "func main / block root / body / for i / var name: i vs ii"});
  }
  {
    MatmulSpec s;
    s.k_name = "r";
    cases.push_back({"inner loop var", s, "func main / block root / body / for i / for j / for k / var name: k vs r"});
  }
  {
    MatmulSpec s;
    s.block_name = "update";
    cases.push_back({"block", s, kBlockC + " / name: C vs update"});
  }
  {
    MatmulSpec s;
    s.vj_name = "w";
    cases.push_back({"iter var", s, kBlockC + " / iter_var 1 / var name: vj vs w"});
  }
  for (const Case& c : cases) {
    PrimFunc other = make_matmul(c.spec);
    EXPECT_TRUE(structural_equal(base, other)) << c.what;
    EXPECT_EQ(structural_hash(base), structural_hash(other)) << c.what;
    EXPECT_EQ(diff_text(base, other, strict()), c.expected) << c.what;
    EXPECT_NE(structural_hash(base, true), structural_hash(other, true)) << c.what;
  }
}

// ---------------------------------------------------------------------------------------
// Variable binding.

struct Loops {
  Buffer A = Buffer::make("A", f32, {c(8), c(8)});
  Buffer B = Buffer::make("B", f32, {c(8), c(8)});

  /// for <outer>: for <inner>: B[outer, inner] = A[first, second], where first/second pick
  /// the loop variables (0 = outer, 1 = inner).
  Stmt nest(const std::string& outer, const std::string& inner, int first, int second) const {
    Var o(outer), in(inner);
    Var vars[2] = {o, in};
    Stmt store = BufferStoreNode::make(B, BufferLoadNode::make(A, {vars[first], vars[second]}), {o, in});
    return ForNode::make(o, c(0), c(8), ForKind::Serial, ForNode::make(in, c(0), c(8), ForKind::Serial, store));
  }
};

TEST(StructuralEqual, LoopVariablesMatchByDefinitionSite) {
  Buffer A = Buffer::make("A", f32, {c(8)}), B = Buffer::make("B", f32, {c(8)});
  Var i("i"), j("j");
  Stmt si = ForNode::make(i, c(0), c(8), ForKind::Serial, BufferStoreNode::make(B, BufferLoadNode::make(A, {i}), {i}));
  Stmt sj = ForNode::make(j, c(0), c(8), ForKind::Serial, BufferStoreNode::make(B, BufferLoadNode::make(A, {j}), {j}));
  EXPECT_EQ(diff_text(si, sj), "equal");
  EXPECT_EQ(structural_hash(si), structural_hash(sj));
  EXPECT_EQ(diff_text(si, sj, strict()), "for i / var name: i vs j");
}

TEST(StructuralEqual, SwappedIndicesAreNotEqual) {
  Loops l;
  Stmt ij = l.nest("i", "j", 0, 1);
  Stmt ij_renamed = l.nest("x", "y", 0, 1);
  Stmt ji = l.nest("i", "j", 1, 0);
  EXPECT_TRUE(structural_equal(ij, ij_renamed));
  EXPECT_EQ(structural_hash(ij), structural_hash(ij_renamed));
  EXPECT_EQ(diff_text(ij, ji), "for i / for j / store B / value / index 0: i vs j");
  EXPECT_NE(structural_hash(ij), structural_hash(ji));
  // The same shape with both loops named alike is still told apart by position.
  Stmt xx = l.nest("x", "x", 1, 0);
  EXPECT_TRUE(structural_equal(ji, xx));
  EXPECT_EQ(diff_text(ij, xx), "for i / for j / store B / value / index 0: i vs x");
}

TEST(StructuralEqual, UseOfAnOuterVariableVersusAnInnerOne) {
  Loops l;
  // B[i, j] = A[i, i] vs B[i, j] = A[i, j].
  Stmt ii = l.nest("i", "j", 0, 0);
  Stmt ij = l.nest("i", "j", 0, 1);
  EXPECT_EQ(diff_text(ii, ij), "for i / for j / store B / value / index 1: i vs j");
  EXPECT_NE(structural_hash(ii), structural_hash(ij));
}

TEST(StructuralEqual, LetAndBlockVariablesBindToo) {
  Var x("x"), y("y"), z("z");
  Stmt lx = LetStmtNode::make(x, c(3), EvaluateNode::make(AddNode::make(x, c(1))));
  Stmt ly = LetStmtNode::make(y, c(3), EvaluateNode::make(AddNode::make(y, c(1))));
  EXPECT_TRUE(structural_equal(lx, ly));
  EXPECT_EQ(structural_hash(lx), structural_hash(ly));
  Stmt lv = LetStmtNode::make(x, c(4), EvaluateNode::make(AddNode::make(x, c(1))));
  EXPECT_EQ(diff_text(lx, lv), "let x / value: 3 vs 4");
  // A let whose body uses a variable bound elsewhere (z) instead of its own.
  Stmt lz = LetStmtNode::make(y, c(3), EvaluateNode::make(AddNode::make(z, c(1))));
  EXPECT_EQ(diff_text(lx, lz), "let x / evaluate / Add.lhs: x vs z");
}

// ---------------------------------------------------------------------------------------
// Free variables.

TEST(StructuralEqual, FreeVariablesUnifyOnFirstSight) {
  Var x("x"), y("y"), u("u"), v("v");
  Expr xy = AddNode::make(x, y);
  EXPECT_TRUE(structural_equal(xy, AddNode::make(u, v)));
  EXPECT_TRUE(structural_equal(xy, AddNode::make(y, x)));  // a consistent renaming
  EXPECT_TRUE(structural_equal(AddNode::make(x, x), AddNode::make(u, u)));
  EXPECT_EQ(diff_text(AddNode::make(x, x), AddNode::make(u, v)), "Add.rhs: x vs v");
  EXPECT_EQ(diff_text(AddNode::make(x, y), AddNode::make(u, u)), "Add.rhs: y vs u");
  EXPECT_EQ(structural_hash(xy), structural_hash(AddNode::make(u, v)));
  EXPECT_EQ(diff_text(Expr(x), Expr(Var("f", f32))), "dtype: int32 vs float32");
}

TEST(StructuralEqual, SharedFreeVariableStaysConsistent) {
  // x unified with itself must not then unify with another variable.
  Var x("x"), y("y");
  EXPECT_EQ(diff_text(AddNode::make(x, y), AddNode::make(x, x)), "Add.rhs: y vs x");
  EXPECT_EQ(diff_text(AddNode::make(x, x), AddNode::make(x, y)), "Add.rhs: x vs y");
  Buffer A = Buffer::make("A", f32, {c(4)}), B = Buffer::make("B", f32, {c(4)});
  Stmt ab = BufferStoreNode::make(A, BufferLoadNode::make(B, {c(0)}), {c(0)});
  Stmt aa = BufferStoreNode::make(A, BufferLoadNode::make(A, {c(0)}), {c(0)});
  EXPECT_EQ(diff_text(ab, aa), "store A / value / buffer: B vs A");
}

TEST(StructuralEqual, WithoutMapFreeVarsFreeVariablesMustBeIdentical) {
  StructuralEqualOptions o;
  o.map_free_vars = false;
  Var x("x"), u("u");
  EXPECT_TRUE(structural_equal(AddNode::make(x, c(1)), AddNode::make(x, c(1)), o));
  EXPECT_EQ(diff_text(AddNode::make(x, c(1)), AddNode::make(u, c(1)), o), "Add.lhs / free var: x vs u");
  Buffer A = Buffer::make("A", f32, {c(4)}), B = Buffer::make("B", f32, {c(4)});
  EXPECT_EQ(diff_text(BufferLoadNode::make(A, {c(0)}), BufferLoadNode::make(B, {c(0)}), o), "free buffer: A vs B");
  // Bound variables are still matched by definition site.
  Var i("i"), j("j");
  Stmt si = ForNode::make(i, c(0), c(4), ForKind::Serial, BufferStoreNode::make(A, make_float(0.0), {i}));
  Stmt sj = ForNode::make(j, c(0), c(4), ForKind::Serial, BufferStoreNode::make(A, make_float(0.0), {j}));
  EXPECT_TRUE(structural_equal(si, sj, o));
}

// ---------------------------------------------------------------------------------------
// Expression and statement kinds.

TEST(StructuralEqual, ExpressionDifferences) {
  Var x("x"), f("f", f32), p("p", DataType::Bool());
  EXPECT_EQ(diff_text(c(1), c(2)), "(root): 1 vs 2");
  EXPECT_EQ(diff_text(c(1), IntImmNode::make(DataType::Int(64), 1)), "dtype: int32 vs int64");
  EXPECT_EQ(diff_text(make_float(1.0), make_float(1.5)), "(root): 1.0 vs 1.5");
  EXPECT_EQ(diff_text(AddNode::make(x, c(1)), SubNode::make(x, c(1))), "(root): x + 1 vs x - 1");
  EXPECT_EQ(diff_text(MulNode::make(x, c(2)), MulNode::make(x, c(3))), "Mul.rhs: 2 vs 3");
  EXPECT_EQ(diff_text(CallNode::make(Intrinsic::exp, {f}), CallNode::make(Intrinsic::log, {f})), "op: exp vs log");
  EXPECT_EQ(diff_text(CallNode::make(Intrinsic::pow, {f, f}), CallNode::make(Intrinsic::pow, {f, make_float(2.0)})),
            "arg 1: f vs 2.0");
  EXPECT_EQ(diff_text(CastNode::make(f32, x), CastNode::make(DataType::Float(16), x)), "dtype: float32 vs float16");
  EXPECT_EQ(diff_text(CastNode::make(f32, x), CastNode::make(f32, AddNode::make(x, c(1)))), "value: x vs x + 1");
  EXPECT_EQ(diff_text(RampNode::make(x, c(1), 4), RampNode::make(x, c(2), 4)), "stride: 1 vs 2");
  EXPECT_EQ(diff_text(RampNode::make(x, c(1), 4), RampNode::make(x, c(1), 8)), "dtype: int32x4 vs int32x8");
  EXPECT_EQ(diff_text(BroadcastNode::make(f, 4), BroadcastNode::make(make_float(0.0), 4)), "value: f vs 0.0");
  EXPECT_EQ(diff_text(SelectNode::make(p, x, c(0)), SelectNode::make(p, x, c(1))), "false_value: 0 vs 1");
  EXPECT_EQ(diff_text(NotNode::make(p), NotNode::make(make_bool(true))), "Not.operand: p vs True");
  EXPECT_EQ(diff_text(LTNode::make(x, c(0)), LENode::make(x, c(0))), "(root): x < 0 vs x <= 0");
  EXPECT_EQ(diff_text(Expr(), Expr(x)), "(root): (none) vs x");
  EXPECT_EQ(diff_text(Expr(), Expr()), "equal");
  // Signed zeros and NaNs compare as values.
  EXPECT_TRUE(structural_equal(make_float(0.0), make_float(-0.0)));
  EXPECT_EQ(structural_hash(make_float(0.0)), structural_hash(make_float(-0.0)));
  EXPECT_TRUE(structural_equal(make_float(std::nan("")), make_float(std::nan(""))));
  // Equal trees hash equal, NaNs of either sign included.
  EXPECT_TRUE(structural_equal(make_float(std::nan("")), make_float(-std::nan(""))));
  EXPECT_EQ(structural_hash(make_float(std::nan(""))), structural_hash(make_float(-std::nan(""))));
}

TEST(StructuralEqual, BufferLoadDifferences) {
  Buffer A = Buffer::make("A", f32, {c(4), c(4)});
  Buffer A8 = Buffer::make("A", f32, {c(8), c(4)});
  Buffer Ah = Buffer::make("A", DataType::Float(16), {c(4), c(4)});
  Var x("x");
  EXPECT_EQ(diff_text(BufferLoadNode::make(A, {x, c(0)}), BufferLoadNode::make(A8, {x, c(0)})),
            "buffer A / shape 0: 4 vs 8");
  EXPECT_EQ(diff_text(BufferLoadNode::make(A, {x, c(0)}), BufferLoadNode::make(Ah, {x, c(0)})),
            "dtype: float32 vs float16");
  EXPECT_EQ(diff_text(BufferLoadNode::make(A, {x, c(0)}), BufferLoadNode::make(A, {x, c(1)})), "index 1: 0 vs 1");
  Buffer strided = Buffer::make("A", f32, {c(4), c(4)}, {c(8), c(1)});
  EXPECT_EQ(diff_text(BufferLoadNode::make(A, {x, c(0)}), BufferLoadNode::make(strided, {x, c(0)})),
            "buffer A / stride count: 0 vs 2");
  Buffer offset = Buffer::make("A", f32, {c(4), c(4)}, {}, c(16));
  EXPECT_EQ(diff_text(BufferLoadNode::make(A, {x, c(0)}), BufferLoadNode::make(offset, {x, c(0)})),
            "buffer A / elem_offset: (none) vs 16");
}

TEST(StructuralEqual, StatementDifferences) {
  Var p("p", DataType::Bool()), x("x");
  Stmt e0 = EvaluateNode::make(c(0)), e1 = EvaluateNode::make(c(1));
  EXPECT_EQ(diff_text(e0, e1), "evaluate: 0 vs 1");
  EXPECT_EQ(diff_text(IfThenElseNode::make(p, e0), IfThenElseNode::make(p, e0, e1)), "if / else: (none) vs Evaluate");
  EXPECT_EQ(diff_text(IfThenElseNode::make(p, e0, e1), IfThenElseNode::make(p, e0, e0)),
            "if / else / evaluate: 1 vs 0");
  EXPECT_EQ(diff_text(IfThenElseNode::make(p, e0), IfThenElseNode::make(NotNode::make(p), e0)),
            "if / condition: p vs not p");
  EXPECT_EQ(diff_text(SeqStmtNode::make({e0, e1}), SeqStmtNode::make({e0, e0})), "seq[1] / evaluate: 1 vs 0");
  EXPECT_EQ(diff_text(SeqStmtNode::make({e0, e1}), SeqStmtNode::make({e0, e1, e0})),
            "seq: 2 statements vs 3 statements");
  EXPECT_EQ(diff_text(e0, SeqStmtNode::make({e0, e1})), "(root): Evaluate vs SeqStmt");
  Buffer T = Buffer::make("T", f32, {c(4)}), U = Buffer::make("U", f32, {c(8)});
  EXPECT_TRUE(structural_equal(AllocateNode::make(T, e0), AllocateNode::make(T.with_name("V"), e0)));
  EXPECT_EQ(diff_text(AllocateNode::make(T, e0), AllocateNode::make(U, e0)), "allocate T / buffer T / shape 0: 4 vs 8");
  EXPECT_EQ(diff_text(AllocateNode::make(T, e0), AllocateNode::make(T.with_scope("local"), e0)),
            "allocate T / buffer T / scope: global vs local");
  EXPECT_EQ(diff_text(Stmt(), e0), "(root): (none) vs Evaluate");
}

TEST(StructuralEqual, BlockDifferences) {
  Buffer A = Buffer::make("A", f32, {c(8)});
  Var v("v"), w("w");
  Stmt body_v = BufferStoreNode::make(A, make_float(0.0), {v});
  Stmt body_w = BufferStoreNode::make(A, make_float(0.0), {w});
  auto block = [&](Var var, Stmt body, std::vector<Buffer> allocs, Stmt init, std::vector<BufferRegion> writes) {
    return Stmt(Block::make("blk", {{var, {c(0), c(8)}, IterType::DataPar}}, {}, std::move(writes), std::move(body),
                            std::move(init), std::move(allocs)));
  };
  BufferRegion wv{A, {{v, c(1)}}}, ww{A, {{w, c(1)}}};
  EXPECT_TRUE(structural_equal(block(v, body_v, {}, {}, {wv}), block(w, body_w, {}, {}, {ww})));
  Buffer S = Buffer::make("S", f32, {c(2)}, {}, {}, "local");
  EXPECT_EQ(diff_text(block(v, body_v, {}, {}, {wv}), block(w, body_w, {S}, {}, {ww})),
            "block blk / alloc_buffer count: 0 vs 1");
  EXPECT_EQ(diff_text(block(v, body_v, {S}, {}, {wv}), block(w, body_w, {S.with_scope("shared")}, {}, {ww})),
            "block blk / buffer S / scope: local vs shared");
  EXPECT_EQ(diff_text(block(v, body_v, {}, {}, {wv}), block(w, body_w, {}, {}, {})), "block blk / write count: 1 vs 0");
  EXPECT_EQ(diff_text(block(v, body_v, {}, body_v, {wv}), block(w, body_w, {}, {}, {ww})),
            "block blk / init: BufferStore vs (none)");
  // The write region uses the iteration variable consistently.
  BufferRegion w0{A, {{c(0), c(1)}}};
  EXPECT_EQ(diff_text(block(v, body_v, {}, {}, {wv}), block(w, body_w, {}, {}, {w0})),
            "block blk / write 0 (A) / range 0 min: v vs 0");
  // Iteration variable domains.
  Stmt b16 = Block::make("blk", {{v, {c(0), c(16)}, IterType::DataPar}}, {}, {}, body_v);
  EXPECT_EQ(diff_text(block(v, body_v, {}, {}, {}), b16), "block blk / iter_var 0 / dom.extent: 8 vs 16");
  // BlockRealize bindings.
  Var i("i");
  Block blk = Block::make("blk", {{v, {c(0), c(8)}, IterType::DataPar}}, {}, {}, body_v);
  EXPECT_EQ(diff_text(BlockRealizeNode::make({i}, Expr(), blk), BlockRealizeNode::make({c(0)}, Expr(), blk)),
            "block blk / iter_value 0: i vs 0");
}

TEST(StructuralEqual, Modules) {
  IRModule a = IRModule::from_func(make_matmul());
  IRModule b = IRModule::from_func(make_matmul(renamed_spec()));
  EXPECT_EQ(diff_text(a, b), "equal");
  MatmulSpec other;
  other.func_name = "other";
  IRModule d = IRModule::from_func(make_matmul(other));
  EXPECT_EQ(diff_text(a, d), "module: function main vs function other");
  IRModule two = a;
  two.add(make_matmul(other));
  EXPECT_EQ(diff_text(a, two), "module: 1 functions vs 2 functions");
  MatmulSpec s;
  s.i_extent = 64;
  IRModule e = IRModule::from_func(make_matmul(s));
  EXPECT_EQ(diff_text(e, a), "func main / block root / body / for i / extent: 64 vs 128");
}

TEST(StructuralEqual, FunctionSignatureDifferences) {
  Buffer A = Buffer::make("A", f32, {c(4)});
  Var pa("a", DataType::Handle()), pb("b", DataType::Handle()), n("n"), wide("n", DataType::Int(64));
  Stmt body = BufferStoreNode::make(A, make_float(0.0), {c(0)});
  PrimFunc one = PrimFunc::make("f", {pa}, {{pa, A}}, body);
  PrimFunc two = PrimFunc::make("f", {pa, n}, {{pa, A}}, body);
  EXPECT_EQ(diff_text(one, two), "func f / param count: 1 vs 2");
  PrimFunc scalar_first = PrimFunc::make("f", {n, pa}, {{pa, A}}, body);
  EXPECT_EQ(diff_text(two, scalar_first), "func f / param 0 / var a dtype: handle vs int32");
  PrimFunc unbound = PrimFunc::make("f", {pa, pb}, {{pa, A}}, body);
  PrimFunc bound = PrimFunc::make("f", {pa, pb}, {{pa, A}, {pb, A.with_name("B")}}, body);
  EXPECT_EQ(diff_text(unbound, bound), "func f / param 1 / buffer: scalar vs B");
  PrimFunc two64 = PrimFunc::make("f", {pa, wide}, {{pa, A}}, body);
  EXPECT_EQ(diff_text(two, two64), "func f / param 1 / var n dtype: int32 vs int64");
  PrimFunc attrs = PrimFunc::make("f", {pa}, {{pa, A}}, body, {{"global_symbol", "f"}});
  EXPECT_EQ(diff_text(one, attrs), "func f / attrs: (none) vs key global_symbol");
  EXPECT_NE(structural_hash(one), structural_hash(attrs));
  EXPECT_NE(structural_hash(one), structural_hash(two));
  EXPECT_NE(structural_hash(unbound), structural_hash(bound));
}

TEST(StructuralEqual, MatchBuffersAndIterTypes) {
  Buffer A = Buffer::make("A", f32, {c(8), c(8)});
  Buffer V = Buffer::make("V", f32, {c(1), c(8)});
  Var v("v");
  auto block = [&](Expr row, IterType type, Buffer view) {
    Stmt body = BufferStoreNode::make(view, make_float(1.0), {c(0), c(0)});
    return Stmt(Block::make("blk", {{v, {c(0), c(8)}, type}}, {}, {}, body, {}, {},
                            {{view, BufferRegion{A, {{row, c(1)}, {c(0), c(8)}}}}}));
  };
  EXPECT_TRUE(structural_equal(block(v, IterType::DataPar, V), block(v, IterType::DataPar, V.with_name("W"))));
  EXPECT_EQ(diff_text(block(v, IterType::DataPar, V), block(c(0), IterType::DataPar, V)),
            "block blk / match_buffer 0 source / range 0 min: v vs 0");
  EXPECT_EQ(diff_text(block(v, IterType::DataPar, V), block(v, IterType::DataPar, V.with_scope("local"))),
            "block blk / buffer V / scope: global vs local");
  EXPECT_EQ(diff_text(block(v, IterType::Opaque, V), block(v, IterType::Ordered, V)),
            "block blk / iter_var 0 / type: opaque vs scan");
  std::set<uint64_t> hashes;
  for (IterType t : {IterType::DataPar, IterType::CommReduce, IterType::Ordered, IterType::Opaque}) {
    hashes.insert(structural_hash(block(v, t, V)));
  }
  EXPECT_EQ(hashes.size(), 4u);
}

TEST(StructuralEqual, AllocatedBuffersBindByDefinition) {
  Buffer A = Buffer::make("A", f32, {c(4)});
  auto block = [&](const std::string& scratch_name, bool read_scratch) {
    Buffer S = Buffer::make(scratch_name, f32, {c(4)}, {}, {}, "local");
    Stmt fill = BufferStoreNode::make(S, make_float(1.0), {c(0)});
    Stmt copy = BufferStoreNode::make(A, BufferLoadNode::make(read_scratch ? S : A, {c(0)}), {c(0)});
    return Stmt(Block::make("blk", {}, {}, {}, SeqStmtNode::make({fill, copy}), {}, {S}));
  };
  EXPECT_TRUE(structural_equal(block("S", true), block("T", true)));
  EXPECT_EQ(structural_hash(block("S", true)), structural_hash(block("T", true)));
  EXPECT_EQ(diff_text(block("S", true), block("T", true), strict()), "block blk / buffer S / name: S vs T");
  EXPECT_EQ(diff_text(block("S", true), block("S", false)),
            "block blk / body / seq[1] / store A / value / buffer: S vs A");
}

// ---------------------------------------------------------------------------------------
// Hashing.

std::vector<std::pair<std::string, MatmulSpec>> variants() {
  std::vector<std::pair<std::string, MatmulSpec>> out;
  auto add = [&](const std::string& name, auto edit) {
    MatmulSpec s;
    edit(s);
    out.emplace_back(name, s);
  };
  add("default", [](MatmulSpec&) {});
  add("m=64", [](MatmulSpec& s) { s.m = 64; });
  add("n=64", [](MatmulSpec& s) { s.n = 64; });
  add("k=64", [](MatmulSpec& s) { s.k = 64; });
  add("i_extent=64", [](MatmulSpec& s) { s.i_extent = 64; });
  add("float16", [](MatmulSpec& s) { s.dtype = DataType::Float(16); });
  add("float64", [](MatmulSpec& s) { s.dtype = DataType::Float(64); });
  add("parallel", [](MatmulSpec& s) { s.i_kind = ForKind::Parallel; });
  add("vectorized", [](MatmulSpec& s) { s.i_kind = ForKind::Vectorized; });
  add("unrolled", [](MatmulSpec& s) { s.i_kind = ForKind::Unrolled; });
  add("threadIdx.x", [](MatmulSpec& s) {
    s.i_kind = ForKind::ThreadBinding;
    s.i_thread_tag = "threadIdx.x";
  });
  add("blockIdx.x", [](MatmulSpec& s) {
    s.i_kind = ForKind::ThreadBinding;
    s.i_thread_tag = "blockIdx.x";
  });
  add("predicate<64", [](MatmulSpec& s) { s.predicate_bound = 64; });
  add("predicate<32", [](MatmulSpec& s) { s.predicate_bound = 32; });
  add("ann meta=1", [](MatmulSpec& s) { s.block_annotations = {{"meta", 1}}; });
  add("ann meta=2", [](MatmulSpec& s) { s.block_annotations = {{"meta", 2}}; });
  add("ann meta=\"1\"", [](MatmulSpec& s) { s.block_annotations = {{"meta", "1"}}; });
  add("ann meta=1.0", [](MatmulSpec& s) { s.block_annotations = {{"meta", 1.0}}; });
  add("loop ann", [](MatmulSpec& s) { s.i_annotations = {{"meta", 1}}; });
  add("vk spatial", [](MatmulSpec& s) { s.vk_type = IterType::DataPar; });
  add("C shared", [](MatmulSpec& s) { s.c_scope = "shared"; });
  add("C local", [](MatmulSpec& s) { s.c_scope = "local"; });
  add("read extent 4", [](MatmulSpec& s) { s.a_read_k_extent = 4; });
  add("B transposed", [](MatmulSpec& s) { s.transpose_b_load = true; });
  return out;
}

TEST(StructuralHash, DistinctVariantsAreUnequalAndHashApart) {
  auto vs = variants();
  std::vector<PrimFunc> funcs;
  std::vector<uint64_t> hashes;
  for (const auto& [name, spec] : vs) {
    funcs.push_back(make_matmul(spec));
    hashes.push_back(structural_hash(funcs.back()));
  }
  int collisions = 0;
  for (size_t i = 0; i < vs.size(); ++i) {
    for (size_t j = 0; j < vs.size(); ++j) {
      if (i == j) {
        EXPECT_TRUE(structural_equal(funcs[i], funcs[j])) << vs[i].first;
        continue;
      }
      EXPECT_FALSE(structural_equal(funcs[i], funcs[j])) << vs[i].first << " vs " << vs[j].first;
      if (i < j && hashes[i] == hashes[j]) {
        ++collisions;
        ADD_FAILURE() << "hash collision: " << vs[i].first << " and " << vs[j].first;
      }
    }
  }
  EXPECT_EQ(collisions, 0);
  EXPECT_EQ(std::set<uint64_t>(hashes.begin(), hashes.end()).size(), vs.size());
}

TEST(StructuralHash, EqualTreesHashEqual) {
  // Each variant, rebuilt with other names, is equal and hashes equal to itself.
  for (const auto& [name, spec] : variants()) {
    MatmulSpec renamed = spec;
    MatmulSpec names = renamed_spec();
    renamed.a_handle = names.a_handle;
    renamed.a_name = names.a_name;
    renamed.c_name = names.c_name;
    renamed.i_name = names.i_name;
    renamed.vk_name = names.vk_name;
    renamed.block_name = names.block_name;
    PrimFunc a = make_matmul(spec), b = make_matmul(renamed);
    EXPECT_EQ(diff_text(a, b), "equal") << name;
    EXPECT_EQ(structural_hash(a), structural_hash(b)) << name;
    EXPECT_EQ(structural_hash(a->body), structural_hash(b->body)) << name;
    EXPECT_NE(structural_hash(a, true), structural_hash(b, true)) << name;
  }
}

TEST(StructuralHash, ExpressionsAndStatements) {
  Var x("x"), y("y");
  EXPECT_EQ(structural_hash(AddNode::make(x, c(1))), structural_hash(AddNode::make(y, c(1))));
  EXPECT_NE(structural_hash(AddNode::make(x, c(1))), structural_hash(AddNode::make(x, c(2))));
  EXPECT_NE(structural_hash(AddNode::make(x, c(1))), structural_hash(SubNode::make(x, c(1))));
  EXPECT_NE(structural_hash(c(1)), structural_hash(IntImmNode::make(DataType::Int(64), 1)));
  EXPECT_NE(structural_hash(make_float(1.0)), structural_hash(make_float(1.0, DataType::Float(16))));
  EXPECT_NE(structural_hash(CallNode::make(Intrinsic::exp, {Var("f", f32)})),
            structural_hash(CallNode::make(Intrinsic::log, {Var("f", f32)})));
  EXPECT_NE(structural_hash(x, true), structural_hash(y, true));  // strict: free variables hash by name too
  EXPECT_EQ(structural_hash(x, true), structural_hash(Var("x"), true));
  Stmt e0 = EvaluateNode::make(c(0));
  EXPECT_NE(structural_hash(SeqStmtNode::make({e0, e0})), structural_hash(SeqStmtNode::make({e0, e0, e0})));
  EXPECT_NE(structural_hash(IfThenElseNode::make(Var("p", DataType::Bool()), e0)),
            structural_hash(IfThenElseNode::make(Var("p", DataType::Bool()), e0, e0)));
}

// ---------------------------------------------------------------------------------------
// Property: random expressions equal their renamed copies and differ from perturbed ones.

/// A random int32 expression over `vars` of every integer, comparison and logical kind.
Expr random_expr(std::mt19937& rng, const std::vector<Var>& vars, int depth) {
  std::uniform_int_distribution<int> pick(0, depth <= 0 ? 1 : 11);
  switch (pick(rng)) {
    case 0:
      return vars[std::uniform_int_distribution<size_t>(0, vars.size() - 1)(rng)];
    case 1:
      return c(std::uniform_int_distribution<int>(-50, 50)(rng));
    default:
      break;
  }
  Expr a = random_expr(rng, vars, depth - 1), b = random_expr(rng, vars, depth - 1);
  switch (std::uniform_int_distribution<int>(0, 11)(rng)) {
    case 0:
      return AddNode::make(a, b);
    case 1:
      return SubNode::make(a, b);
    case 2:
      return MulNode::make(a, b);
    case 3:
      return FloorDivNode::make(a, b);
    case 4:
      return FloorModNode::make(a, b);
    case 5:
      return MinNode::make(a, b);
    case 6:
      return MaxNode::make(a, b);
    case 7:
      return SelectNode::make(LTNode::make(a, b), a, b);
    case 8:
      return SelectNode::make(AndNode::make(EQNode::make(a, c(0)), NotNode::make(GENode::make(b, c(3)))), b, a);
    case 9:
      return CastNode::make(i32, CastNode::make(DataType::Int(64), a));
    case 10:
      return DivNode::make(a, b);
    default:
      return ModNode::make(a, b);
  }
}

TEST(StructuralEqualProperty, RenamedCopiesAreEqualAndPerturbedOnesAreNot) {
  const uint32_t seed = 1234567;
  std::mt19937 rng(seed);
  Var x("x"), y("y"), z("z");
  int trials = 0, hash_collisions = 0;
  for (int n = 0; n < 300; ++n) {
    Expr e = random_expr(rng, {x, y, z}, 4);
    // A renamed copy: fresh variables with other names, everything rebuilt around them.
    std::unordered_map<Var, Expr, RefHash, RefEqual> rename = {{x, Var("a")}, {y, Var("b")}, {z, Var("c")}};
    Expr copy = substitute(e, rename);
    ASSERT_EQ(diff_text(e, copy), "equal") << "seed " << seed << " case " << n << ": " << e;
    ASSERT_EQ(structural_hash(e), structural_hash(copy)) << "seed " << seed << " case " << n << ": " << e;
    // Perturb one integer constant (the k-th in post order).
    int constants = 0;
    post_order_visit(e, [&](const Object* node) { constants += node->kind() == NodeKind::IntImm; });
    if (constants == 0) continue;
    int target = std::uniform_int_distribution<int>(0, constants - 1)(rng), seen = 0;
    Expr perturbed = mutate_exprs_with(copy, [&](const Expr& node) -> std::optional<Expr> {
      if (auto v = as_const_int(node); v && node.dtype() == i32 && seen++ == target) return c(*v + 1);
      return std::nullopt;
    });
    ++trials;
    auto d = structural_diff(e, perturbed);
    ASSERT_TRUE(d.has_value()) << "seed " << seed << " case " << n << ": " << e << " vs " << perturbed;
    EXPECT_EQ(std::stoll(d->rhs), std::stoll(d->lhs) + 1) << "seed " << seed << " case " << n << ": " << d->to_string();
    hash_collisions += structural_hash(e) == structural_hash(perturbed);
  }
  EXPECT_GT(trials, 200);
  EXPECT_LE(hash_collisions, 1) << "seed " << seed;
}

}  // namespace
}  // namespace loom::ir
