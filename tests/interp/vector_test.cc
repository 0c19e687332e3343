// Tests of vector evaluation: Ramp, Broadcast, vector loads and stores (contiguous and
// strided), lane-wise arithmetic, comparison, Select, Cast, and the lane-masked lazy
// if_then_else.
#include <gtest/gtest.h>

#include "interp_test_util.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)

Expr ramp(Expr base, Expr stride, int lanes) { return ir::RampNode::make(std::move(base), std::move(stride), lanes); }
Expr bcast(Expr value, int lanes) { return ir::BroadcastNode::make(std::move(value), lanes); }

TEST(Vector, RampAndBroadcastProduceTheirLanes) {
  Var base("base"), stride("stride");
  Buffer out = make_buffer("out", DataType::Int(32), {8});
  PrimFunc f =
      make_func("ramp", {base, stride, out},
                seq({store(out, ramp(base, stride, 4), {ramp(0, 1, 4)}), store(out, bcast(base, 4), {ramp(4, 1, 4)})}));
  NDArray o(DataType::Int(32), {8});
  run(f, {10, -3, o});
  EXPECT_EQ(o.to_string(), "[10, 7, 4, 1, 10, 10, 10, 10]");
}

TEST(Vector, RampLanesWrapAtTheDtypeWidth) {
  Var base("base", DataType::Int(8));
  Buffer out = make_buffer("out", DataType::Int(8), {4});
  PrimFunc f =
      make_func("wrap", {base, out}, store(out, ramp(base, ir::make_int(1, DataType::Int(8)), 4), {ramp(0, 1, 4)}));
  NDArray o(DataType::Int(8), {4});
  run(f, {126, o});
  EXPECT_EQ(o.to_string(), "[126, 127, -128, -127]");
}

TEST(Vector, ContiguousVectorLoadStoreAndArithmetic) {
  // for i in 2: B[i*4 : i*4+4] = A[i*4 : i*4+4] * 2 + 1 (vectors of 4 lanes)
  Var i("i");
  Buffer a = make_buffer("A", DataType::Float(32), {8});
  Buffer b = make_buffer("B", DataType::Float(32), {8});
  Expr idx = ramp(i * 4, 1, 4);
  Expr value = load(a, {idx}) * bcast(ir::make_float(2.0), 4) + bcast(ir::make_float(1.0), 4);
  ASSERT_EQ(value.dtype(), DataType::Float(32, 4));
  PrimFunc f = make_func("vec", {a, b}, loop(i, 2, store(b, value, {idx})));
  NDArray in(DataType::Float(32), {8});
  in.fill_random(11);
  NDArray out(DataType::Float(32), {8});
  run(f, {in, out});
  for (int64_t e = 0; e < 8; ++e) {
    EXPECT_EQ(out.get_double(e), static_cast<double>(static_cast<float>(in.get_double(e)) * 2.0f + 1.0f));
  }
}

TEST(Vector, StridedAndTwoDimensionalVectorAccess) {
  // B[r, 0:4] = A[ramp(r, 3, 4)] for r in 3: gathers every third element.
  Var r("r");
  Buffer a = make_buffer("A", DataType::Int(32), {12});
  Buffer b = make_buffer("B", DataType::Int(32), {3, 4});
  PrimFunc f = make_func("gather", {a, b}, loop(r, 3, store(b, load(a, {ramp(r, 3, 4)}), {r, ramp(0, 1, 4)})));
  NDArray in(DataType::Int(32), {12});
  for (int64_t e = 0; e < 12; ++e) in.set_int(e, e * 10);
  NDArray out(DataType::Int(32), {3, 4});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[[0, 30, 60, 90], [10, 40, 70, 100], [20, 50, 80, 110]]");
}

TEST(Vector, CompareSelectAndCastAreLaneWise) {
  // relu on 4 lanes, then cast to int32.
  Buffer a = make_buffer("A", DataType::Float(32), {4});
  Buffer b = make_buffer("B", DataType::Int(32), {4});
  Expr idx = ramp(0, 1, 4);
  Expr x = load(a, {idx});
  Expr zero = bcast(ir::make_float(0.0), 4);
  Expr relu = ir::SelectNode::make(x > zero, x, zero);
  PrimFunc f = make_func(
      "relu", {a, b}, store(b, ir::CastNode::make(DataType::Int(32, 4), relu * bcast(ir::make_float(10.0), 4)), {idx}));
  NDArray in = NDArray::from_doubles(DataType::Float(32), {4}, {-1.5, 2.25, 0.0, 3.9});
  NDArray out(DataType::Int(32), {4});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[0, 22, 0, 39]");
}

TEST(Vector, IfThenElseOnlyLoadsTheSelectedLanes) {
  // B[4:8] = if_then_else(ramp(4,1,4) < 6, A[ramp(4,1,4)], -1) with A of length 6: lanes 6
  // and 7 would be out of bounds, but they select the else branch and are never loaded.
  Buffer a = make_buffer("A", DataType::Int(32), {6});
  Buffer b = make_buffer("B", DataType::Int(32), {8});
  Expr idx = ramp(4, 1, 4);
  Expr guarded = ir::if_then_else(idx < bcast(6, 4), load(a, {idx}), bcast(-1, 4));
  PrimFunc f = make_func("pad", {a, b}, store(b, guarded, {idx}));
  NDArray in = NDArray::from_ints(DataType::Int(32), {6}, {0, 1, 2, 3, 4, 5});
  NDArray out(DataType::Int(32), {8});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[0, 0, 0, 0, 4, 5, -1, -1]");
  // Division by zero in an unselected lane is not an error either.
  Expr d = ramp(-1, 1, 4);
  Expr safe = ir::if_then_else(ne(d, bcast(0, 4)), floordiv(bcast(12, 4), d), bcast(0, 4));
  PrimFunc g = make_func("safe_div", {b}, store(b, safe, {ramp(0, 1, 4)}));
  NDArray o(DataType::Int(32), {8});
  run(g, {o});
  EXPECT_EQ(o.to_string(), "[-12, 0, 12, 6, 0, 0, 0, 0]");
}

TEST(Vector, NestedIfThenElseIntersectsMasks) {
  Buffer a = make_buffer("A", DataType::Int(32), {3});
  Buffer b = make_buffer("B", DataType::Int(32), {4});
  Expr idx = ramp(0, 1, 4);
  Expr inner = ir::if_then_else(idx < bcast(3, 4), load(a, {idx}), bcast(-2, 4));
  Expr outer = ir::if_then_else(idx > bcast(0, 4), inner, bcast(-1, 4));
  PrimFunc f = make_func("nested", {a, b}, store(b, outer, {idx}));
  NDArray in = NDArray::from_ints(DataType::Int(32), {3}, {7, 8, 9});
  NDArray out(DataType::Int(32), {4});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[-1, 8, 9, -2]");
}

TEST(Vector, VectorStoreChecksEveryLane) {
  Buffer b = make_buffer("B", DataType::Int(32), {2, 6});
  PrimFunc f = make_func("oob", {b}, store(b, bcast(1, 4), {1, ramp(3, 1, 4)}));
  NDArray out(DataType::Int(32), {2, 6});
  EXPECT_EQ(error_of([&] { run(f, {out}); }), "out-of-bounds store to B[1, 6]: shape is (2, 6), in function \"oob\"");
}

}  // namespace
}  // namespace loom::interp
