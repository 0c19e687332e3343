// Tests of compact_buffers: an allocation shrinks to the region accessed under it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/lower/compact_buffers.h"
#include "loom/lower/flatten_buffers.h"
#include "loom/lower/lower.h"
#include "loom/lower/lower_blocks.h"
#include "loom/lower/lower_init.h"
#include "loom/sched/schedule.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::expect_func_equal;
using testing::expect_lowered_equivalent;

TEST(CompactBuffers, ABufferUnderAnOuterLoopGetsTheTileSize) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i0 in range(4):
        with T.decl_buffer((16, 16), "float32") as B:
            for i1, j in T.grid(4, 16):
                B[i0 * 4 + i1, j] = A[i0 * 4 + i1, j] * T.float32(2)
            for i1, j in T.grid(4, 16):
                C[i0 * 4 + i1, j] = B[i0 * 4 + i1, j] + T.float32(1)
)");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i0 in range(4):
        with T.decl_buffer((4, 16), "float32") as B:
            for i1, j in T.grid(4, 16):
                B[i1, j] = A[i0 * 4 + i1, j] * T.float32(2)
            for i1, j in T.grid(4, 16):
                C[i0 * 4 + i1, j] = B[i1, j] + T.float32(1)
)");
  ir::PrimFunc after = compact_buffers(before);
  expect_func_equal(after, expected);
  expect_lowered_equivalent(before, after);
}

TEST(CompactBuffers, APaddedWindowIsClippedToTheBufferAndKeepsItsAccesses) {
  // Reads of B[i - 1 .. i + 1] under a guard: the hull [i - 1, i + 1] is clipped to [0, 8).
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    for i in range(8):
        with T.decl_buffer((8,), "float32") as B:
            for k in range(3):
                if 1 <= i + k and i + k < 9:
                    B[i + k - 1] = A[i + k - 1]
            for k in range(3):
                if 1 <= i + k and i + k < 9:
                    C[i] = C[i] + B[i + k - 1]
)");
  ir::PrimFunc after = compact_buffers(before);
  EXPECT_THAT(script::print(after), ::testing::HasSubstr("T.decl_buffer((3,)"));
  expect_lowered_equivalent(before, after);
}

TEST(CompactBuffers, ACacheReadUnderComputeAtIsSizedToTheTile) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i, j, k in T.grid(16, 16, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  sched::Schedule sch(before, 0, sched::DebugMode::Verify);
  sched::BlockRV c = sch.get_block("C");
  std::vector<sched::LoopRV> loops = sch.get_loops(c);
  std::vector<sched::LoopRV> i = sch.split(loops[0], std::vector<std::optional<int64_t>>{4, 4});
  int a_index = 0;
  while (sch.get(c)->reads[a_index].buffer->name != "A") ++a_index;
  sched::BlockRV a_local = sch.cache_read(c, a_index, "local");
  sch.compute_at(a_local, i[0]);
  ir::PrimFunc scheduled = sch.mod().at("main");
  ir::PrimFunc blocks = lower_blocks(lower_init(scheduled));
  ir::PrimFunc after = compact_buffers(blocks);
  const std::string printed = script::print(after);
  EXPECT_THAT(printed, ::testing::HasSubstr("T.decl_buffer((4, 8), \"float32\", scope=\"local\")")) << printed;
  expect_lowered_equivalent(before, after);
}

TEST(CompactBuffers, AndFlattenBuffersRefuseAFunctionThatStillHasBlocks) {
  ir::PrimFunc blocks = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4,), "float32")):
    for i in range(4):
        with T.block("A"):
            vi = T.axis.spatial(4, i)
            A[vi] = T.float32(1)
)");
  for (auto pass : {&compact_buffers, &flatten_buffers}) {
    try {
      pass(blocks);
      ADD_FAILURE() << "a pass after lower_blocks accepted blocks";
    } catch (const InternalError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("is still there (run lower_blocks)"));
    }
  }
}

}  // namespace
}  // namespace loom::lower
