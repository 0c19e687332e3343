// Tests of the non-block statements: For (every kind, offsets, empty ranges), SeqStmt,
// IfThenElse, Evaluate, LetStmt (with shadowing) and Allocate (zeroed, scoped).
#include <gtest/gtest.h>

#include "interp_test_util.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)

TEST(Stmt, ForRunsFromMinOverExtent) {
  Var v("v");
  Buffer out = make_buffer("out", DataType::Int(32), {8});
  PrimFunc f = make_func("loop", {out}, ir::ForNode::make(v, 2, 3, ir::ForKind::Serial, store(out, v * 10, {v})));
  NDArray o = NDArray::from_ints(DataType::Int(32), {8}, {-1, -1, -1, -1, -1, -1, -1, -1});
  run(f, {o});
  EXPECT_EQ(o.to_string(), "[-1, -1, 20, 30, 40, -1, -1, -1]");
}

TEST(Stmt, ForWithEmptyOrNegativeExtentRunsNothing) {
  Var v("v"), n("n");
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  PrimFunc f = make_func("loop", {n, out}, loop(v, n, store(out, v + 1, {0})));
  NDArray o(DataType::Int(32), {1});
  run(f, {0, o});
  EXPECT_EQ(o.get_int(0), 0);
  run(f, {-3, o});
  EXPECT_EQ(o.get_int(0), 0);
  run(f, {5, o});
  EXPECT_EQ(o.get_int(0), 5);  // the last iteration's store wins: iterations run in order
}

TEST(Stmt, EveryLoopKindRunsSeriallyWithTheSameResult) {
  const ir::ForKind kinds[] = {ir::ForKind::Serial, ir::ForKind::Parallel, ir::ForKind::Vectorized,
                               ir::ForKind::Unrolled, ir::ForKind::ThreadBinding};
  for (ir::ForKind kind : kinds) {
    Var i("i"), j("j");
    Buffer a = make_buffer("A", DataType::Float(32), {4, 5});
    Buffer b = make_buffer("B", DataType::Float(32), {5, 4});
    PrimFunc f = make_func("transpose", {a, b}, loop(i, 4, loop(j, 5, store(b, load(a, {i, j}), {j, i}), kind)));
    NDArray in(DataType::Float(32), {4, 5});
    in.fill_random(3);
    NDArray out(DataType::Float(32), {5, 4});
    run(f, {in, out});
    for (int64_t x = 0; x < 4; ++x) {
      for (int64_t y = 0; y < 5; ++y) {
        ASSERT_EQ(out.get_double(y * 4 + x), in.get_double(x * 5 + y)) << ir::for_kind_name(kind);
      }
    }
  }
}

TEST(Stmt, SeqStmtRunsInOrder) {
  Buffer out = make_buffer("out", DataType::Int(32), {2});
  PrimFunc f =
      make_func("seq", {out}, seq({store(out, 1, {0}), store(out, 2, {0}), store(out, load(out, {0}) + 5, {1})}));
  NDArray o(DataType::Int(32), {2});
  run(f, {o});
  EXPECT_EQ(o.to_string(), "[2, 7]");
}

TEST(Stmt, IfThenElseRunsOneBranch) {
  Var c("c", DataType::Bool());
  Buffer out = make_buffer("out", DataType::Int(32), {2});
  PrimFunc with_else = make_func("ite", {c, out}, ir::IfThenElseNode::make(c, store(out, 1, {0}), store(out, 2, {1})));
  PrimFunc without_else = make_func("it", {c, out}, ir::IfThenElseNode::make(c, store(out, 1, {0})));
  NDArray o(DataType::Int(32), {2});
  run(with_else, {1, o});
  EXPECT_EQ(o.to_string(), "[1, 0]");
  o = NDArray(DataType::Int(32), {2});
  run(with_else, {0, o});
  EXPECT_EQ(o.to_string(), "[0, 2]");
  o = NDArray(DataType::Int(32), {2});
  run(without_else, {0, o});
  EXPECT_EQ(o.to_string(), "[0, 0]");
  run(without_else, {1, o});
  EXPECT_EQ(o.to_string(), "[1, 0]");
}

