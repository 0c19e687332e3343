// Tests of buffer layout in the interpreter: declared strides and elem_offset on parameters
// and allocations, and parameter shapes given by variables.
#include <gtest/gtest.h>

#include "interp_test_util.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)

TEST(Layout, ParameterStridesAddressTheStorage) {
  // A has shape (3, 4) and strides (1, 3): column-major. B = A element by element.
  Var i("i"), j("j");
  Buffer a = Buffer::make("A", DataType::Int(32), {3, 4}, {1, 3});
  Buffer b = make_buffer("B", DataType::Int(32), {3, 4});
  PrimFunc f = make_func("colmajor", {a, b}, loop(i, 3, loop(j, 4, store(b, load(a, {i, j}), {i, j}))));
  NDArray in(DataType::Int(32), {3, 4});
  for (int64_t e = 0; e < 12; ++e) in.set_int(e, e);
  NDArray out(DataType::Int(32), {3, 4});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]");
}

TEST(Layout, ParameterElemOffsetShiftsTheStart) {
  Var i("i");
  Buffer a = Buffer::make("A", DataType::Int(32), {3}, {}, ir::make_int(2));
  Buffer b = make_buffer("B", DataType::Int(32), {3});
  PrimFunc f = make_func("offset", {a, b}, store(b, load(a, {0}), {0}));
  NDArray in = NDArray::from_ints(DataType::Int(32), {3}, {10, 11, 12});
  NDArray out(DataType::Int(32), {3});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[12, 0, 0]");
  // Reading A[1] addresses storage element 3, past the array: a clear error.
  PrimFunc g = make_func("offset", {a, b}, loop(i, 3, store(b, load(a, {i}), {i})));
  EXPECT_EQ(error_of([&] {
              run(g, {in, out});
            }),
            "out-of-bounds load from A[1]: shape is (3,), but element offset 3 is outside its storage of 3 elements "
            "(check strides and elem_offset), in function \"offset\"");
}

TEST(Layout, SymbolicStridesAndOffsetBindToTheCompactLayout) {
  Var s0("s0"), s1("s1"), off("off"), i("i");
  Buffer a = Buffer::make("A", DataType::Int(32), {2, 3}, {s0, s1}, off);
  Buffer out = make_buffer("out", DataType::Int(32), {4});
  PrimFunc f = make_func(
      "sym", {a, out},
      seq({store(out, s0, {0}), store(out, s1, {1}), store(out, off, {2}), store(out, load(a, {1, 2}), {3})}));
  NDArray in(DataType::Int(32), {2, 3});
  for (int64_t e = 0; e < 6; ++e) in.set_int(e, e + 100);
  NDArray o(DataType::Int(32), {4});
  run(f, {in, o});
  EXPECT_EQ(o.to_string(), "[3, 1, 0, 105]");
}

TEST(Layout, AllocatedBuffersHonourStridesAndOffset) {
  // T has shape (2, 3), strides (8, 2) and elem_offset 5, so its storage spans 5 + 8 + 4 + 1
  // elements. Values written through T come back through T and through a row view of it
  // (a match_buffer, which takes T's strides and the row's offset).
  Var i("i"), j("j"), vi("vi");
  Buffer a = make_buffer("A", DataType::Int(32), {2, 3});
  Buffer b = make_buffer("B", DataType::Int(32), {2, 3});
  Buffer t = Buffer::make("T", DataType::Int(32), {2, 3}, {8, 2}, ir::make_int(5));
  // Row = T[vi, 0:3] as a view: its strides come from T, so Row[x] is T[vi, x].
  Buffer row = make_buffer("Row", DataType::Int(32), {3});
  Var x("x");
  ir::BufferRegion region{t, {ir::Range::from_min_extent(vi, 1), ir::Range::from_min_extent(0, 3)}};
  ir::Block copy_out = make_block("copy_out", {iter(vi, 0, 2)}, loop(x, 3, store(b, load(row, {x}) * 2, {vi, x})), {},
                                  {}, {{row, region}});
  Stmt body = seq({loop(i, 2, loop(j, 3, store(t, load(a, {i, j}) + 1, {i, j}))), loop(i, 2, realize({i}, copy_out))});
  PrimFunc f = make_func("strided", {a, b}, root(body, {t}));
  NDArray in(DataType::Int(32), {2, 3});
  for (int64_t e = 0; e < 6; ++e) in.set_int(e, e);
  NDArray out(DataType::Int(32), {2, 3});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[[2, 4, 6], [8, 10, 12]]");
}

TEST(Layout, OverlappingStridesAliasElements) {
  // T of shape (2, 2) with strides (1, 1): T[0, 1] and T[1, 0] are the same element.
  Buffer t = Buffer::make("T", DataType::Int(32), {2, 2}, {1, 1});
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  PrimFunc f = make_func("alias", {out},
                         ir::AllocateNode::make(t, seq({store(t, 7, {0, 1}), store(out, load(t, {1, 0}), {0})})));
  NDArray o(DataType::Int(32), {1});
  run(f, {o});
  EXPECT_EQ(o.get_int(0), 7);
}

TEST(Layout, VariableShapesBindToTheArguments) {
  // A: (n, m), B: (m, n); B = transpose(A) for any n, m.
  Var n("n"), m("m"), i("i"), j("j");
  Buffer a = make_buffer("A", DataType::Float(32), {n, m});
  Buffer b = make_buffer("B", DataType::Float(32), {m, n});
  PrimFunc f = make_func("transpose", {a, b}, loop(i, n, loop(j, m, store(b, load(a, {i, j}), {j, i}))));
  for (auto [rows, cols] : {std::pair<int64_t, int64_t>{2, 3}, {5, 1}}) {
    NDArray in(DataType::Float(32), {rows, cols});
    in.fill_random(static_cast<uint64_t>(rows));
    NDArray out(DataType::Float(32), {cols, rows});
    run(f, {in, out});
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) EXPECT_EQ(out.get_double(c * rows + r), in.get_double(r * cols + c));
    }
  }
}

TEST(Layout, ShapesMayBeExpressionsOfBoundVariables) {
  // B has shape (n * 2,): checked against the argument once n is bound by A.
  Var n("n"), i("i");
  Buffer a = make_buffer("A", DataType::Int(32), {n});
  Buffer b = make_buffer("B", DataType::Int(32), {n * 2});
  PrimFunc f = make_func("dup", {b, a}, loop(i, n * 2, store(b, load(a, {floordiv(i, 2)}), {i})));
  NDArray in = NDArray::from_ints(DataType::Int(32), {3}, {1, 2, 3});
  NDArray out(DataType::Int(32), {6});
  run(f, {out, in});
  EXPECT_EQ(out.to_string(), "[1, 1, 2, 2, 3, 3]");
  NDArray wrong(DataType::Int(32), {5});
  EXPECT_EQ(error_of([&] {
              run(f, {wrong, in});
            }),
            "argument 0 (\"B\") of function \"dup\" is a buffer (n * 2,) int32, but an array of shape (5,) was "
            "passed (dimension 0 is 5, expected 6)");
}

}  // namespace
}  // namespace loom::interp
