// Tests of compact_buffers with thread-bound loops: an allocation stays above the thread
// loops its storage scope shares it across, and its shape covers every thread sharing it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "fmt/format.h"
#include "loom/lower/compact_buffers.h"
#include "loom/lower/lower.h"
#include "loom/lower/lower_blocks.h"
#include "loom/lower/lower_init.h"
#include "loom/sched/random.h"
#include "loom/sched/schedule.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::expect_lowered_equivalent;
using ::testing::HasSubstr;

const char* kGmm = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i, j, k in T.grid(16, 16, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

/// The GMM as a GPU kernel (i = blockIdx.x 2 / threadIdx.x 4 / 2, j = blockIdx.y 2 /
/// threadIdx.y 4 / 2, k = 2 / 4), with A cached in `scope` under k_0 (inside both thread
/// loops).
ir::PrimFunc gpu_gmm(const std::string& scope) {
  sched::Schedule sch(script::parse_func(kGmm), 0, sched::DebugMode::Verify);
  sched::BlockRV c = sch.get_block("C");
  std::vector<sched::LoopRV> loops = sch.get_loops(c);
  std::vector<sched::LoopRV> i = sch.split(loops[0], std::vector<std::optional<int64_t>>{2, 4, 2});
  std::vector<sched::LoopRV> j = sch.split(loops[1], std::vector<std::optional<int64_t>>{2, 4, 2});
  std::vector<sched::LoopRV> k = sch.split(loops[2], std::vector<std::optional<int64_t>>{2, 4});
  sch.reorder({i[0], j[0], i[1], j[1], k[0], k[1], i[2], j[2]});
  sch.bind(i[0], "blockIdx.x");
  sch.bind(j[0], "blockIdx.y");
  sch.bind(i[1], "threadIdx.x");
  sch.bind(j[1], "threadIdx.y");
  int a_index = 0;
  while (sch.get(c)->reads[a_index].buffer->name != "A") ++a_index;
  sch.compute_at(sch.cache_read(c, a_index, scope), k[0]);
  return sch.mod().at("main");
}

ir::PrimFunc compacted(const ir::PrimFunc& scheduled) { return compact_buffers(lower_blocks(lower_init(scheduled))); }

/// Where `needle` first occurs in `text` (fails the test when it does not).
size_t position(const std::string& text, const std::string& needle) {
  size_t p = text.find(needle);
  EXPECT_NE(p, std::string::npos) << "no " << needle << " in:\n" << text;
  return p;
}

TEST(CompactBuffersGpu, SharedKeepsAllThreadsRegionAndStaysAboveThreadIdx) {
  ir::PrimFunc scheduled = gpu_gmm("shared");
  ir::PrimFunc after = compacted(scheduled);
  const std::string text = script::print(after);
  // The block's 8 rows (4 threads x 2) and one k_0 tile of 4, allocated below blockIdx and
  // above threadIdx; the fetch writes it at row offset i_0 * 8 only.
  size_t alloc = position(text, "T.decl_buffer((8, 4), \"float32\", scope=\"shared\")");
  EXPECT_LT(position(text, "blockIdx.y"), alloc) << text;
  EXPECT_LT(alloc, position(text, "threadIdx.x")) << text;
  EXPECT_THAT(text, HasSubstr("A_shared[ax2, ax3] = A[ax2 + i_0 * 8, ax3 + k_0 * 4]")) << text;
  expect_lowered_equivalent(scheduled, after);
  expect_lowered_equivalent(scheduled, lower(scheduled));
}

TEST(CompactBuffersGpu, LocalShrinksToOneThreadsRegion) {
  ir::PrimFunc scheduled = gpu_gmm("local");
  ir::PrimFunc after = compacted(scheduled);
  const std::string text = script::print(after);
  size_t alloc = position(text, "T.decl_buffer((2, 4), \"float32\", scope=\"local\")");
  EXPECT_LT(position(text, "for k_0 in range(2)"), alloc) << text;
  expect_lowered_equivalent(scheduled, after);
  expect_lowered_equivalent(scheduled, lower(scheduled));
}

TEST(CompactBuffersGpu, GlobalStaysOutsideBlockIdx) {
  ir::PrimFunc scheduled = gpu_gmm("global");
  ir::PrimFunc after = compacted(scheduled);
  const std::string text = script::print(after);
  // Every block and thread relaxed, and the loops below them: the whole of A.
  size_t alloc = position(text, "T.decl_buffer((16, 8), \"float32\")");
  EXPECT_LT(alloc, position(text, "blockIdx.x")) << text;
  expect_lowered_equivalent(scheduled, after);
  expect_lowered_equivalent(scheduled, lower(scheduled));
}

TEST(CompactBuffersGpu, SharedUnderBlockIdxIsTheBlocksTileAndInnerSerialLoopsStaySymbolic) {
  // The shared buffer cannot sink into the threadIdx loop; it is still private to one
  // iteration of the serial loop k0 inside it (TVM would allocate it there), so it holds
  // the 4 threads' rows of one k0 tile.
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    for b in T.thread_binding(2, thread="blockIdx.x"):
        with T.decl_buffer((8, 8), "float32", scope="shared") as S:
            for t in T.thread_binding(4, thread="threadIdx.x"):
                for k0 in range(2):
                    for r, c in T.grid(4, 4):
                        S[b * 4 + r, k0 * 4 + c] = A[b * 4 + r, k0 * 4 + c]
                    for c in range(4):
                        C[b * 4 + t, k0 * 4 + c] = S[b * 4 + t, k0 * 4 + c] * T.float32(2)
)");
  ir::PrimFunc after = compact_buffers(before);
  const std::string text = script::print(after);
  size_t alloc = position(text, "T.decl_buffer((4, 4), \"float32\", scope=\"shared\")");
  EXPECT_LT(alloc, position(text, "threadIdx.x")) << text;
  EXPECT_THAT(text, HasSubstr("C[b * 4 + t, k0 * 4 + c] = S[t, c] * 2.0")) << text;
  expect_lowered_equivalent(before, after);
}

