// Tests of simplify: expressions simplified under the loops' ranges, unit loops removed,
// decided conditions folded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/lower/simplify.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::expect_func_equal;
using testing::expect_lowered_equivalent;

TEST(Simplify, UnitLoopsVanishAndProvableConditionsFold) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    for i0, i1, i2 in T.grid(2, 1, 4):
        if i0 * 4 + i2 < 8:
            C[i0 * 4 + i1 * 4 + i2 + 0] = A[(i0 * 4 + i2) // 4 * 4 + (i0 * 4 + i2) % 4]
        if 8 <= i0 * 4 + i2:
            C[i2] = T.float32(0)
)");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    for i0, i2 in T.grid(2, 4):
        C[i0 * 4 + i2] = A[i0 * 4 + i2]
)");
  ir::PrimFunc after = simplify(before);
  expect_func_equal(after, expected);
  expect_lowered_equivalent(before, after);
}

TEST(Simplify, LoopKindsStay) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    for i0 in T.parallel(2):
        for i1 in T.vectorized(4):
            for u in T.unroll(1):
                C[i0 * 4 + i1 + u] = A[i0 * 4 + i1]
)");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    for i0 in T.parallel(2):
        for i1 in T.vectorized(4):
            C[i0 * 4 + i1] = A[i0 * 4 + i1]
)");
  ir::PrimFunc after = simplify(before);
  expect_func_equal(after, expected);
  expect_lowered_equivalent(before, after);
}

}  // namespace
}  // namespace loom::lower
