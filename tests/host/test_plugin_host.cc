// The plugin host: loading plugins (the example plugin written with plugin.hpp, and C99
// plugins of every ABI variant), the registry, errors for every bad plugin, config tables,
// and components driving schedules and traces through the ABI.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "../common/tuning_context.h"
#include "../sched/sched_test_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "loom/config/component.h"
#include "loom/host/components.h"
#include "loom/host/plugin_host.h"
#include "loom/sched/trace.h"
#include "loom/workloads/zoo.h"

namespace loom::host {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path test_plugin(const std::string& variant) {
  return fs::path(LOOM_TEST_PLUGIN_DIR) / ("loom_test_plugin_" + variant + ".so");
}
fs::path example_plugin() { return fs::path(LOOM_BUILD_PLUGIN_DIR) / "loom_example.so"; }

config::ComponentConfig component(const std::string& section, const std::string& name,
                                  std::vector<config::ConfigEntry> keys = {}) {
  return config::ComponentConfig(section, name, config::SourcePos{"test.toml", 3, 1}, std::move(keys));
}

config::ConfigEntry entry(const std::string& key, config::ConfigValue value, int line) {
  return config::ConfigEntry{key, config::SourcePos{"test.toml", line, 1}, std::move(value)};
}

/// Expects `f` to throw E whose message contains every piece.
template <typename E, typename F>
void expect_throw_with(F&& f, const std::vector<std::string>& pieces) {
  try {
    f();
    ADD_FAILURE() << "expected an exception";
  } catch (const E& e) {
    for (const std::string& p : pieces) EXPECT_THAT(e.what(), HasSubstr(p));
  }
}

sched::Schedule gmm_schedule(int64_t seed = 1) {
  return sched::Schedule(workloads::make_workload("gmm", {{"M", 32}, {"N", 48}, {"K", 16}}), seed,
                         sched::DebugMode::Verify);
}

// ----- loading -------------------------------------------------------------------------

TEST(PluginHost, LoadsTheExamplePluginAndListsItsComponents) {
  PluginHost host;
  const PluginInfo& info = host.load(example_plugin());
  EXPECT_EQ(info.name, "example");
  EXPECT_EQ(info.version, "1.0");
  EXPECT_EQ(info.abi_major, static_cast<uint32_t>(LOOM_ABI_MAJOR));
  EXPECT_THAT(info.components, ::testing::ElementsAre("example.tile_cache_parallel", "example.mutate_tile"));
  const ComponentEntry* rule = host.find(LOOM_COMPONENT_SCHEDULE_RULE, "example.tile_cache_parallel");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->version, "1.0");
  EXPECT_THAT(rule->description, HasSubstr("tiles"));
  EXPECT_EQ(rule->file, fs::absolute(example_plugin()));
  EXPECT_EQ(host.find(LOOM_COMPONENT_MUTATOR, "example.tile_cache_parallel"), nullptr);
  ASSERT_NE(host.find(LOOM_COMPONENT_MUTATOR, "example.mutate_tile"), nullptr);
  // Loading the same file again is a no-op.
  host.load(example_plugin());
  EXPECT_EQ(host.plugins().size(), 1u);
  EXPECT_EQ(host.components().size(), 2u);
}

TEST(PluginHost, AMissingFileIsAClearError) {
  PluginHost host;
  expect_throw_with<PluginError>([&] { host.load("/nonexistent/libnothing.so"); },
                                 {"/nonexistent/libnothing.so", "no such file"});
}

TEST(PluginHost, AFileThatIsNotASharedLibraryIsAClearError) {
  PluginHost host;
  fs::path text = fs::temp_directory_path() / "loom_not_a_library.so";
  {
    std::ofstream out(text);
    out << "this is not an ELF file\n";
  }
  expect_throw_with<PluginError>([&] { host.load(text); }, {text.string(), "cannot load it as a shared library"});
  fs::remove(text);
  // The host keeps working.
  EXPECT_NO_THROW(host.load(example_plugin()));
}

TEST(PluginHost, ALibraryWithoutTheEntrySymbolIsNotALoomPlugin) {
  PluginHost host;
  expect_throw_with<PluginError>([&] { host.load(test_plugin("not_plugin")); },
                                 {"loom_test_plugin_not_plugin.so", "not a loom plugin", "loom_plugin_entry"});
  EXPECT_TRUE(host.components().empty());
}

