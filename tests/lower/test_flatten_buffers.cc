// Tests of flatten_buffers: every buffer one-dimensional, indices linear.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/lower/flatten_buffers.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::expect_func_equal;
using testing::expect_lowered_equivalent;

TEST(FlattenBuffers, ParametersAndAllocationsBecomeOneDimensionalRowMajor) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4, 8), "float32")):
    with T.decl_buffer((8, 4), "float32", scope="local") as B:
        for i, j in T.grid(4, 8):
            B[j, i] = A[i, j] + T.float32(1)
        for i, j in T.grid(4, 8):
            C[i, j] = B[j, i]
)");
  // Indices come out in the simplifier's canonical order.
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((32,), "float32"), C: T.Buffer((32,), "float32")):
    with T.decl_buffer((32,), "float32", scope="local") as B:
        for i, j in T.grid(4, 8):
            B[i + j * 4] = A[i * 8 + j] + T.float32(1)
        for i, j in T.grid(4, 8):
            C[i * 8 + j] = B[i + j * 4]
)");
  ir::PrimFunc after = flatten_buffers(before);
  expect_func_equal(after, expected);
  expect_lowered_equivalent(before, after);
}

TEST(FlattenBuffers, ExplicitStridesAndOffsetAreHonoured) {
  // A parameter declared column-major, and a 0-d allocation.
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 4), "float32", strides=(1, 4)), C: T.Buffer((4, 4), "float32")):
    with T.decl_buffer((), "float32") as S:
        for i, j in T.grid(4, 4):
            S[()] = A[i, j]
            C[i, j] = S[()] * T.float32(2)
)");
  ir::PrimFunc after = flatten_buffers(before);
  expect_lowered_equivalent(before, after);
  EXPECT_THAT(script::print(after), ::testing::HasSubstr("A[i + j * 4]"));
}

}  // namespace
}  // namespace loom::lower
