// End-to-end tests of the tuning loop (loom/tune/tuner.h) with the real CPU runner plugin:
// small workloads tuned for a few rounds with each strategy, the trial budget and task
// allotment, records in the database, resuming (the budget is the run's total), the curves,
// the same candidates on any thread count. Where a test needs measured times it controls
// (the task scheduler, the best across a resume), a scripted runner stands in for the CPU.
#include "loom/tune/tuner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>
#include <string>

#include "loom/config/component.h"
#include "loom/db/memory_database.h"
#include "loom/host/plugin_host.h"
#include "loom/host/tuning.h"
#include "loom/ir/flops.h"
#include "loom/ir/structural_equal.h"
#include "loom/workloads/zoo.h"

namespace loom::tune {
namespace {

using config::ConfigEntry;
using config::ConfigValue;
using ::testing::HasSubstr;

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

// 7 x 7 = 49 points on wide_gmm() (64 x 64: factors 1, 2, ..., 64).
const char* kWideTemplate = R"(
b = sch.get_block("C")
i, j, k = sch.get_loops(b)
ti = sch.sample_perfect_tile(i, n=2, max_innermost_factor=64)
i0, i1 = sch.split(i, factors=ti)
tj = sch.sample_perfect_tile(j, n=2, max_innermost_factor=64)
j0, j1 = sch.split(j, factors=tj)
sch.reorder(i0, j0, k, i1, j1)
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

TunerOptions options(const std::string& strategy, int64_t trials, int64_t per_round, int threads = 0,
                     TaskScheduler scheduler = TaskScheduler::RoundRobin) {
  TunerOptions o;
  o.search.strategy = strategy;
  o.search.evolutionary.population_size = 16;
  o.search.evolutionary.init_min_unmeasured = 8;
  o.trials = trials;
  o.trials_per_round = per_round;
  o.threads = threads;
  o.task_scheduler = scheduler;
  o.seed = 3;
  return o;
}

/// A runner whose every candidate of the task `func` takes `secs(call)` seconds, `call`
/// counting this runner's calls from 0: measured times the test chooses.
MeasureFn scripted_runner(std::function<double(const ir::PrimFunc& task, int64_t call)> secs) {
  auto calls = std::make_shared<int64_t>(0);
  return [secs, calls](const std::vector<ir::PrimFunc>& candidates, const ir::PrimFunc& reference) {
    std::vector<db::MeasureResult> out(candidates.size());
    for (db::MeasureResult& r : out) {
      r.run_secs = {secs(reference, *calls)};
      r.number = 1;
    }
    ++*calls;
    return out;
  };
}

/// The best median among `records` (infinity when none succeeded).
double best_of(const std::vector<db::TuningRecord>& records) {
  double best = std::numeric_limits<double>::infinity();
  for (const db::TuningRecord& r : records) {
    if (r.ok()) best = std::min(best, r.median_secs());
  }
  return best;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no UserError)";
}

ir::PrimFunc gmm() { return workloads::make_workload("gmm", {{"M", 32}, {"N", 32}, {"K", 16}}); }
ir::PrimFunc wide_gmm() { return workloads::make_workload("gmm", {{"M", 64}, {"N", 64}, {"K", 8}}); }
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
  EXPECT_EQ(report.previous_trials, 0);
  EXPECT_EQ(report.rounds, 4);
  ASSERT_EQ(report.tasks.size(), 2u);
  ASSERT_EQ(database.workloads().size(), 2u);
  // Round robin: gmm measures rounds 1 and 3 (the run at 4 and 12 trials), bmm rounds 2 and 4.
  const std::vector<std::vector<int64_t>> curve_trials = {{4, 12}, {8, 16}};
  std::vector<double> bests;
  for (size_t t = 0; t < 2; ++t) {
    const TaskReport& r = report.tasks[t];
    SCOPED_TRACE(r.name);
    EXPECT_EQ(r.trials, 8);
    EXPECT_EQ(r.failures, 0);
    std::vector<db::TuningRecord> records = database.get_all(database.workloads()[t]);
    ASSERT_EQ(records.size(), 8u);
    bests.push_back(best_of(records));
    ASSERT_TRUE(r.best_s.has_value());
    EXPECT_EQ(*r.best_s, bests.back());
    ASSERT_TRUE(r.best_trace.has_value());
    // The task's curve after each of its rounds: its best over the records measured so far.
    ASSERT_EQ(r.curve.size(), 2u);
    for (size_t i = 0; i < r.curve.size(); ++i) {
      EXPECT_EQ(r.curve[i].trials, curve_trials[t][i]);
      std::vector<db::TuningRecord> so_far(records.begin(), records.begin() + static_cast<ptrdiff_t>(4 * (i + 1)));
      EXPECT_DOUBLE_EQ(r.curve[i].best_gflops, r.flops / best_of(so_far) * 1e-9) << "after round " << i;
    }
  }
  // The run's curve: 0 until every task has a best, then total FLOPs over total best time.
  ASSERT_EQ(report.curve.size(), 4u);
  EXPECT_EQ(report.curve[0].best_gflops, 0);
  EXPECT_EQ(report.curve[3].trials, 16);
  EXPECT_DOUBLE_EQ(report.curve[3].best_gflops,
                   (report.tasks[0].flops + report.tasks[1].flops) / (bests[0] + bests[1]) * 1e-9);
  EXPECT_EQ(database.size(), 16);
  ASSERT_EQ(progress.size(), 4u);
  EXPECT_EQ(progress.back().trials, 16);
  EXPECT_EQ(progress.back().total_trials, 16);
  EXPECT_EQ(progress[0].task, "gmm");
  EXPECT_EQ(progress[1].task, "bmm");
  // No candidate measured twice; every record has the runner's measurement.
  for (const db::Workload& w : database.workloads()) {
    std::set<uint64_t> hashes;
    for (const db::TuningRecord& r : database.get_all(w)) {
      EXPECT_TRUE(hashes.insert(r.candidate_hash).second);
      EXPECT_TRUE(r.ok()) << r.result.error;
      EXPECT_EQ(r.target, "llvm");
      EXPECT_GT(r.result.build_secs, 0);
      EXPECT_GE(r.result.number, 1);
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
    // Resume on the same database with a total of 16: the 8 left, none a repeat.
    TuneReport second = Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options(strategy, 16, 4)).run();
    EXPECT_EQ(second.previous_trials, 8);
    EXPECT_EQ(second.trials, 8);
    EXPECT_EQ(database.size(), 16);
    std::vector<db::TuningRecord> all = database.get_all(database.workloads().at(0));
    std::set<uint64_t> hashes;
    for (const db::TuningRecord& r : all) EXPECT_TRUE(hashes.insert(r.candidate_hash).second);
    // The best is the best of both runs' records.
    ASSERT_TRUE(second.tasks[0].best_s.has_value());
    EXPECT_EQ(*second.tasks[0].best_s, best_of(all));
  }
}