TEST(CompactBuffersGpu, SharedAllocatedInsideThreadIdxCoversEveryThread) {
  // An allocation the program itself puts inside the threadIdx loop: the loop above it is
  // relaxed too, so the buffer holds all 4 threads' elements, not one.
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    for b in T.thread_binding(2, thread="blockIdx.x"):
        for t in T.thread_binding(4, thread="threadIdx.x"):
            with T.decl_buffer((8,), "float32", scope="shared") as S:
                S[b * 4 + t] = A[b * 4 + t]
                C[b * 4 + t] = S[b * 4 + t] + T.float32(1)
            with T.decl_buffer((8,), "float32", scope="local") as L:
                L[b * 4 + t] = A[b * 4 + t]
                C[b * 4 + t] = C[b * 4 + t] + L[b * 4 + t]
)");
  ir::PrimFunc after = compact_buffers(before);
  const std::string text = script::print(after);
  EXPECT_THAT(text, HasSubstr("T.decl_buffer((4,), \"float32\", scope=\"shared\")")) << text;
  EXPECT_THAT(text, HasSubstr("S[t] = A[b * 4 + t]")) << text;
  EXPECT_THAT(text, HasSubstr("T.decl_buffer((1,), \"float32\", scope=\"local\")")) << text;
  expect_lowered_equivalent(before, after);
}

TEST(CompactBuffersGpuProperty, RandomTiledKernelsLowerToWhatTheyCompute) {
  const char* soak = std::getenv("LOOM_SOAK_SEEDS");
  const int kSeeds = soak ? std::atoi(soak) : 20;
  const char* scopes[] = {"shared", "local", "global", "warp"};
  int moved = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    sched::RandomEngine rng(seed + 11);
    int64_t m = rng.uniform_int(3, 13), n = rng.uniform_int(3, 13), kk = rng.uniform_int(2, 9);
    ir::PrimFunc before = script::parse_func(fmt::format(R"(
@T.prim_func
def main(A: T.Buffer(({0}, {2}), "float32"), B: T.Buffer(({2}, {1}), "float32"), C: T.Buffer(({0}, {1}), "float32")):
    for i, j, k in T.grid({0}, {1}, {2}):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)",
                                                         m, n, kk));
    sched::Schedule sch(before, seed, sched::DebugMode::Verify);
    sched::BlockRV c = sch.get_block("C");
    std::vector<sched::LoopRV> loops = sch.get_loops(c);
    auto split3 = [&](const sched::LoopRV& l) {
      return sch.split(l,
                       std::vector<std::optional<int64_t>>{std::nullopt, rng.uniform_int(1, 4), rng.uniform_int(1, 3)});
    };
    std::vector<sched::LoopRV> i = split3(loops[0]), j = split3(loops[1]);
    std::vector<sched::LoopRV> k =
        sch.split(loops[2], std::vector<std::optional<int64_t>>{std::nullopt, rng.uniform_int(1, 4)});
    sch.reorder({i[0], j[0], i[1], j[1], k[0], k[1], i[2], j[2]});
    sch.bind(i[0], "blockIdx.x");
    sch.bind(j[0], "blockIdx.y");
    sch.bind(i[1], rng.uniform_int(0, 2) == 0 ? "threadIdx.x" : "vthread.x");
    sch.bind(j[1], "threadIdx.y");
    std::vector<sched::LoopRV> order = {i[0], j[0], i[1], j[1], k[0], k[1], i[2]};
    for (const char* buffer : {"A", "B"}) {
      int index = 0;
      while (sch.get(c)->reads[index].buffer->name != buffer) ++index;
      sched::BlockRV cache = sch.cache_read(c, index, scopes[rng.uniform_int(0, 4)]);
      try {
        sch.compute_at(cache, order[rng.uniform_int(0, order.size())]);
        ++moved;
      } catch (const sched::ScheduleError&) {
      }
    }
    if (rng.uniform_int(0, 2) == 1) {
      sched::BlockRV wb = sch.cache_write(c, 0, scopes[rng.uniform_int(0, 4)]);
      try {
        sch.reverse_compute_at(wb, order[rng.uniform_int(0, 4)]);
        ++moved;
      } catch (const sched::ScheduleError&) {
      }
    }
    ir::PrimFunc scheduled = sch.mod().at("main");
    expect_lowered_equivalent(before, compacted(scheduled), static_cast<uint64_t>(seed) + 1);
    expect_lowered_equivalent(before, lower(scheduled), static_cast<uint64_t>(seed) + 1);
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(moved, kSeeds);
}

}  // namespace
}  // namespace loom::lower
