// End-to-end tests of the tuning loop (loom/tune/tuner.h) with the real CPU runner plugin:
// small workloads tuned for a few rounds with each strategy, the trial budget and task
// allotment, records in the database, resuming, the same candidates on any thread count.
#include "loom/tune/tuner.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "loom/config/component.h"
#include "loom/db/memory_database.h"
#include "loom/host/plugin_host.h"
#include "loom/host/tuning.h"
#include "loom/workloads/zoo.h"

namespace loom::tune {
namespace {

using config::ConfigEntry;
using config::ConfigValue;

host::PluginHost& plugins() {
  static host::PluginHost* h = [] {
    auto* p = new host::PluginHost;
    p->load(std::string(LOOM_BINARY_DIR) + "/plugins/lib/loom_cpu.so");
    return p;
  }();
  return *h;
}

MeasureFn runner(const char* check = "none") {
  std::vector<ConfigEntry> keys = {{"repeat", {}, ConfigValue::integer(1)},
                                   {"min_repeat_ms", {}, ConfigValue::floating(0.0)},
                                   {"warmup", {}, ConfigValue::integer(0)},
                                   {"check", {}, ConfigValue::string(check)}};
  config::ComponentConfig cfg("[runner]", "loom.cpu", {}, keys);
  return host::as_measure(plugins().instantiate(LOOM_COMPONENT_RUNNER, cfg), "llvm");
}

const char* kGmmTemplate = R"(
b = sch.get_block("C")
i, j, k = sch.get_loops(b)
ti = sch.sample_perfect_tile(i, n=2, max_innermost_factor=16)
i0, i1 = sch.split(i, factors=ti)
tj = sch.sample_perfect_tile(j, n=2, max_innermost_factor=16)
j0, j1 = sch.split(j, factors=tj)
sch.reorder(i0, j0, k, i1, j1)
sch.parallel(i0)
)";

// 4 x 5 = 20 points.
const char* kBmmTemplate = R"(
b = sch.get_block("C")
n, i, j, k = sch.get_loops(b)
ti = sch.sample_perfect_tile(i, n=2, max_innermost_factor=8)
i0, i1 = sch.split(i, factors=ti)
tj = sch.sample_perfect_tile(j, n=2, max_innermost_factor=16)
j0, j1 = sch.split(j, factors=tj)
sch.reorder(n, i0, j0, k, i1, j1)
)";

// 5 points: j = 32 split with an inner factor <= 16 (1, 2, 4, 8, 16).
const char* kSmallTemplate = R"(
b = sch.get_block("C")
n, i, j, k = sch.get_loops(b)
tj = sch.sample_perfect_tile(j, n=2, max_innermost_factor=16)
j0, j1 = sch.split(j, factors=tj)
sch.reorder(n, i, j0, k, j1)
)";

TuneTask task(const std::string& name, const ir::PrimFunc& f, const char* tmpl) {
  return {name, f, std::make_shared<ScheduleFnSpace>(tmpl, name + ".py"), 1.0};
}

TunerOptions options(const std::string& strategy, int64_t trials, int64_t per_round, int64_t threads = 0,
                     const std::string& scheduler = "round-robin") {
  TunerOptions o;
  o.search.strategy = strategy;
  o.search.evolutionary.population_size = 16;
  o.search.evolutionary.init_min_unmeasured = 8;
  o.tune.trials = trials;
  o.tune.trials_per_round = per_round;
  o.tune.threads = threads;
  o.tune.task_scheduler = scheduler;
  o.tune.seed = 3;
  return o;
}

ir::PrimFunc gmm() { return workloads::make_workload("gmm", {{"M", 32}, {"N", 32}, {"K", 16}}); }
ir::PrimFunc bmm() { return workloads::make_workload("bmm", {{"B", 2}, {"M", 8}, {"N", 32}, {"K", 8}}); }

