// The conformance checks of every postprocessor, on points of the default CPU design space
// of small zoo workloads and on inputs postprocessors refuse (a loop of symbolic extent, a
// root block with contradictory annotations): the same input gives the same output (whether
// kept, dropped or an error), from the instance, a fresh one and a clone; a clone outlives
// its original; and a candidate that is dropped, or on which the postprocessor throws, keeps
// its trace and module as they were.
#include <gmock/gmock.h>

#include "conformance.h"

namespace loom::conformance {
namespace {

class PostprocConformance : public ::testing::TestWithParam<Component> {};

/// A candidate as the search hands it to its postprocessors (after enter_postproc).
struct Input {
  std::string what;
  sched::Schedule sch;
};

Input entered(std::string what, sched::Schedule sch) {
  sch.enter_postproc();
  return {std::move(what), std::move(sch)};
}

/// The inputs, made once (each check copies what it changes).
const std::vector<Input>& inputs() {
  static const std::vector<Input> all = [] {
    std::vector<Input> out;
    for (const char* name : {"gmm", "c2d", "sfm", "gmm_bias_relu"}) {
      for (sched::Schedule& point : space_points(workload(name), {11, 424242}))
        out.push_back(entered(std::string(name) + " point " + std::to_string(out.size()), std::move(point)));
    }
    ir::PrimFunc symbolic = symbolic_function();
    out.push_back(entered("a loop of symbolic extent", sched::Schedule(symbolic, 1)));
    // Annotations the root block must not hold together (explicit and implicit unrolling).
    sched::Schedule contradictory(workload("gmm"), 1);
    sched::BlockRV root = contradictory.get_block("root");
    contradictory.annotate(root, "meta_schedule.parallel", sched::Value(int64_t{16}));
    contradictory.annotate(root, "meta_schedule.unroll_explicit", sched::Value(int64_t{16}));
    contradictory.annotate(root, "meta_schedule.unroll_implicit", sched::Value(int64_t{16}));
    out.push_back(entered("contradictory unroll annotations", std::move(contradictory)));
    return out;
  }();
  return all;
}

/// What the postprocessor made of a copy of `in`: "dropped", "error: ...", or the kept
/// candidate's trace and module.
std::string outcome(const host::ComponentInstance& p, const Input& in) {
  sched::Schedule sch = in.sch.copy();
  try {
    if (!p.apply_postproc(sch)) return "dropped";
  } catch (const host::ComponentError& e) {
    return std::string("error: ") + e.what();
  }
  ScheduleState s(sch);
  return "kept:\n" + s.trace + "\n" + s.mod;
}

TEST_P(PostprocConformance, TheSameInputGivesTheSameOutput) {
  std::shared_ptr<host::ComponentInstance> p = make(GetParam(), workload("gmm"));
  std::shared_ptr<host::ComponentInstance> fresh = make(GetParam(), workload("gmm"));
  for (const Input& in : inputs()) {
    std::string first = outcome(*p, in);
    EXPECT_EQ(outcome(*p, in), first) << in.what << ", the same instance again";
    EXPECT_EQ(outcome(*fresh, in), first) << in.what << ", another instance";
  }
}

TEST_P(PostprocConformance, ACloneBehavesAsTheOriginalAndOutlivesIt) {
  std::shared_ptr<host::ComponentInstance> p = make(GetParam(), workload("gmm"));
  std::vector<Input> all = inputs();
  std::vector<std::string> expected;
  for (const Input& in : all) expected.push_back(outcome(*p, in));
  std::shared_ptr<host::ComponentInstance> clone = p->clone();
  auto outcomes = [&](const host::ComponentInstance& instance) {
    std::vector<std::string> out;
    for (const Input& in : all) out.push_back(outcome(instance, in));
    return out;
  };
  EXPECT_EQ(outcomes(*clone), expected);
  p.reset();  // destroys the original instance
  EXPECT_EQ(outcomes(*clone), expected);
}

TEST_P(PostprocConformance, ADroppedOrFailedCandidateKeepsItsTraceAndModule) {
  std::shared_ptr<host::ComponentInstance> p = make(GetParam(), workload("gmm"));
  int refused = 0;
  for (const Input& input : inputs()) {
    Input in{input.what, input.sch.copy()};
    ScheduleState before(in.sch);
    bool kept = false;
    try {
      kept = p->apply_postproc(in.sch);
    } catch (const host::ComponentError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(p->name())) << in.what;
    }
    if (kept) continue;
    ++refused;
    EXPECT_EQ(ScheduleState(in.sch), before) << in.what;
  }
  if (refused == 0) GTEST_SKIP() << GetParam().name << " kept every input: no refusal to check";
}

INSTANTIATE_TEST_SUITE_P(Conformance, PostprocConformance, ::testing::ValuesIn(components_of(LOOM_COMPONENT_POSTPROC)),
                         name_only);

}  // namespace
}  // namespace loom::conformance
