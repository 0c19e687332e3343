// Block and loop analysis (loom/sched/analysis.h) and calling primitives by their Python
// name with Python-style arguments (loom/sched/call.h), the two services behind the
// plugin ABI.
#include <gtest/gtest.h>

#include "gmock/gmock.h"
#include "loom/sched/analysis.h"
#include "loom/sched/call.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using ::testing::HasSubstr;

Schedule gbr() {
  return Schedule(workloads::make_workload("gmm_bias_relu", {{"M", 8}, {"N", 8}, {"K", 4}}), 1, DebugMode::Verify);
}

TEST(Analysis, ClassifiesTheBlocksOfAFusedMatmul) {
  Schedule sch = gbr();
  BlockInfo matmul = analyze_block(sch, sch.get_block("matmul"));
  EXPECT_TRUE(matmul.is_reduction);
  EXPECT_FALSE(matmul.is_spatial);
  EXPECT_FALSE(matmul.is_elementwise);
  EXPECT_TRUE(matmul.has_init);
  EXPECT_TRUE(matmul.has_trivial_binding);
  EXPECT_FALSE(matmul.is_output);
  EXPECT_FALSE(matmul.is_root);
  EXPECT_EQ(matmul.n_iter_vars, 3);
  EXPECT_EQ(matmul.n_consumers, 1);
  EXPECT_EQ(matmul.n_producers, 0);
  EXPECT_FALSE(matmul.can_compute_inline);  // a reduction is not inlinable

  BlockInfo bias = analyze_block(sch, sch.get_block("bias_add"));
  EXPECT_TRUE(bias.is_spatial);
  EXPECT_FALSE(bias.is_reduction);
  EXPECT_FALSE(bias.is_elementwise);  // bias[v_j] is read at other indices than the write
  EXPECT_TRUE(bias.can_compute_inline);
  EXPECT_EQ(bias.n_producers, 1);
  EXPECT_EQ(bias.n_consumers, 1);

  BlockInfo relu = analyze_block(sch, sch.get_block("relu"));
  EXPECT_TRUE(relu.is_elementwise);
  EXPECT_TRUE(relu.is_output);
  EXPECT_FALSE(relu.can_compute_inline);  // writes a parameter
  EXPECT_TRUE(relu.can_reverse_compute_inline);

  BlockInfo root = analyze_block(sch, sch.get_block("root"));
  EXPECT_TRUE(root.is_root);
  // Analysis records nothing and changes nothing.
  EXPECT_EQ(sch.trace().size(), 4u);  // the four get_block calls
}

TEST(Analysis, TellsWhatALoopIterates) {
  Schedule sch = gbr();
  BlockRV matmul = sch.get_block("matmul");
  std::vector<LoopRV> loops = sch.get_loops(matmul);
  LoopInfo i = analyze_loop(sch, loops[0]);
  EXPECT_EQ(i.iter_kind, LoopIterKind::Spatial);
  EXPECT_EQ(i.extent, 8);
  EXPECT_EQ(i.min, 0);
  EXPECT_EQ(i.n_child_blocks, 1);  // blocks anywhere under the loop, not inside another block
  EXPECT_FALSE(i.is_only_child);   // the root's body has three loop nests
  LoopInfo j = analyze_loop(sch, loops[1]);
  EXPECT_TRUE(j.is_only_child);
  LoopInfo k = analyze_loop(sch, loops[2]);
  EXPECT_EQ(k.iter_kind, LoopIterKind::Reduce);
  EXPECT_EQ(k.extent, 4);
  EXPECT_EQ(k.n_child_blocks, 1);
  // A loop driving both a spatial and a reduction variable.
  LoopRV jk = sch.fuse({loops[1], loops[2]});
  EXPECT_EQ(analyze_loop(sch, jk).iter_kind, LoopIterKind::Mixed);
  sch.parallel(loops[0]);
  EXPECT_EQ(analyze_loop(sch, loops[0]).for_kind, ir::ForKind::Parallel);
}

TEST(CallPrimitive, BindsPositionalKeywordAndVariadicArgumentsLikePython) {
  Schedule sch = gbr();
  Value block = call_primitive(sch, "get_block", {{Value("matmul")}, {}});
  ASSERT_TRUE(block.is<BlockRV>());
  Value loops = call_primitive(sch, "get_loops", {{block}, {}});
  ASSERT_TRUE(loops.is<std::vector<Value>>());
  const auto& l = loops.as<std::vector<Value>>();
  ASSERT_EQ(l.size(), 3u);
  // factors as a keyword list with None.
  Value parts = call_primitive(sch, "split", {{l[0]}, {{"factors", Value(std::vector<Value>{Value(), Value(4)})}}});
  ASSERT_EQ(parts.as<std::vector<Value>>().size(), 2u);
  // *loops as positional arguments, like sch.reorder(k, j).
  call_primitive(sch, "reorder", {{l[2], l[1]}, {}});
  // A block name string where a block is expected records a get_block.
  size_t before = sch.trace().size();
  call_primitive(sch, "get_loops", {{Value("relu")}, {}});
  EXPECT_EQ(sch.trace().size(), before + 2);
  // Sampling with a decision.
  Value tiles = call_primitive(
      sch, "sample_perfect_tile",
      {{parts.as<std::vector<Value>>()[1], Value(2)}, {{"decision", Value(std::vector<Value>{Value(2), Value(2)})}}});
  EXPECT_EQ(sch.get(tiles.as<std::vector<Value>>()[0].as<ExprRV>()), 2);
  // The calls are recorded like C++ calls: replaying the trace gives the same module.
  testing::verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.reorder(l3, l2)"));
}

TEST(CallPrimitive, ArgumentErrorsNameThePrimitiveTheArgumentAndTheSignature) {
  Schedule sch = gbr();
  Value block = call_primitive(sch, "get_block", {{Value("matmul")}, {}});
  auto expect_argument_error = [&](const std::string& name, const CallArgs& args, const std::string& message,
                                   int arg_index, const std::string& kind = "ArgumentError") {
    size_t before = sch.trace().size();
    try {
      call_primitive(sch, name, args);
      ADD_FAILURE() << "expected an ArgumentError for " << name;
    } catch (const ArgumentError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message));
      EXPECT_EQ(e.arg_index(), arg_index);
      EXPECT_EQ(e.error_kind(), kind);
    }
    EXPECT_EQ(sch.trace().size(), before);
  };
  expect_argument_error("splitt", {}, "sch.splitt is not a schedule primitive; did you mean sch.split?", -1,
                        "UnknownPrimitive");
  expect_argument_error("get_loops", {}, "sch.get_loops: missing the required argument 'block'", -1);
  expect_argument_error("get_loops", {{block}, {{"blok", block}}}, "unexpected keyword argument 'blok'", 1);
  expect_argument_error("get_loops", {{block}, {{"block", block}}}, "got multiple values for argument 'block'", 1);
  expect_argument_error("get_loops", {{block, block}, {}}, "takes at most 1 arguments, got 2 positional ones", 1);
  expect_argument_error("parallel", {{block}, {}}, "argument 'loop' must be a loop, got a block", 0);
  // A primitive's own error passes through as a ScheduleError.
  testing::expect_error<ScheduleError>(
      sch,
      [&] {
        call_primitive(sch, "compute_inline", {{Value("relu")}, {}});
      },
      "sch.compute_inline: block relu is an output block: it writes the parameter buffer");
}

}  // namespace
}  // namespace loom::sched
