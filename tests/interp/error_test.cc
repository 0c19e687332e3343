// Tests of every error path of the interpreter: argument checks (ArgumentError) and
// failures while running (RuntimeError), each with its full message.
#include <gtest/gtest.h>

#include "../common/expect_error.h"
#include "interp_test_util.h"

using loom::testing::throws_with;

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)

/// f(A: (4,) float32, n: int8, B: (4,) float32): B[0] = A[0] + n.
PrimFunc two_buffers_and_scalar(Var* n) {
  *n = Var("n", DataType::Int(8));
  Buffer a = make_buffer("A", DataType::Float(32), {4});
  Buffer b = make_buffer("B", DataType::Float(32), {4});
  return make_func("f", {a, *n, b}, store(b, load(a, {0}) + ir::cast(DataType::Float(32), *n), {0}));
}

TEST(ArgumentErrors, CountMismatch) {
  Var n;
  PrimFunc f = two_buffers_and_scalar(&n);
  NDArray a(DataType::Float(32), {4});
  EXPECT_EQ(error_of<ArgumentError>([&] { run(f, {a, 1}); }), "function \"f\" takes 3 arguments (A, n, B), got 2");
}

TEST(ArgumentErrors, KindDtypeRankAndShapeMismatch) {
  Var n;
  PrimFunc f = two_buffers_and_scalar(&n);
  NDArray a(DataType::Float(32), {4});
  NDArray b(DataType::Float(32), {4});
  NDArray f64(DataType::Float(64), {4});
  NDArray rank2(DataType::Float(32), {2, 2});
  NDArray longer(DataType::Float(32), {5});
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(f, {a, 1, 2});
            }),
            "argument 2 (\"B\") of function \"f\" is a buffer (4,) float32, but a scalar was passed");
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(f, {a, 1, static_cast<NDArray*>(nullptr)});
            }),
            "argument 2 (\"B\") of function \"f\" is a buffer (4,) float32, but a null array was passed");
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(f, {f64, 1, b});
            }),
            "argument 0 (\"A\") of function \"f\" is a buffer (4,) float32, but an array of dtype float64 was passed");
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(f, {rank2, 1, b});
            }),
            "argument 0 (\"A\") of function \"f\" is a buffer (4,) float32, but an array of shape (2, 2) was passed");
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(f, {a, 1, longer});
            }),
            "argument 2 (\"B\") of function \"f\" is a buffer (4,) float32, but an array of shape (5,) was passed "
            "(dimension 0 is 5, expected 4)");
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(f, {a, b, b});
            }),
            "argument 1 (\"n\") of function \"f\" is a scalar of dtype int8, but an array was passed");
}

TEST(ArgumentErrors, ScalarValuesMustFitTheirDtype) {
  Var n;
  PrimFunc f = two_buffers_and_scalar(&n);
  NDArray a(DataType::Float(32), {4});
  NDArray b(DataType::Float(32), {4});
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(f, {a, 300, b});
            }),
            "argument 1 (\"n\") of function \"f\" is a scalar of dtype int8, but 300 is outside its range");
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(f, {a, 1.5, b});
            }),
            "argument 1 (\"n\") of function \"f\" is a scalar of dtype int8, but the double 1.5 was passed");
  Var flag("flag", DataType::Bool());
  Var u("u", DataType::UInt(8));
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  PrimFunc g = make_func("g", {flag, u, out}, store(out, 1, {0}));
  NDArray o(DataType::Int(32), {1});
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(g, {2, 1, o});
            }),
            "argument 0 (\"flag\") of function \"g\" is a scalar of dtype bool, but 2 is outside its range");
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(g, {1, -1, o});
            }),
            "argument 1 (\"u\") of function \"g\" is a scalar of dtype uint8, but -1 is outside its range");
  EXPECT_EQ(error_of<ArgumentError>([&] {
              run(g, {1, 256, o});
            }),
            "argument 1 (\"u\") of function \"g\" is a scalar of dtype uint8, but 256 is outside its range");
  run(g, {1, 255, o});
  EXPECT_EQ(o.get_int(0), 1);
}

TEST(ArgumentErrors, RandomArgumentsNeedConstantBufferShapes) {
  Var n;
  EXPECT_EQ(error_of<ArgumentError>([&] { run_random(two_buffers_and_scalar(&n), 0); }),
            "argument 1 (\"n\") of function \"f\" is a scalar of dtype int8: random arguments can only be made for "
            "buffer parameters");
  Var m("m"), i("i");
  Buffer a = make_buffer("A", DataType::Float(32), {m, 4});
  PrimFunc g = make_func("g", {a}, loop(i, m, store(a, ir::make_float(0.0), {i, 0})));
  EXPECT_EQ(error_of<ArgumentError>([&] { allocate_params(g); }),
            "argument 0 (\"A\") of function \"g\" is a buffer (m, 4) float32 whose dimension 0 is not a constant: pass "
            "arrays to run() instead");
}

