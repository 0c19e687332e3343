// Tests of the search strategies (loom/tune/search.h): valid, postprocessed, never repeated
// candidates; deduplication against the database; the same batches on any thread count;
// the evolutionary search's population, mutation and ε-greedy pick.
#include "loom/tune/search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "loom/db/memory_database.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/tune/features.h"
#include "loom/workloads/zoo.h"
#include "nlohmann/json.hpp"

namespace loom::tune {
namespace {

// A template with two sampled tilings (max innermost factor = the extent, so every
// permutation of a decision stays valid) and a vectorized inner loop.
const char* kTemplate = R"(
b = sch.get_block("C")
i, j, k = sch.get_loops(b)
ti = sch.sample_perfect_tile(i, n=2, max_innermost_factor=32)
i0, i1 = sch.split(i, factors=ti)
tj = sch.sample_perfect_tile(j, n=2, max_innermost_factor=32)
j0, j1 = sch.split(j, factors=tj)
sch.reorder(i0, j0, k, i1, j1)
)";

ir::PrimFunc gmm() { return workloads::make_workload("gmm", {{"M", 32}, {"N", 32}, {"K", 8}}); }

TaskContext context(int threads = 0) {
  TaskContext ctx;
  ctx.func = gmm();
  ctx.generator = std::make_shared<ScheduleFnSpace>(kTemplate, "template.py");
  ctx.seed = 11;
  ctx.threads = threads;
  return ctx;
}

SearchOptions strategy(const std::string& name) {
  SearchOptions c;
  c.strategy = name;
  c.evolutionary.population_size = 24;
  c.evolutionary.init_min_unmeasured = 8;
  return c;
}

// Swaps the two factors of one SamplePerfectTile decision.
Mutator swap_tile() {
  return {"test.swap_tile", 1.0,
          [](const sched::Trace& trace, const ir::IRModule&, sched::RandomEngine& rng) -> std::optional<sched::Trace> {
            std::vector<size_t> tiles;
            for (size_t i = 0; i < trace.size(); ++i) {
              if (trace.instructions()[i].kind->name == "SamplePerfectTile") tiles.push_back(i);
            }
            if (tiles.empty()) return std::nullopt;
            size_t at = tiles[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(tiles.size())))];
            const sched::Value decision = *trace.decision_of(at);
            const auto& list = std::get<std::vector<sched::Value>>(decision.v);
            if (list.size() != 2 || list[0] == list[1]) return std::nullopt;
            return trace.with_decision(at, sched::Value(std::vector<sched::Value>{list[1], list[0]}));
          }};
}

void expect_equivalent_to_gmm(const Candidate& c) {
  auto want = interp::run_random(gmm(), 5);
  auto got = interp::run_random(c.func, 5);
  for (size_t i = 0; i < want.size(); ++i) {
    auto r = interp::allclose(got[i], want[i], 1e-4, 1e-4);
    EXPECT_TRUE(r) << r.message;
  }
}

std::vector<uint64_t> hashes(const std::vector<Candidate>& cs) {
  std::vector<uint64_t> out;
  for (const auto& c : cs) out.push_back(c.hash);
  return out;
}

TEST(ReplayTrace, ProposesDistinctValidCandidatesAndNeverRepeats) {
  auto s = make_search_strategy(strategy("replay-trace"), context());
  EXPECT_EQ(s->name(), "replay-trace");
  auto first = s->next_batch(6);
  ASSERT_EQ(first.size(), 6u);
  auto second = s->next_batch(6);
  std::set<uint64_t> all;
  for (const auto& c : first) all.insert(c.hash);
  for (const auto& c : second) all.insert(c.hash);
  EXPECT_EQ(all.size(), first.size() + second.size());
  for (const auto& c : first) {
    expect_equivalent_to_gmm(c);
    // The trace ends with the postprocessing part (here: only the marker).
    EXPECT_EQ(c.sch.trace().instructions().back().kind->name, "EnterPostproc");
  }
  // The space has 6 x 6 = 36 points: asking for more stops when it is exhausted.
  auto rest = s->next_batch(100);
  EXPECT_EQ(first.size() + second.size() + rest.size(), 36u);
  EXPECT_GT(s->stats().duplicates, 0);
}

TEST(ReplayTrace, SameSeedSameBatchesOnAnyThreadCount) {
  auto one = make_search_strategy(strategy("replay-trace"), context(1));
  auto two = make_search_strategy(strategy("replay-trace"), context(2));
  for (int batch = 0; batch < 3; ++batch) EXPECT_EQ(hashes(one->next_batch(5)), hashes(two->next_batch(5)));
  auto e1 = make_search_strategy(strategy("evolutionary"), [] {
    auto c = context(1);
    c.mutators = {swap_tile()};
    return c;
  }());
  auto e2 = make_search_strategy(strategy("evolutionary"), [] {
    auto c = context(2);
    c.mutators = {swap_tile()};
    return c;
  }());
  for (int batch = 0; batch < 2; ++batch) EXPECT_EQ(hashes(e1->next_batch(5)), hashes(e2->next_batch(5)));
}

