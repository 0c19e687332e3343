// The meaning-preservation property across every primitive family and every zoo workload:
// random sequences of primitive calls, with arguments drawn from the query primitives and
// the sampling instructions, applied to each zoo workload at a small shape; every schedule
// must compute what the unscheduled workload computes in the reference interpreter (within
// 1e-4 relative/absolute: reduction order may change) and its trace must replay to the same
// module. LOOM_SCHED_SOAK=N runs N seeds per workload instead of the default.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include "../common/random_schedule.h"
#include "loom/sched/call.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::kPrimitives;
using testing::random_step;
using testing::small_shapes;
using testing::Stats;

TEST(RandomSchedules, EveryZooWorkloadKeepsItsMeaningUnderRandomPrimitiveSequences) {
  const char* soak = std::getenv("LOOM_SCHED_SOAK");
  const int seeds = soak != nullptr ? std::atoi(soak) : 20;
  constexpr int kSteps = 6;
  Stats stats;
  int checked = 0;
  ASSERT_EQ(small_shapes().size(), workloads::workloads().size()) << "a zoo workload has no small shape here";
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    ir::PrimFunc before = workloads::make_workload(info.name, small_shapes().at(info.name));
    for (int64_t seed = 1; seed <= seeds; ++seed) {
      SCOPED_TRACE("workload " + info.name + ", seed " + std::to_string(seed));
      Schedule sch(before, seed, DebugMode::Verify);
      RandomEngine rng(seed * 7919 + 17);
      try {
        for (int step = 0; step < kSteps; ++step) random_step(sch, rng, stats);
      } catch (const std::exception& e) {  // an InternalError: a primitive broke an invariant
        ADD_FAILURE() << e.what() << "\nafter the schedule (workload " << info.name << ", seed " << seed << "):\n"
                      << sch.trace().as_python() << script::print(sch.mod());
        return;
      }
      testing::expect_equivalent(before, sch.mod().at(sch.default_func()), static_cast<uint64_t>(seed), 1e-4, 1e-4);
      testing::verify_trace_roundtrip(sch);
      ++checked;
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "failing schedule (workload " << info.name << ", seed " << seed << "):\n"
                      << sch.trace().as_python();
        return;
      }
    }
  }
  int attempted = 0, applied = 0;
  std::cout << "random schedules: " << checked << " (" << workloads::workloads().size() << " workloads x " << seeds
            << " seeds x " << kSteps << " steps); applied/attempted per primitive:";
  for (const auto& [name, n] : stats.attempted) {
    attempted += n;
    applied += stats.applied[name];
    std::cout << " " << name << " " << stats.applied[name] << "/" << n;
  }
  std::cout << "\n";
  EXPECT_EQ(checked, static_cast<int>(workloads::workloads().size()) * seeds);
  // A property test that rejects everything checks nothing.
  EXPECT_GT(applied, attempted / 4) << applied << " of " << attempted << " calls applied";
  for (const char* p : kPrimitives)
    EXPECT_GT(stats.applied[p], 0) << "sch." << p << " was never applied: the test does not exercise it";
}

}  // namespace
}  // namespace loom::sched

namespace loom::sched {
namespace {

// Found by the test above: moving a padded copy under its producer's loop would leave the
// padding unwritten; reverse_compute_at now refuses (and DebugMode::Verify's region-cover
// check caught it).
TEST(RandomSchedules, ReverseComputeAtRefusesToDropAConsumersPadding) {
  Schedule sch(workloads::make_workload("nrm", {{"B", 2}, {"M", 4}, {"N", 6}}), 1, DebugMode::Verify);
  sch.pad_einsum(sch.get_block("D"), {4});
  BlockRV pad = sch.get_block("C_pad");
  LoopRV b = sch.get_loops(sch.get_block("C"))[0];
  testing::expect_schedule_error(
      sch, [&] { sch.reverse_compute_at(pad, b); }, "RegionCover",
      "sch.reverse_compute_at: block C_pad would no longer compute all of its iteration variable v0 (domain [0, 3]): "
      "its producers under loop b provide only part of it");
}

}  // namespace
}  // namespace loom::sched

namespace loom::sched {
namespace {

// Found by the soak: inlining a padded copy into its producer would drop the padding.
TEST(RandomSchedules, ReverseComputeInlineRefusesAConsumerLargerThanTheBuffer) {
  Schedule sch(workloads::make_workload("gmm", {{"M", 6}, {"N", 8}, {"K", 4}}), 1, DebugMode::Verify);
  sch.cache_read(sch.get_block("C"), 0, "local");
  sch.pad_einsum(sch.get_block("C"), {4, 4, 4});
  BlockRV pad = sch.get_block("A_local_pad");
  testing::expect_schedule_error(
      sch, [&] { sch.reverse_compute_inline(pad); }, "BodyAnalysis",
      "sch.reverse_compute_inline: block A_local_pad iterates v0 over [0, 0 + 8) but reads A_local at it, whose "
      "dimension 0 has extent 6; inlined into A_local it would not compute the points beyond it");
}

}  // namespace
}  // namespace loom::sched

namespace loom::sched {
namespace {

// Found by the lowering soak: after decompose_reduction the update block loads C without
// declaring it; reindexing its write would leave C_init writing C while the update
// accumulated into uninitialized C_reindex.
TEST(RandomSchedules, ReindexRefusesTheWriteOfADecomposedUpdate) {
  Schedule sch(workloads::make_workload("gmm", {{"M", 4}, {"N", 4}, {"K", 4}}), 1, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  sch.decompose_reduction(c, sch.get_loops(c)[0]);
  testing::expect_schedule_error(
      sch, [&] { sch.reindex(c, BufferIndexType::Write, 0); }, "SharedAccess",
      "sch.reindex: block C reads buffer C before writing it and has no init, cannot reindex its write");
}

}  // namespace
}  // namespace loom::sched
