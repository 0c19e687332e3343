// The conformance checks of every mutator, on points of the default CPU design space of
// small zoo workloads: the same trace and seed give the same mutated trace, from the
// instance, a fresh one and a clone; a clone outlives its original; a trace with nothing to
// mutate is declined (nullopt), not an error; and the trace and module the mutator is given
// stay as they were, whether it mutates, declines or throws.
#include <gmock/gmock.h>

#include "conformance.h"

namespace loom::conformance {
namespace {

class MutatorConformance : public ::testing::TestWithParam<Component> {};

/// Seeds spread over the engine's range (consecutive small seeds draw alike).
constexpr int64_t kSeeds[] = {17, 1234567, 987654321, 2000000011};

/// A mutator's input: a trace before its postprocessing and the module it replays onto.
struct Input {
  std::string what;
  sched::Trace trace;
  ir::IRModule original;
};

/// Made once: every check of every mutator uses the same points.
const std::vector<Input>& design_space_inputs() {
  static const std::vector<Input> inputs = [] {
    std::vector<Input> out;
    for (const char* name : {"gmm", "c2d", "gmm_bias_relu"}) {
      ir::PrimFunc f = workload(name);
      for (const sched::Schedule& point : space_points(f, {11, 424242})) {
        out.push_back({std::string(name) + " point " + std::to_string(out.size()), point.trace().before_postproc(),
                       point.original_mod()});
      }
    }
    // Points of the default CUDA space too, so that the GPU mutators have something to change.
    for (const char* name : {"gmm", "sfm", "nrm"}) {
      ir::PrimFunc f = workload(name);
      for (const sched::Schedule& point : space_points(f, {11, 424242}, /*gpu=*/true)) {
        out.push_back({std::string(name) + " cuda point " + std::to_string(out.size()), point.trace().before_postproc(),
                       point.original_mod()});
      }
    }
    return out;
  }();
  return inputs;
}

/// The mutated trace, "none" when declined, or "error: ..." when the mutator threw.
std::string outcome(const host::ComponentInstance& m, const Input& in, int64_t seed) {
  sched::RandomEngine rng(seed);
  try {
    std::optional<sched::Trace> t = m.apply_mutator(in.trace, in.original, rng);
    return t ? fingerprint(*t) : "none";
  } catch (const host::ComponentError& e) {
    return std::string("error: ") + e.what();
  }
}

TEST_P(MutatorConformance, TheSameTraceAndSeedGiveTheSameMutation) {
  std::shared_ptr<host::ComponentInstance> m = make(GetParam(), workload("gmm"));
  std::shared_ptr<host::ComponentInstance> fresh = make(GetParam(), workload("gmm"));
  int mutated = 0;
  const std::vector<Input>& inputs = design_space_inputs();
  ASSERT_FALSE(inputs.empty());
  for (const Input& in : inputs) {
    for (int64_t seed : kSeeds) {
      std::string first = outcome(*m, in, seed);
      EXPECT_EQ(outcome(*m, in, seed), first) << in.what << ", seed " << seed << ", the same instance again";
      EXPECT_EQ(outcome(*fresh, in, seed), first) << in.what << ", seed " << seed << ", another instance";
      mutated += first != "none" && !first.starts_with("error: ") ? 1 : 0;
    }
  }
  // Otherwise this test compared declines only: the inputs would not exercise the mutator.
  EXPECT_GT(mutated, 0) << GetParam().name << " mutated none of " << inputs.size() << " design-space points";
}

TEST_P(MutatorConformance, ACloneMutatesAsTheOriginalAndOutlivesIt) {
  std::shared_ptr<host::ComponentInstance> m = make(GetParam(), workload("gmm"));
  const std::vector<Input>& inputs = design_space_inputs();
  std::vector<std::string> expected;
  for (const Input& in : inputs) expected.push_back(outcome(*m, in, kSeeds[2]));
  std::shared_ptr<host::ComponentInstance> clone = m->clone();
  auto outcomes = [&](const host::ComponentInstance& instance) {
    std::vector<std::string> out;
    for (const Input& in : inputs) out.push_back(outcome(instance, in, kSeeds[2]));
    return out;
  };
  EXPECT_EQ(outcomes(*clone), expected);
  m.reset();  // destroys the original instance
  EXPECT_EQ(outcomes(*clone), expected);
}

/// The input's trace and module, as a caller holds them.
std::string state(const Input& in) { return fingerprint(in.trace) + script::print(in.original); }

TEST_P(MutatorConformance, ATraceWithNothingToMutateIsDeclined) {
  std::shared_ptr<host::ComponentInstance> m = make(GetParam(), workload("gmm"));
  // The unscheduled workload: no instruction, no decision.
  sched::Schedule unscheduled(workload("gmm"), 3);
  Input empty{"the empty trace", unscheduled.trace(), unscheduled.original_mod()};
  std::string before = state(empty);
  for (int64_t seed : kSeeds) EXPECT_EQ(outcome(*m, empty, seed), "none") << "seed " << seed;
  EXPECT_EQ(state(empty), before);
}

TEST_P(MutatorConformance, TheTraceAndModuleItIsGivenStayAsTheyWere) {
  std::shared_ptr<host::ComponentInstance> m = make(GetParam(), workload("gmm"));
  std::vector<Input> inputs = design_space_inputs();
  // A trace of gmm offered with another workload's module, which it does not replay onto:
  // the mutator may decline or throw, but must not change what it was given.
  ASSERT_FALSE(inputs.empty());
  inputs.push_back({"a gmm trace with c2d's module", inputs.front().trace, sched::Schedule(workload("c2d")).mod()});
  for (const Input& in : inputs) {
    std::string before = state(in);
    for (int64_t seed : kSeeds) {
      std::string result = outcome(*m, in, seed);
      if (result.starts_with("error: ")) {
        EXPECT_THAT(result, ::testing::HasSubstr(m->name())) << in.what;
      }
      EXPECT_EQ(state(in), before) << in.what << ", seed " << seed;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Conformance, MutatorConformance, ::testing::ValuesIn(components_of(LOOM_COMPONENT_MUTATOR)),
                         name_only);

}  // namespace
}  // namespace loom::conformance
