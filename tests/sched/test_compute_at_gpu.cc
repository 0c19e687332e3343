// Tests of compute_at / reverse_compute_at under thread-bound loops: the region a cache
// block computes is relaxed over the thread loops its buffer's storage scope shares it
// across (TVM's storage-scope relaxation), and the result still computes what the
// original does in the (sequential) interpreter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "fmt/format.h"
#include "loom/ir/builder.h"
#include "loom/sched/random.h"
#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using ::testing::HasSubstr;

// C = A x B with A 16x8, B 8x16.
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

int read_index(const Schedule& sch, const BlockRV& block, const std::string& buffer) {
  const ir::Block b = sch.get(block);
  for (size_t i = 0; i < b->reads.size(); ++i) {
    if (b->reads[i].buffer->name == buffer) return static_cast<int>(i);
  }
  ADD_FAILURE() << "block " << b->name << " does not read " << buffer;
  return 0;
}

std::vector<int64_t> extents(Schedule& sch, const BlockRV& block, size_t from) {
  std::vector<int64_t> out;
  std::vector<LoopRV> loops = sch.get_loops(block);
  for (size_t i = from; i < loops.size(); ++i) out.push_back(ir::as_const_int(sch.get(loops[i])->extent).value_or(-1));
  return out;
}

/// The GMM tiled as a GPU kernel: i = (i0: blockIdx.x 2) (i1: `i1_tag` 4) (i2: 2),
/// j = (j0: blockIdx.y 2) (j1: threadIdx.y 4) (j2: 2), k = (k0: 2) (k1: 4), ordered
/// i0 j0 i1 j1 k0 k1 i2 j2.
struct TiledGmm {
  ir::PrimFunc before = script::parse_func(kGmm);
  Schedule sch{before, 0, DebugMode::Verify};
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> i, j, k;
  explicit TiledGmm(const std::string& i1_tag = "threadIdx.x") {
    std::vector<LoopRV> loops = sch.get_loops(c);
    i = sch.split(loops[0], std::vector<std::optional<int64_t>>{2, 4, 2});
    j = sch.split(loops[1], std::vector<std::optional<int64_t>>{2, 4, 2});
    k = sch.split(loops[2], std::vector<std::optional<int64_t>>{2, 4});
    sch.reorder({i[0], j[0], i[1], j[1], k[0], k[1], i[2], j[2]});
    sch.bind(i[0], "blockIdx.x");
    sch.bind(j[0], "blockIdx.y");
    sch.bind(i[1], i1_tag);
    sch.bind(j[1], "threadIdx.y");
  }
  /// cache_read of `buffer` in `scope`, moved under `loop`; returns the cache block.
  BlockRV fetch(const std::string& buffer, const std::string& scope, const LoopRV& loop) {
    BlockRV cache = sch.cache_read(c, read_index(sch, c, buffer), scope);
    sch.compute_at(cache, loop);
    return cache;
  }
  void expect_good() {
    testing::expect_equivalent(before, sch.mod().at("main"));
    testing::verify_trace_roundtrip(sch);
  }
};

