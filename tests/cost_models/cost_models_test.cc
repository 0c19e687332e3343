// Tests of plugin loom.cost_models (loom.xgboost, loom.random) through the plugin host:
// update / predict / save / load round trips, the warm-up and error behaviour, config keys,
// learning a known order of real feature rows, the tuner adapter, and the ranking quality
// on candidates of the default CPU design space measured by the CPU runner, against the
// random baseline.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../common/random_schedule.h"
#include "../common/tuning_context.h"
#include "loom/config/component.h"
#include "loom/host/plugin_host.h"
#include "loom/host/tuning.h"
#include "ranking_eval.h"

namespace loom::cost_models {
namespace {

using config::ConfigEntry;
using config::ConfigValue;
using host::ComponentError;
using host::ComponentInstance;
using Features = ComponentInstance::CandidateFeatures;

ConfigEntry key(const std::string& name, int64_t v) { return ConfigEntry{name, {}, ConfigValue::integer(v)}; }
ConfigEntry key(const std::string& name, double v) { return ConfigEntry{name, {}, ConfigValue::floating(v)}; }
ConfigEntry key(const std::string& name, const char* v) { return ConfigEntry{name, {}, ConfigValue::string(v)}; }

host::PluginHost& plugins() {
  static host::PluginHost* h = [] {
    auto* p = new host::PluginHost;
    for (const char* lib : {"loom_cost_models", "loom_cpu", "loom_rules", "loom_postprocs"})
      p->load(std::string(LOOM_BINARY_DIR) + "/plugins/lib/" + lib + ".so");
    return p;
  }();
  return *h;
}

std::shared_ptr<ComponentInstance> model(const char* name, std::vector<ConfigEntry> keys = {}) {
  config::ComponentConfig cfg("[cost_model]", name, {}, std::move(keys));
  return plugins().instantiate(LOOM_COMPONENT_COST_MODEL, cfg);
}

std::shared_ptr<ComponentInstance> xgboost(std::vector<ConfigEntry> keys = {}) {
  keys.push_back(key("num_warmup_samples", int64_t{0}));
  keys.push_back(key("num_boost_round", int64_t{30}));
  return model("loom.xgboost", std::move(keys));
}

/// Real feature rows: random schedules (a few primitive calls) of small gmm and c2d.
struct Batch {
  Features features;
  std::vector<double> throughputs;
};

/// A stand-in throughput that is a known function of the features (not a measurement): used
/// only to check that the model learns and round-trips; the ranking test measures.
double known_throughput(const std::vector<std::vector<float>>& rows) {
  double s = 0;
  for (const auto& row : rows) s += row[21] + 0.5 * row[22] + 0.25 * row[20];  // trip count, innermost extent, loops
  return 1.0 + s;
}

Batch random_batch(const char* workload, int count, uint64_t seed) {
  Batch b;
  sched::RandomEngine rng(seed);
  sched::testing::Stats stats;
  ir::PrimFunc f = workloads::make_workload(workload, sched::testing::small_shapes().at(workload));
  for (int i = 0; i < count; ++i) {
    sched::Schedule sch(f, rng.fork_seed());
    for (int s = 0; s < 6; ++s) sched::testing::random_step(sch, rng, stats);
    b.features.push_back(tune::extract_features(lower::lower(sch.mod().at(sch.default_func()))));
    b.throughputs.push_back(known_throughput(b.features.back()));
  }
  return b;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("loom_cost_models_test_" + name)).string();
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(XGBoostModel, PredictionsAreEqualAfterSaveAndLoadAndTheRecordsTravelWithTheModel) {
  auto a = xgboost();
  Batch gmm = random_batch("gmm", 40, 1), c2d = random_batch("c2d", 40, 2), more = random_batch("gmm", 20, 3);
  a->update(gmm.features, gmm.throughputs);
  a->update(c2d.features, c2d.throughputs);
  std::vector<double> before = a->predict(more.features);
  std::string path = temp_path("roundtrip.model");
  a->save(path);

  auto b = xgboost();
  b->load(path);
  EXPECT_EQ(b->predict(more.features), before);
  EXPECT_EQ(b->predict(gmm.features), a->predict(gmm.features));

  // The next update retrains on the loaded records too: both models stay equal.
  a->update(more.features, more.throughputs);
  b->update(more.features, more.throughputs);
  EXPECT_EQ(b->predict(c2d.features), a->predict(c2d.features));
  std::remove(path.c_str());
}

TEST(XGBoostModel, ScoresSumTheRowsOfACandidate) {
  auto m = xgboost();
  Batch gmm = random_batch("gmm", 40, 4);
  m->update(gmm.features, gmm.throughputs);
  // A candidate made of two candidates' rows scores their sum; one without rows scores 0.
  Features one = {gmm.features[0]}, two = {gmm.features[1]}, both = {gmm.features[0]};
  both[0].insert(both[0].end(), gmm.features[1].begin(), gmm.features[1].end());
  double s0 = m->predict(one)[0], s1 = m->predict(two)[0];
  EXPECT_NEAR(m->predict(both)[0], s0 + s1, 1e-5 * (1 + std::abs(s0) + std::abs(s1)));
  EXPECT_EQ(m->predict(Features{{}})[0], 0.0);
}

TEST(XGBoostModel, LearnsAKnownOrderOfRealFeatureRows) {
  for (const char* objective : {"reg", "rank"}) {
    auto m = xgboost({key("objective", objective)});
    Batch train = random_batch("c2d", 120, 5), test = random_batch("c2d", 60, 6);
    m->update(train.features, train.throughputs);
    double tau = testing::kendall_tau(m->predict(test.features), test.throughputs);
    EXPECT_GT(tau, 0.7) << objective;
  }
}

TEST(XGBoostModel, PredictsRandomScoresUntilWarmedUp) {
  auto m = model("loom.xgboost", {key("num_warmup_samples", int64_t{50}), key("num_boost_round", int64_t{10})});
  Batch gmm = random_batch("gmm", 30, 7);
  // Before any update: uniform scores in [0, 1), a new draw each call.
  std::vector<double> first = m->predict(gmm.features), second = m->predict(gmm.features);
  EXPECT_NE(first, second);
  for (double s : first) EXPECT_TRUE(s >= 0 && s < 1) << s;
  m->update(gmm.features, gmm.throughputs);  // 30 < 50: still random
  EXPECT_NE(m->predict(gmm.features), m->predict(gmm.features));
  m->update(gmm.features, gmm.throughputs);  // 60 >= 50: the trees decide
  EXPECT_EQ(m->predict(gmm.features), m->predict(gmm.features));
}

TEST(XGBoostModel, FailedCandidatesAndEmptyBatchesAreAccepted) {
  auto m = xgboost();
  Batch gmm = random_batch("gmm", 30, 8);
  for (size_t i = 0; i < gmm.throughputs.size(); i += 3) gmm.throughputs[i] = 0;
  m->update(gmm.features, gmm.throughputs);
  m->update({}, {});
  EXPECT_TRUE(m->predict({}).empty());
  EXPECT_EQ(m->predict(gmm.features).size(), gmm.features.size());
}

TEST(XGBoostModel, ConfigKeysAreCheckedAndUnknownKeysRejected) {
  EXPECT_NO_THROW(model(
      "loom.xgboost", {key("num_boost_round", int64_t{5}), key("max_depth", int64_t{3}), key("eta", 0.3),
                       key("gamma", 0.0), key("min_child_weight", 1.0), key("subsample", 0.8), key("objective", "rank"),
                       key("num_warmup_samples", int64_t{0}), key("seed", int64_t{3}), key("nthread", int64_t{2})}));
  EXPECT_NE(error_of([] {
              model("loom.xgboost", {key("objective", "lambdarank")});
            }).find("objective must be \"reg\" or \"rank\", got \"lambdarank\""),
            std::string::npos);
  EXPECT_NE(error_of([] { model("loom.xgboost", {key("eta", 0.0)}); }).find("eta must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              model("loom.xgboost", {key("num_boost_round", int64_t{0})});
            }).find("num_boost_round must be >= 1, got 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { model("loom.xgboost", {key("nthread", int64_t{-1})}); }).find("nthread must be >= 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { model("loom.xgboost", {key("max_dept", int64_t{4})}); }).find("max_dept"), std::string::npos);
  EXPECT_NE(error_of([] { model("loom.xgboost", {key("eta", "fast")}); }).find("eta"), std::string::npos);
}

TEST(XGBoostModel, BadInputsAndFilesAreErrorsThatSayWhat) {
  auto m = xgboost();
  Batch gmm = random_batch("gmm", 10, 9);
  EXPECT_NE(error_of([&] { m->update(gmm.features, {1.0}); }).find("update with 10 candidates' features but 1"),
            std::string::npos);
  Features ragged = {gmm.features[0]};
  ragged[0].back().pop_back();
  EXPECT_NE(error_of([&] { m->update(ragged, {1.0}); }).find("candidate 0 has a feature row of"), std::string::npos);
  std::vector<double> negative(gmm.features.size(), 1.0);
  negative[4] = -2;
  EXPECT_NE(error_of([&] { m->update(gmm.features, negative); }).find("candidate 4 has throughput -2"),
            std::string::npos);

  EXPECT_NE(error_of([&] { m->load("/nonexistent/loom.model"); }).find("cannot open /nonexistent/loom.model"),
            std::string::npos);
  std::string foreign = temp_path("foreign.model");
  std::ofstream(foreign) << "not a model";
  EXPECT_NE(error_of([&] { m->load(foreign); }).find("is not a loom.xgboost model file"), std::string::npos);
  EXPECT_NE(error_of([&] { model("loom.random")->load(foreign); }).find("is not a loom.random model file"),
            std::string::npos);

  // A truncated file is refused and leaves the model as it was.
  m->update(gmm.features, gmm.throughputs);
  std::vector<double> before = m->predict(gmm.features);
  std::string path = temp_path("truncated.model");
  m->save(path);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 7);
  EXPECT_NE(error_of([&] { m->load(path); }).find("is truncated"), std::string::npos);
  EXPECT_EQ(m->predict(gmm.features), before);
  EXPECT_NE(error_of([&] { m->save("/nonexistent/dir/x.model"); }).find("cannot create /nonexistent/dir/x.model"),
            std::string::npos);
  std::remove(foreign.c_str());
  std::remove(path.c_str());
}

