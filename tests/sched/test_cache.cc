// Tests of the caching primitives: cache_read and cache_write (before / schedule / expected
// fixtures, error paths, trace round trips, random schedules against the interpreter).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/ir/builder.h"
#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_schedule_error;

using testing::expect_equivalent;
using testing::expect_func_equal;
using ::testing::HasSubstr;
using testing::verify_trace_roundtrip;

const char* const kElementwise = testing::kTwoStageElementwise;

TEST(CacheRead, IntermediateBufferIsCopiedAfterItsProducer) {
  ir::PrimFunc before = script::parse_func(kElementwise);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV copy = sch.cache_read(sch.get_block("C"), 0, "shared");
  EXPECT_EQ(sch.get(copy)->name, "B_shared");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    B_shared = T.alloc_buffer((16, 8), scope="shared")
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * T.float32(2)
    for ax0, ax1 in T.grid(16, 8):
        with T.block("B_shared"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            B_shared[v0, v1] = B[v0, v1]
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B_shared[vi, vj] + T.float32(1)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(),
              HasSubstr("b1 = sch.cache_read(block=b0, read_buffer_index=0, storage_scope=\"shared\", "
                        "consumer_blocks=[])"));
}

TEST(CacheRead, InputBufferIsCopiedAtTheStartOfTheScope) {
  ir::PrimFunc before = script::parse_func(kElementwise);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.cache_read(sch.get_block("B"), 0, "local");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    A_local = T.alloc_buffer((16, 8), scope="local")
    for ax0, ax1 in T.grid(16, 8):
        with T.block("A_local"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            A_local[v0, v1] = A[v0, v1]
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A_local[vi, vj] * T.float32(2)
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] + T.float32(1)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

const char* kTwoReaders = R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32"), D: T.Buffer((8,), "float32")):
    for i in range(8):
        with T.block("C"):
            vi = T.axis.spatial(8, i)
            C[vi] = A[vi] + T.float32(1)
    for i in range(8):
        with T.block("D"):
            vi = T.axis.spatial(8, i)
            D[vi] = A[vi] * T.float32(3)
)";

TEST(CacheRead, ConsumerBlocksLimitWhichReadersUseTheCopy) {
  ir::PrimFunc before = script::parse_func(kTwoReaders);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV d = sch.get_block("D");
  sch.cache_read(sch.get_block("C"), 0, "shared", {d});
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32"), D: T.Buffer((8,), "float32")):
    A_shared = T.alloc_buffer((8,), scope="shared")
    for ax0 in range(8):
        with T.block("A_shared"):
            v0 = T.axis.spatial(8, ax0)
            A_shared[v0] = A[v0]
    for i in range(8):
        with T.block("C"):
            vi = T.axis.spatial(8, i)
            C[vi] = A[vi] + T.float32(1)
    for i in range(8):
        with T.block("D"):
            vi = T.axis.spatial(8, i)
            D[vi] = A_shared[vi] * T.float32(3)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(
      sch.trace().as_python(),
      HasSubstr("b2 = sch.cache_read(block=b1, read_buffer_index=0, storage_scope=\"shared\", consumer_blocks=[b0])"));
}

TEST(CacheRead, WithoutConsumerBlocksEveryReaderUsesTheCopy) {
  ir::PrimFunc before = script::parse_func(kTwoReaders);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.cache_read(sch.get_block("D"), 0, "shared");
  ir::PrimFunc after = sch.mod().at("main");
  for (const char* name : {"C", "D"}) {
    ir::Block b = sch.get(sch.get_block(name));
    ASSERT_EQ(b->reads.size(), 1u);
    EXPECT_EQ(b->reads[0].buffer->name, "A_shared") << name;
    EXPECT_EQ(b->reads[0].buffer->scope, "shared") << name;
  }
  expect_equivalent(before, after);
  verify_trace_roundtrip(sch);
}