TEST(ComputeAtGpu, SharedFetchUnderThreadIdxCoversAllThreadsOfTheBlock) {
  TiledGmm g;
  BlockRV a = g.fetch("A", "shared", g.k[0]);
  BlockRV b = g.fetch("B", "shared", g.k[0]);
  // Under k0 (5 loops above it), A_shared covers the rows of all 4 threadIdx.x (4 x 2) and
  // the k0 tile; B_shared the k0 tile and the columns of all 4 threadIdx.y.
  EXPECT_EQ(extents(g.sch, a, 5), (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(extents(g.sch, b, 5), (std::vector<int64_t>{4, 8}));
  std::string text = script::print(g.sch.mod().at("main"));
  EXPECT_THAT(text, HasSubstr("v0 = T.axis.spatial(16, ax2 + i_0 * 8)\n")) << text;
  EXPECT_THAT(text, HasSubstr("v1 = T.axis.spatial(16, ax5 + j_0 * 8)\n")) << text;
  g.expect_good();
}

TEST(ComputeAtGpu, SharedFetchDirectlyUnderAThreadLoopRelaxesIt) {
  TiledGmm g;
  // The target itself is threadIdx.y and threadIdx.x is above it: both are relaxed, so
  // A_shared covers the block's 8 rows and all of k; B_shared all of k and 8 columns.
  BlockRV a = g.fetch("A", "shared", g.j[1]);
  BlockRV b = g.fetch("B", "shared", g.j[1]);
  EXPECT_EQ(extents(g.sch, a, 4), (std::vector<int64_t>{8, 8}));
  EXPECT_EQ(extents(g.sch, b, 4), (std::vector<int64_t>{8, 8}));
  g.expect_good();
}

TEST(ComputeAtGpu, SharedRelaxesVirtualThreads) {
  TiledGmm g("vthread.x");
  BlockRV a = g.fetch("A", "shared", g.k[0]);
  EXPECT_EQ(extents(g.sch, a, 5), (std::vector<int64_t>{8, 4}));
  g.expect_good();
}

TEST(ComputeAtGpu, LocalAndGlobalFetchOnlyOneThreadsRegion) {
  // "local" is per thread; a "global" copy is, as in TVM, not relaxed by compute_at either:
  // each thread computes the part it reads itself.
  for (const char* scope : {"local", "global"}) {
    SCOPED_TRACE(scope);
    TiledGmm g;
    BlockRV a = g.fetch("A", scope, g.k[0]);
    BlockRV b = g.fetch("B", scope, g.k[0]);
    EXPECT_EQ(extents(g.sch, a, 5), (std::vector<int64_t>{2, 4}));
    EXPECT_EQ(extents(g.sch, b, 5), (std::vector<int64_t>{4, 2}));
    std::string text = script::print(g.sch.mod().at("main"));
    EXPECT_THAT(text, HasSubstr("v0 = T.axis.spatial(16, ax2 + i_0 * 8 + i_1 * 2)\n")) << text;
    g.expect_good();
  }
}

TEST(ComputeAtGpu, WarpRelaxesThreadIdxXOnly) {
  TiledGmm g;
  // Under k0: A's rows depend on threadIdx.x (relaxed), B's columns on threadIdx.y (not).
  BlockRV a = g.fetch("A", "warp", g.k[0]);
  BlockRV b = g.fetch("B", "warp", g.k[0]);
  EXPECT_EQ(extents(g.sch, a, 5), (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(extents(g.sch, b, 5), (std::vector<int64_t>{4, 2}));
  g.expect_good();
}

TEST(ComputeAtGpu, SharedAboveTheThreadLoopsIsUnchanged) {
  TiledGmm g;
  // Under blockIdx.y (no thread loop at or above it that shared relaxes): the block's tile.
  BlockRV a = g.fetch("A", "shared", g.j[0]);
  EXPECT_EQ(extents(g.sch, a, 2), (std::vector<int64_t>{8, 8}));
  std::string text = script::print(g.sch.mod().at("main"));
  EXPECT_THAT(text, HasSubstr("v0 = T.axis.spatial(16, ax2 + i_0 * 8)\n")) << text;
  g.expect_good();
}

TEST(ReverseComputeAtGpu, LocalWriteBackUnderThreadIdx) {
  TiledGmm g;
  BlockRV wb = g.sch.cache_write(g.c, 0, "local");
  g.sch.reverse_compute_at(wb, g.j[1]);
  // One thread's 2 x 2 outputs.
  EXPECT_EQ(extents(g.sch, wb, 4), (std::vector<int64_t>{2, 2}));
  std::string text = script::print(g.sch.mod().at("main"));
  EXPECT_THAT(text, HasSubstr("v0 = T.axis.spatial(16, ax2 + i_0 * 8 + i_1 * 2)\n")) << text;
  EXPECT_THAT(text, HasSubstr("v1 = T.axis.spatial(16, ax3 + j_0 * 8 + j_1 * 2)\n")) << text;
  g.expect_good();
}

TEST(ReverseComputeAtGpu, SharedWriteBackIsNotRelaxed) {
  // As in TVM, reverse_compute_at does not relax by storage scope: each thread writes back
  // what it produced.
  TiledGmm g;
  BlockRV wb = g.sch.cache_write(g.c, 0, "shared");
  g.sch.reverse_compute_at(wb, g.j[1]);
  EXPECT_EQ(extents(g.sch, wb, 4), (std::vector<int64_t>{2, 2}));
  g.expect_good();
}

TEST(ComputeAtGpuProperty, RandomTiledKernelsKeepMeaning) {
  const char* soak = std::getenv("LOOM_SOAK_SEEDS");
  const int kSeeds = soak ? std::atoi(soak) : 30;
  const char* scopes[] = {"shared", "local", "global", "warp"};
  const char* tags[] = {"threadIdx.x", "vthread.x", "threadIdx.y"};
  int moved = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    RandomEngine rng(seed + 7);
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
    Schedule sch(before, seed, DebugMode::Verify);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    // Factors that need not divide: predicates appear.
    auto split3 = [&](const LoopRV& l) {
      return sch.split(l,
                       std::vector<std::optional<int64_t>>{std::nullopt, rng.uniform_int(1, 4), rng.uniform_int(1, 3)});
    };
    std::vector<LoopRV> i = split3(loops[0]), j = split3(loops[1]);
    std::vector<LoopRV> k =
        sch.split(loops[2], std::vector<std::optional<int64_t>>{std::nullopt, rng.uniform_int(1, 4)});
    sch.reorder({i[0], j[0], i[1], j[1], k[0], k[1], i[2], j[2]});
    sch.bind(i[0], "blockIdx.x");
    sch.bind(j[0], "blockIdx.y");
    sch.bind(i[1], tags[rng.uniform_int(0, 3)]);
    if (sch.get(i[1])->thread_tag != "threadIdx.y") sch.bind(j[1], "threadIdx.y");
    std::vector<LoopRV> order = {i[0], j[0], i[1], j[1], k[0], k[1], i[2]};
    for (const char* buffer : {"A", "B"}) {
      BlockRV cache = sch.cache_read(c, read_index(sch, c, buffer), scopes[rng.uniform_int(0, 4)]);
      try {
        sch.compute_at(cache, order[rng.uniform_int(0, order.size())]);
        ++moved;
      } catch (const ScheduleError&) {
      }
    }
    if (rng.uniform_int(0, 2) == 1) {
      BlockRV wb = sch.cache_write(c, 0, scopes[rng.uniform_int(0, 4)]);
      try {
        sch.reverse_compute_at(wb, order[rng.uniform_int(0, 4)]);
        ++moved;
      } catch (const ScheduleError&) {
      }
    }
    testing::expect_equivalent(before, sch.mod().at("main"), static_cast<uint64_t>(seed) + 1);
    testing::verify_trace_roundtrip(sch);
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(moved, kSeeds);
  std::cout << "random tiled GPU kernels: " << kSeeds << ", compute-location moves applied: " << moved << "\n";
}

}  // namespace
}  // namespace loom::sched
