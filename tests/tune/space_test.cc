// Tests of the space generators (loom/tune/space.h): post-order-apply's order, forking and
// skipping, schedule-function templates, unions, and drawing points of a space by replaying
// its traces with new decisions (checked against the interpreter).
#include "loom/tune/space.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/error.h"
#include "loom/sched/schedule_script.h"
#include "loom/workloads/zoo.h"
#include "nlohmann/json.hpp"

namespace loom::tune {
namespace {

using sched::BlockRV;
using sched::Schedule;

// Splits every loop of the block in two with a sampled perfect tiling.
Rule tile_rule() {
  return {"test.tile", [](const Schedule& in, const BlockRV& block) {
            Schedule sch = in.copy();
            for (const sched::LoopRV& loop : sch.get_loops(block)) {
              std::vector<sched::ExprRV> factors = sch.sample_perfect_tile(loop, 2, 16);
              sch.split(loop, {std::optional<sched::ExprRV>(factors[0]), std::optional<sched::ExprRV>(factors[1])});
            }
            return std::vector<Schedule>{sch};
          }};
}

// Forks: the schedule unchanged, and one with its outermost loop parallel.
Rule fork_rule(const std::string& name) {
  return {name, [](const Schedule& in, const BlockRV& block) {
            Schedule sch = in.copy();
            auto loops = sch.get_loops(block);
            if (!loops.empty() && sch.get(block)->iter_vars.size() > 0) sch.parallel(loops[0]);
            return std::vector<Schedule>{in, sch};
          }};
}

void expect_equivalent(const ir::PrimFunc& a, const ir::PrimFunc& b) {
  auto x = interp::run_random(a, 3);
  auto y = interp::run_random(b, 3);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    auto r = interp::allclose(y[i], x[i], 1e-4, 1e-4);
    EXPECT_TRUE(r) << r.message;
  }
}

TEST(PostOrderApply, VisitsBlocksLastToFirstAndSkipsRemovedOnes) {
  ir::PrimFunc c2d = workloads::make_workload(
      "c2d", {{"H", 6}, {"W", 6}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}});
  std::vector<std::string> visited;
  Rule inline_producer{"test.inline_producer", [&](const Schedule& in, const BlockRV& block) {
                         Schedule sch = in.copy();
                         visited.push_back(sch.get(block)->name);
                         if (sch.get(block)->name == "conv2d_nhwc") sch.compute_inline(sch.get_block("pad_temp"));
                         return std::vector<Schedule>{sch};
                       }};
  auto space = PostOrderApply({inline_producer}).generate(c2d, 1);
  ASSERT_EQ(space.size(), 1u);
  // The consumer first; pad_temp was inlined by then and is skipped.
  EXPECT_EQ(visited, std::vector<std::string>{"conv2d_nhwc"});
  expect_equivalent(c2d, space[0].mod().at(space[0].default_func()));

  // Without the inlining both blocks are visited, the last one first.
  visited.clear();
  Rule record{"test.record", [&](const Schedule& in, const BlockRV& block) {
                visited.push_back(in.get(block)->name);
                return std::vector<Schedule>{in};
              }};
  PostOrderApply({record}).generate(c2d, 1);
  EXPECT_EQ(visited, (std::vector<std::string>{"conv2d_nhwc", "pad_temp"}));
}

TEST(PostOrderApply, ForkingRulesMultiplyTheSpace) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 8}, {"N", 8}, {"K", 8}});
  EXPECT_EQ(PostOrderApply({fork_rule("a")}).generate(gmm, 0).size(), 2u);
  auto space = PostOrderApply({fork_rule("a"), fork_rule("b")}).generate(gmm, 0);
  EXPECT_EQ(space.size(), 4u);
  // Two blocks, each forked by one rule: 2 x 2 = 4.
  ir::PrimFunc two = workloads::make_workload("gmm_bias_relu", {{"M", 4}, {"N", 4}, {"K", 4}});
  size_t blocks = 0;
  Rule count{"test.count", [&](const Schedule& in, const BlockRV&) {
               ++blocks;
               return std::vector<Schedule>{in};
             }};
  PostOrderApply({count}).generate(two, 0);
  EXPECT_GE(blocks, 2u);
  EXPECT_EQ(PostOrderApply({fork_rule("a")}).generate(two, 0).size(), size_t{1} << blocks);
  EXPECT_EQ(PostOrderApply({fork_rule("a"), fork_rule("b")}).describe(), "post-order-apply (2 rules: a, b)");
}

