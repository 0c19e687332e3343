// The conformance checks of every cost model, on the features of random schedules of small
// zoo workloads: the same updates give the same predictions (before any update too), from
// two instances of the same table; a clone predicts as the original and learns on its own;
// and a clone outlives its original.
#include <gmock/gmock.h>

#include "conformance.h"
#include "loom/tune/features.h"

namespace loom::conformance {
namespace {

using Features = host::ComponentInstance::CandidateFeatures;

class CostModelConformance : public ::testing::TestWithParam<Component> {};

struct Batch {
  Features features;
  std::vector<double> throughputs;
};

/// `count` random schedules (a few primitive calls each) of the workload `name`, featurized
/// as the tuner does, with throughputs that are a fixed function of the features (not
/// measurements: the checks compare models, not their quality).
Batch random_batch(const char* name, int count, uint64_t seed) {
  Batch b;
  sched::RandomEngine rng(seed);
  sched::testing::Stats stats;
  ir::PrimFunc f = workload(name);
  for (int i = 0; i < count; ++i) {
    sched::Schedule sch(f, rng.fork_seed());
    for (int s = 0; s < 5; ++s) sched::testing::random_step(sch, rng, stats);
    b.features.push_back(tune::featurize(sch.mod().at(sch.default_func())));
    double sum = 1;
    for (const auto& row : b.features.back()) {
      for (float v : row) sum += v;
    }
    b.throughputs.push_back(1.0 / (1.0 + std::abs(sum) * 1e-3));
  }
  return b;
}

/// The batches the checks use (made once).
const std::vector<Batch>& batches() {
  static const std::vector<Batch> b = {random_batch("gmm", 60, 1), random_batch("c2d", 60, 2),
                                       random_batch("gmm", 30, 3), random_batch("sfm", 40, 4)};
  return b;
}

/// The predictions of a model driven through one fixed sequence: predict before any
/// update, update twice (more candidates than a warm-up usually waits for), predict between
/// and after.
std::vector<std::vector<double>> session(const host::ComponentInstance& model) {
  const std::vector<Batch>& b = batches();
  std::vector<std::vector<double>> out;
  out.push_back(model.predict(b[2].features));
  model.update(b[0].features, b[0].throughputs);
  out.push_back(model.predict(b[2].features));
  model.update(b[1].features, b[1].throughputs);
  out.push_back(model.predict(b[2].features));
  out.push_back(model.predict(b[3].features));
  return out;
}

TEST_P(CostModelConformance, TheSameUpdatesGiveTheSamePredictions) {
  std::vector<std::vector<double>> first = session(*make(GetParam()));
  ASSERT_EQ(first.size(), 4u);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(first[k].size(), batches()[2].features.size());
  EXPECT_EQ(first[3].size(), batches()[3].features.size());
  EXPECT_EQ(session(*make(GetParam())), first);
}

TEST_P(CostModelConformance, ACloneLearnsOnItsOwnAndOutlivesItsOriginal) {
  std::vector<std::vector<double>> expected = session(*make(GetParam()));
  // A clone of a fresh instance goes through the session as a fresh instance does, even
  // when its original went through it first (they share no state).
  std::shared_ptr<host::ComponentInstance> original = make(GetParam());
  std::shared_ptr<host::ComponentInstance> clone = original->clone();
  EXPECT_EQ(session(*original), expected);
  EXPECT_EQ(session(*clone), expected);
  // And without its original.
  std::shared_ptr<host::ComponentInstance> other = make(GetParam());
  std::shared_ptr<host::ComponentInstance> orphan = other->clone();
  other.reset();  // destroys the original instance
  EXPECT_EQ(session(*orphan), expected);
}

INSTANTIATE_TEST_SUITE_P(Conformance, CostModelConformance,
                         ::testing::ValuesIn(components_of(LOOM_COMPONENT_COST_MODEL)), name_only);

}  // namespace
}  // namespace loom::conformance