TEST(RuntimeErrors, OutOfBoundsStoreNamesBufferIndexShapeAndBlock) {
  // vj is bound to j + 1, inside its domain [0, 5) but one past C's second dimension.
  Var i("i"), j("j"), vi("vi"), vj("vj");
  Buffer c = make_buffer("C", DataType::Float(32), {128, 128});
  ir::Block b = make_block("C", {iter(vi, 0, 128), iter(vj, 0, 129)}, store(c, ir::make_float(1.0), {vi, vj}));
  PrimFunc f = make_func("oob", {c}, root(loop(i, 128, loop(j, 128, realize({i, j + 1}, b)))));
  NDArray arr(DataType::Float(32), {128, 128});
  EXPECT_EQ(error_of<RuntimeError>([&] { run(f, {arr}); }),
            "out-of-bounds store to C[0, 128]: shape is (128, 128), in block \"C\" of function \"oob\"");
}

TEST(RuntimeErrors, GpuCollectivesNeedTheSimtMode) {
  Buffer b = make_buffer("B", DataType::Int(32), {1});
  PrimFunc f = make_func("sync", {b}, store(b, ir::CallNode::make(ir::Intrinsic::storage_sync, {}), {0}));
  NDArray y(DataType::Int(32), {1});
  const std::string msg = error_of<RuntimeError>([&] { run(f, {y}); });
  EXPECT_NE(msg.find("T.storage_sync is a collective operation of the threads of a GPU launch"), std::string::npos)
      << msg;
}

TEST(RuntimeErrors, OutOfBoundsLoadWithNegativeIndex) {
  Var i("i");
  Buffer a = make_buffer("A", DataType::Int(32), {3, 2});
  Buffer b = make_buffer("B", DataType::Int(32), {3});
  PrimFunc f = make_func("shift", {a, b}, loop(i, 3, store(b, load(a, {i - 1, 1}), {i})));
  NDArray x(DataType::Int(32), {3, 2});
  NDArray y(DataType::Int(32), {3});
  EXPECT_EQ(error_of<RuntimeError>([&] {
              run(f, {x, y});
            }),
            "out-of-bounds load from A[-1, 1]: shape is (3, 2), in function \"shift\"");
}

TEST(RuntimeErrors, IntegerDivisionByZero) {
  Var a("a"), b("b");
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  const std::pair<Expr, std::string> cases[] = {
      {truncdiv(a, b), "Div"}, {truncmod(a, b), "Mod"}, {floordiv(a, b), "FloorDiv"}, {floormod(a, b), "FloorMod"}};
  for (const auto& [expr, kind] : cases) {
    PrimFunc f = make_func("div", {a, b, out}, store(out, expr, {0}));
    NDArray o(DataType::Int(32), {1});
    const std::string msg = error_of<RuntimeError>([&] { run(f, {7, 0, o}); });
    EXPECT_EQ(
        msg, "integer division by zero in `" + ir::to_string(expr) + "` (" + kind + " of 7 by 0), in function \"div\"");
  }
}

TEST(RuntimeErrors, IterValueOutsideItsDomain) {
  Var i("i"), vi("vi");
  Buffer out = make_buffer("out", DataType::Int(32), {8});
  ir::Block b = make_block("B", {iter(vi, 0, 4)}, store(out, vi, {vi}));
  PrimFunc f = make_func("dom", {out}, root(loop(i, 5, realize({i}, b))));
  NDArray o(DataType::Int(32), {8});
  EXPECT_EQ(error_of<RuntimeError>([&] { run(f, {o}); }),
            "block \"B\": iter_var vi = 4 is outside its domain [0, 4), in block \"root\" of function \"dom\"");
  EXPECT_EQ(o.to_string(), "[0, 1, 2, 3, 0, 0, 0, 0]");  // instances before the bad one ran
}

TEST(RuntimeErrors, VariablesAreScoped) {
  // The loop variable is used after its loop.
  Var i("i");
  Buffer out = make_buffer("out", DataType::Int(32), {2});
  PrimFunc f = make_func("scope", {out}, seq({loop(i, 2, store(out, i, {i})), store(out, i, {0})}));
  NDArray o(DataType::Int(32), {2});
  EXPECT_EQ(error_of<RuntimeError>([&] { run(f, {o}); }),
            "variable \"i\" is used where it is not bound (not a parameter, loop, block iteration, let or buffer-shape "
            "variable in scope), in function \"scope\"");
}

TEST(RuntimeErrors, BuffersAreScoped) {
  // T is allocated by block "inner"; the root reads it afterwards.
  Buffer t = make_buffer("T", DataType::Int(32), {1});
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  ir::Block inner = make_block("inner", {}, store(t, 1, {0}), {}, {t});
  PrimFunc f = make_func("scope", {out}, root(seq({realize({}, inner), store(out, load(t, {0}), {0})})));
  NDArray o(DataType::Int(32), {1});
  EXPECT_EQ(error_of<RuntimeError>([&] { run(f, {o}); }),
            "buffer \"T\" is used where it is not defined (not a parameter, alloc_buffer, match_buffer or Allocate in "
            "scope), in block \"root\" of function \"scope\"");
}

