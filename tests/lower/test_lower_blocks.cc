// Tests of lower_blocks: bindings substituted, predicates as ifs, allocations as Allocate,
// match_buffer views rewritten into their sources.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/lower/lower_blocks.h"
#include "loom/lower/lower_init.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::contains_kind;
using testing::expect_func_equal;
using testing::expect_lowered_equivalent;

TEST(LowerBlocks, BindingsSubstitutedPredicateGuardsAllocationsAtTheirBlock) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((10,), "float32"), C: T.Buffer((10,), "float32")):
    B = T.alloc_buffer((10,), "float32")
    for i0, i1 in T.grid(3, 4):
        with T.block("B"):
            vi = T.axis.spatial(10, i0 * 4 + i1)
            T.where(i0 * 4 + i1 < 10)
            B[vi] = A[vi] * T.float32(2)
    for i in range(10):
        with T.block("C"):
            vi = T.axis.spatial(10, i)
            C[vi] = B[vi] + T.float32(1)
)");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((10,), "float32"), C: T.Buffer((10,), "float32")):
    with T.decl_buffer((10,), "float32") as B:
        for i0, i1 in T.grid(3, 4):
            if i0 * 4 + i1 < 10:
                B[i0 * 4 + i1] = A[i0 * 4 + i1] * T.float32(2)
        for i in range(10):
            C[i] = B[i] + T.float32(1)
)");
  ir::PrimFunc after = lower_blocks(before);
  expect_func_equal(after, expected);
  EXPECT_FALSE(contains_kind(after, ir::NodeKind::Block));
  EXPECT_FALSE(contains_kind(after, ir::NodeKind::BlockRealize));
  expect_lowered_equivalent(before, after);
}

TEST(LowerBlocks, AnInnerBlockAllocationStaysUnderItsLoops) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 4), "float32"), C: T.Buffer((4, 4), "float32")):
    for i in range(4):
        with T.block("outer"):
            vi = T.axis.spatial(4, i)
            T.reads(A[vi, 0:4])
            T.writes(C[vi, 0:4])
            L = T.alloc_buffer((4,), "float32", scope="local")
            for j in range(4):
                with T.block("load"):
                    vj = T.axis.spatial(4, j)
                    L[vj] = A[vi, vj] + T.float32(1)
            for j in range(4):
                with T.block("store"):
                    vj = T.axis.spatial(4, j)
                    C[vi, vj] = L[3 - vj]
)");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 4), "float32"), C: T.Buffer((4, 4), "float32")):
    for i in range(4):
        with T.decl_buffer((4,), "float32", scope="local") as L:
            for j in range(4):
                L[j] = A[i, j] + T.float32(1)
            for j in range(4):
                C[i, j] = L[3 - j]
)");
  ir::PrimFunc after = lower_blocks(before);
  expect_func_equal(after, expected);
  expect_lowered_equivalent(before, after);
}

TEST(LowerBlocks, MatchBufferViewsBecomeIndicesOfTheirSource) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4, 8), "float32")):
    for i, j0 in T.grid(4, 2):
        with T.block("outer"):
            vi, vj0 = T.axis.remap("SS", [i, j0])
            T.reads(A[vi, vj0 * 4:vj0 * 4 + 4])
            T.writes(C[vi, vj0 * 4:vj0 * 4 + 4])
            Av = T.match_buffer(A[vi, vj0 * 4:vj0 * 4 + 4], (4,))
            Cv = T.match_buffer(C[vi, vj0 * 4:vj0 * 4 + 4], (4,))
            for j1 in range(4):
                with T.block("inner"):
                    vj1 = T.axis.spatial(4, j1)
                    Cv[vj1] = Av[3 - vj1] * T.float32(2)
)");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4, 8), "float32")):
    for i, j0 in T.grid(4, 2):
        for j1 in range(4):
            C[i, j0 * 4 + j1] = A[i, j0 * 4 + (3 - j1)] * T.float32(2)
)");
  ir::PrimFunc after = lower_blocks(before);
  expect_func_equal(after, expected);
  expect_lowered_equivalent(before, after);
}

TEST(LowerBlocks, RefusesABlockThatStillHasAnInit) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4,), "float32"), C: T.Buffer((1,), "float32")):
    for k in range(4):
        with T.block("C"):
            vk = T.axis.reduce(4, k)
            with T.init():
                C[0] = T.float32(0)
            C[0] = C[0] + A[vk]
)");
  try {
    lower_blocks(before);
    ADD_FAILURE() << "lower_blocks accepted a block with an init";
  } catch (const InternalError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("block C still has an init (run lower_init)"));
  }
  expect_lowered_equivalent(before, lower_blocks(lower_init(before)));
}

}  // namespace
}  // namespace loom::lower