const char* kMatmul = R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), B: T.Buffer((4, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    for i, j, k in T.grid(8, 8, 4):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

TEST(CacheWrite, ReductionWritesTheCacheAndCopiesBack) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  BlockRV copy = sch.cache_write(c, 0, "local");
  EXPECT_EQ(sch.get(copy)->name, "C_local");
  EXPECT_EQ(sch.get(c)->name, "C");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), B: T.Buffer((4, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    C_local = T.alloc_buffer((8, 8), scope="local")
    for i, j, k in T.grid(8, 8, 4):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C_local[vi, vj] = T.float32(0)
            C_local[vi, vj] = C_local[vi, vj] + A[vi, vk] * B[vk, vj]
    for ax0, ax1 in T.grid(8, 8):
        with T.block("C_local"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            C[v0, v1] = C_local[v0, v1]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(),
              HasSubstr("b1 = sch.cache_write(block=b0, write_buffer_index=0, storage_scope=\"local\", "
                        "consumer_blocks=[])"));
}

TEST(CacheWrite, CopyBackGoesBeforeTheFirstOtherConsumer) {
  ir::PrimFunc before = script::parse_func(kElementwise);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.cache_write(sch.get_block("B"), 0, "shared");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    B_shared = T.alloc_buffer((16, 8), scope="shared")
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B_shared[vi, vj] = A[vi, vj] * T.float32(2)
    for ax0, ax1 in T.grid(16, 8):
        with T.block("B_shared"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            B[v0, v1] = B_shared[v0, v1]
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] + T.float32(1)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(CacheWrite, GivenConsumersReadTheCache) {
  ir::PrimFunc before = script::parse_func(kElementwise);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  sch.cache_write(sch.get_block("B"), 0, "shared", {c});
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    B_shared = T.alloc_buffer((16, 8), scope="shared")
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B_shared[vi, vj] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B_shared[vi, vj] + T.float32(1)
    for ax0, ax1 in T.grid(16, 8):
        with T.block("B_shared"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            B[v0, v1] = B_shared[v0, v1]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(CacheRead, CopyGoesInsideTheLoopThatHoldsProducerAndConsumer) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4, 8), "float32")):
    B = T.alloc_buffer((4, 8))
    for i in range(4):
        for j in range(8):
            with T.block("B"):
                vi, vj = T.axis.remap("SS", [i, j])
                B[vi, vj] = A[vi, vj] + T.float32(1)
        for j in range(8):
            with T.block("C"):
                vi, vj = T.axis.remap("SS", [i, j])
                C[vi, vj] = B[vi, vj] * T.float32(2)
)");
  Schedule sch(before, 0, DebugMode::Verify);
  sch.cache_read(sch.get_block("C"), 0, "local");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4, 8), "float32")):
    B = T.alloc_buffer((4, 8))
    B_local = T.alloc_buffer((4, 8), scope="local")
    for i in range(4):
        for j in range(8):
            with T.block("B"):
                vi, vj = T.axis.remap("SS", [i, j])
                B[vi, vj] = A[vi, vj] + T.float32(1)
        for ax0, ax1 in T.grid(1, 8):
            with T.block("B_local"):
                v0 = T.axis.spatial(4, i + ax0)
                v1 = T.axis.spatial(8, ax1)
                B_local[v0, v1] = B[v0, v1]
        for j in range(8):
            with T.block("C"):
                vi, vj = T.axis.remap("SS", [i, j])
                C[vi, vj] = B_local[vi, vj] * T.float32(2)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(CacheWrite, PredicatedWriterCopiesOnlyTheBuffer) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((6,), "float32"), C: T.Buffer((6,), "float32")):
    for i in range(6):
        with T.block("C"):
            vi = T.axis.spatial(6, i)
            C[vi] = A[vi] + T.float32(1)
)");
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  sch.split(sch.get_loops(c)[0], std::vector<std::optional<int64_t>>{std::nullopt, 4});  // 2 x 4 > 6: predicated
  BlockRV copy = sch.cache_write(c, 0, "local");
  std::vector<LoopRV> loops = sch.get_loops(copy);
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_TRUE(ir::is_const_int(sch.get(loops[0])->extent, 6)) << "the copy must not run past the buffer";
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(CacheErrors, BadIndexScopeAndWriters) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    B = T.alloc_buffer((8,))
    for i in range(8):
        with T.block("B0"):
            vi = T.axis.spatial(8, i)
            B[vi] = A[vi]
    for i in range(8):
        with T.block("B1"):
            vi = T.axis.spatial(8, i)
            B[vi] = B[vi] + A[vi]
    for i in range(8):
        with T.block("C"):
            vi = T.axis.spatial(8, i)
            C[vi] = B[vi]
)");
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  BlockRV b1 = sch.get_block("B1");
  BlockRV b0 = sch.get_block("B0");
  expect_schedule_error(
      sch, [&] { sch.cache_read(c, 1, "shared"); }, "BufferIndexOutOfRange",
      "sch.cache_read: block C has 1 read buffers, read_buffer_index 1 is out of range");
  expect_schedule_error(
      sch, [&] { sch.cache_write(c, -1, "shared"); }, "BufferIndexOutOfRange",
      "sch.cache_write: block C has 1 write buffers, write_buffer_index -1 is out of range");
  expect_schedule_error(
      sch, [&] { sch.cache_read(c, 0, "texture"); }, "InvalidStorageScope",
      "sch.cache_read: storage scope \"texture\" is not one of global, shared");
  expect_schedule_error(
      sch, [&] { sch.cache_read(c, 0, "shared"); }, "NotSingleWriter",
      "sch.cache_read: buffer B is written by 2 blocks (B0, B1, ...) in the scope of block C, cannot cache it");
  expect_schedule_error(
      sch, [&] { sch.cache_write(b1, 0, "local"); }, "NotSingleWriter",
      "sch.cache_write: buffer B is written by block B1 and block B0, cannot cache the write of one of them");
  expect_schedule_error(
      sch, [&] { sch.cache_read(b1, 1, "shared", {c}); }, "InvalidConsumer",
      "sch.cache_read: consumer block C does not read buffer A");
  sch.cache_read(b1, 1, "shared", {b0});
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(CacheErrors, ReadOfOwnOutputAndReadBeforeWrite) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    for i in range(8):
        with T.block("C"):
            vi = T.axis.spatial(8, i)
            C[vi] = C[vi] + A[vi]
)");
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  expect_schedule_error(
      sch, [&] { sch.cache_read(c, 0, "shared"); }, "NotSingleWriter",
      "sch.cache_read: block C both reads and writes buffer C, cannot cache its read");
  expect_schedule_error(
      sch, [&] { sch.cache_write(c, 0, "local"); }, "NotSingleWriter",
      "sch.cache_write: block C reads buffer C before writing it and has no init");
  // The input A can still be cached.
  sch.cache_read(c, 1, "shared");
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