TEST(PluginHost, AnotherMajorVersionIsRefusedNamingBothVersions) {
  PluginHost host;
  const std::string theirs = std::to_string(LOOM_ABI_MAJOR + 1) + ".0";
  const std::string ours = std::to_string(LOOM_ABI_MAJOR) + "." + std::to_string(LOOM_ABI_MINOR);
  expect_throw_with<PluginError>(
      [&] { host.load(test_plugin("other_major")); },
      {"loom_test_plugin_other_major.so", "ABI " + theirs, "ABI " + ours, "major versions must match"});
  EXPECT_TRUE(host.components().empty());
}

TEST(PluginHost, AnEntryThatReportsAnErrorIsRefusedWithItsMessage) {
  PluginHost host;
  expect_throw_with<PluginError>([&] { host.load(test_plugin("entry_error")); },
                                 {"loom_test_plugin_entry_error.so", "registering its components failed",
                                  "the license file /etc/acme.lic is missing"});
  EXPECT_TRUE(host.plugins().empty());
}

TEST(PluginHost, DuplicateComponentNamesAreRefusedNamingBothFiles) {
  PluginHost host;
  host.load(test_plugin("old_minor"));
  expect_throw_with<PluginError>(
      [&] { host.load(test_plugin("duplicate")); },
      {"loom_test_plugin_duplicate.so", "'c.annotate'", "already registered by", "loom_test_plugin_old_minor.so"});
  // Nothing of the refused file was registered; the first file's components stay.
  EXPECT_EQ(host.plugins().size(), 1u);
  EXPECT_EQ(host.find(LOOM_COMPONENT_SCHEDULE_RULE, "c.annotate")->file.filename(), "loom_test_plugin_old_minor.so");
}

TEST(PluginHost, SearchPathLoadsEveryPluginAndReportsTheBadOnes) {
  fs::path dir = fs::temp_directory_path() / "loom_plugin_search_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "nested");
  fs::copy_file(test_plugin("old_minor"), dir / "a.so");
  fs::copy_file(test_plugin("other_major"), dir / "nested" / "b.so");
  fs::copy_file(test_plugin("not_plugin"), dir / "c.so");  // not a plugin: skipped silently
  setenv("LOOM_PLUGIN_PATH", dir.c_str(), 1);
  PluginHost host;
  std::vector<fs::path> path = PluginHost::search_path();
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(path.front(), dir);
  std::vector<std::string> problems = host.load_search_path();
  unsetenv("LOOM_PLUGIN_PATH");
  // a.so and the build's example plugin load; b.so is refused and reported.
  EXPECT_NE(host.find(LOOM_COMPONENT_SCHEDULE_RULE, "c.annotate"), nullptr);
  EXPECT_NE(host.find(LOOM_COMPONENT_SCHEDULE_RULE, "example.tile_cache_parallel"), nullptr);
  bool reported = false;
  for (const std::string& p : problems) reported = reported || p.find("b.so") != std::string::npos;
  EXPECT_TRUE(reported) << ::testing::PrintToString(problems);
  for (const std::string& p : problems) EXPECT_EQ(p.find("c.so"), std::string::npos) << p;
  fs::remove_all(dir);
}

// ----- ABI compatibility -----------------------------------------------------------------

TEST(PluginAbi, AnOlderMinorVersionLoadsAndWorks) {
  PluginHost host;
  const PluginInfo& info = host.load(test_plugin("old_minor"));
  EXPECT_EQ(info.abi_minor, 0u);
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", "c.annotate"));
  sched::Schedule sch = gmm_schedule();
  std::vector<sched::Schedule> out = rule->apply_rule(sch, sch.get_block("C"));
  ASSERT_EQ(out.size(), 1u);
  const ir::AnnValue& ann = out[0].get(out[0].get_block("C"))->annotations.at("from");
  EXPECT_EQ(*ann.as_string(), "old_minor");
  // The older cost model struct has no save/load: the host sees them as absent (null).
  const ComponentEntry& model = host.at(LOOM_COMPONENT_COST_MODEL, "c.old_model");
  EXPECT_NE(model.as<loom_cost_model>().predict, nullptr);
  EXPECT_EQ(model.as<loom_cost_model>().save, nullptr);
  EXPECT_EQ(model.as<loom_cost_model>().load, nullptr);
}