// The best of a resumed run comes from the database when the new candidates are slower: a
// run that forgot the records it resumed from would report 5 ms.
TEST(Tuner, TheBestOfAResumedRunIsTheDatabasesBest) {
  db::MemoryDatabase database;
  TunerComponents c;
  c.database = &database;
  c.measure = scripted_runner([](const ir::PrimFunc&, int64_t call) { return 1e-3 * static_cast<double>(2 - call); });
  TuneReport first = Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options("replay-trace", 8, 4)).run();
  ASSERT_TRUE(first.tasks[0].best_s.has_value());
  EXPECT_DOUBLE_EQ(*first.tasks[0].best_s, 1e-3);  // the second round's
  c.measure = scripted_runner([](const ir::PrimFunc&, int64_t) { return 5e-3; });
  TuneReport second = Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options("replay-trace", 16, 4)).run();
  EXPECT_EQ(second.trials, 8);
  ASSERT_TRUE(second.tasks[0].best_s.has_value());
  EXPECT_DOUBLE_EQ(*second.tasks[0].best_s, 1e-3);
  ASSERT_TRUE(second.tasks[0].best_trace.has_value());
  EXPECT_EQ(second.tasks[0].best_trace->to_json(), first.tasks[0].best_trace->to_json());
}

// The budget is the run's total: a run stopped after 8 of 20 trials and started again measures
// the 12 left; Budget::More measures that many beyond the records; records of another target
// count for nothing.
TEST(Tuner, ResumingMeasuresOnlyWhatIsLeft) {
  db::MemoryDatabase database;
  TunerComponents c;
  c.database = &database;
  c.measure =
      scripted_runner([](const ir::PrimFunc&, int64_t call) { return 1e-3 + 1e-5 * static_cast<double>(call); });
  auto run = [&](int64_t trials, Budget budget, const std::string& target = "llvm") {
    TunerOptions o = options("replay-trace", trials, 4);
    o.budget = budget;
    o.target = target;
    return Tuner({task("gmm", wide_gmm(), kWideTemplate)}, c, o).run();
  };
  auto count = [&](const std::string& target) {
    int64_t n = 0;
    for (const db::TuningRecord& r : database.get_all(database.workloads().at(0))) n += r.target == target;
    return n;
  };
  EXPECT_EQ(run(8, Budget::Total).trials, 8);  // the run that was stopped at 8 of 20
  TuneReport resumed = run(20, Budget::Total);
  EXPECT_EQ(resumed.previous_trials, 8);
  EXPECT_EQ(resumed.trials, 12);
  EXPECT_EQ(resumed.goal_trials, 20);
  EXPECT_EQ(resumed.tasks[0].previous_trials, 8);
  EXPECT_EQ(resumed.tasks[0].trials, 12);
  EXPECT_EQ(count("llvm"), 20);
  ASSERT_FALSE(resumed.curve.empty());
  EXPECT_EQ(resumed.curve.front().trials, 12);  // the curve goes on from the records found
  EXPECT_EQ(run(20, Budget::Total).trials, 0);  // nothing left
  EXPECT_EQ(count("llvm"), 20);
  TuneReport more = run(3, Budget::More);
  EXPECT_EQ(more.trials, 3);
  EXPECT_EQ(more.goal_trials, 23);
  EXPECT_EQ(count("llvm"), 23);
  // Another target starts from zero.
  EXPECT_EQ(run(4, Budget::Total, "llvm -mcpu=other").trials, 4);
  EXPECT_EQ(count("llvm -mcpu=other"), 4);
  EXPECT_EQ(database.size(), 27);
  std::set<uint64_t> hashes;
  for (const db::TuningRecord& r : database.get_all(database.workloads().at(0)))
    EXPECT_TRUE(hashes.insert(r.candidate_hash).second);
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

// gmm's candidates take 1 s and bmm's 1 ms, so gmm has far more latency to gain: after each
// task's first round (the next round's task is picked before this one's results, so each
// gets two rounds while the other is unknown), the gradient scheduler gives it the rest,
// where round robin splits the trials evenly.
TEST(Tuner, GradientSchedulerGivesTheTaskWithMoreToGainMoreTrials) {
  const uint64_t gmm_hash = ir::structural_hash(wide_gmm());
  auto allot = [&](TaskScheduler scheduler) {
    db::MemoryDatabase database;
    TunerComponents c;
    c.database = &database;
    c.measure = scripted_runner(
        [&](const ir::PrimFunc& f, int64_t) { return ir::structural_hash(f) == gmm_hash ? 1.0 : 1e-3; });
    TuneReport report = Tuner({task("gmm", wide_gmm(), kWideTemplate), task("bmm", bmm(), kBmmTemplate)}, c,
                              options("replay-trace", 24, 4, 0, scheduler))
                            .run();
    EXPECT_EQ(report.trials, 24);
    return std::make_pair(report.tasks[0].trials, report.tasks[1].trials);
  };
  EXPECT_EQ(allot(TaskScheduler::RoundRobin), std::make_pair(int64_t{12}, int64_t{12}));
  EXPECT_EQ(allot(TaskScheduler::Gradient), std::make_pair(int64_t{16}, int64_t{8}));
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

TEST(Tuner, TheReportCountsWhyCandidatesFailed) {
  db::MemoryDatabase database;
  TunerComponents c;
  // Every third candidate runs; the others fail, most of them for one reason.
  auto calls = std::make_shared<int64_t>(0);
  c.measure = [calls](const std::vector<ir::PrimFunc>& candidates, const ir::PrimFunc&) {
    std::vector<db::MeasureResult> out(candidates.size());
    for (db::MeasureResult& r : out) {
      int64_t n = (*calls)++;
      if (n % 3 == 0) {
        r.run_secs = {1e-3};
        r.number = 1;
      } else {
        r.error =
            n % 3 == 1 ? "no CUDA device: libcuda.so.1 not found\nmore detail" : "build failed: too many registers";
        r.error_kind = n % 3 == 1 ? "run" : "build";
      }
    }
    return out;
  };
  c.database = &database;
  TuneReport report = Tuner({task("bmm", bmm(), kSmallTemplate)}, c, options("replay-trace", 5, 5)).run();
  ASSERT_EQ(report.tasks.size(), 1u);
  const TaskReport& t = report.tasks[0];
  // The template space has 5 candidates: calls 1, 2 and 4 fail, two of them for lack of a device.
  ASSERT_EQ(t.failures, 3);
  ASSERT_EQ(t.top_failures.size(), 2u);
  EXPECT_EQ(t.top_failures[0], (std::pair<std::string, int64_t>{"no CUDA device: libcuda.so.1 not found", 2}));
  EXPECT_EQ(t.top_failures[1], (std::pair<std::string, int64_t>{"build failed: too many registers", 1}));
}

TEST(Tuner, MissingPiecesAreErrors) {
  db::MemoryDatabase database;
  TunerComponents c;
  c.database = &database;
  EXPECT_THAT(error_of([&] { Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options("replay-trace", 4, 4)); }),
              HasSubstr("tune: no runner"));
  c.measure = runner();
  EXPECT_THAT(error_of([&] { Tuner({}, c, options("replay-trace", 4, 4)); }), HasSubstr("tune: no tasks"));
  EXPECT_THAT(error_of([&] { Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options("annealing", 4, 4)).run(); }),
              HasSubstr("unknown search strategy 'annealing'"));
  c.database = nullptr;
  EXPECT_THAT(error_of([&] { Tuner({task("gmm", gmm(), kGmmTemplate)}, c, options("replay-trace", 4, 4)); }),
              HasSubstr("tune: no database"));
}

}  // namespace
}  // namespace loom::tune