/// Random cache_read / cache_write calls on small zoo workloads: every schedule that the
/// primitives accept must compute what the workload computes, and replay from its trace.
TEST(CacheProperty, RandomCachesKeepTheMeaning) {
  const std::vector<std::pair<std::string, std::map<std::string, int64_t>>> workloads = {
      {"gmm", {{"M", 4}, {"N", 4}, {"K", 4}}},
      {"bmm", {{"B", 2}, {"M", 4}, {"N", 4}, {"K", 4}}},
      {"c2d", {{"N", 1}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"nrm", {{"B", 2}, {"M", 4}, {"N", 4}}},
      {"sfm", {{"M", 4}, {"N", 4}}},
  };
  const char* scopes[] = {"global", "shared", "local"};
  int checked = 0, attempted = 0, applied = 0;
  for (const auto& [name, shape] : workloads) {
    ir::PrimFunc func = workloads::make_workload(name, shape);
    for (int64_t seed = 0; seed < 12; ++seed) {
      SCOPED_TRACE("workload " + name + ", seed " + std::to_string(seed));
      Schedule sch(func, seed, DebugMode::Verify);
      RandomEngine& rng = sch.rng();
      for (int step = 0; step < 3; ++step) {
        std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
        BlockRV b = blocks[rng.uniform_int(0, static_cast<int64_t>(blocks.size()))];
        ir::Block block = sch.get(b);
        const char* scope = scopes[rng.uniform_int(0, 3)];
        try {
          ++attempted;
          if (rng.uniform_int(0, 2) == 0 && !block->reads.empty()) {
            sch.cache_read(b, static_cast<int>(rng.uniform_int(0, static_cast<int64_t>(block->reads.size()))), scope);
          } else {
            sch.cache_write(b, static_cast<int>(rng.uniform_int(0, static_cast<int64_t>(block->writes.size()))), scope);
          }
          ++applied;
        } catch (const ScheduleError&) {
        }
      }
      expect_equivalent(func, sch.mod().at(sch.default_func()), static_cast<uint64_t>(seed));
      verify_trace_roundtrip(sch);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 60);
  // Most random calls are valid; a property test that rejects everything checks nothing.
  EXPECT_GT(applied, attempted / 2) << applied << " of " << attempted << " calls applied";
}

}  // namespace
}  // namespace loom::sched
