// Tests of the schedule core: sampling, queries, trace recording, JSON and script forms,
// replay with same and changed decisions, simplify, determinism of the RNG.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/sched/schedule.h"
#include "loom/workloads/zoo.h"
#include "nlohmann/json.hpp"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using ::testing::HasSubstr;

ir::PrimFunc small_gmm() { return workloads::make_workload("gmm", {{"M", 64}, {"N", 32}, {"K", 16}}); }

TEST(Trace, RecordsQueriesAndSamplingAsTVMScript) {
  Schedule sch(small_gmm(), /*seed=*/7);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  ASSERT_EQ(loops.size(), 3u);
  std::vector<ExprRV> tiles = sch.sample_perfect_tile(loops[0], 2, 16, std::vector<int64_t>{4, 16});
  EXPECT_EQ(sch.get(tiles[0]), 4);
  EXPECT_EQ(sch.get(tiles[1]), 16);
  ExprRV choice = sch.sample_categorical({0, 16, 64}, {0.5, 0.25, 0.25}, 2);
  EXPECT_EQ(sch.get(choice), 64);
  EXPECT_EQ(sch.trace().as_python(),
            "b0 = sch.get_block(name=\"C\", func_name=\"gmm\")\n"
            "l1, l2, l3 = sch.get_loops(block=b0)\n"
            "v4, v5 = sch.sample_perfect_tile(loop=l1, n=2, max_innermost_factor=16, decision=[4, 16])\n"
            "v6 = sch.sample_categorical(candidates=[0, 16, 64], probs=[0.5, 0.25, 0.25], decision=2)\n");
  nlohmann::json j = sch.trace().to_json();
  EXPECT_EQ(
      j.dump(),
      R"([[["GetBlock",[],["C","gmm"],["b0"]],["GetLoops",["b0"],[],["l1","l2","l3"]],)"
      R"(["SamplePerfectTile",["l1"],[2,16],["v4","v5"]],["SampleCategorical",[],[[0,16,64],[0.5,0.25,0.25]],["v6"]]],)"
      R"([[2,[4,16]],[3,2]]])");
  // JSON round trip prints the same script.
  EXPECT_EQ(Trace::from_json(j).as_python(), sch.trace().as_python());
  EXPECT_EQ(Trace::from_json(j).to_json(), j);
}

