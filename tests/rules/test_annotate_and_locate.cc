// loom.parallelize_vectorize_unroll (root annotations) and loom.random_compute_location
// (sampled compute_at): what they do, where they do nothing, their config keys.
#include <gmock/gmock.h>

#include <set>

#include "../common/expect_error.h"
#include "rules_test_util.h"

using loom::testing::throws_with;

namespace loom::rules_test {
namespace {

using ::testing::HasSubstr;

config::ConfigEntry cores(int64_t n) { return entry("num_cores", config::ConfigValue::integer(n)); }

int64_t int_value(const ir::AnnValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v.value)) return *i;
  const ir::Expr& e = std::get<ir::Expr>(v.value);
  const auto* imm = e.as<ir::IntImmNode>();
  EXPECT_NE(imm, nullptr) << "the annotation is not an integer";
  return imm == nullptr ? -1 : imm->value;
}

const char* kElementwise = R"(
@T.prim_func
def main(A: T.Buffer((8, 6), "float32"), C: T.Buffer((8, 6), "float32")):
    for i, j in T.grid(8, 6):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = A[vi, vj] * T.float32(2)
)";

TEST(ParallelizeVectorizeUnroll, AnnotatesTheRootOnce) {
  auto rule = make_rule("loom.parallelize_vectorize_unroll", {cores(4)});
  ir::PrimFunc f = workloads::make_workload("gmm", {{"M", 6}, {"N", 8}, {"K", 4}});
  std::vector<sched::Schedule> out = apply(*rule, sched::Schedule(f, 1), "C");
  ASSERT_EQ(out.size(), 1u);
  ir::Annotations root = annotations_of(out[0], "root");
  ASSERT_TRUE(root.count("meta_schedule.parallel"));
  EXPECT_EQ(int_value(root.at("meta_schedule.parallel")), 4 * 16);
  ASSERT_TRUE(root.count("meta_schedule.vectorize"));
  EXPECT_EQ(int_value(root.at("meta_schedule.vectorize")), 64);
  ASSERT_TRUE(root.count("meta_schedule.unroll_explicit"));
  EXPECT_THAT((std::vector<int64_t>{0, 16, 64, 512}),
              ::testing::Contains(int_value(root.at("meta_schedule.unroll_explicit"))));
  EXPECT_EQ(count(out[0], "SampleCategorical"), 1);
  EXPECT_EQ(count(out[0], "Annotate"), 3);
  // Again, at any block: the root is annotated already.
  std::vector<sched::Schedule> again = apply(*rule, out[0], "C");
  EXPECT_EQ(count(again[0], "Annotate"), 3);
  // The unroll limit is a decision: draws of the space cover the candidates.
  std::set<int64_t> steps;
  for (int64_t seed : draw_seeds(24)) {
    sched::Schedule point = tune::sample_from_trace(f, out[0].trace(), seed);
    steps.insert(int_value(annotations_of(point, "root").at("meta_schedule.unroll_explicit")));
  }
  EXPECT_EQ(steps, (std::set<int64_t>{0, 16, 64, 512})) << out[0].trace().as_python();
}

TEST(ParallelizeVectorizeUnroll, NoUnrollForSpatialFunctionsAndConfigKeys) {
  ir::PrimFunc f = script::parse_func(kElementwise);
  std::vector<sched::Schedule> out =
      apply(*make_rule("loom.parallelize_vectorize_unroll", {cores(2)}), sched::Schedule(f), "C");
  ir::Annotations root = annotations_of(out[0], "root");
  EXPECT_EQ(int_value(root.at("meta_schedule.parallel")), 32);
  EXPECT_FALSE(root.count("meta_schedule.unroll_explicit"));
  EXPECT_EQ(count(out[0], "SampleCategorical"), 0);

  ir::PrimFunc g = workloads::make_workload("gmm", {{"M", 6}, {"N", 8}, {"K", 4}});
  auto custom = make_rule(
      "loom.parallelize_vectorize_unroll",
      {entry("max_jobs_per_core", config::ConfigValue::integer(-1)),
       entry("max_vectorize_extent", config::ConfigValue::integer(16), 5), entry("unroll_max_steps", ints({0, 8}), 6),
       entry("unroll_explicit", config::ConfigValue::boolean(false), 7)});
  ir::Annotations c = annotations_of(apply(*custom, sched::Schedule(g), "C")[0], "root");
  EXPECT_FALSE(c.count("meta_schedule.parallel"));
  EXPECT_EQ(int_value(c.at("meta_schedule.vectorize")), 16);
  EXPECT_FALSE(c.count("meta_schedule.unroll_explicit"));
  ASSERT_TRUE(c.count("meta_schedule.unroll_implicit"));
  EXPECT_THAT((std::vector<int64_t>{0, 8}), ::testing::Contains(int_value(c.at("meta_schedule.unroll_implicit"))));
  auto no_unroll = make_rule("loom.parallelize_vectorize_unroll", {entry("unroll_max_steps", ints({}))});
  EXPECT_EQ(count(apply(*no_unroll, sched::Schedule(g), "C")[0], "SampleCategorical"), 0);

  for (auto& [key, value] : std::vector<std::pair<std::string, config::ConfigValue>>{
           {"max_jobs_per_core", config::ConfigValue::integer(0)},
           {"max_vectorize_extent", config::ConfigValue::integer(-5)},
           {"unroll_max_steps", ints({16, -1})},
           {"unroll_explicit", config::ConfigValue::integer(1)},
           {"num_cores", config::ConfigValue::integer(-1)}}) {
    try {
      make_rule("loom.parallelize_vectorize_unroll", {entry(key, value)});
      ADD_FAILURE() << "expected an error for " << key;
    } catch (const std::exception& e) {
      EXPECT_THAT(e.what(), HasSubstr(key));
    }
  }
}

