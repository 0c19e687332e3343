// loom.rewrite_cooperative_fetch and loom.mutate_thread_binding under a cuda tuning context:
// the fetch loops of multi_level_tiling's shared caches bound to threads (and the result
// correct in SIMT mode, where the unbound copies race), and the thread count of a
// cross-thread reduction mutated.
#include <gmock/gmock.h>

#include "../lower/lower_test_util.h"
#include "loom/interp/simt.h"
#include "loom/lower/lower.h"
#include "postprocs_test_util.h"

namespace loom::postprocs_test {
namespace {

std::shared_ptr<host::ComponentInstance> make_cuda(loom_component_kind kind, const std::string& section,
                                                   const std::string& name) {
  return make(kind, section, name, {}, testing::cuda_test_context());
}

/// "" when the GPU-lowered `after` computes in SIMT mode what `before` computes, else the
/// race, the mismatch or the lowering's error.
std::string simt_mismatch(const ir::PrimFunc& before, const ir::PrimFunc& after) {
  try {
    return lower::testing::simt_mismatch(before, lower::lower_gpu(after), 5);
  } catch (const std::exception& e) {
    return e.what();
  }
}

int count_binds(const sched::Schedule& sch, const std::string& tag) {
  int n = 0;
  for (const sched::Instruction& inst : sch.trace().instructions()) {
    if (inst.kind->name != "Bind") continue;
    for (const sched::Value& a : inst.attrs) n += a.is<std::string>() && a.as<std::string>() == tag ? 1 : 0;
  }
  return n;
}

TEST(RewriteCooperativeFetch, BindsTheSharedCopiesToThreadsAndEndsTheirRace) {
  ir::PrimFunc f = workloads::make_workload("gmm", {{"M", 64}, {"N", 64}, {"K", 16}});
  auto tiling = make_cuda(LOOM_COMPONENT_SCHEDULE_RULE, "[[rule]]", "loom.multi_level_tiling");
  auto fetch = make_cuda(LOOM_COMPONENT_POSTPROC, "[[postproc]]", "loom.rewrite_cooperative_fetch");
  sched::Schedule probe(f, 1, sched::DebugMode::Verify);
  std::vector<sched::Schedule> space = tiling->apply_rule(probe, probe.get_block("C"));
  ASSERT_FALSE(space.empty());
  int checked = 0, raced = 0;
  for (int64_t seed : draw_seeds(12)) {
    sched::Schedule point = tune::sample_from_trace(f, space[0].trace(), seed, sched::DebugMode::Verify);
    // Unbound, every thread copies the whole tile: the SIMT mode reports the race (where the
    // point has more than one thread).
    std::string unbound = simt_mismatch(f, func_of(point));
    EXPECT_TRUE(unbound.empty() || unbound.find("data race") != std::string::npos) << unbound;
    raced += unbound.empty() ? 0 : 1;
    const int before = count_binds(point, "threadIdx.x");
    point.enter_postproc();
    if (!fetch->apply_postproc(point)) continue;  // a refused split: dropped, as in a search
    EXPECT_GE(count_binds(point, "threadIdx.x"), before + 2) << "A_shared and B_shared";
    EXPECT_FALSE(block_named(func_of(point), "A_shared")->annotations.count("meta_schedule.cooperative_fetch"));
    EXPECT_EQ(simt_mismatch(f, func_of(point)), "");
    // The postprocessor's instructions replay.
    sched::Schedule replayed(f);
    point.trace().apply_to(replayed);
    EXPECT_EQ(ir::structural_hash(func_of(replayed)), ir::structural_hash(func_of(point)));
    ++checked;
  }
  EXPECT_GE(checked, 3);
  EXPECT_GE(raced, 1);
}

TEST(MutateThreadBinding, ChangesTheThreadCountOfACrossThreadReduction) {
  ir::PrimFunc f = workloads::make_workload("sfm", {{"M", 4}, {"N", 256}});
  auto rule = make_cuda(LOOM_COMPONENT_SCHEDULE_RULE, "[[rule]]", "loom.cross_thread_reduction");
  auto mutator = make_cuda(LOOM_COMPONENT_MUTATOR, "[[mutator]]", "loom.mutate_thread_binding");
  sched::Schedule probe(f, 1, sched::DebugMode::Verify);
  std::vector<sched::Schedule> space = rule->apply_rule(probe, probe.get_block("T_softmax_expsum"));
  const sched::Schedule* bound = nullptr;
  for (const sched::Schedule& s : space) bound = count_binds(s, "threadIdx.x") > 0 ? &s : bound;
  ASSERT_NE(bound, nullptr);
  sched::Schedule point = tune::sample_from_trace(f, bound->trace(), 7, sched::DebugMode::Verify);
  int mutated = 0;
  for (int64_t seed = 1; seed <= 20; ++seed) {
    sched::RandomEngine rng(seed);
    std::optional<sched::Trace> t = mutator->apply_mutator(point.trace(), point.original_mod(), rng);
    if (!t) continue;
    std::vector<size_t> changed = changed_decisions(point.trace(), *t);
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(point.trace().instructions()[changed[0]].kind->name, "SampleCategorical");
    sched::Schedule replayed(f);
    t->apply_to(replayed);  // the mutated thread count is a valid schedule
    ++mutated;
  }
  EXPECT_GT(mutated, 0);
}

}  // namespace
}  // namespace loom::postprocs_test
