// Tests of the reduction primitives: decompose_reduction and rfactor (fixtures, error
// paths, trace round trips), and the random-schedule property test of the caching, storage
// and reduction families together.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(DecomposeReduction, InitGoesBeforeTheLoopUnderTheSpatialLoopsItNeeds) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  BlockRV init = sch.decompose_reduction(c, loops[1]);
  EXPECT_EQ(sch.get(init)->name, "C_init");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), B: T.Buffer((4, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    for i in range(8):
        for j_init in range(8):
            with T.block("C_init"):
                vi, vj = T.axis.remap("SS", [i, j_init])
                C[vi, vj] = T.float32(0)
        for j, k in T.grid(8, 4):
            with T.block("C"):
                vi, vj, vk = T.axis.remap("SSR", [i, j, k])
                C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("b4 = sch.decompose_reduction(block=b0, loop=l2)"));
  // The loop RVs still name the loops of the reduction block.
  EXPECT_EQ(sch.get(loops[1])->loop_var.name(), "j");
}

TEST(DecomposeReduction, AtTheOutermostLoopCopiesEverySpatialLoop) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  sch.decompose_reduction(c, sch.get_loops(c)[0]);
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), B: T.Buffer((4, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    for i_init, j_init in T.grid(8, 8):
        with T.block("C_init"):
            vi, vj = T.axis.remap("SS", [i_init, j_init])
            C[vi, vj] = T.float32(0)
    for i, j, k in T.grid(8, 8, 4):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(DecomposeReduction, Errors) {
  ir::PrimFunc func = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), C: T.Buffer((8,), "float32"), D: T.Buffer((8,), "float32")):
    for k, i in T.grid(4, 8):
        with T.block("C"):
            vk, vi = T.axis.remap("RS", [k, i])
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + A[vi, vk]
    for i in range(8):
        with T.block("D"):
            vi = T.axis.spatial(8, i)
            D[vi] = C[vi]
)");
  Schedule sch(func, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  BlockRV d = sch.get_block("D");
  std::vector<LoopRV> c_loops = sch.get_loops(c);
  std::vector<LoopRV> d_loops = sch.get_loops(d);
  expect_schedule_error(
      sch, [&] { sch.decompose_reduction(c, d_loops[0]); }, "LoopPosition",
      "sch.decompose_reduction: loop i is not an ancestor of block C");
  expect_schedule_error(
      sch, [&] { sch.decompose_reduction(d, d_loops[0]); }, "NotReductionBlock",
      "sch.decompose_reduction: block D is not a reduction block: it has no init");
  expect_schedule_error(
      sch, [&] { sch.decompose_reduction(c, c_loops[1]); }, "LoopHeight",
      "sch.decompose_reduction: loop k drives the reduction variable vk of block C and is above loop i");
  sch.decompose_reduction(c, c_loops[0]);
  expect_equivalent(func, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

const char* kRowSum = R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4,), "float32")):
    for i, ko, ki in T.grid(4, 4, 2):
        with T.block("C"):
            vi = T.axis.spatial(4, i)
            vk = T.axis.reduce(8, ko * 2 + ki)
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + A[vi, vk]
)";

TEST(RFactor, SumOverTheInnerReductionLoop) {
  ir::PrimFunc before = script::parse_func(kRowSum);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  BlockRV rf = sch.rfactor(loops[2], 0);
  EXPECT_EQ(sch.get(rf)->name, "C_rf");
  EXPECT_EQ(sch.get(c)->name, "C");  // the write-back block keeps the name
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4,), "float32")):
    C_rf = T.alloc_buffer((2, 4))
    for i, ko, ki in T.grid(4, 4, 2):
        with T.block("C_rf"):
            vki = T.axis.spatial(2, ki)
            vi = T.axis.spatial(4, i)
            vko = T.axis.reduce(4, ko)
            with T.init():
                C_rf[vki, vi] = T.float32(0)
            C_rf[vki, vi] = C_rf[vki, vi] + A[vi, vko * 2 + vki]
    for i, ki in T.grid(4, 2):
        with T.block("C"):
            vki = T.axis.reduce(2, ki)
            vi = T.axis.spatial(4, i)
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + C_rf[vki, vi]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("b4 = sch.rfactor(loop=l3, factor_axis=0)"));
}