TEST(RandomModel, SeededUniformScoresThatContinueAfterLoad) {
  Batch gmm = random_batch("gmm", 20, 10);
  auto a = model("loom.random", {key("seed", int64_t{42})}), b = model("loom.random", {key("seed", int64_t{42})});
  auto c = model("loom.random", {key("seed", int64_t{43})});
  std::vector<double> sa = a->predict(gmm.features);
  EXPECT_EQ(b->predict(gmm.features), sa);
  EXPECT_NE(c->predict(gmm.features), sa);
  for (double s : sa) EXPECT_TRUE(s >= 0 && s < 1) << s;
  a->update(gmm.features, gmm.throughputs);  // learns nothing
  std::string path = temp_path("random.model");
  a->save(path);
  std::vector<double> next = a->predict(gmm.features);
  c->load(path);
  EXPECT_EQ(c->predict(gmm.features), next);
  std::remove(path.c_str());
}

TEST(CostModelAdapter, ForwardsUpdateAndPredictToTheComponent) {
  auto instance = xgboost();
  std::shared_ptr<tune::CostModel> adapted = host::as_cost_model(instance);
  Batch gmm = random_batch("gmm", 30, 11);
  adapted->update(gmm.features, gmm.throughputs);
  std::vector<double> scores = adapted->predict(gmm.features);
  EXPECT_EQ(scores, instance->predict(gmm.features));
  EXPECT_GT(testing::kendall_tau(scores, gmm.throughputs), 0.5);
}

