// The default CPU rule set in post-order-apply on every zoo workload (small shapes): the
// design space is non-empty, and points drawn from each of its traces with new decisions
// are interpreter-equivalent to the unscheduled workload. Draws a primitive refuses are
// counted; more than a few percent would be a bug in a rule. The rules must have acted:
// every workload's space forks, every trace samples, and every root is annotated.
#include <fmt/format.h>

#include "../common/random_schedule.h"
#include "../sched/sched_test_util.h"
#include "rules_test_util.h"

namespace loom::rules_test {
namespace {

constexpr int kDrawsPerTrace = 10;

TEST(DefaultRules, EveryZooWorkloadGivesAnEquivalentSpace) {
  tune::PostOrderApply space_generator(default_rules());
  int spaces = 0, draws = 0, refused = 0;
  std::string summary;
  for (const auto& [name, shape] : sched::testing::small_shapes()) {
    SCOPED_TRACE(name);
    ir::PrimFunc f = workloads::make_workload(name, shape);
    std::vector<sched::Schedule> space = space_generator.generate(f, 7);
    ASSERT_FALSE(space.empty());
    spaces += static_cast<int>(space.size());
    int workload_refused = 0;
    // Every zoo workload has a block to tile or to rfactor: the space forks.
    EXPECT_GE(space.size(), 2u);
    for (size_t i = 0; i < space.size(); ++i) {
      expect_equivalent(f, func_of(space[i]));
      sched::testing::verify_trace_roundtrip(space[i]);
      EXPECT_GT(count(space[i], "SamplePerfectTile") + count(space[i], "SampleCategorical") +
                    count(space[i], "SampleComputeLocation"),
                0)
          << space[i].trace().as_python();
      EXPECT_TRUE(annotations_of(space[i], "root").count("meta_schedule.parallel"));
      for (int64_t seed : draw_seeds(kDrawsPerTrace, i)) {
        ++draws;
        std::optional<sched::Schedule> point;
        try {
          point = tune::sample_from_trace(f, space[i].trace(), seed);
        } catch (const std::exception&) {
          ++refused;
          ++workload_refused;
          continue;
        }
        expect_equivalent(f, func_of(*point), static_cast<uint64_t>(seed % 1000));
        if (::testing::Test::HasFailure()) {
          ADD_FAILURE() << "space " << i << ", draw seed " << seed << "; trace:\n" << point->trace().as_python();
          return;
        }
      }
    }
    summary += fmt::format(" {}:{}/{}", name, space.size(), workload_refused);
  }
  std::printf("[ rules    ] %d spaces, %d draws, %d refused; per workload spaces/refused:%s\n", spaces, draws, refused,
              summary.c_str());
  EXPECT_LE(refused * 100, draws * 3) << refused << " of " << draws << " draws were refused";
}

}  // namespace
}  // namespace loom::rules_test
