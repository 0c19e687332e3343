// Tests of the reindex primitive (before / schedule / expected fixtures, error paths, the
// Python form of the instruction, random schedules against the interpreter).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/ir/builder.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_equivalent;
using testing::expect_func_equal;
using testing::expect_schedule_error;
using ::testing::HasSubstr;
using testing::verify_trace_roundtrip;

const char* kMatmul = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((16, 4), "float32")):
    for i, j, k in T.grid(16, 4, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

/// The index of `buffer` among the block's read regions.
int read_index(const Schedule& sch, const BlockRV& block, const std::string& buffer) {
  ir::Block b = sch.get(block);
  for (size_t i = 0; i < b->reads.size(); ++i) {
    if (b->reads[i].buffer->name == buffer) return static_cast<int>(i);
  }
  ADD_FAILURE() << "block " << b->name << " does not read " << buffer;
  return -1;
}

TEST(Reindex, WriteOfAReductionGoesThroughANewBufferCopiedBackAfter) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV copy = sch.reindex(sch.get_block("C"), BufferIndexType::Write, 0);
  EXPECT_EQ(sch.get(copy)->name, "C_reindex");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((16, 4), "float32")):
    C_reindex = T.alloc_buffer((16, 4))
    for i, j, k in T.grid(16, 4, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C_reindex[vi, vj] = T.float32(0)
            C_reindex[vi, vj] = C_reindex[vi, vj] + A[vi, vk] * B[vk, vj]
    for ax0, ax1 in T.grid(16, 4):
        with T.block("C_reindex"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            C[v0, v1] = C_reindex[v0, v1]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.reindex(block=b0, buffer=(\"write\", 0))"));
}

TEST(Reindex, ReadIsIndexedByTheIterationVariablesInBlockOrder) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  BlockRV copy = sch.reindex(c, BufferIndexType::Read, read_index(sch, c, "B"));
  EXPECT_EQ(sch.get(copy)->name, "B_reindex");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((16, 4), "float32")):
    B_reindex = T.alloc_buffer((4, 8))
    for ax0, ax1 in T.grid(4, 8):
        with T.block("B_reindex"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            B_reindex[v0, v1] = B[v1, v0]
    for i, j, k in T.grid(16, 4, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B_reindex[vj, vk]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("buffer=(\"read\", "));
}

const char* const kTwoStages = testing::kTwoStageElementwise;

TEST(Reindex, CopyGoesBetweenTheStagesOfTheScope) {
  ir::PrimFunc before = script::parse_func(kTwoStages);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.reindex(sch.get_block("B"), BufferIndexType::Write, 0);
  sch.reindex(sch.get_block("C"), BufferIndexType::Read, 0);
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    B_reindex = T.alloc_buffer((16, 8))
    B_reindex_1 = T.alloc_buffer((16, 8))
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B_reindex[vi, vj] = A[vi, vj] * T.float32(2)
    for ax0, ax1 in T.grid(16, 8):
        with T.block("B_reindex"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            B[v0, v1] = B_reindex[v0, v1]
    for ax0, ax1 in T.grid(16, 8):
        with T.block("B_reindex_1"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            B_reindex_1[v0, v1] = B[v0, v1]
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B_reindex_1[vi, vj] + T.float32(1)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(ReindexErrors, IndexBindingAndAccessRules) {
  Schedule sch(script::parse_func(kMatmul), 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  expect_schedule_error(
      sch, [&] { sch.reindex(c, BufferIndexType::Write, 1); }, "BufferIndexOutOfRange",
      "block C has 1 write buffers, buffer index 1 is out of range");
  expect_schedule_error(
      sch, [&] { sch.reindex(c, BufferIndexType::Read, -1); }, "BufferIndexOutOfRange",
      "buffer index -1 is out of range");
  expect_schedule_error(
      sch, [&] { sch.reindex(c, BufferIndexType::Read, read_index(sch, c, "C")); }, "SharedAccess",
      "block C both reads and writes buffer C, cannot reindex its read");
  BlockRV root = sch.get_block("root");
  expect_schedule_error(
      sch, [&] { sch.reindex(root, BufferIndexType::Write, 0); }, "RootBlock", "block root is the root block");
  sch.split(sch.get_loops(c)[0], std::vector<std::optional<int64_t>>{4, 4});
  expect_schedule_error(
      sch, [&] { sch.reindex(c, BufferIndexType::Write, 0); }, "NonTrivialBinding",
      "the bindings of block C are not trivial: it has 3 iteration variables under 4 loops");

  Schedule twisted(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    for i, j in T.grid(8, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = A[vi, vj] + A[vj, vi]
    for i, j in T.grid(8, 8):
        with T.block("D"):
            vi, vj = T.axis.remap("SS", [j, i])
            C[vi, vj] = C[vi, vj] * T.float32(2)
)"),
                   0, DebugMode::Verify);
  BlockRV tc = twisted.get_block("C"), td = twisted.get_block("D");
  expect_schedule_error(
      twisted, [&] { twisted.reindex(tc, BufferIndexType::Read, 0); }, "InconsistentAccess",
      "block C accesses buffer A with more than one index pattern");
  expect_schedule_error(
      twisted, [&] { twisted.reindex(td, BufferIndexType::Write, 0); }, "NonTrivialBinding",
      "the bindings of block D are not trivial: its iteration variable vi is not bound to loop i");

  Schedule guarded(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((10,), "float32")):
    for i in range(10):
        with T.block("C"):
            vi = T.axis.spatial(10, i)
            C[vi] = T.if_then_else(1 <= vi and vi < 9, A[vi - 1], T.float32(0))
    for i in range(10):
        with T.block("D"):
            vi = T.axis.spatial(10, i)
            if vi < 5:
                C[vi] = T.float32(2)
)"),
                   0, DebugMode::Verify);
  BlockRV gc = guarded.get_block("C"), gd = guarded.get_block("D");
  expect_schedule_error(
      guarded, [&] { guarded.reindex(gc, BufferIndexType::Read, 0); }, "InconsistentAccess",
      "block C accesses buffer A at index 0 outside its shape over the iteration domain");
  expect_schedule_error(
      guarded, [&] { guarded.reindex(gd, BufferIndexType::Write, 0); }, "InconsistentAccess",
      "block D stores buffer C under a condition, cannot reindex its write");

  Schedule no_init(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), C: T.Buffer((8,), "float32")):
    for i, k in T.grid(8, 8):
        with T.block("C"):
            vi, vk = T.axis.remap("SR", [i, k])
            C[vi] = C[vi] + A[vi, vk]
)"),
                   0, DebugMode::Verify);
  BlockRV nc = no_init.get_block("C");
  expect_schedule_error(
      no_init, [&] { no_init.reindex(nc, BufferIndexType::Write, 0); }, "SharedAccess",
      "block C reads buffer C before writing it and has no init, cannot reindex its write");

  Schedule fused(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    for i in range(16):
        for j in range(8):
            with T.block("B"):
                vi, vj = T.axis.remap("SS", [i, j])
                B[vi, vj] = A[vi, vj] * T.float32(2)
        for j in range(8):
            with T.block("C"):
                vi, vj = T.axis.remap("SS", [i, j])
                C[vi, vj] = B[vi, vj] + T.float32(1)
)"),
                 0, DebugMode::Verify);
  BlockRV fc = fused.get_block("C");
  expect_schedule_error(
      fused, [&] { fused.reindex(fc, BufferIndexType::Read, 0); }, "SharedAccess",
      "block B also accesses buffer B under the same loops as block C");
}