TEST(RankingMetrics, KendallTauAndTopKRecall) {
  EXPECT_DOUBLE_EQ(testing::kendall_tau({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(testing::kendall_tau({4, 3, 2, 1}, {10, 20, 30, 40}), -1.0);
  EXPECT_DOUBLE_EQ(testing::kendall_tau({1, 3, 2, 4}, {10, 20, 30, 40}), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(testing::kendall_tau({1, 1, 1}, {1, 2, 3}), 0.0);
  EXPECT_DOUBLE_EQ(testing::top_k_recall({5, 1, 4, 2}, {9, 0, 1, 8}, 2), 0.5);
  EXPECT_DOUBLE_EQ(testing::top_k_recall({5, 1, 4, 2}, {9, 0, 8, 1}, 2), 1.0);
}

/// The default CPU rules and postprocessors (configs/example.toml), as the tuner calls them.
std::vector<tune::Rule> default_rules() {
  std::vector<tune::Rule> rules;
  for (const char* name :
       {"loom.inline_constant_scalars", "loom.auto_inline", "loom.add_rfactor", "loom.multi_level_tiling",
        "loom.parallelize_vectorize_unroll", "loom.random_compute_location"}) {
    auto rule = plugins().instantiate(LOOM_COMPONENT_SCHEDULE_RULE, config::ComponentConfig("[[rule]]", name, {}, {}));
    rule->initialize(loom::testing::test_context());
    rules.push_back(host::as_rule(rule));
  }
  return rules;
}

std::vector<tune::Postproc> default_postprocs() {
  std::vector<tune::Postproc> postprocs;
  for (const char* name :
       {"loom.disallow_dynamic_loop", "loom.rewrite_parallel_vectorize_unroll", "loom.rewrite_reduction_block"})
    postprocs.push_back(host::as_postproc(
        plugins().instantiate(LOOM_COMPONENT_POSTPROC, config::ComponentConfig("[[postproc]]", name, {}, {}))));
  return postprocs;
}

// Ranking quality on measured candidates: points of the default CPU design space of gmm and
// c2d (what the tuner ranks), timed by the CPU runner; each of four random splits trains a
// fresh model on 70% of each workload's candidates and scores the held-out 30%. XGBoost with
// the plugin's defaults must rank them clearly better than the random baseline, averaged over
// the splits (one split, 36 held-out candidates per workload, is too noisy to judge by).
TEST(Ranking, XGBoostRanksMeasuredDesignSpaceCandidatesBetterThanRandom) {
  config::ComponentConfig runner_cfg(
      "[runner]", "loom.cpu", {},
      {key("repeat", int64_t{3}), key("min_repeat_ms", 1.0), key("warmup", int64_t{1}), key("check", "none")});
  auto runner = plugins().instantiate(LOOM_COMPONENT_RUNNER, runner_cfg);
  const int count = 120;
  std::vector<testing::WorkloadSpec> specs = {
      {"gmm", {{"M", 128}, {"N", 128}, {"K", 128}}, count},
      {"c2d",
       {{"N", 1}, {"H", 14}, {"W", 14}, {"CI", 32}, {"CO", 32}, {"K", 3}, {"stride", 1}, {"padding", 1}},
       count}};
  auto start = std::chrono::steady_clock::now();
  std::vector<testing::DatasetStats> stats;
  std::vector<testing::Sample> data =
      testing::make_dataset(*runner, default_rules(), default_postprocs(), specs, 20261124, 64, &stats);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t ok = 0;
  for (const testing::Sample& s : data) ok += s.throughput > 0 ? 1 : 0;
  std::printf("%zu candidates, %zu ran, made and measured in %.1f s\n", data.size(), ok, seconds);
  for (size_t i = 0; i < specs.size(); ++i)
    EXPECT_EQ(stats[i].drawn - stats[i].replay_failed - stats[i].postproc_failed - stats[i].duplicates, count)
        << specs[i].name << ": " << stats[i].drawn << " drawn, " << stats[i].replay_failed << " replays failed, "
        << stats[i].postproc_failed << " refused by a postprocessor, " << stats[i].duplicates << " duplicates";
  ASSERT_GE(ok, data.size() * 9 / 10) << "the design space's candidates should build and run";

  testing::Quality xgb, rnd;
  const int splits = 4;
  for (int seed = 1; seed <= splits; ++seed) {
    testing::Quality x =
        testing::evaluate(*model("loom.xgboost", {key("num_warmup_samples", int64_t{0})}), data, seed).all;
    testing::Quality r = testing::evaluate(*model("loom.random", {key("seed", int64_t{seed})}), data, seed).all;
    std::printf("split %d, held-out %zu: xgboost tau %.3f top-10%% recall %.3f; random tau %.3f recall %.3f\n", seed,
                x.test, x.kendall_tau, x.top_k_recall, r.kendall_tau, r.top_k_recall);
    xgb.kendall_tau += x.kendall_tau / splits;
    xgb.top_k_recall += x.top_k_recall / splits;
    rnd.kendall_tau += r.kendall_tau / splits;
    rnd.top_k_recall += r.top_k_recall / splits;
  }
  std::printf("mean: xgboost tau %.3f recall %.3f; random tau %.3f recall %.3f\n", xgb.kendall_tau, xgb.top_k_recall,
              rnd.kendall_tau, rnd.top_k_recall);
  // Observed on a 2-core machine (8 runs of this dataset at 120-130 candidates per workload):
  // xgboost mean tau 0.26..0.41, recall 0.21..0.42; random tau -0.05..0.07, recall 0.08..0.13.
  // The model is data-limited: with 80 candidates per workload its tau was 0.13..0.45 a split.
  EXPECT_GT(xgb.kendall_tau, 0.2);
  EXPECT_GT(xgb.kendall_tau, rnd.kendall_tau + 0.15);
  EXPECT_GE(xgb.top_k_recall, rnd.top_k_recall);
}

}  // namespace
}  // namespace loom::cost_models
