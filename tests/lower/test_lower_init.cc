// Tests of lower_init: a reduction block's init becomes a store guarded by "every reduction
// variable at its minimum".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/lower/lower_init.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::expect_func_equal;
using testing::expect_lowered_equivalent;

TEST(LowerInit, InitBecomesAStoreGuardedByTheReductionVariablesAtTheirMinimum) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), B: T.Buffer((4, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    for i, j, k in T.grid(8, 8, 4):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), B: T.Buffer((4, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    for i, j, k in T.grid(8, 8, 4):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            T.reads(C[vi, vj], A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            if vk == 0:
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  ir::PrimFunc after = lower_init(before);
  expect_func_equal(after, expected);
  expect_lowered_equivalent(before, after);
}

TEST(LowerInit, EveryReductionVariableMustBeAtItsOwnMinimum) {
  // Two reduction axes, one with a nonzero minimum.
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 6, 5), "float32"), C: T.Buffer((4,), "float32")):
    for i, k0, k1 in T.grid(4, 6, 3):
        with T.block("C"):
            vi = T.axis.spatial(4, i)
            vk0 = T.axis.reduce(6, k0)
            vk1 = T.axis.reduce((2, 5), k1 + 2)
            with T.init():
                C[vi] = T.float32(1)
            C[vi] = C[vi] + A[vi, vk0, vk1]
)");
  ir::PrimFunc after = lower_init(before);
  EXPECT_THAT(script::print(after), ::testing::HasSubstr("if vk0 == 0 and vk1 == 2:"));
  expect_lowered_equivalent(before, after);
}

}  // namespace
}  // namespace loom::lower
