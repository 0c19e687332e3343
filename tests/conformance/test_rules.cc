// The conformance checks of every schedule rule: the same workload and seed give the same
// design space (traces with their decisions), from the instance, a fresh one and a clone; a
// clone outlives its original; and a rule leaves the schedule it is given as it was, whether
// it applies, declines (its unchanged copy is really unchanged) or throws.
#include <gmock/gmock.h>

#include "conformance.h"

namespace loom::conformance {
namespace {

class RuleConformance : public ::testing::TestWithParam<Component> {};

constexpr int64_t kSeeds[] = {1, 987654321};

TEST_P(RuleConformance, TheSameWorkloadAndSeedGiveTheSameDesignSpace) {
  for (const ir::PrimFunc& f : workloads_for_schedules()) {
    SCOPED_TRACE(f->name);
    std::shared_ptr<host::ComponentInstance> rule = make(GetParam(), f);
    std::shared_ptr<host::ComponentInstance> fresh = make(GetParam(), f);
    for (int64_t seed : kSeeds) {
      std::vector<std::string> space = design_space(rule, f, seed);
      ASSERT_FALSE(space.empty());
      EXPECT_EQ(design_space(rule, f, seed), space) << "seed " << seed << ", the same instance again";
      EXPECT_EQ(design_space(fresh, f, seed), space) << "seed " << seed << ", another instance";
    }
  }
}

TEST_P(RuleConformance, ACloneMakesTheSameSpaceAndOutlivesItsOriginal) {
  for (const ir::PrimFunc& f : workloads_for_schedules()) {
    SCOPED_TRACE(f->name);
    std::shared_ptr<host::ComponentInstance> rule = make(GetParam(), f);
    std::vector<std::string> expected = design_space(rule, f, kSeeds[1]);
    std::shared_ptr<host::ComponentInstance> clone = rule->clone();
    EXPECT_EQ(design_space(clone, f, kSeeds[1]), expected);
    rule.reset();  // destroys the original instance
    EXPECT_EQ(design_space(clone, f, kSeeds[1]), expected);
    EXPECT_EQ(design_space(clone->clone(), f, kSeeds[1]), expected);
  }
}

/// Applies `rule` to `sch` at `block` and checks that `sch` is unchanged whatever happens;
/// a result with the input's trace must hold the input's module too (a rule that declines
/// returns an unchanged copy). Returns whether the rule threw.
bool apply_and_check(const host::ComponentInstance& rule, const sched::Schedule& sch, const sched::BlockRV& block,
                     const std::string& what) {
  ScheduleState before(sch);
  bool threw = false;
  try {
    for (const sched::Schedule& result : rule.apply_rule(sch, block)) {
      ScheduleState after(result);
      if (after.trace == before.trace) {
        EXPECT_EQ(after.mod, before.mod) << what << ": a declined copy changed";
      }
    }
  } catch (const host::ComponentError& e) {
    threw = true;
    EXPECT_THAT(e.what(), ::testing::HasSubstr(rule.name())) << what;
  }
  EXPECT_EQ(ScheduleState(sch), before) << what << (threw ? " (the rule threw)" : " (the rule applied)");
  return threw;
}

TEST_P(RuleConformance, TheScheduleItIsGivenStaysAsItWas) {
  for (const ir::PrimFunc& f : workloads_for_schedules()) {
    SCOPED_TRACE(f->name);
    std::shared_ptr<host::ComponentInstance> rule = make(GetParam(), f);
    // Every block of the workload and of a point the rule itself made.
    std::vector<sched::Schedule> inputs = {sched::Schedule(f, 5)};
    std::vector<std::string> names;
    for (const sched::BlockRV& b : inputs[0].get_child_blocks(inputs[0].get_block("root")))
      names.push_back(inputs[0].get(b)->name);
    sched::Schedule first = inputs[0];
    std::vector<sched::Schedule> made = rule->apply_rule(first, first.get_block(names.back()));
    if (!made.empty()) inputs.push_back(made.front());
    for (sched::Schedule& sch : inputs) {
      for (const std::string& name : names) {
        sched::BlockRV block;
        try {
          block = sch.get_block(name);
        } catch (const UserError&) {
          continue;  // inlined by the rule
        }
        apply_and_check(*rule, sch, block, "block " + name);
      }
    }
  }
}

TEST_P(RuleConformance, ABlockThatIsGoneIsRefusedAndTheScheduleStaysAsItWas) {
  ir::PrimFunc f = workload("gmm_bias_relu");
  std::shared_ptr<host::ComponentInstance> rule = make(GetParam(), f);
  sched::Schedule sch(f, 5);
  sched::BlockRV gone = sch.get_block("bias_add");
  sch.compute_inline(gone);
  // The random variable no longer names a block of the schedule: the rule must refuse it
  // (throw, naming itself) and leave its input as it was.
  EXPECT_TRUE(apply_and_check(*rule, sch, gone, "an inlined block"));
  EXPECT_TRUE(apply_and_check(*rule, sch, sched::BlockRV{4242}, "a block random variable the schedule never made"));
}

INSTANTIATE_TEST_SUITE_P(Conformance, RuleConformance, ::testing::ValuesIn(components_of(LOOM_COMPONENT_SCHEDULE_RULE)),
                         name_only);

}  // namespace
}  // namespace loom::conformance