TEST(ReindexScript, PythonFormReadsBack) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  apply_schedule_script(sch,
                        "b0 = sch.get_block(name=\"C\", func_name=\"main\")\n"
                        "b1 = sch.reindex(block=b0, buffer=(\"write\", 0))\n");
  Schedule direct(before, 0, DebugMode::Verify);
  direct.reindex(direct.get_block("C"), BufferIndexType::Write, 0);
  expect_func_equal(sch.mod().at("main"), direct.mod().at("main"));
  EXPECT_EQ(sch.trace().as_python(), direct.trace().as_python());
  // The printed trace is itself a valid script.
  Schedule again(before, 0, DebugMode::Verify);
  apply_schedule_script(again, direct.trace().as_python());
  expect_func_equal(again.mod().at("main"), direct.mod().at("main"));

  Schedule bad(before, 0, DebugMode::Verify);
  try {
    apply_schedule_script(bad, "b0 = sch.get_block(\"C\")\nb1 = sch.reindex(b0, (\"both\", 0))\n");
    ADD_FAILURE() << "expected a ScheduleScriptError";
  } catch (const ScheduleScriptError& e) {
    EXPECT_THAT(e.what(), HasSubstr("buffer must be a tuple (\"read\" or \"write\", index), got"));
  }
}

/// Random reindex calls on small zoo workloads: every schedule that the primitive accepts
/// must compute what the workload computes, and replay from its trace.
TEST(ReindexProperty, RandomReindexesKeepTheMeaning) {
  const std::vector<std::pair<std::string, std::map<std::string, int64_t>>> workloads = {
      {"gmm", {{"M", 4}, {"N", 4}, {"K", 4}}},
      {"bmm", {{"B", 2}, {"M", 4}, {"N", 4}, {"K", 4}}},
      {"c2d", {{"N", 1}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"nrm", {{"B", 2}, {"M", 4}, {"N", 4}}},
      {"sfm", {{"M", 4}, {"N", 4}}},
  };
  int checked = 0, attempted = 0, applied = 0;
  for (const auto& [name, shape] : workloads) {
    ir::PrimFunc func = workloads::make_workload(name, shape);
    for (int64_t seed = 0; seed < 10; ++seed) {
      SCOPED_TRACE("workload " + name + ", seed " + std::to_string(seed));
      Schedule sch(func, seed, DebugMode::Verify);
      RandomEngine& rng = sch.rng();
      for (int step = 0; step < 3; ++step) {
        std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
        BlockRV b = blocks[rng.uniform_int(0, static_cast<int64_t>(blocks.size()))];
        ir::Block block = sch.get(b);
        bool read = rng.uniform_int(0, 2) == 0 && !block->reads.empty();
        size_t n = read ? block->reads.size() : block->writes.size();
        try {
          ++attempted;
          sch.reindex(b, read ? BufferIndexType::Read : BufferIndexType::Write,
                      static_cast<int>(rng.uniform_int(0, static_cast<int64_t>(n))));
          ++applied;
        } catch (const ScheduleError&) {
        }
      }
      expect_equivalent(func, sch.mod().at(sch.default_func()), static_cast<uint64_t>(seed));
      verify_trace_roundtrip(sch);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 50);
  EXPECT_GT(applied, attempted / 3) << applied << " of " << attempted << " calls applied";
}

}  // namespace
}  // namespace loom::sched
