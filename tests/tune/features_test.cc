// Tests of the per-store features (loom/tune/features.h): exact values on small lowered
// functions, and that schedule decisions (tiling, vectorize, parallel, caches) move the
// features the documentation says they move.
#include "loom/tune/features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "../common/random_schedule.h"
#include "loom/lower/lower.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/script.h"
#include "loom/workloads/zoo.h"

namespace loom::tune {
namespace {

float slog(double x) { return static_cast<float>(std::log2(1.0 + x)); }

size_t column(const std::string& name) {
  const auto& names = feature_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return i;
  }
  ADD_FAILURE() << "no feature " << name;
  return 0;
}

float at(const std::vector<float>& row, const std::string& name) { return row[column(name)]; }

ir::PrimFunc scheduled(const ir::PrimFunc& func, const std::string& script) {
  sched::Schedule sch(func, 0, sched::DebugMode::Verify);
  sched::apply_schedule_script(sch, script, "<test>");
  return sch.mod().at(sch.default_func());
}

TEST(Features, NamesCoverEveryColumn) {
  EXPECT_EQ(feature_names().size(), kNumFeatures);
  EXPECT_EQ(feature_names().front(), "float_add_sub");
  EXPECT_EQ(feature_names().back(), "alloc_innermost_bytes");
}

TEST(Features, ThreadBindingsAreColumns) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def add(A: T.Buffer((4096,), "float32"), C: T.Buffer((4096,), "float32")):
    for bx in T.thread_binding(8, thread="blockIdx.x"):
        for v in T.thread_binding(4, thread="vthread.x"):
            for tx in T.thread_binding(128, thread="threadIdx.x"):
                C[bx * 512 + v * 128 + tx] = A[bx * 512 + v * 128 + tx] + T.float32(1)
)");
  auto rows = extract_features(f);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FLOAT_EQ(at(rows[0], "blockIdx_x"), slog(8));
  EXPECT_FLOAT_EQ(at(rows[0], "blockIdx_y"), 0);
  EXPECT_FLOAT_EQ(at(rows[0], "threadIdx_x"), slog(128));
  EXPECT_FLOAT_EQ(at(rows[0], "threadIdx_y"), 0);
  EXPECT_FLOAT_EQ(at(rows[0], "vthread"), slog(4));
  // A CPU loop nest has none.
  auto cpu = extract_features(script::parse_func(R"(
@T.prim_func
def add(A: T.Buffer((64,), "float32"), C: T.Buffer((64,), "float32")):
    for i in T.parallel(64):
        C[i] = A[i] + T.float32(1)
)"));
  EXPECT_FLOAT_EQ(at(cpu[0], "threadIdx_x"), 0);
  EXPECT_FLOAT_EQ(at(cpu[0], "vthread"), 0);
}

TEST(Features, ExactValuesOnAVectorizedAdd) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def add(A: T.Buffer((1024,), "float32"), B: T.Buffer((1024,), "float32"), C: T.Buffer((1024,), "float32")):
    for i0 in T.parallel(128):
        for i1 in T.vectorized(8):
            C[i0 * 8 + i1] = A[i0 * 8 + i1] + B[i0 * 8 + i1] * T.float32(2)
)");
  auto rows = extract_features(f);
  ASSERT_EQ(rows.size(), 1u);
  const auto& r = rows[0];
  ASSERT_EQ(r.size(), kNumFeatures);
  EXPECT_FLOAT_EQ(at(r, "float_add_sub"), slog(1024));
  EXPECT_FLOAT_EQ(at(r, "float_mul"), slog(1024));
  EXPECT_FLOAT_EQ(at(r, "float_div_mod"), 0);
  EXPECT_FLOAT_EQ(at(r, "int_mul"), slog(3 * 1024));  // i0 * 8 in three indices
  EXPECT_FLOAT_EQ(at(r, "vec_innermost"), slog(8));
  EXPECT_FLOAT_EQ(at(r, "vec_position"), 1);
  EXPECT_FLOAT_EQ(at(r, "parallel_outermost"), slog(128));
  EXPECT_FLOAT_EQ(at(r, "num_loops"), 2);
  EXPECT_FLOAT_EQ(at(r, "trip_count"), slog(1024));
  EXPECT_FLOAT_EQ(at(r, "is_reduction_update"), 0);
  // Three buffers of equal bytes: C (written) sorts after A and B (stable order of first access).
  EXPECT_FLOAT_EQ(at(r, "buf0.kind"), 1);
  EXPECT_FLOAT_EQ(at(r, "buf2.kind"), 2);
  EXPECT_FLOAT_EQ(at(r, "buf0.bytes"), slog(4096));
  EXPECT_FLOAT_EQ(at(r, "buf0.unique_bytes"), slog(4096));
  EXPECT_FLOAT_EQ(at(r, "buf0.stride"), 1);
  EXPECT_FLOAT_EQ(at(r, "buf0.lines"), slog(128));  // 128 runs of one 32-byte line each
  EXPECT_FLOAT_EQ(at(r, "buf0.reuse_type"), 0);
  EXPECT_FLOAT_EQ(at(r, "buf0.is_param"), 1);
  EXPECT_FLOAT_EQ(at(r, "buf3.kind"), 0);  // unused slot
  EXPECT_FLOAT_EQ(at(r, "alloc_count"), 0);
}