// ----- loom.random_compute_location ---------------------------------------------------

ir::PrimFunc c2d() {
  return workloads::make_workload(
      "c2d", {{"N", 1}, {"H", 5}, {"W", 6}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}});
}

TEST(RandomComputeLocation, ComputesAProducerAtASampledLoop) {
  auto rule = make_rule("loom.random_compute_location");
  ir::PrimFunc f = c2d();
  std::vector<sched::Schedule> out = apply(*rule, sched::Schedule(f, 1, sched::DebugMode::Verify), "pad_temp");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(kinds(out[0]), (std::vector<std::string>{"GetBlock", "SampleComputeLocation", "ComputeAt"}));
  // Different draws put pad_temp at different places, all equivalent.
  std::set<size_t> depths;
  for (int64_t seed : draw_seeds(16)) {
    sched::Schedule point = tune::sample_from_trace(f, out[0].trace(), seed, sched::DebugMode::Verify);
    sched::Schedule probe = point.copy();
    if (has_block(func_of(point), "pad_temp")) depths.insert(probe.get_loops(probe.get_block("pad_temp")).size());
    expect_equivalent(f, func_of(point));
  }
  EXPECT_GE(depths.size(), 2u);
}

TEST(RandomComputeLocation, LeavesOutputsTiledBlocksAndNestedOnes) {
  auto rule = make_rule("loom.random_compute_location");
  ir::PrimFunc f = c2d();
  EXPECT_EQ(kinds(apply(*rule, sched::Schedule(f), "conv2d_nhwc")[0]), std::vector<std::string>{"GetBlock"});
  // A tiled block stays.
  ir::PrimFunc relu = workloads::make_workload("gmm_bias_relu", {{"M", 4}, {"N", 6}, {"K", 4}});
  std::vector<sched::Schedule> tiled = apply(*make_rule("loom.multi_level_tiling"), sched::Schedule(relu), "matmul");
  EXPECT_EQ(count(apply(*rule, tiled[0], "matmul")[0], "SampleComputeLocation"), 0);
  EXPECT_EQ(count(apply(*rule, sched::Schedule(relu), "matmul")[0], "SampleComputeLocation"), 1);
  // Two blocks under one outermost loop.
  sched::Schedule fused(relu);
  fused.compute_at(fused.get_block("bias_add"), fused.get_loops(fused.get_block("relu"))[0]);
  EXPECT_EQ(count(apply(*rule, fused, "bias_add")[0], "SampleComputeLocation"), 0);
  EXPECT_TRUE(throws_with<config::ConfigError>(
      [&] { make_rule("loom.random_compute_location", {entry("p", config::ConfigValue::integer(1))}); },
      "rules.toml:4:1: [[rule]] loom.random_compute_location: unknown key 'p'"));
}

TEST(RandomComputeLocation, AlsoPlacesTheRFactorProducer) {
  ir::PrimFunc f = workloads::make_workload("nrm", {{"B", 2}, {"M", 4}, {"N", 6}});
  std::vector<sched::Schedule> forks =
      apply(*make_rule("loom.add_rfactor", {cores(2)}), sched::Schedule(f, 1, sched::DebugMode::Verify), "C");
  ASSERT_EQ(forks.size(), 3u);
  std::vector<sched::Schedule> out = apply(*make_rule("loom.random_compute_location"), forks[0], "C");
  EXPECT_EQ(count(out[0], "SampleComputeLocation"), 2);
  EXPECT_EQ(count(out[0], "Unannotate"), 1);
  for (int64_t seed : draw_seeds(8)) {
    sched::Schedule point = tune::sample_from_trace(f, out[0].trace(), seed, sched::DebugMode::Verify);
    expect_equivalent(f, func_of(point));
  }
}

}  // namespace
}  // namespace loom::rules_test