TEST(PluginAbi, AnAbi10RuleWithoutALifeCycleIsInitializedAndClonedByTheHost) {
  PluginHost host;
  host.load(test_plugin("old_minor"));
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", "c.annotate"));
  EXPECT_EQ(rule->entry().as<loom_schedule_rule>().initialize, nullptr);
  EXPECT_EQ(rule->entry().as<loom_schedule_rule>().clone, nullptr);
  // initialize is recorded (there is nothing to call); clone falls back to a fresh create
  // from the same table, initialized the same way.
  rule->initialize(testing::test_context(3));
  ASSERT_NE(rule->context(), nullptr);
  std::shared_ptr<ComponentInstance> copy = rule->clone();
  ASSERT_NE(copy, nullptr);
  EXPECT_NE(copy.get(), rule.get());
  ASSERT_NE(copy->context(), nullptr);
  EXPECT_EQ(copy->context()->target.num_cores, 3);
  sched::Schedule sch = gmm_schedule();
  std::vector<sched::Schedule> out = copy->apply_rule(sch, sch.get_block("C"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*out[0].get(out[0].get_block("C"))->annotations.at("from").as_string(), "old_minor");
}

TEST(PluginAbi, ANewerMinorVersionWithExtraTrailingFieldsLoadsAndWorks) {
  PluginHost host;
  const PluginInfo& info = host.load(test_plugin("new_minor"));
  EXPECT_EQ(info.abi_minor, static_cast<uint32_t>(LOOM_ABI_MINOR + 1));
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", "c.annotate_new"));
  sched::Schedule sch = gmm_schedule();
  std::vector<sched::Schedule> out = rule->apply_rule(sch, sch.get_block("C"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*out[0].get(out[0].get_block("C"))->annotations.at("from").as_string(), "new_minor");
  // The call through the ABI was recorded like a C++ call.
  EXPECT_THAT(out[0].trace().as_python(),
              HasSubstr("sch.annotate(block_or_loop=b0, ann_key=\"from\", ann_val=\"new_minor\")"));
}

TEST(PluginAbi, AScheduleErrorInsideAComponentReachesTheHostWithItsKind) {
  PluginHost host;
  host.load(test_plugin("old_minor"));
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", "c.inline"));
  sched::Schedule sch = gmm_schedule();
  try {
    rule->apply_rule(sch, sch.get_block("C"));
    ADD_FAILURE() << "inlining the output block must fail";
  } catch (const ComponentError& e) {
    EXPECT_EQ(e.status(), LOOM_ERROR_SCHEDULE);
    EXPECT_FALSE(e.kind().empty());
    EXPECT_THAT(e.what(), HasSubstr("c.inline"));
    EXPECT_THAT(e.what(), HasSubstr("sch.compute_inline"));
  }
  // The schedule given to the rule is unchanged.
  EXPECT_EQ(sch.trace().size(), 1u);  // the get_block above
}

// ----- components through plugin.hpp ----------------------------------------------------

TEST(ExamplePlugin, TheRuleTilesCachesAndParallelizesGmmAndItsTraceReplaysInTheCore) {
  PluginHost host;
  host.load(example_plugin());
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE,
                               component("[[rule]]", "example.tile_cache_parallel",
                                         {entry("max_innermost_factor", config::ConfigValue::integer(8), 4)}));
  std::set<std::string> tilings;
  for (int64_t seed = 1; seed <= 12; ++seed) {
    sched::Schedule sch = gmm_schedule(seed);
    sched::BlockRV block = sch.get_block("C");
    std::vector<sched::Schedule> out = rule->apply_rule(sch, block);
    ASSERT_EQ(out.size(), 1u);
    const sched::Schedule& result = out[0];
    std::string script = result.trace().as_python();
    EXPECT_THAT(script, HasSubstr("sch.sample_perfect_tile("));
    EXPECT_THAT(script, HasSubstr("max_innermost_factor=8"));
    EXPECT_THAT(script, HasSubstr("sch.split("));
    EXPECT_THAT(script, HasSubstr("sch.reorder("));
    EXPECT_THAT(script, HasSubstr("sch.cache_write("));
    EXPECT_THAT(script, HasSubstr("sch.reverse_compute_at("));
    EXPECT_THAT(script, HasSubstr("sch.parallel("));
    // Replaying the recorded trace in the core gives the same module.
    sched::Schedule replay(sch.original_mod(), 0);
    result.trace().apply_to(replay);
    sched::testing::expect_func_equal(replay.mod().at(sch.default_func()), result.mod().at(sch.default_func()));
    sched::testing::verify_trace_roundtrip(result);
    sched::testing::expect_equivalent(sch.mod().at(sch.default_func()), result.mod().at(sch.default_func()),
                                      static_cast<uint64_t>(seed));
    // Sampled inner tiles respect the configured maximum.
    for (const auto& [index, decision] : result.trace().decisions())
      EXPECT_LE(decision.as<std::vector<sched::Value>>().back().as<int64_t>(), 8);
    tilings.insert(result.trace().to_json().dump());
  }
  EXPECT_GT(tilings.size(), 3u) << "the rule's sampling should vary with the seed";
}

TEST(ExamplePlugin, TheRuleLeavesBlocksItDoesNotHandleAlone) {
  PluginHost host;
  host.load(example_plugin());
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", "example.tile_cache_parallel"));
  sched::Schedule sch(workloads::make_workload("gmm_bias_relu", {{"M", 8}, {"N", 8}, {"K", 4}}), 1);
  sched::BlockRV relu = sch.get_block("relu");
  std::vector<sched::Schedule> out = rule->apply_rule(sch, relu);
  ASSERT_EQ(out.size(), 1u);
  sched::testing::expect_func_equal(out[0].mod().at(sch.default_func()), sch.mod().at(sch.default_func()));
}

TEST(ExamplePlugin, TheMutatorChangesOneTilingDecisionToAnotherValidOne) {
  PluginHost host;
  host.load(example_plugin());
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", "example.tile_cache_parallel"));
  auto mutator = host.instantiate(LOOM_COMPONENT_MUTATOR, component("[[mutator]]", "example.mutate_tile"));
  sched::Schedule sch = gmm_schedule(3);
  sched::Schedule tuned = rule->apply_rule(sch, sch.get_block("C")).at(0);
  sched::RandomEngine rng(7);
  int changed = 0;
  for (int round = 0; round < 20; ++round) {
    std::optional<sched::Trace> mutated = mutator->apply_mutator(tuned.trace(), tuned.original_mod(), rng);
    ASSERT_TRUE(mutated.has_value());
    // Exactly one decision differs, and the product of its tiles is unchanged.
    int diffs = 0;
    for (const auto& [index, decision] : tuned.trace().decisions()) {
      const sched::Value now = *mutated->decision_of(index);
      if (now == decision) continue;
      ++diffs;
      int64_t before = 1, after = 1;
      for (const sched::Value& v : decision.as<std::vector<sched::Value>>()) before *= v.as<int64_t>();
      for (const sched::Value& v : now.as<std::vector<sched::Value>>()) after *= v.as<int64_t>();
      EXPECT_EQ(before, after);
    }
    EXPECT_EQ(diffs, 1);
    changed += diffs;
    sched::Schedule replay(tuned.original_mod(), 0);
    mutated->apply_to(replay);
    sched::testing::expect_equivalent(sch.mod().at(sch.default_func()), replay.mod().at(sch.default_func()),
                                      static_cast<uint64_t>(round));
  }
  EXPECT_EQ(changed, 20);
}

TEST(ExamplePlugin, ConfigErrorsNameTheKeyAndPosition) {
  PluginHost host;
  host.load(example_plugin());
  // A key the component does not read is an unknown key, with its position.
  expect_throw_with<config::ConfigError>(
      [&] {
        host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE,
                         component("[[rule]]", "example.tile_cache_parallel",
                                   {entry("max_inermost_factor", config::ConfigValue::integer(8), 7)}));
      },
      {"test.toml:7", "max_inermost_factor"});
  // A key of the wrong type.
  expect_throw_with<ComponentError>(
      [&] {
        host.instantiate(
            LOOM_COMPONENT_SCHEDULE_RULE,
            component("[[rule]]", "example.tile_cache_parallel",
                      {entry("max_innermost_factor",
                             config::ConfigValue::string("big", config::SourcePos{"test.toml", 5, 24}), 5)}));
      },
      {"example.tile_cache_parallel", "create failed", "test.toml:5:24", "max_innermost_factor", "integer"});
  // A value the component rejects.
  expect_throw_with<ComponentError>(
      [&] {
        host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE,
                         component("[[rule]]", "example.tile_cache_parallel",
                                   {entry("max_innermost_factor", config::ConfigValue::integer(0), 5)}));
      },
      {"max_innermost_factor must be at least 1"});
  // An unknown component.
  expect_throw_with<PluginError>(
      [&] { host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", "example.mutate_tile")); },
      {"no schedule_rule named 'example.mutate_tile'", "is a mutator", "example.tile_cache_parallel"});
}

}  // namespace
}  // namespace loom::host