TEST(Tuner, TwoTasksRoundRobinSpendTheBudgetAndRecordEverything) {
  db::MemoryDatabase database;
  TunerComponents c;
  c.measure = runner("interpreter");
  c.database = &database;
  Tuner tuner({task("gmm", gmm(), kGmmTemplate), task("bmm", bmm(), kBmmTemplate)}, c, options("replay-trace", 16, 4));
  std::vector<Progress> progress;
  tuner.on_progress([&](const Progress& p) { progress.push_back(p); });
  TuneReport report = tuner.run();
  EXPECT_EQ(report.trials, 16);
  EXPECT_EQ(report.rounds, 4);
  ASSERT_EQ(report.tasks.size(), 2u);
  for (const TaskReport& t : report.tasks) {
    EXPECT_EQ(t.trials, 8) << t.name;
    EXPECT_EQ(t.failures, 0) << t.name;
    ASSERT_TRUE(t.best_s.has_value()) << t.name;
    EXPECT_GT(*t.best_s, 0);
    ASSERT_TRUE(t.best_trace.has_value());
    // The curve of the best never goes down.
    for (size_t i = 1; i < t.curve.size(); ++i) EXPECT_GE(t.curve[i].best_gflops, t.curve[i - 1].best_gflops);
  }
  EXPECT_EQ(database.size(), 16);
  ASSERT_EQ(progress.size(), 4u);
  EXPECT_EQ(progress.back().trials, 16);
  EXPECT_EQ(progress[0].task, "gmm");
  EXPECT_EQ(progress[1].task, "bmm");
  // No candidate measured twice; the best record is the report's best.
  for (const db::Workload& w : database.workloads()) {
    std::set<uint64_t> hashes;
    for (const db::TuningRecord& r : database.get_all(w)) {
      EXPECT_TRUE(hashes.insert(r.candidate_hash).second);
      EXPECT_TRUE(r.ok()) << r.error;
    }
  }
  EXPECT_GT(report.times.measure, 0);
  EXPECT_GT(report.times.build, 0);
  EXPECT_GE(report.times.total, report.times.measure);
}

TEST(Tuner, EachStrategyTunesAndResumingNeverRemeasures) {
  for (const char* strategy : {"replay-trace", "replay-func", "evolutionary"}) {
    SCOPED_TRACE(strategy);
    db::MemoryDatabase database;
    TunerComponents c;
    c.measure = runner();
    c.database = &database;
    TuneReport first = Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options(strategy, 8, 4)).run();
    EXPECT_EQ(first.trials, 8);
    ASSERT_TRUE(first.tasks[0].best_s.has_value());
    // Resume on the same database: 8 more, none a repeat, the best never worse.
    TuneReport second = Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options(strategy, 8, 4)).run();
    EXPECT_EQ(database.size(), 16);
    std::set<uint64_t> hashes;
    for (const db::TuningRecord& r : database.get_all(database.workloads().at(0))) {
      EXPECT_TRUE(hashes.insert(r.candidate_hash).second);
    }
    ASSERT_TRUE(second.tasks[0].best_s.has_value());
    EXPECT_LE(*second.tasks[0].best_s, *first.tasks[0].best_s);
  }
}

TEST(Tuner, SameSeedSameCandidatesOnAnyThreadCount) {
  auto candidates = [](int threads, const char* strategy) {
    db::MemoryDatabase database;
    TunerComponents c;
    c.measure = runner();
    c.database = &database;
    Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options(strategy, 12, 4, threads)).run();
    std::vector<uint64_t> out;
    for (const db::TuningRecord& r : database.get_all(database.workloads().at(0))) out.push_back(r.candidate_hash);
    return out;
  };
  // Without a cost model nothing depends on the measured times.
  EXPECT_EQ(candidates(1, "replay-trace"), candidates(2, "replay-trace"));
  EXPECT_EQ(candidates(1, "evolutionary"), candidates(2, "evolutionary"));
}

TEST(Tuner, GradientSchedulerGivesEveryTaskARoundThenFollowsTheGain) {
  db::MemoryDatabase database;
  TunerComponents c;
  c.measure = runner();
  c.database = &database;
  TuneReport report = Tuner({task("gmm", gmm(), kGmmTemplate), task("bmm", bmm(), kBmmTemplate)}, c,
                            options("replay-trace", 20, 4, 0, "gradient"))
                          .run();
  EXPECT_EQ(report.trials, 20);
  for (const TaskReport& t : report.tasks) EXPECT_GE(t.trials, 4) << t.name;
}

TEST(Tuner, StopsWhenTheSpaceIsExhausted) {
  db::MemoryDatabase database;
  TunerComponents c;
  c.measure = runner();
  c.database = &database;
  TuneReport report = Tuner({task("bmm", bmm(), kSmallTemplate)}, c, options("replay-trace", 50, 4)).run();
  EXPECT_EQ(report.trials, 5);
  EXPECT_EQ(database.size(), 5);
}

TEST(Tuner, MissingPiecesAreErrors) {
  db::MemoryDatabase database;
  TunerComponents c;
  c.database = &database;
  EXPECT_THROW(Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options("replay-trace", 4, 4)), UserError);
  c.measure = runner();
  EXPECT_THROW(Tuner({}, c, options("replay-trace", 4, 4)), UserError);
  EXPECT_THROW(Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options("annealing", 4, 4)).run(), UserError);
}

}  // namespace
}  // namespace loom::tune