TEST(Features, MatmulReuseAndReduction) {
  ir::PrimFunc f = lower::lower(workloads::make_workload("gmm", {{"M", 64}, {"N", 32}, {"K", 16}}));
  auto rows = extract_features(f);
  ASSERT_EQ(rows.size(), 2u);  // the init store and the update
  const auto& update = rows[1];
  EXPECT_FLOAT_EQ(at(update, "is_reduction_update"), 1);
  EXPECT_FLOAT_EQ(at(update, "float_add_sub"), slog(64 * 32 * 16));
  EXPECT_FLOAT_EQ(at(update, "float_mul"), slog(64 * 32 * 16));
  // C is read and written (kind 3) and reused across k, the innermost loop (distance 1).
  bool found_c = false;
  for (size_t slot = 0; slot < kBufferSlots; ++slot) {
    std::string p = "buf" + std::to_string(slot) + ".";
    if (at(update, p + "kind") != 3) continue;
    found_c = true;
    EXPECT_FLOAT_EQ(at(update, p + "reuse_type"), 1);
    EXPECT_FLOAT_EQ(at(update, p + "reuse_count"), slog(16));
    EXPECT_FLOAT_EQ(at(update, p + "reuse_distance"), slog(1));
    EXPECT_FLOAT_EQ(at(update, p + "unique_bytes"), slog(64 * 32 * 4));
  }
  EXPECT_TRUE(found_c);
}

// Through tune::featurize, as the tuner computes features: the unrolled loop stays a loop,
// so the update is one row that sees the tiling, the cache, parallel, vectorize and unroll.
TEST(Features, ScheduleDecisionsMoveTheirFeatures) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 64}, {"N", 64}, {"K", 64}});
  auto plain = featurize(gmm);
  ASSERT_EQ(plain.size(), 2u);  // init, update
  ir::PrimFunc tiled = scheduled(gmm, R"(
b = sch.get_block("C")
i, j, k = sch.get_loops(b)
i0, i1 = sch.split(i, factors=[None, 8])
j0, j1 = sch.split(j, factors=[None, 16])
sch.reorder(i0, j0, k, i1, j1)
cw = sch.cache_write(b, 0, "local")
sch.reverse_compute_at(cw, j0)
sch.parallel(i0)
sch.vectorize(j1)
sch.unroll(i1)
)");
  auto rows = featurize(tiled);
  ASSERT_EQ(rows.size(), 3u);  // init, update, write-back
  std::vector<size_t> updates;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (at(rows[i], "is_reduction_update") == 1) updates.push_back(i);
  }
  ASSERT_EQ(updates.size(), 1u);
  const auto& r = rows[updates[0]];
  EXPECT_FLOAT_EQ(at(r, "float_mul"), at(plain[1], "float_mul"));  // the same work
  EXPECT_FLOAT_EQ(at(r, "vec_innermost"), slog(16));
  EXPECT_FLOAT_EQ(at(r, "parallel_outermost"), slog(8));
  EXPECT_FLOAT_EQ(at(r, "unroll_innermost"), slog(8));
  EXPECT_FLOAT_EQ(at(r, "alloc_count"), 1);
  EXPECT_FLOAT_EQ(at(r, "alloc_innermost_bytes"), slog(8 * 16 * 4));
  // The plain version has none of these.
  EXPECT_FLOAT_EQ(at(plain[1], "vec_innermost"), 0);
  EXPECT_FLOAT_EQ(at(plain[1], "parallel_outermost"), 0);
  EXPECT_FLOAT_EQ(at(plain[1], "unroll_innermost"), 0);
  EXPECT_FLOAT_EQ(at(plain[1], "alloc_count"), 0);
}

// featurize lowers without unrolling: an unrolled loop stays one loop whose stores give one
// row each, with the unroll columns set; with unrolling the copies are separate rows.
TEST(Features, FeaturizeKeepsUnrolledLoopsAsLoops) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 16}, {"N", 16}, {"K", 16}});
  ir::PrimFunc f = scheduled(gmm, R"(
b = sch.get_block("C")
i, j, k = sch.get_loops(b)
i0, i1 = sch.split(i, factors=[None, 4])
sch.reorder(i0, j, k, i1)
sch.unroll(i1)
)");
  auto rows = featurize(f);
  ASSERT_EQ(rows.size(), 2u);  // init, update
  EXPECT_FLOAT_EQ(at(rows[1], "unroll_innermost"), slog(4));
  EXPECT_FLOAT_EQ(at(rows[1], "unroll_product"), slog(4));
  EXPECT_EQ(extract_features(lower::lower(f)).size(), 8u);  // the guarded init and the update, 4 copies each
  lower::LowerOptions keep;
  keep.unroll = false;
  EXPECT_EQ(extract_features(lower::lower(f, keep)), rows);
}

// Every zoo workload under random schedules gives finite rows of the documented width, one
// per store.
TEST(Features, RandomSchedulesGiveFiniteRowsOfTheRightWidth) {
  for (const auto& [name, overrides] : sched::testing::small_shapes()) {
    ir::PrimFunc func = workloads::make_workload(name, overrides);
    for (uint64_t seed = 0; seed < 5; ++seed) {
      sched::Schedule sch(func, static_cast<int64_t>(seed), sched::DebugMode::Off);
      sched::RandomEngine rng(seed * 7919 + 17);
      sched::testing::Stats stats;
      for (int step = 0; step < 5; ++step) sched::testing::random_step(sch, rng, stats);
      ir::PrimFunc lowered = lower::lower(sch.mod().at(sch.default_func()));
      auto rows = extract_features(lowered);
      EXPECT_FALSE(rows.empty()) << name;
      for (const auto& r : rows) {
        ASSERT_EQ(r.size(), kNumFeatures) << name;
        for (size_t c = 0; c < r.size(); ++c) EXPECT_TRUE(std::isfinite(r[c])) << name << " " << feature_names()[c];
      }
    }
  }
}

}  // namespace
}  // namespace loom::tune