namespace loom::host {
namespace {

// Run by tests/host/test_out_of_tree.sh, which builds the example plugin out of tree and
// passes its path; skipped when run alone.
TEST(OutOfTree, TheExamplePluginBuiltOutOfTreeLoadsAndRunsOnAZooWorkload) {
  const char* path = std::getenv("LOOM_EXAMPLE_PLUGIN");
  if (path == nullptr) GTEST_SKIP() << "run by tests/host/test_out_of_tree.sh";
  PluginHost host;
  const PluginInfo& info = host.load(path);
  EXPECT_EQ(info.name, "example");
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", "example.tile_cache_parallel"));
  auto mutator = host.instantiate(LOOM_COMPONENT_MUTATOR, component("[[mutator]]", "example.mutate_tile"));
  sched::Schedule sch(workloads::make_workload("bmm", {{"B", 2}, {"M", 16}, {"N", 24}, {"K", 8}}), 5,
                      sched::DebugMode::Verify);
  std::vector<sched::Schedule> out = rule->apply_rule(sch, sch.get_child_blocks(sch.get_block("root")).back());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_THAT(out[0].trace().as_python(), HasSubstr("sch.cache_write("));
  sched::testing::expect_equivalent(sch.mod().at(sch.default_func()), out[0].mod().at(sch.default_func()));
  sched::RandomEngine rng(3);
  std::optional<sched::Trace> mutated = mutator->apply_mutator(out[0].trace(), out[0].original_mod(), rng);
  ASSERT_TRUE(mutated.has_value());
  sched::Schedule replay(out[0].original_mod(), 0);
  mutated->apply_to(replay);
  sched::testing::expect_equivalent(sch.mod().at(sch.default_func()), replay.mod().at(sch.default_func()));
}

}  // namespace
}  // namespace loom::host