TEST(Trace, SamePerfectTileSeedGivesSameDecisions) {
  auto run = [](int64_t seed) {
    Schedule sch(small_gmm(), seed);
    auto loops = sch.get_loops(sch.get_block("C"));
    std::vector<int64_t> out;
    for (int i = 0; i < 20; ++i) {
      for (ExprRV v : sch.sample_perfect_tile(loops[i % 3], 3, 8)) out.push_back(sch.get(v));
    }
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(Trace, PerfectTileIsAValidFactorizationAndCoversAllOfThem) {
  Schedule sch(small_gmm(), 1);
  LoopRV i = sch.get_loops(sch.get_block("C"))[0];  // extent 64
  std::set<std::vector<int64_t>> seen;
  for (int t = 0; t < 2000; ++t) {
    std::vector<int64_t> f;
    for (ExprRV v : sch.sample_perfect_tile(i, 3, 4)) f.push_back(sch.get(v));
    ASSERT_EQ(f[0] * f[1] * f[2], 64);
    ASSERT_LE(f[2], 4);
    seen.insert(f);
  }
  // 64 = 2^6 into 3 factors with the innermost in {1, 2, 4}: 7 + 6 + 5 = 18 tilings.
  EXPECT_EQ(seen.size(), 18u);
}

TEST(Trace, InvalidDecisionsFailCleanly) {
  Schedule sch(small_gmm(), 1);
  LoopRV i = sch.get_loops(sch.get_block("C"))[0];
  size_t before = sch.trace().size();
  try {
    sch.sample_perfect_tile(i, 2, 16, std::vector<int64_t>{3, 21});
    FAIL();
  } catch (const InvalidDecisionError& e) {
    EXPECT_THAT(e.what(), HasSubstr("sch.sample_perfect_tile: decision [3, 21] is not a valid tiling: 2 factors whose "
                                    "product is 64 with the innermost at most 16"));
  }
  testing::expect_throw<InvalidDecisionError>(
      [&] {
        sch.sample_categorical({1, 2}, {0.5, 0.5}, 5);
      },
      "sch.sample_categorical: decision 5 is not an index into 2 candidates");
  testing::expect_throw<ScheduleError>(
      [&] {
        sch.sample_categorical({1, 2}, {0.5});
      },
      "sch.sample_categorical: 2 candidates but 1 probabilities");
  EXPECT_EQ(sch.trace().size(), before);  // failures record nothing
}

TEST(Trace, ReplayWithSameAndChangedDecisions) {
  Schedule sch(small_gmm(), 3);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.sample_perfect_tile(loops[1], 2, 32);
  Trace t = sch.trace();
  Schedule again(small_gmm(), 99);
  t.apply_to(again);
  EXPECT_EQ(again.trace().as_python(), t.as_python());
  Trace changed = t.with_decision(2, Value(std::vector<Value>{Value(2), Value(16)}));
  Schedule third(small_gmm(), 99);
  changed.apply_to(third);
  EXPECT_THAT(third.trace().as_python(), HasSubstr("decision=[2, 16]"));
  Trace invalid = t.with_decision(2, Value(std::vector<Value>{Value(3), Value(16)}));
  Schedule fourth(small_gmm(), 99);
  testing::expect_throw<InvalidDecisionError>([&] { invalid.apply_to(fourth); },
                                              "sch.sample_perfect_tile: decision [3, 16] is not a valid tiling");
  testing::expect_throw<UserError>([&] { t.with_decision(0, Value(1)); },  // get_block does not sample
                                   "instruction 0 (GetBlock) does not sample, it has no decision");
}

TEST(Trace, SimplifyDropsUnusedQueriesAndSampling) {
  Schedule sch(small_gmm(), 3);
  BlockRV c = sch.get_block("C");
  sch.get_loops(c);
  sch.sample_categorical({1, 2}, {0.5, 0.5});
  EXPECT_EQ(sch.trace().size(), 3u);
  EXPECT_EQ(sch.trace().simplify().size(), 0u);
  sch.enter_postproc();  // changes nothing but is not pure: kept
  EXPECT_EQ(sch.trace().simplify().as_python(), "sch.enter_postproc()\n");
}

TEST(Trace, FromJsonErrorsNameTheInstruction) {
  auto parse = [](const std::string& text) { return Trace::from_json(nlohmann::json::parse(text)); };
  EXPECT_THAT([&] { parse(R"([[["Nope",[],[],[]]],[]])"); },
              ::testing::ThrowsMessage<UserError>(HasSubstr("instruction 0: unknown instruction kind 'Nope'")));
  EXPECT_THAT([&] { parse(R"([[["GetLoops",["b9"],[],["l0"]]],[]])"); },
              ::testing::ThrowsMessage<UserError>(HasSubstr("'b9' is not a random variable defined earlier")));
  EXPECT_THAT([&] { parse(R"([[["GetBlock",[],["C","main"],["b0"]]],[[0,1]]])"); },
              ::testing::ThrowsMessage<UserError>(HasSubstr("GetBlock has a decision but does not sample")));
  EXPECT_THAT([&] { parse(R"({"a": 1})"); }, ::testing::ThrowsMessage<UserError>(HasSubstr("top level")));
}

TEST(Schedule, QueriesFindProducersConsumersAndChildren) {
  Schedule sch(workloads::make_workload("c2d", {{"H", 8}, {"W", 8}, {"CO", 4}}), 1);
  BlockRV pad = sch.get_block("pad_temp");
  BlockRV conv = sch.get_block("conv2d_nhwc");
  auto producers = sch.get_producers(conv);
  ASSERT_EQ(producers.size(), 1u);
  EXPECT_EQ(sch.block_name(producers[0]), "pad_temp");
  auto consumers = sch.get_consumers(pad);
  ASSERT_EQ(consumers.size(), 1u);
  EXPECT_EQ(sch.block_name(consumers[0]), "conv2d_nhwc");
  EXPECT_TRUE(sch.get_producers(pad).empty());
  BlockRV root = sch.get_block("root");
  EXPECT_EQ(sch.get_child_blocks(root).size(), 2u);
  auto loops = sch.get_loops(conv);
  EXPECT_EQ(loops.size(), 7u);
  EXPECT_EQ(sch.get_child_blocks(loops[0]).size(), 1u);
  EXPECT_THAT([&] { sch.get_block("nope"); },
              ::testing::ThrowsMessage<ScheduleError>(HasSubstr("sch.get_block: no block named nope in function c2d")));
}

TEST(Schedule, CopiesForkIndependently) {
  Schedule a(small_gmm(), 5);
  a.get_block("C");
  Schedule b = a.copy();
  b.get_loops(BlockRV{1});
  EXPECT_EQ(a.trace().size(), 1u);
  EXPECT_EQ(b.trace().size(), 2u);
  // The same RNG state: the copies draw the same next decision.
  auto la = a.get_loops(BlockRV{1});
  auto lb = b.get_loops(BlockRV{1});
  EXPECT_EQ(a.get(a.sample_perfect_tile(la[0], 2)[0]), b.get(b.sample_perfect_tile(lb[0], 2)[0]));
}

TEST(Schedule, InvalidRandomVariables) {
  Schedule sch(small_gmm(), 5);
  testing::expect_throw<InvalidRVError>([&] { sch.get(BlockRV{7}); },
                                        "the block random variable #7 does not belong to this schedule");
  ExprRV v = sch.sample_categorical({3}, {1.0});
  testing::expect_throw<InvalidRVError>([&] { sch.get(LoopRV{v.id}); },  // an expr RV used as a loop
                                        "the loop random variable #1 does not belong to this schedule");
  EXPECT_EQ(sch.get(v), 3);
}

TEST(Schedule, QueryOnlyTraceRoundTrips) {
  Schedule sch(small_gmm(), 11, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.sample_perfect_tile(loops[2], 3, 4);
  sch.sample_categorical({0, 16}, {0.5, 0.5});
  testing::verify_trace_roundtrip(sch);
  testing::expect_equivalent(small_gmm(), sch.mod().at("gmm"));
}

}  // namespace
}  // namespace loom::sched
