// The CUDA forms of the rules: loom.multi_level_tiling with TVM's CUDA defaults (SSSRRSRS,
// tile binds, shared read and local write caches), loom.cross_thread_reduction and
// loom.auto_bind under a cuda tuning context: what they make, that their traces replay to
// the same function, that their sampled points still compute the workload once bound and
// GPU-lowered (SIMT mode), and their config errors.
#include <gmock/gmock.h>

#include "../common/expect_error.h"
#include "../lower/lower_test_util.h"
#include "loom/interp/simt.h"
#include "loom/lower/lower.h"
#include "rules_test_util.h"

namespace loom::rules_test {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<host::ComponentInstance> make_cuda_rule(const std::string& name,
                                                        std::vector<config::ConfigEntry> keys = {}) {
  auto rule = plugin_host().instantiate(
      LOOM_COMPONENT_SCHEDULE_RULE,
      config::ComponentConfig("[[rule]]", name, config::SourcePos{"rules.toml", 3, 1}, std::move(keys)));
  rule->initialize(testing::cuda_test_context());
  return rule;
}

/// The thread tags of the trace's Bind instructions, in order.
std::vector<std::string> bound_tags(const sched::Schedule& sch) {
  std::vector<std::string> tags;
  for (const sched::Instruction& inst : sch.trace().instructions()) {
    if (inst.kind->name != "Bind") continue;
    for (const sched::Value& a : inst.attrs)
      if (a.is<std::string>()) tags.push_back(a.as<std::string>());
  }
  return tags;
}

/// Replaying the schedule's trace on the unscheduled function gives the same function.
void expect_replays(const ir::PrimFunc& f, const sched::Schedule& sch) {
  sched::Schedule replayed(f);
  sch.trace().apply_to(replayed);
  EXPECT_EQ(ir::structural_hash(func_of(replayed)), ir::structural_hash(func_of(sch)));
}

/// The GPU-lowered `after` run in SIMT mode computes what `before` computes sequentially.
void expect_simt_equal(const ir::PrimFunc& before, const ir::PrimFunc& after) {
  EXPECT_EQ(lower::testing::simt_mismatch(before, lower::lower_gpu(after), 5), "");
}

TEST(MultiLevelTilingCuda, TilesSSSRRSRSBindsTheTilesAndCachesInSharedAndLocal) {
  auto rule = make_cuda_rule("loom.multi_level_tiling");
  ir::PrimFunc f = workloads::make_workload("gmm", {{"M", 64}, {"N", 64}, {"K", 16}});
  std::vector<sched::Schedule> out = apply(*rule, sched::Schedule(f, 1, sched::DebugMode::Verify), "C");
  ASSERT_FALSE(out.empty());
  for (const sched::Schedule& s : out) {
    EXPECT_EQ(std::get<std::string>(annotations_of(s, "C").at("meta_schedule.tiling_structure").value), "SSSRRSRS");
    // Two spatial loops in 5 tiles, one reduction loop in 3.
    EXPECT_EQ(count(s, "SamplePerfectTile"), 3);
    EXPECT_EQ(bound_tags(s), (std::vector<std::string>{"blockIdx.x", "vthread.x", "threadIdx.x"}));
    EXPECT_EQ(count(s, "CacheWrite"), 1);  // local, at level 3 ("must")
    EXPECT_EQ(count(s, "CacheRead"), 2);   // A and B in shared, at level 4 ("must")
    EXPECT_TRUE(has_block(func_of(s), "C_local"));
    EXPECT_TRUE(has_block(func_of(s), "A_shared"));
    EXPECT_TRUE(has_block(func_of(s), "B_shared"));
    EXPECT_TRUE(annotations_of(s, "A_shared").count("meta_schedule.cooperative_fetch"));
    expect_replays(f, s);
  }
  // The shared copies are not yet bound to threads (every thread would copy the whole tile,
  // a race the SIMT mode reports): loom.rewrite_cooperative_fetch does that, so sampled
  // points are checked on the GPU with the postprocessors, in tests/codegen/cuda_space_test.cc.
}

TEST(MultiLevelTilingCuda, TileBindsAreCheckedAgainstTheStructure) {
  EXPECT_TRUE(testing::throws_with<host::ComponentError>(
      [] {
        make_cuda_rule("loom.multi_level_tiling", {entry("tile_binds", strings({"blockIdx.x", "warp.x"}))});
      },
      "tile_binds"));
}

TEST(CrossThreadReduction, BindsAReductionToThreadsAndComputesItsProducerThere) {
  auto rule = make_cuda_rule("loom.cross_thread_reduction");
  ir::PrimFunc f = workloads::make_workload("sfm", {{"M", 4}, {"N", 256}});
  std::vector<sched::Schedule> out = apply(*rule, sched::Schedule(f, 1, sched::DebugMode::Verify), "T_softmax_expsum");
  ASSERT_FALSE(out.empty());
  bool bound = false;
  for (const sched::Schedule& s : out) {
    std::vector<std::string> tags = bound_tags(s);
    if (std::find(tags.begin(), tags.end(), "threadIdx.x") != tags.end()) {
      bound = true;
      EXPECT_EQ(count(s, "SampleCategorical"), 1);  // the thread count
      expect_replays(f, s);
    }
  }
  EXPECT_TRUE(bound) << "no fork binds the reduction to threadIdx.x";
}

TEST(CrossThreadReduction, ItsConfigAndTargetAreChecked) {
  EXPECT_TRUE(testing::throws_with<host::ComponentError>(
      [] {
        make_cuda_rule("loom.cross_thread_reduction", {entry("thread_extents", ints({32, 0}))});
      },
      "thread_extents"));
  EXPECT_TRUE(
      testing::throws_with<host::ComponentError>([] { make_rule("loom.cross_thread_reduction"); }, "a GPU rule"));
}

TEST(AutoBind, BindsAnUnboundBlockToBlocksAndThreads) {
  auto rule = make_cuda_rule("loom.auto_bind");
  ir::PrimFunc f = workloads::make_workload("gmm", {{"M", 64}, {"N", 64}, {"K", 16}});
  std::vector<sched::Schedule> out = apply(*rule, sched::Schedule(f, 1, sched::DebugMode::Verify), "C");
  ASSERT_EQ(out.size(), 1u);
  std::vector<std::string> tags = bound_tags(out[0]);
  EXPECT_NE(std::find(tags.begin(), tags.end(), "blockIdx.x"), tags.end());
  EXPECT_NE(std::find(tags.begin(), tags.end(), "threadIdx.x"), tags.end());
  expect_replays(f, out[0]);
  for (int64_t seed : draw_seeds(3)) {
    sched::Schedule point = tune::sample_from_trace(f, out[0].trace(), seed, sched::DebugMode::Verify);
    expect_simt_equal(f, func_of(point));
  }
  EXPECT_TRUE(testing::throws_with<host::ComponentError>(
      [] { make_cuda_rule("loom.auto_bind", {entry("max_threadblocks", config::ConfigValue::integer(0))}); },
      "max_threadblocks"));
}

}  // namespace
}  // namespace loom::rules_test