namespace loom::host {
namespace {

TEST(RunComponents, InstantiatesEveryComponentOfARunConfig) {
  std::string text = fmt::format(R"([workload]
zoo = "gmm"
postproc = []

[[plugin]]
path = "{}"

[[rule]]
name = "example.tile_cache_parallel"
max_innermost_factor = 8

[[mutator]]
name = "example.mutate_tile"
probability = 1.0

[cost_model]
name = "c.old_model"
)",
                                 test_plugin("old_minor").string());
  // postproc = [] must come before the tables: put it at the top level.
  text = "postproc = []\n" + text.substr(0, text.find("postproc = []")) + text.substr(text.find("postproc = []") + 14);
  config::RunConfig run = config::parse_config(text, "/tmp/run.toml");
  PluginHost host;
  ComponentSelection no_runner;
  no_runner.runner = false;
  RunComponents c = instantiate_components(host, run, no_runner);
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.rules[0]->name(), "example.tile_cache_parallel");
  ASSERT_EQ(c.mutators.size(), 1u);
  EXPECT_DOUBLE_EQ(c.mutators[0].second, 1.0);
  ASSERT_NE(c.cost_model, nullptr);
  EXPECT_EQ(c.cost_model->name(), "c.old_model");
  EXPECT_TRUE(c.postprocs.empty());
  // The rule got its table: inner tiles stay within 8.
  sched::Schedule sch = gmm_schedule(2);
  sched::Schedule out = c.rules[0]->apply_rule(sch, sch.get_block("C")).at(0);
  EXPECT_THAT(out.trace().as_python(), HasSubstr("max_innermost_factor=8"));
}