TEST(RuntimeErrors, MatchBufferThatDoesNotFitItsRegion) {
  Var vi("vi");
  Buffer a = make_buffer("A", DataType::Int(32), {4, 4});
  auto run_with = [&](Buffer view, std::vector<ir::Range> region) {
    ir::Block b =
        make_block("m", {iter(vi, 0, 1)}, ir::EvaluateNode::make(0), {}, {}, {{view, {a, std::move(region)}}});
    PrimFunc f = make_func("match", {a}, root(realize({0}, b)));
    NDArray arr(DataType::Int(32), {4, 4});
    return error_of<RuntimeError>([&] { run(f, {arr}); });
  };
  auto r = [](int64_t min, int64_t extent) {
    return ir::Range::from_min_extent(ir::make_int(min), ir::make_int(extent));
  };
  EXPECT_EQ(run_with(make_buffer("S", DataType::Int(32), {2, 2}), {r(3, 2), r(0, 2)}),
            "match_buffer \"S\": region A[3:5, 0:2] is outside the shape (4, 4) of \"A\", in block \"m\" of function "
            "\"match\"");
  EXPECT_EQ(run_with(make_buffer("S", DataType::Int(32), {2, 2}), {r(0, 2), r(0, 3)}),
            "match_buffer \"S\": dimension 1 is 2 but the region A[0:2, 0:3] gives 3, in block \"m\" of function "
            "\"match\"");
  EXPECT_EQ(run_with(make_buffer("S", DataType::Int(32), {2}), {r(0, 2), r(0, 2)}),
            "match_buffer \"S\" of shape rank 1 cannot view region A[0:2, 0:2]: the dropped leading dimensions must "
            "have extent 1, in block \"m\" of function \"match\"");
  EXPECT_EQ(
      run_with(make_buffer("S", DataType::Float(32), {2, 2}), {r(0, 2), r(0, 2)}),
      "match_buffer \"S\" has dtype float32 but its source \"A\" has int32, in block \"m\" of function \"match\"");
  EXPECT_EQ(
      run_with(Buffer::make("S", DataType::Int(32), {2, 2}, {1, 1}), {r(0, 2), r(0, 2)}),
      "match_buffer \"S\": stride 0 is 1 but the region A[0:2, 0:2] gives 4, in block \"m\" of function \"match\"");
  EXPECT_EQ(run_with(make_buffer("S", DataType::Int(32), {2, 2}), {r(0, 2), r(0, 2)}), "");
}

TEST(RuntimeErrors, BadAllocations) {
  Var n("n"), s("s");
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  Buffer t = make_buffer("T", DataType::Int(32), {n});
  PrimFunc f = make_func("alloc", {n, out}, ir::AllocateNode::make(t, store(out, 1, {0})));
  NDArray o(DataType::Int(32), {1});
  EXPECT_EQ(error_of<RuntimeError>([&] {
              run(f, {-1, o});
            }),
            "buffer \"T\" has negative dimension -1, in function \"alloc\"");
  run(f, {0, o});  // an empty buffer is fine
  EXPECT_EQ(o.get_int(0), 1);
  Buffer back = Buffer::make("T", DataType::Int(32), {3}, {s});
  PrimFunc g = make_func("alloc", {s, out}, ir::AllocateNode::make(back, store(out, 2, {0})));
  EXPECT_EQ(error_of<RuntimeError>([&] {
              run(g, {-1, o});
            }),
            "buffer \"T\" would address element offset -2 (before its storage): check its strides and elem_offset, in "
            "function \"alloc\"");
}

TEST(RuntimeErrors, BlockWithoutRealize) {
  Var vi("vi");
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  PrimFunc f = make_func("bare", {out}, make_block("B", {iter(vi, 0, 1)}, store(out, vi, {0})));
  NDArray o(DataType::Int(32), {1});
  EXPECT_EQ(error_of<RuntimeError>([&] { run(f, {o}); }),
            "block \"B\" has iter_vars but no BlockRealize binding them, in function \"bare\"");
}

TEST(RuntimeErrors, ErrorsAreUserErrors) {
  // Callers that only know loom::UserError still catch interpreter failures.
  Var i("i");
  Buffer a = make_buffer("A", DataType::Int(32), {1});
  PrimFunc f = make_func("f", {a}, store(a, 1, {5}));
  NDArray arr(DataType::Int(32), {1});
  EXPECT_TRUE(throws_with<UserError>([&] { run(f, {arr}); }, "out-of-bounds store to A[5]: shape is (1,)"));
  EXPECT_TRUE(throws_with<UserError>([&] { run(f, {}); }, "takes 1 arguments (A), got 0"));
}

}  // namespace
}  // namespace loom::interp
