// Run configs: defaults, every section's keys, errors with positions, the TOML round trip,
// relative paths, mutator probabilities, several workloads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "loom/config/run_config.h"

namespace loom::config {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kData = LOOM_TEST_DATA_DIR "/configs";
const std::string kGmm = "[workload]\nzoo = \"gmm\"\n";

/// The error messages of reading `text` as "t.toml" (empty when it reads).
std::vector<std::string> errors(const std::string& text) {
  try {
    parse_config(text, "t.toml");
  } catch (const ConfigError& e) {
    return e.messages();
  }
  return {};
}

std::vector<std::string> names(const std::vector<ComponentConfig>& list) {
  std::vector<std::string> out;
  for (const ComponentConfig& c : list) out.push_back(c.name());
  return out;
}

TEST(RunConfig, DefaultsFillEverySection) {
  RunConfig c = parse_config(kGmm, "t.toml");
  ASSERT_EQ(c.workloads.size(), 1u);
  EXPECT_EQ(c.workloads[0].zoo, "gmm");
  EXPECT_EQ(c.workloads[0].params, (std::map<std::string, int64_t>{{"M", 1024}, {"N", 1024}, {"K", 1024}}));
  EXPECT_EQ(c.workloads[0].weight, 1.0);
  EXPECT_EQ(c.target.kind, "llvm");
  EXPECT_EQ(c.target.cpu, "host");
  EXPECT_EQ(c.target.features, "");
  EXPECT_EQ(c.target.num_cores, 0);
  EXPECT_EQ(c.search.strategy, "evolutionary");
  EXPECT_EQ(c.search.space, "post-order-apply");
  EXPECT_EQ(c.search.schedule, "");
  const EvolutionaryConfig& e = c.search.evolutionary;
  EXPECT_EQ(e.population_size, 512);
  EXPECT_EQ(e.init_measured_ratio, 0.2);
  EXPECT_EQ(e.init_min_unmeasured, 50);
  EXPECT_EQ(e.max_fail_count, 5);
  EXPECT_EQ(e.genetic_num_iters, 4);
  EXPECT_EQ(e.genetic_mutate_prob, 0.85);
  EXPECT_EQ(e.genetic_max_fail_count, 10);
  EXPECT_EQ(e.eps_greedy, 0.05);
  EXPECT_TRUE(c.plugins.empty());
  EXPECT_THAT(names(c.rules), ElementsAre("loom.inline_constant_scalars", "loom.auto_inline", "loom.add_rfactor",
                                          "loom.multi_level_tiling", "loom.parallelize_vectorize_unroll",
                                          "loom.random_compute_location"));
  EXPECT_THAT(names(c.postprocs), ElementsAre("loom.disallow_dynamic_loop", "loom.rewrite_parallel_vectorize_unroll",
                                              "loom.rewrite_reduction_block"));
  ASSERT_EQ(c.mutators.size(), 4u);
  EXPECT_EQ(c.mutators[0].component.name(), "loom.mutate_tile_size");
  EXPECT_EQ(c.mutators[0].probability, 0.9);
  EXPECT_EQ(c.mutators[3].component.name(), "loom.mutate_parallel");
  EXPECT_EQ(c.mutators[3].probability, 0.02);
  EXPECT_EQ(c.cost_model.name(), "loom.xgboost");
  EXPECT_EQ(c.runner.name(), "loom.cpu");
  EXPECT_EQ(c.database.kind, "sqlite");
  EXPECT_EQ(c.database.path, (fs::current_path() / "loom.db").string());
  EXPECT_EQ(c.tune.trials, 1000);
  EXPECT_EQ(c.tune.trials_per_round, 64);
  EXPECT_EQ(c.tune.seed, 0);
  EXPECT_EQ(c.tune.threads, 0);
  EXPECT_EQ(c.tune.max_trials_per_task, 1000);
  EXPECT_EQ(c.tune.task_scheduler, "gradient");
  EXPECT_TRUE(c.notes.empty());
}

TEST(RunConfig, CudaTargetTakesCudaDefaults) {
  RunConfig c = parse_config(kGmm + "[target]\nkind = \"cuda\"\n", "t.toml");
  EXPECT_EQ(c.target.arch, "sm_90");
  EXPECT_EQ(c.target.device, 0);
  EXPECT_EQ(c.runner.name(), "loom.cuda");
  EXPECT_THAT(names(c.rules),
              ElementsAre("loom.multi_level_tiling", "loom.inline_constant_scalars", "loom.auto_inline",
                          "loom.cross_thread_reduction", "loom.parallelize_vectorize_unroll", "loom.auto_bind"));
  EXPECT_EQ(c.postprocs.size(), 6u);
  EXPECT_EQ(c.postprocs.back().name(), "loom.verify_gpu_code");
  ASSERT_EQ(c.mutators.size(), 3u);
  EXPECT_EQ(c.mutators[1].component.name(), "loom.mutate_unroll");
  EXPECT_EQ(c.mutators[1].probability, 0.08);
  c = parse_config(kGmm + "[target]\nkind = \"cuda\"\narch = \"sm_80\"\ndevice = 1\n", "t.toml");
  EXPECT_EQ(c.target.arch, "sm_80");
  EXPECT_EQ(c.target.device, 1);
}

TEST(RunConfig, EverySectionsKeysAreRead) {
  RunConfig c = load_config(kData + "/full.toml");
  ASSERT_EQ(c.workloads.size(), 2u);
  EXPECT_EQ(c.workloads[0].zoo, "gmm");  // zoo names are case-insensitive
  EXPECT_EQ(c.workloads[0].params, (std::map<std::string, int64_t>{{"M", 64}, {"N", 1024}, {"K", 32}}));
  EXPECT_EQ(c.workloads[0].weight, 2.5);
  EXPECT_EQ(c.workloads[1].file, fs::path(LOOM_TEST_DATA_DIR "/module_two_funcs.py").lexically_normal().string());
  EXPECT_EQ(c.workloads[1].func, "scale");
  EXPECT_EQ(c.target.cpu, "skylake-avx512");
  EXPECT_EQ(c.target.features, "+avx2,+fma");
  EXPECT_EQ(c.target.num_cores, 4);
  EXPECT_EQ(c.search.space, "union");
  EXPECT_EQ(c.search.schedule, fs::path(kData + "/template.py").lexically_normal().string());
  const EvolutionaryConfig& e = c.search.evolutionary;
  EXPECT_EQ(e.population_size, 256);
  EXPECT_EQ(e.init_measured_ratio, 0.5);
  EXPECT_EQ(e.init_min_unmeasured, 10);
  EXPECT_EQ(e.max_fail_count, 3);
  EXPECT_EQ(e.genetic_num_iters, 2);
  EXPECT_EQ(e.genetic_mutate_prob, 0.5);
  EXPECT_EQ(e.genetic_max_fail_count, 7);
  EXPECT_EQ(e.eps_greedy, 0.1);
  ASSERT_EQ(c.plugins.size(), 1u);
  EXPECT_EQ(c.plugins[0].path, fs::path(kData + "/plugins/libacme.so").lexically_normal().string());
  EXPECT_EQ(c.plugins[0].pos.line, 30);
  EXPECT_THAT(names(c.rules), ElementsAre("acme.tile"));
  EXPECT_THAT(c.rules[0].get_int_list("levels", {}), ElementsAre(2, 4));
  EXPECT_THAT(names(c.postprocs), ElementsAre("loom.rewrite_reduction_block"));
  ASSERT_EQ(c.mutators.size(), 2u);
  EXPECT_EQ(c.mutators[0].probability, 0.75);
  EXPECT_EQ(c.mutators[0].component.get_int("max_factor", 0), 64);
  EXPECT_FALSE(c.mutators[0].component.has("probability"));
  EXPECT_EQ(c.mutators[1].component.name(), "acme.mutate_swap");
  EXPECT_EQ(c.cost_model.name(), "loom.random");
  EXPECT_EQ(c.cost_model.get_int("seed", 0), 9);
  EXPECT_EQ(c.runner.name(), "acme.runner");
  EXPECT_EQ(c.runner.get_int("number", 0), 3);
  EXPECT_EQ(c.runner.get_float("timeout_s", 0), 2.5);
  EXPECT_TRUE(c.runner.get_bool("enable_cpu_cache_flush", false));
  EXPECT_EQ(c.database.kind, "json");
  EXPECT_EQ(c.database.path, (fs::current_path() / "records/run.jsonl").string());
  EXPECT_EQ(c.tune.trials, 200);
  EXPECT_EQ(c.tune.trials_per_round, 16);
  EXPECT_EQ(c.tune.seed, 42);
  EXPECT_EQ(c.tune.threads, 8);
  EXPECT_EQ(c.tune.max_trials_per_task, 100);
  EXPECT_EQ(c.tune.task_scheduler, "round-robin");
}

TEST(RunConfig, RoundTripIsStable) {
  for (const std::string& text :
       {kGmm, kGmm + "[target]\nkind = \"cuda\"\n", "rule = []\n" + kGmm,
        "rule = []\npostproc = []\nmutator = []\n" + kGmm + "[database]\nkind = \"memory\"\n"}) {
    std::string once = to_toml(parse_config(text, "t.toml"));
    std::string twice = to_toml(parse_config(once, "t.toml"));
    EXPECT_EQ(once, twice) << text;
  }
  RunConfig full = load_config(kData + "/full.toml");
  std::string once = to_toml(full);
  // Read back from another folder: the paths are absolute, so they do not move.
  std::string twice = to_toml(parse_config(once, "/elsewhere/resolved.toml"));
  EXPECT_EQ(once, twice);
  EXPECT_THAT(once, HasSubstr("[[rule]]\nname = \"acme.tile\"\nlevels = [2, 4]\nstructure = \"SSRSRS\"\n"));
  EXPECT_THAT(once, HasSubstr("[runner]\nname = \"acme.runner\"\nnumber = 3\nrepeat = 2\nmin_repeat_ms = 100\n"
                              "timeout_s = 2.5\nenable_cpu_cache_flush = true\n"));
  EXPECT_THAT(once, HasSubstr("[[mutator]]\nname = \"loom.mutate_tile_size\"\nprobability = 0.75\nmax_factor = 64\n"));
  EXPECT_THAT(once, HasSubstr("zoo = \"gmm\"\nparams = { M = 64, N = 1024, K = 32 }\nweight = 2.5\n"));
}

TEST(RunConfig, EmptyComponentListsMeanNone) {
  RunConfig c = parse_config("rule = []\nmutator = []\n" + kGmm, "t.toml");
  EXPECT_TRUE(c.rules.empty());
  EXPECT_TRUE(c.mutators.empty());
  EXPECT_EQ(c.postprocs.size(), 3u);  // absent: the defaults
  EXPECT_THAT(to_toml(c), HasSubstr("\nrule = []\nmutator = []\n"));
}

TEST(RunConfig, InputPathsAreRelativeToTheConfigFolder) {
  std::string path = kData + "/sub/inline.toml";  // need not exist: parse_config reads text
  RunConfig c = parse_config(
      "[workload]\nfile = \"../../matmul.py\"\n[search]\nspace = \"schedule-fn\"\nschedule = \"../template.py\"\n"
      "[[plugin]]\npath = \"lib/x.so\"\n[[plugin]]\npath = \"/abs/y.so\"\n",
      path);
  EXPECT_EQ(c.workloads[0].file, fs::path(LOOM_TEST_DATA_DIR "/matmul.py").lexically_normal().string());
  EXPECT_EQ(c.workloads[0].func, "matmul");  // the only function
  EXPECT_EQ(c.search.schedule, fs::path(kData + "/template.py").lexically_normal().string());
  EXPECT_EQ(c.plugins[0].path, fs::path(kData + "/sub/lib/x.so").lexically_normal().string());
  EXPECT_EQ(c.plugins[1].path, "/abs/y.so");
  // The database (an output) is relative to the current directory.
  c = parse_config(kGmm + "[database]\npath = \"out/x.db\"\n", path);
  EXPECT_EQ(c.database.path, (fs::current_path() / "out/x.db").string());
}

TEST(RunConfig, MutatorProbabilitiesAreNormalized) {
  RunConfig c = parse_config(kGmm +
                                 "[[mutator]]\nname = \"loom.mutate_tile_size\"\nprobability = 0.3\n"
                                 "[[mutator]]\nname = \"loom.mutate_unroll\"\nprobability = 0.1\n",
                             "t.toml");
  ASSERT_EQ(c.mutators.size(), 2u);
  EXPECT_DOUBLE_EQ(c.mutators[0].probability, 0.75);
  EXPECT_DOUBLE_EQ(c.mutators[1].probability, 0.25);
  EXPECT_EQ(c.mutators[0].given_probability, 0.3);
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_THAT(c.notes[0], HasSubstr("t.toml:3:1: the [[mutator]] probabilities sum to 0.4"));
  EXPECT_THAT(c.notes[0], HasSubstr("normalized"));
  // The printed, normalized config reads back without another note.
  RunConfig again = parse_config(to_toml(c), "t.toml");
  EXPECT_TRUE(again.notes.empty());
  EXPECT_EQ(to_toml(again), to_toml(c));
  // Probabilities that sum to 1 are kept as written.
  c = parse_config(kGmm +
                       "[[mutator]]\nname = \"a.b\"\nprobability = 0.7\n[[mutator]]\nname = \"a.c\"\n"
                       "probability = 0.3\n",
                   "t.toml");
  EXPECT_EQ(c.mutators[0].probability, 0.7);
  EXPECT_TRUE(c.notes.empty());
}

TEST(RunConfig, SeveralWorkloads) {
  RunConfig c = parse_config(
      "[[workload]]\nzoo = \"c2d\"\nparams = { N = 1 }\nweight = 3\n[[workload]]\nzoo = \"gmm\"\nparams = { M = 8, "
      "N = 8, K = 8 }\n[[workload]]\nfile = \"../matmul.py\"\n",
      kData + "/multi.toml");
  ASSERT_EQ(c.workloads.size(), 3u);
  EXPECT_EQ(c.workloads[0].zoo, "c2d");
  EXPECT_EQ(c.workloads[0].params.at("N"), 1);
  EXPECT_EQ(c.workloads[0].weight, 3.0);
  EXPECT_EQ(c.workloads[0].pos.line, 1);
  EXPECT_EQ(c.workloads[1].params.at("K"), 8);
  EXPECT_EQ(c.workloads[2].func, "matmul");
  std::string once = to_toml(c);
  EXPECT_EQ(to_toml(parse_config(once, "t.toml")), once);
}

TEST(RunConfig, ExampleConfigDocumentsTheDefaults) {
  // configs/example.toml writes every key with its default: resolved, it equals a config that
  // gives only its workload.
  RunConfig example = load_config(LOOM_TEST_DATA_DIR "/../../configs/example.toml");
  RunConfig minimal = parse_config("[workload]\nzoo = \"gmm\"\nparams = { M = 512, N = 512, K = 512 }\n", "t.toml");
  EXPECT_EQ(to_toml(example), to_toml(minimal));
}

// ---- errors -------------------------------------------------------------------------------

TEST(RunConfigErrors, UnknownKeysSuggestTheClosest) {
  EXPECT_THAT(errors(kGmm + "[search]\npopulaton_size = 3\n"),
              ElementsAre("t.toml:4:1: [search] unknown key 'populaton_size' (did you mean 'population_size'?)"));
  EXPECT_THAT(errors(kGmm + "[tune]\nbudget = 3\n"), ElementsAre("t.toml:4:1: [tune] unknown key 'budget'"));
  EXPECT_THAT(errors(kGmm + "[serach]\n"),
              ElementsAre("t.toml:3:2: unknown section or key 'serach' (did you mean 'search'?)"));
  EXPECT_THAT(errors("[workload]\nzoo = \"gmm\"\nparam = { M = 3 }\n"),
              ElementsAre("t.toml:3:1: [workload] unknown key 'param' (did you mean 'params'?)"));
  EXPECT_THAT(errors(kGmm + "[[plugin]]\npath = \"x.so\"\nname = \"y\"\n"),
              ElementsAre("t.toml:5:1: [[plugin]] unknown key 'name'"));
}

TEST(RunConfigErrors, WrongTypes) {
  EXPECT_THAT(errors(kGmm + "[tune]\ntrials = \"many\"\n"),
              ElementsAre("t.toml:4:10: [tune] key 'trials' must be an integer, got a string"));
  EXPECT_THAT(errors(kGmm + "[search]\neps_greedy = true\n"),
              ElementsAre("t.toml:4:14: [search] key 'eps_greedy' must be a number, got a boolean"));
  EXPECT_THAT(errors(kGmm + "[target]\ncpu = 3\n"),
              ElementsAre("t.toml:4:7: [target] key 'cpu' must be a string, got an integer"));
  EXPECT_THAT(errors("tune = 3\n" + kGmm), ElementsAre("t.toml:1:1: [tune] must be a table, got an integer"));
  EXPECT_THAT(errors(kGmm + "[[tune]]\n"),
              ElementsAre("t.toml:3:3: [tune] must be a table, got an array: write [tune], not [[tune]]"));
  EXPECT_THAT(errors(kGmm + "[rule]\nname = \"a.b\"\n"),
              ElementsAre("t.toml:3:2: 'rule' must be an array of tables: write [[rule]] before each entry (got a "
                          "table)"));
  EXPECT_THAT(errors(kGmm + "[[rule]]\nname = 3\n"),
              ElementsAre("t.toml:4:8: [[rule]] key 'name' must be a string, got an integer"));
  EXPECT_THAT(errors("[workload]\nzoo = \"gmm\"\nparams = { M = 1.5 }\n"),
              ElementsAre("t.toml:3:16: [workload] parameter M must be an integer, got a float"));
  EXPECT_THAT(errors(kGmm + "[tune]\nwhen = 2024-01-01\n"),
              ElementsAre("t.toml:4:1: key 'when': dates and times are not supported in loom configs"));
}

TEST(RunConfigErrors, OutOfRangeAndBadChoices) {
  EXPECT_THAT(errors(kGmm + "[tune]\ntrials = 0\n"),
              ElementsAre("t.toml:4:10: [tune] trials = 0 is out of range: must be >= 1"));
  EXPECT_THAT(errors(kGmm + "[search]\neps_greedy = 1.5\n"),
              ElementsAre("t.toml:4:14: [search] eps_greedy = 1.5 is out of range: must be in [0, 1]"));
  EXPECT_THAT(errors(kGmm + "[search]\nstrategy = \"evolution\"\n"),
              ElementsAre("t.toml:4:12: [search] strategy = \"evolution\" is not one of \"evolutionary\", "
                          "\"replay-trace\", \"replay-func\" (did you mean 'evolutionary'?)"));
  EXPECT_THAT(errors(kGmm + "[target]\nkind = \"cuda\"\narch = \"ampere\"\n"),
              ElementsAre("t.toml:5:8: [target] arch = \"ampere\" is not a compute capability such as \"sm_90\""));
  EXPECT_THAT(errors(kGmm + "[target]\narch = \"sm_80\"\n"),
              ElementsAre("t.toml:4:1: [target] key 'arch' applies to kind = \"cuda\" only"));
  EXPECT_THAT(errors(kGmm + "[search]\nstrategy = \"replay-trace\"\npopulation_size = 3\n"),
              ElementsAre("t.toml:5:1: [search] key 'population_size' applies to strategy = \"evolutionary\" only"));
  EXPECT_THAT(errors(kGmm + "[search]\nspace = \"schedule-fn\"\n"),
              ElementsAre("t.toml:4:9: [search] space = \"schedule-fn\" needs schedule = \"<template.py>\" (a "
                          "schedule script)"));
  EXPECT_THAT(errors(kGmm + "[[mutator]]\nname = \"a.b\"\nprobability = 0\n"),
              ElementsAre("t.toml:5:15: [[mutator]] probability = 0 is out of range: must be in (0, 1]"));
  EXPECT_THAT(errors(kGmm + "[[mutator]]\nname = \"a.b\"\n"),
              ElementsAre("t.toml:3:1: [[mutator]] needs probability = <number in (0, 1]>"));
  EXPECT_THAT(errors(kGmm + "[[rule]]\nname = \"auto_inline\"\n"),
              ElementsAre("t.toml:4:8: [[rule]] name = \"auto_inline\" is not a component name of the form "
                          "\"vendor.component\""));
  EXPECT_THAT(errors(kGmm + "[database]\nkind = \"memory\"\npath = \"x.db\"\n"),
              ElementsAre("t.toml:5:1: [database] key 'path' does not apply to kind = \"memory\" (nothing is "
                          "written)"));
}

TEST(RunConfigErrors, Workloads) {
  EXPECT_THAT(errors("[tune]\n"), ElementsAre("t.toml: missing [workload]: give zoo = \"<name>\" or file = "
                                              "\"<kernel.py>\" (or several [[workload]] tables)"));
  EXPECT_THAT(errors("[workload]\nzoo = \"gmm\"\nparams = { M = 4, Q = 3 }\n"),
              ElementsAre("t.toml:3:19: [workload] gmm has no parameter 'Q'; its parameters are M, N, K"));
  EXPECT_THAT(errors("[workload]\nzoo = \"gmm\"\nparams = { M = 0 }\n"),
              ElementsAre("t.toml:3:16: [workload] parameter M = 0 is out of range: must be >= 1"));
  std::vector<std::string> e = errors("[workload]\nzoo = \"nosuch\"\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("t.toml:2:7: [workload] "));
  EXPECT_THAT(e[0], HasSubstr("nosuch"));
  EXPECT_THAT(e[0], HasSubstr("gmm"));
  EXPECT_THAT(errors("[workload]\nzoo = \"gmm\"\nfile = \"k.py\"\n"),
              ElementsAre("t.toml:3:1: [workload] give either zoo or file, not both"));
  EXPECT_THAT(errors("[workload]\nweight = 2\n"),
              ElementsAre("t.toml:1:1: [workload] needs zoo = \"<name>\" (loom print --list shows the zoo) or "
                          "file = \"<kernel.py>\""));
  EXPECT_THAT(errors("[workload]\nzoo = \"gmm\"\nweight = 0\n"),
              ElementsAre("t.toml:3:10: [workload] weight = 0 is out of range: must be > 0"));
  e = errors("[workload]\nfile = \"missing.py\"\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("t.toml:2:8: [workload] cannot read kernel file '"));
  e = errors("[[workload]]\nfile = \"" LOOM_TEST_DATA_DIR "/module_two_funcs.py\"\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("t.toml:2:8: [[workload]] the kernel file holds 2 functions (add_one, scale)"));
  e = errors("[[workload]]\nfile = \"" LOOM_TEST_DATA_DIR "/matmul.py\"\nfunc = \"mm\"\n");
  EXPECT_THAT(e, ElementsAre("t.toml:3:8: [[workload]] func = \"mm\": the kernel file has no such function (it has "
                             "matmul)"));
  // A combination of values that gives no valid shape (the zoo's own check).
  e = errors("[workload]\nzoo = \"c2d\"\nparams = { H = 2, K = 9, padding = 0 }\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("t.toml:3:10: [workload] "));
}

TEST(RunConfigErrors, SyntaxErrorsGiveTomlsPosition) {
  std::vector<std::string> e;
  try {
    load_config(kData + "/syntax_error.toml");
  } catch (const ConfigError& err) {
    e = err.messages();
  }
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr(kData + "/syntax_error.toml:4:10: TOML syntax error: "));
  EXPECT_THAT(errors("a = 1\na = 2\n")[0],
              HasSubstr("t.toml:2:5: TOML syntax error: Error while parsing key-value pair: cannot redefine"));
  try {
    load_config(kData + "/no_such.toml");
    FAIL();
  } catch (const ConfigError& err) {
    EXPECT_EQ(std::string(err.what()), kData + "/no_such.toml: cannot read the config file");
  }
}

TEST(RunConfigErrors, AllErrorsAreCollectedInFileOrderUpToTwenty) {
  std::vector<std::string> e = errors(
      "[tune]\ntrials = 0\nseed = -1\n[search]\neps_greedy = 2.0\nfoo = 1\n[workload]\nzoo = \"gmm\"\nbar = 1\n");
  EXPECT_THAT(e, ElementsAre("t.toml:2:10: [tune] trials = 0 is out of range: must be >= 1",
                             "t.toml:3:8: [tune] seed = -1 is out of range: must be >= 0",
                             "t.toml:5:14: [search] eps_greedy = 2.0 is out of range: must be in [0, 1]",
                             "t.toml:6:1: [search] unknown key 'foo'", "t.toml:9:1: [workload] unknown key 'bar'"));
  std::string many = kGmm + "[tune]\n";
  for (int i = 0; i < 25; ++i) many += "k" + std::to_string(i) + "x = 1\n";
  e = errors(many);
  ASSERT_EQ(e.size(), 21u);
  EXPECT_EQ(e[0], "t.toml:4:1: [tune] unknown key 'k0x'");
  EXPECT_EQ(e[20], "... and 5 more errors");
}

}  // namespace
}  // namespace loom::config