TEST(RunComponents, ReportsEveryMissingComponentAndBadKeyWithItsPosition) {
  config::RunConfig run = config::parse_config(R"(rule = []
[workload]
zoo = "gmm"

[[plugin]]
path = "/nonexistent/libacme.so"

[[mutator]]
name = "example.mutate_tile"
probability = 1.0
typo_key = 3

[[postproc]]
name = "acme.missing"

[cost_model]
name = "acme.model"

[runner]
name = "acme.runner"
)",
                                               "/tmp/run.toml");
  PluginHost host;
  try {
    instantiate_components(host, run);
    ADD_FAILURE() << "expected a ConfigError";
  } catch (const config::ConfigError& e) {
    std::string all = e.what();
    EXPECT_THAT(all, HasSubstr("/tmp/run.toml:5:1: [[plugin]] plugin /nonexistent/libacme.so: no such file"));
    EXPECT_THAT(all, HasSubstr("/tmp/run.toml:11:1"));
    EXPECT_THAT(all, HasSubstr("typo_key"));
    EXPECT_THAT(all, HasSubstr("/tmp/run.toml:14:8: [[postproc]] no postproc named 'acme.missing' is loaded"));
    EXPECT_THAT(all, HasSubstr("/tmp/run.toml:17:8: [cost_model] no cost_model named 'acme.model' is loaded"));
    EXPECT_THAT(all, HasSubstr("/tmp/run.toml:20:8: [runner] no runner named 'acme.runner' is loaded"));
  }
}

}  // namespace
}  // namespace loom::host

namespace loom::host {
namespace {

/// Applies a rule of the C++ test plugin at `block` and checks the result: same outputs
/// in the interpreter, and the recorded trace replays in the core to the same module.
sched::Schedule apply_test_rule(const std::string& rule_name, const ir::PrimFunc& func, const std::string& block) {
  PluginHost host;
  host.load(test_plugin("cpp"));
  auto rule = host.instantiate(LOOM_COMPONENT_SCHEDULE_RULE, component("[[rule]]", rule_name));
  sched::Schedule sch(func, 1, sched::DebugMode::Verify);
  std::vector<sched::Schedule> out = rule->apply_rule(sch, sch.get_block(block));
  EXPECT_EQ(out.size(), 1u);
  sched::Schedule result = out.at(0);
  sched::testing::expect_equivalent(func, result.mod().at(result.default_func()));
  sched::testing::verify_trace_roundtrip(result);
  return result;
}

TEST(CppPlugin, TensorizesAMatmulThroughTheAbi) {
  sched::Schedule s =
      apply_test_rule("test.tensorize_matmul", workloads::make_workload("gmm", {{"M", 4}, {"N", 8}, {"K", 4}}), "C");
  EXPECT_THAT(s.trace().as_python(), HasSubstr("sch.tensorize(block_or_loop=l"));
  EXPECT_THAT(script::print(s.mod()), HasSubstr("T.Ramp"));
}

TEST(CppPlugin, PadsAndBlockizesThroughTheAbi) {
  sched::Schedule s =
      apply_test_rule("test.pad_then_blockize", workloads::make_workload("gmm", {{"M", 6}, {"N", 10}, {"K", 3}}), "C");
  std::string script = s.trace().as_python();
  EXPECT_THAT(script, HasSubstr("sch.pad_einsum(block=b0, padding=[8, 8, 4])"));
  EXPECT_THAT(script, HasSubstr("sch.blockize(target=l"));
}

TEST(CppPlugin, TransformsALayoutThroughTheAbi) {
  sched::Schedule s = apply_test_rule(
      "test.tile_layout", workloads::make_workload("gmm_bias_relu", {{"M", 8}, {"N", 4}, {"K", 4}}), "matmul");
  EXPECT_THAT(s.trace().as_python(), HasSubstr("index_map=lambda i, j: (i // 4, j, i % 4)"));
  EXPECT_THAT(script::print(s.mod()), HasSubstr("matmul = T.alloc_buffer((2, 4, 4)"));
}

}  // namespace
}  // namespace loom::host