TEST(RFactor, MaxWithTheFactorAxisLast) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4,), "float32")):
    for i, k in T.grid(4, 8):
        with T.block("C"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                C[vi] = T.min_value("float32")
            C[vi] = T.max(C[vi], A[vi, vk])
)");
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  sch.rfactor(sch.get_loops(c)[1], -1);
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4,), "float32")):
    C_rf = T.alloc_buffer((4, 8))
    for i, k in T.grid(4, 8):
        with T.block("C_rf"):
            vk, vi = T.axis.remap("SS", [k, i])
            C_rf[vi, vk] = A[vi, vk]
    for i, k in T.grid(4, 8):
        with T.block("C"):
            vk, vi = T.axis.remap("RS", [k, i])
            with T.init():
                C[vi] = T.min_value("float32")
            C[vi] = T.max(C[vi], C_rf[vi, vk])
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(RFactor, Errors) {
  ir::PrimFunc func = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 8), "float32"), C: T.Buffer((4,), "float32"), D: T.Buffer((4,), "float32")):
    for i, k in T.grid(4, 8):
        with T.block("C"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                C[vi] = T.float32(1)
            C[vi] = C[vi] - A[vi, vk]
    for i, k in T.grid(4, 8):
        with T.block("D"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                D[vi] = T.float32(0)
            D[vi] = D[vi] + A[vi, vk]
)");
  Schedule sch(func, 0, DebugMode::Verify);
  std::vector<LoopRV> c_loops = sch.get_loops(sch.get_block("C"));
  std::vector<LoopRV> d_loops = sch.get_loops(sch.get_block("D"));
  expect_schedule_error(
      sch, [&] { sch.rfactor(c_loops[1], 0); }, "ReducerPattern",
      "sch.rfactor: block C is not a sum, product, max or min reduction: the update is not +, *, max or min");
  expect_schedule_error(
      sch, [&] { sch.rfactor(d_loops[0], 0); }, "NotReductionLoop",
      "sch.rfactor: loop i does not drive a reduction variable of block D");
  expect_schedule_error(
      sch, [&] { sch.rfactor(d_loops[1], 2); }, "FactorAxisOutOfRange",
      "sch.rfactor: factor_axis 2 is not in [-2, 1] for buffer D with 1 dimensions");
  expect_schedule_error(
      sch, [&] { sch.rfactor(d_loops[1], -3); }, "FactorAxisOutOfRange",
      "sch.rfactor: factor_axis -3 is not in [-2, 1]");
  sch.rfactor(d_loops[1], -2);
  expect_equivalent(func, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(RFactor, LoopWithTwoBlocksAndMixedLoops) {
  ir::PrimFunc func = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 4), "float32"), B: T.Buffer((4, 4), "float32"), C: T.Buffer((4,), "float32")):
    for i in range(4):
        for j in range(4):
            with T.block("B"):
                vi, vj = T.axis.remap("SS", [i, j])
                B[vi, vj] = A[vi, vj]
        for k in range(4):
            with T.block("C"):
                vi, vk = T.axis.remap("SR", [i, k])
                with T.init():
                    C[vi] = T.float32(0)
                C[vi] = C[vi] + B[vi, vk]
)");
  Schedule sch(func, 0, DebugMode::Verify);
  std::vector<LoopRV> c_loops = sch.get_loops(sch.get_block("C"));
  expect_schedule_error(
      sch, [&] { sch.rfactor(c_loops[0], 0); }, "NotSingleChildBlock",
      "sch.rfactor: loop i holds 2 blocks; rfactor needs exactly one reduction block under the loop");
  ir::PrimFunc mixed = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((4,), "float32")):
    for f in range(16):
        with T.block("C"):
            vi = T.axis.spatial(4, f // 4)
            vk = T.axis.reduce(4, f % 4)
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + A[vi * 4 + vk]
)");
  Schedule sch2(mixed, 0, DebugMode::Verify);
  LoopRV f = sch2.get_loops(sch2.get_block("C"))[0];
  expect_schedule_error(
      sch2, [&] { sch2.rfactor(f, 0); }, "NotReductionLoop",
      "sch.rfactor: loop f drives both spatial and reduction variables of block C");
}

