// The conformance checks of every runner, on a few small candidates — zoo workloads
// unscheduled and scheduled, one that cannot be built (a symbolic shape) and one that
// crashes (a store far out of bounds), each with its unscheduled function as the reference:
// the same candidates give the same correctness outcomes (status, failure kind and reason;
// never the timings), from the instance, a fresh one and a clone; and a clone outlives its
// original.
#include <gmock/gmock.h>

#include "conformance.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/parser.h"

namespace loom::conformance {
namespace {

class RunnerConformance : public ::testing::TestWithParam<Component> {};

host::MeasureCandidate candidate(ir::PrimFunc func, ir::PrimFunc reference) {
  host::MeasureCandidate c;
  c.func = std::move(func);
  c.reference = std::move(reference);
  return c;
}

std::vector<host::MeasureCandidate> candidates() {
  std::vector<host::MeasureCandidate> out;
  ir::PrimFunc gmm = workload("gmm");
  out.push_back(candidate(gmm, gmm));
  sched::Schedule tiled(gmm, 0);
  sched::apply_schedule_script(tiled, R"(
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
i0, i1 = sch.split(i, factors=[None, 2])
j0, j1 = sch.split(j, factors=[None, 4])
sch.reorder(i0, j0, k, i1, j1)
sch.parallel(i0)
sch.vectorize(j1)
)",
                               "tiled.py");
  out.push_back(candidate(tiled.mod().at(tiled.default_func()), gmm));
  ir::PrimFunc sfm = workload("sfm");
  out.push_back(candidate(sfm, sfm));
  ir::PrimFunc symbolic = symbolic_function();
  out.push_back(candidate(symbolic, symbolic));
  ir::PrimFunc out_of_bounds = script::parse_func(R"(
@T.prim_func
def oob(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32")):
    for i in range(16):
        with T.block("B"):
            vi = T.axis.spatial(16, i)
            B[vi * 100000000] = A[vi]
)");
  out.push_back(candidate(out_of_bounds, {}));
  return out;
}

/// Per candidate: "ok", or the failure's kind and reason.
std::vector<std::string> outcomes(const host::ComponentInstance& runner,
                                  const std::vector<host::MeasureCandidate>& cands) {
  std::vector<db::MeasureResult> records = runner.measure(cands);
  EXPECT_EQ(records.size(), cands.size());
  std::vector<std::string> out;
  for (const db::MeasureResult& r : records) out.push_back(r.ok() ? "ok" : r.error_kind + ": " + r.error);
  return out;
}

TEST_P(RunnerConformance, TheSameCandidatesGiveTheSameOutcomes) {
  std::vector<host::MeasureCandidate> cands = candidates();
  std::shared_ptr<host::ComponentInstance> runner = make(GetParam());
  std::vector<std::string> first = outcomes(*runner, cands);
  EXPECT_EQ(outcomes(*runner, cands), first) << "the same instance again";
  EXPECT_EQ(outcomes(*make(GetParam()), cands), first) << "another instance";
  // The candidates differ: if every outcome were the same, this would check little.
  EXPECT_NE(std::count(first.begin(), first.end(), first.front()), static_cast<ptrdiff_t>(first.size()))
      << ::testing::PrintToString(first);
}

TEST_P(RunnerConformance, ACloneMeasuresAsTheOriginalAndOutlivesIt) {
  std::vector<host::MeasureCandidate> cands = candidates();
  std::shared_ptr<host::ComponentInstance> runner = make(GetParam());
  std::vector<std::string> expected = outcomes(*runner, cands);
  std::shared_ptr<host::ComponentInstance> clone = runner->clone();
  EXPECT_EQ(outcomes(*clone, cands), expected);
  runner.reset();  // destroys the original instance
  EXPECT_EQ(outcomes(*clone, cands), expected);
}

INSTANTIATE_TEST_SUITE_P(Conformance, RunnerConformance, ::testing::ValuesIn(components_of(LOOM_COMPONENT_RUNNER)),
                         name_only);

}  // namespace
}  // namespace loom::conformance