TEST(Stmt, EvaluateEvaluatesForEffectOnly) {
  Var i("i");
  Buffer a = make_buffer("A", DataType::Int(32), {2});
  PrimFunc f = make_func("eval", {i, a}, ir::EvaluateNode::make(load(a, {i}) + 1));
  NDArray arr = NDArray::from_ints(DataType::Int(32), {2}, {3, 4});
  run(f, {1, arr});
  EXPECT_EQ(arr.to_string(), "[3, 4]");
  // The expression really is evaluated: a bad load in it fails.
  EXPECT_EQ(error_of([&] { run(f, {2, arr}); }), "out-of-bounds load from A[2]: shape is (2,), in function \"eval\"");
}

TEST(Stmt, LetStmtBindsAndRestoresShadowedValues) {
  Var a("a"), x("x");
  Buffer out = make_buffer("out", DataType::Int(32), {3});
  Stmt body = ir::LetStmtNode::make(
      x, a * 2, seq({store(out, x + 1, {0}), ir::LetStmtNode::make(x, 100, store(out, x, {1})), store(out, x, {2})}));
  PrimFunc f = make_func("let", {a, out}, body);
  NDArray o(DataType::Int(32), {3});
  run(f, {21, o});
  EXPECT_EQ(o.to_string(), "[43, 100, 42]");
}

TEST(Stmt, AllocateGivesZeroedScopedStorage) {
  // for k in 3: allocate T[1]; T[0] = T[0] + k + 1; out[k] = T[0]
  // Each execution of the Allocate starts from zero, so out[k] == k + 1.
  Var k("k");
  Buffer t = make_buffer("T", DataType::Int(32), {1});
  Buffer out = make_buffer("out", DataType::Int(32), {3});
  Stmt alloc = ir::AllocateNode::make(t, seq({store(t, load(t, {0}) + k + 1, {0}), store(out, load(t, {0}), {k})}));
  PrimFunc f = make_func("alloc", {out}, loop(k, 3, alloc));
  NDArray o(DataType::Int(32), {3});
  run(f, {o});
  EXPECT_EQ(o.to_string(), "[1, 2, 3]");
}

TEST(Stmt, AllocateOfEveryDtypeIsZeroed) {
  const DataType dtypes[] = {DataType::Bool(),    DataType::Int(8),     DataType::UInt(64),
                             DataType::Float(16), DataType::BFloat16(), DataType::Float(64)};
  for (DataType t : dtypes) {
    Var i("i");
    Buffer tmp = make_buffer("T", t, {4});
    Buffer out = make_buffer("out", t, {4});
    PrimFunc f = make_func("alloc", {out}, ir::AllocateNode::make(tmp, loop(i, 4, store(out, load(tmp, {i}), {i}))));
    NDArray o(t, {4});
    o.fill_random(5);
    if (t.is_bool()) o.set_int(0, 1);
    run(f, {o});
    for (int64_t e = 0; e < 4; ++e) EXPECT_EQ(o.get_double(e), 0.0) << t.to_string();
  }
}

TEST(Stmt, ScalarParametersCanBoundLoops) {
  Var n("n"), i("i");
  Var scale("scale", DataType::Float(32));
  Buffer out = make_buffer("out", DataType::Float(32), {6});
  PrimFunc f =
      make_func("fill", {n, scale, out}, loop(i, n, store(out, ir::cast(DataType::Float(32), i) * scale, {i})));
  NDArray o(DataType::Float(32), {6});
  run(f, {4, 0.5, o});
  EXPECT_EQ(o.to_string(), "[0, 0.5, 1, 1.5, 0, 0]");
}

}  // namespace
}  // namespace loom::interp