/// Random caching, storage and reduction calls on small zoo workloads; every schedule the
/// primitives accept must compute what the workload computes and replay from its trace.
TEST(CacheStorageReductionProperty, RandomSchedulesKeepTheMeaning) {
  const std::vector<std::pair<std::string, std::map<std::string, int64_t>>> workloads = {
      {"gmm", {{"M", 4}, {"N", 4}, {"K", 4}}},
      {"bmm", {{"B", 2}, {"M", 4}, {"N", 4}, {"K", 4}}},
      {"c2d", {{"N", 1}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"nrm", {{"B", 2}, {"M", 4}, {"N", 4}}},
      {"sfm", {{"M", 4}, {"N", 4}}},
  };
  const char* scopes[] = {"global", "shared", "local"};
  std::map<std::string, int> applied;
  int checked = 0;
  for (const auto& [name, shape] : workloads) {
    ir::PrimFunc func = workloads::make_workload(name, shape);
    for (int64_t seed = 0; seed < 16; ++seed) {
      SCOPED_TRACE("workload " + name + ", seed " + std::to_string(seed));
      Schedule sch(func, seed, DebugMode::Verify);
      RandomEngine& rng = sch.rng();
      auto pick = [&](int64_t n) { return rng.uniform_int(0, n); };
      for (int step = 0; step < 6; ++step) {
        std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
        BlockRV b = blocks[pick(static_cast<int64_t>(blocks.size()))];
        ir::Block block = sch.get(b);
        std::vector<LoopRV> loops = sch.get_loops(b);
        const char* scope = scopes[pick(3)];
        int which = static_cast<int>(pick(7));
        try {
          switch (which) {
            case 0:
              if (block->reads.empty()) continue;
              sch.cache_read(b, static_cast<int>(pick(static_cast<int64_t>(block->reads.size()))), scope);
              break;
            case 1:
              sch.cache_write(b, static_cast<int>(pick(static_cast<int64_t>(block->writes.size()))), scope);
              break;
            case 2:
              if (loops.empty()) continue;
              sch.decompose_reduction(b, loops[pick(static_cast<int64_t>(loops.size()))]);
              break;
            case 3: {
              if (loops.empty()) continue;
              int ndim = static_cast<int>(block->writes[0].buffer->ndim());
              sch.rfactor(loops[pick(static_cast<int64_t>(loops.size()))],
                          static_cast<int>(pick(2 * ndim + 2)) - ndim - 1);
              break;
            }
            case 4:
              sch.set_scope(b, 0, scope);
              break;
            case 6:  // a split makes multi-loop reductions for rfactor and decompose_reduction
              if (loops.empty()) continue;
              sch.split(loops[pick(static_cast<int64_t>(loops.size()))],
                        std::vector<std::optional<int64_t>>{std::nullopt, 2});
              break;
            default:
              sch.storage_align(b, 0, -1, 4, static_cast<int>(pick(4)));
              break;
          }
          ++applied[std::to_string(which)];
        } catch (const ScheduleError&) {
        }
      }
      expect_equivalent(func, sch.mod().at(sch.default_func()), static_cast<uint64_t>(seed), 1e-4, 1e-4);
      verify_trace_roundtrip(sch);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 80);
  // Every primitive was applied successfully at least a few times.
  for (const char* which : {"0", "1", "2", "3", "4", "5", "6"}) EXPECT_GE(applied[which], 3) << "primitive #" << which;
}

}  // namespace
}  // namespace loom::sched