TEST(ReplayTrace, SkipsCandidatesTheDatabaseHasAndCountsPostprocDrops) {
  db::MemoryDatabase database;
  TaskContext ctx = context();
  ctx.database = &database;
  ctx.workload = database.commit_workload(ctx.func);
  // A postprocessor that drops candidates whose i tile is 1 x 32 or 32 x 1.
  ctx.postprocs = {{"test.no_trivial_i", [](sched::Schedule& sch) {
                      auto loops = sch.get_loops(sch.get_block("C"));
                      int64_t outer = sch.get(loops[0])->extent.as<ir::IntImmNode>()->value;
                      return outer != 1 && outer != 32;
                    }}};
  auto s = make_search_strategy(strategy("replay-trace"), ctx);
  auto first = s->next_batch(4);
  ASSERT_EQ(first.size(), 4u);
  std::vector<db::TuningRecord> records;
  for (const auto& c : first) {
    db::TuningRecord r;
    r.workload_id = ctx.workload.id;
    r.trace = c.sch.trace();
    r.target = "llvm";
    r.result.run_secs = {1e-3};
    r.candidate_hash = c.hash;
    records.push_back(r);
  }
  database.commit_records(records);
  // A new strategy with the same seed draws the same points first: the database skips them.
  auto again = make_search_strategy(strategy("replay-trace"), ctx);
  auto next = again->next_batch(4);
  for (const auto& c : next) {
    for (const auto& f : first) EXPECT_NE(c.hash, f.hash);
  }
  // 4 x 6 = 24 points survive the postprocessor, 4 are measured: 20 remain.
  auto rest = again->next_batch(100);
  EXPECT_EQ(next.size() + rest.size(), 20u);
  EXPECT_GT(again->stats().postproc_failed, 0);
}

TEST(ReplayFunc, RerunsTheGenerator) {
  auto s = make_search_strategy(strategy("replay-func"), context());
  auto batch = s->next_batch(5);
  EXPECT_EQ(batch.size(), 5u);
  for (const auto& c : batch) expect_equivalent_to_gmm(c);
}

// A cost model that prefers a large innermost j tile: the evolutionary search should find
// and pick the best such candidates, and leave ε of the batch to random samples.
class PreferWideInner : public CostModel {
 public:
  void update(const std::vector<FeatureRows>&, const std::vector<double>&) override {}
  std::vector<double> predict(const std::vector<FeatureRows>& features) override {
    const size_t col = [] {
      for (size_t i = 0; i < feature_names().size(); ++i) {
        if (feature_names()[i] == "innermost_extent") return i;
      }
      return size_t{0};
    }();
    std::vector<double> out;
    for (const auto& rows : features) out.push_back(rows.empty() ? 0.0 : rows.back()[col]);
    return out;
  }
};

TEST(Evolutionary, RanksByTheCostModelAndMutates) {
  PreferWideInner model;
  TaskContext ctx = context();
  ctx.mutators = {swap_tile()};
  ctx.cost_model = &model;
  auto cfg = strategy("evolutionary");
  cfg.evolutionary.eps_greedy = 0.25;
  auto s = make_search_strategy(cfg, ctx);
  EXPECT_EQ(s->name(), "evolutionary");
  auto batch = s->next_batch(4);
  ASSERT_EQ(batch.size(), 4u);
  std::vector<uint64_t> batch_hashes = hashes(batch);
  std::set<uint64_t> distinct(batch_hashes.begin(), batch_hashes.end());
  EXPECT_EQ(distinct.size(), 4u);
  // 3 of 4 picked by score: their innermost j extent is the widest available (32).
  int wide = 0;
  for (const auto& c : batch) {
    expect_equivalent_to_gmm(c);
    sched::Schedule copy = c.sch;
    auto loops = copy.get_loops(copy.get_block("C"));
    if (copy.get(loops.back())->extent.as<ir::IntImmNode>()->value == 32) ++wide;
  }
  EXPECT_GE(wide, 3);
  EXPECT_GT(s->stats().mutated, 0);
  EXPECT_GT(s->stats().scored, 0);
}

TEST(Search, UnknownStrategyIsAnError) {
  try {
    make_search_strategy(strategy("annealing"), context());
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("unknown search strategy 'annealing'"));
  }
}

}  // namespace
}  // namespace loom::tune