TEST(PostOrderApply, SkipsBlocksAnnotatedScheduleRuleNone) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 8}, {"N", 8}, {"K", 8}});
  Schedule marker(gmm);
  marker.annotate(marker.get_block("C"), "schedule_rule", sched::Value(std::string("None")));
  ir::PrimFunc marked = marker.mod().at(marker.default_func());
  int calls = 0;
  Rule count{"test.count", [&](const Schedule& in, const BlockRV&) {
               ++calls;
               return std::vector<Schedule>{in};
             }};
  PostOrderApply({count}).generate(marked, 0);
  EXPECT_EQ(calls, 0);
  PostOrderApply({count}).generate(gmm, 0);
  EXPECT_EQ(calls, 1);
}

TEST(PostOrderApply, AFailingRuleNamesItselfAndTheBlock) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 8}, {"N", 8}, {"K", 8}});
  Rule bad{"test.bad", [](const Schedule& in, const BlockRV& block) {
             Schedule sch = in.copy();
             sch.compute_inline(block);  // a reduction block cannot be inlined
             return std::vector<Schedule>{sch};
           }};
  try {
    PostOrderApply({bad}).generate(gmm, 0);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("rule test.bad failed on block C"), std::string::npos) << e.what();
  }
}

// Drawing points from a space: every draw replays the space's trace with new decisions, is
// a valid instance (interpreter-equivalent), and the draws differ.
TEST(SampleFromTrace, DrawsDifferentValidPoints) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 16}, {"N", 12}, {"K", 8}});
  auto space = PostOrderApply({tile_rule()}).generate(gmm, 0);
  ASSERT_EQ(space.size(), 1u);
  const sched::Trace& trace = space[0].trace();
  std::set<std::string> distinct;
  for (int64_t seed = 0; seed < 12; ++seed) {
    Schedule point = sample_from_trace(gmm, trace, seed, sched::DebugMode::Verify);
    EXPECT_EQ(point.trace().size(), trace.size());
    distinct.insert(point.trace().to_json().dump());
    expect_equivalent(gmm, point.mod().at(point.default_func()));
    // The same seed gives the same point.
    EXPECT_EQ(sample_from_trace(gmm, trace, seed).trace().to_json(), point.trace().to_json());
  }
  EXPECT_GT(distinct.size(), 3u);
}

TEST(ScheduleFnSpace, ATemplateWithSamplingIsASpace) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 16}, {"N", 16}, {"K", 16}});
  const char* tmpl = R"(
b = sch.get_block("C")
i, j, k = sch.get_loops(b)
ti = sch.sample_perfect_tile(i, n=2, max_innermost_factor=8)
i0, i1 = sch.split(i, factors=ti)
tj = sch.sample_perfect_tile(j, n=2, max_innermost_factor=16)
j0, j1 = sch.split(j, factors=tj)
sch.reorder(i0, j0, k, i1, j1)
sch.vectorize(j1)
)";
  ScheduleFnSpace space(tmpl, "template.py");
  EXPECT_EQ(space.describe(), "schedule function template.py");
  auto design = space.generate(gmm, 5);
  ASSERT_EQ(design.size(), 1u);
  std::set<std::string> distinct;
  for (int64_t seed = 0; seed < 10; ++seed) {
    Schedule point = sample_from_trace(gmm, design[0].trace(), seed);
    distinct.insert(point.trace().to_json().dump());
    expect_equivalent(gmm, point.mod().at(point.default_func()));
  }
  EXPECT_GT(distinct.size(), 2u);
  // A broken template fails with its line.
  try {
    ScheduleFnSpace("b = sch.get_block(\"nope\")\n", "broken.py").generate(gmm, 0);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.py:1"), std::string::npos) << e.what();
  }
}

TEST(UnionSpace, ConcatenatesItsParts) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 8}, {"N", 8}, {"K", 8}});
  auto hand = std::make_shared<ScheduleFnSpace>(
      "b = sch.get_block(\"C\")\ni, j, k = sch.get_loops(b)\nsch.parallel(i)\n", "hand.py");
  auto automatic = std::make_shared<PostOrderApply>(std::vector<Rule>{fork_rule("a")});
  UnionSpace both({hand, automatic});
  auto space = both.generate(gmm, 0);
  EXPECT_EQ(space.size(), 3u);
  EXPECT_EQ(both.describe(), "union of schedule function hand.py + post-order-apply (1 rule: a)");
}

}  // namespace
}  // namespace loom::tune
