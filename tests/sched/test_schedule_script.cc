// Tests of applying schedule scripts: printed traces read back into identical traces and
// modules (hand-picked and random schedules on zoo workloads), every argument form, and
// every error path with its line:column and message, leaving the schedule unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "fmt/format.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/printer.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using ::testing::HasSubstr;

ir::PrimFunc small_gmm() { return workloads::make_workload("gmm", {{"M", 64}, {"N", 32}, {"K", 16}}); }

/// Applies `text` to a fresh schedule of `func` and returns the schedule.
Schedule applied(const ir::PrimFunc& func, const std::string& text, int64_t seed = 1) {
  Schedule sch(func, seed, DebugMode::Verify);
  apply_schedule_script(sch, text, "sched.py");
  return sch;
}

/// The printed trace of `sch`, applied as a script to a fresh schedule of its original
/// module, records the same script and gives the same module.
void expect_script_roundtrip(const Schedule& sch) {
  const std::string text = sch.trace().as_python();
  Schedule again(sch.original_mod(), 99, DebugMode::Verify);
  try {
    apply_schedule_script(again, text, "trace.py");
  } catch (const UserError& e) {
    FAIL() << "the printed trace does not apply: " << e.what() << "\n" << text;
  }
  EXPECT_EQ(again.trace().as_python(), text);
  EXPECT_EQ(again.trace().to_json(), sch.trace().to_json());
  const std::string func = sch.default_func();
  testing::expect_func_equal(again.mod().at(func), sch.mod().at(func));
}

TEST(ScheduleScript, PrintedTraceOfQueriesAndSamplingReadsBack) {
  Schedule sch(small_gmm(), 7, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  sch.sample_perfect_tile(loops[0], 3, 8);
  sch.sample_partitioned_tile(loops[1], 2, 1, 4);
  sch.sample_categorical({1, 2, 4}, {0.25, 0.25, 0.5});
  sch.get_child_blocks(loops[2]);
  sch.get_producers(c);
  sch.get_consumers(c);
  expect_script_roundtrip(sch);
  testing::verify_trace_roundtrip(sch);
}

TEST(ScheduleScript, TVMStyleLinesApply) {
  Schedule sch = applied(small_gmm(),
                         "b0 = sch.get_block(name=\"C\", func_name=\"gmm\")\n"
                         "l1, l2, l3 = sch.get_loops(block=b0)\n"
                         "v4, v5 = sch.sample_perfect_tile(loop=l1, n=2, max_innermost_factor=16, decision=[4, 16])\n"
                         "v6 = sch.sample_categorical(candidates=[0, 16, 64], probs=[0.5, 0.25, 0.25], decision=2)\n");
  EXPECT_EQ(sch.trace().as_python(),
            "b0 = sch.get_block(name=\"C\", func_name=\"gmm\")\n"
            "l1, l2, l3 = sch.get_loops(block=b0)\n"
            "v4, v5 = sch.sample_perfect_tile(loop=l1, n=2, max_innermost_factor=16, decision=[4, 16])\n"
            "v6 = sch.sample_categorical(candidates=[0, 16, 64], probs=[0.5, 0.25, 0.25], decision=2)\n");
  testing::verify_trace_roundtrip(sch);
}

TEST(ScheduleScript, PositionalAndKeywordArgumentsRecordTheSameTrace) {
  std::string expected = applied(small_gmm(),
                                 "b0 = sch.get_block(name=\"C\", func_name=\"gmm\")\n"
                                 "l1, l2, l3 = sch.get_loops(block=b0)\n"
                                 "v4, v5 = sch.sample_perfect_tile(loop=l1, n=2, max_innermost_factor=16, "
                                 "decision=[4, 16])\n")
                             .trace()
                             .as_python();
  // Positional, with the decision positional too; defaults filled in.
  EXPECT_EQ(applied(small_gmm(),
                    "b = sch.get_block(\"C\", \"gmm\")\n"
                    "i, j, k = sch.get_loops(b)\n"
                    "a, c = sch.sample_perfect_tile(i, 2, 16, [4, 16])\n")
                .trace()
                .as_python(),
            expected);
  // Mixed, default max_innermost_factor (16) and default func_name.
  EXPECT_EQ(applied(small_gmm(),
                    "b = sch.get_block(\"C\")\n"
                    "i, j, k = sch.get_loops(block=b)\n"
                    "a, c = sch.sample_perfect_tile(i, n=2, decision=[4, 16])\n")
                .trace()
                .as_python(),
            expected);
}

TEST(ScheduleScript, BlockNameStringsAndNestedCallsRecordGetBlock) {
  const std::string expected =
      "b0 = sch.get_block(name=\"C\", func_name=\"gmm\")\n"
      "l1, l2, l3 = sch.get_loops(block=b0)\n";
  EXPECT_EQ(applied(small_gmm(), "i, j, k = sch.get_loops(\"C\")\n").trace().as_python(), expected);
  EXPECT_EQ(applied(small_gmm(), "i, j, k = sch.get_loops(block=\"C\")\n").trace().as_python(), expected);
  EXPECT_EQ(applied(small_gmm(), "i, j, k = sch.get_loops(sch.get_block(\"C\"))\n").trace().as_python(), expected);
  // A block name for block_or_loop, and get_producers / get_consumers.
  ir::PrimFunc sfm = workloads::make_workload("sfm", {{"M", 8}, {"N", 8}});
  Schedule sch = applied(sfm,
                         "p = sch.get_producers(\"T_softmax_norm\")\n"
                         "c = sch.get_consumers(\"T_softmax_maxelem\")\n");
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("b0 = sch.get_block(name=\"T_softmax_norm\", func_name=\"sfm\")\n"
                                                 "b1, b2 = sch.get_producers(block=b0)\n"));
  testing::verify_trace_roundtrip(sch);
}

TEST(ScheduleScript, ReturnsVariablesSingleNamesHoldListsAndIndexing) {
  Schedule sch(small_gmm(), 3);
  ScriptVariables vars = apply_schedule_script(sch,
                                               "b0 = sch.get_block(\"C\")\n"
                                               "loops = sch.get_loops(b0)\n"
                                               "tiles = sch.sample_perfect_tile(loops[-3], n=2, decision=[8, 8])\n"
                                               "(inner,) = sch.sample_perfect_tile(loops[2], n=1)\n"
                                               "factor = 16\n"
                                               "alias = tiles\n"
                                               "first = alias[0]\n");
  ASSERT_TRUE(vars.count("loops"));
  ASSERT_TRUE(vars.at("loops").is<std::vector<Value>>());
  const auto& loops = vars.at("loops").as<std::vector<Value>>();
  ASSERT_EQ(loops.size(), 3u);
  EXPECT_EQ(sch.loop_var(loops[0].as<LoopRV>()).name(), "i");
  EXPECT_EQ(sch.get(vars.at("inner").as<ExprRV>()), 16);  // K = 16, one factor
  EXPECT_EQ(vars.at("factor"), Value(int64_t{16}));
  EXPECT_EQ(sch.get(vars.at("first").as<ExprRV>()), 8);
  EXPECT_EQ(vars.at("alias"), vars.at("tiles"));
  EXPECT_EQ(sch.trace().as_python(),
            "b0 = sch.get_block(name=\"C\", func_name=\"gmm\")\n"
            "l1, l2, l3 = sch.get_loops(block=b0)\n"
            "v4, v5 = sch.sample_perfect_tile(loop=l1, n=2, max_innermost_factor=16, decision=[8, 8])\n"
            "(v6,) = sch.sample_perfect_tile(loop=l3, n=1, max_innermost_factor=16, decision=[16])\n");
}

TEST(ScheduleScript, SamplingWithoutDecisionUsesTheScheduleRNG) {
  const std::string text =
      "l0, l1, l2 = sch.get_loops(\"C\")\n"
      "t = sch.sample_perfect_tile(l0, n=3, max_innermost_factor=8)\n"
      "c = sch.sample_categorical([1, 2, 3, 4], [0.25, 0.25, 0.25, 0.25])\n";
  std::set<std::string> traces;
  for (int64_t seed = 1; seed <= 12; ++seed) {
    Schedule a = applied(small_gmm(), text, seed), b = applied(small_gmm(), text, seed);
    EXPECT_EQ(a.trace().as_python(), b.trace().as_python()) << "seed " << seed;
    EXPECT_EQ(a.trace().decisions().size(), 2u);
    traces.insert(a.trace().as_python());
    expect_script_roundtrip(a);
  }
  EXPECT_GT(traces.size(), 3u) << "different seeds should sample different decisions";
}

TEST(ScheduleScript, DefWrapperCommentsAndImports) {
  Schedule sch = applied(small_gmm(),
                         "# from tvm import tir\n"
                         "from tvm import tir\n"
                         "\n"
                         "def apply_trace(s: tir.Schedule) -> None:\n"
                         "    # queries\n"
                         "    b0 = s.get_block(name=\"C\", func_name=\"gmm\")\n"
                         "\n"
                         "    l1, l2, l3 = s.get_loops(block=b0)  # the three loops\n");
  EXPECT_EQ(sch.trace().as_python(),
            "b0 = sch.get_block(name=\"C\", func_name=\"gmm\")\n"
            "l1, l2, l3 = sch.get_loops(block=b0)\n");
}

TEST(ScheduleScript, AppliesOnTopOfAnExistingTrace) {
  Schedule sch(small_gmm(), 1);
  sch.get_block("C");
  apply_schedule_script(sch, "l = sch.get_loops(\"C\")\n");
  EXPECT_EQ(sch.trace().size(), 3u);
}

// ---- errors ------------------------------------------------------------------------

struct ScriptFailure {
  int line = 0;
  int column = 0;
  std::string message;
  std::string primitive;
  std::string kind;
  std::string what;
};

/// Applies `text` to a small GMM schedule that already holds one instruction, expects a
/// ScheduleScriptError, and checks that the schedule was left unchanged.
ScriptFailure fail_script(const std::string& text) {
  Schedule sch(small_gmm(), 5, DebugMode::Verify);
  sch.get_block("C");
  const ir::IRModule mod_before = sch.mod();
  const std::string trace_before = sch.trace().as_python();
  const int64_t rng_before = sch.rng().state();
  ScriptFailure out;
  try {
    apply_schedule_script(sch, text, "sched.py");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const ScheduleScriptError& e) {
    EXPECT_EQ(e.file(), "sched.py");
    out = {e.line(), e.column(), e.message(), e.primitive(), e.error_kind(), e.what()};
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a ScheduleScriptError: " << e.what();
  }
  EXPECT_TRUE(ir::structural_equal(sch.mod().at("gmm"), mod_before.at("gmm")));
  EXPECT_EQ(sch.trace().as_python(), trace_before);
  EXPECT_EQ(sch.rng().state(), rng_before);
  return out;
}

void expect_failure(const std::string& text, int line, int column, const std::string& message,
                    const std::string& primitive, const std::string& kind) {
  ScriptFailure f = fail_script(text);
  EXPECT_EQ(f.line, line) << f.what;
  EXPECT_EQ(f.column, column) << f.what;
  EXPECT_THAT(f.message, HasSubstr(message)) << f.what;
  EXPECT_EQ(f.primitive, primitive) << f.what;
  EXPECT_EQ(f.kind, kind) << f.what;
}

// ---- primitives that change the IR: the script gives what the C++ API gives ---------

/// Expects the script schedule to match the C++ one (trace and module), to keep the
/// kernel's meaning, and to round-trip through its printed trace and JSON.
void expect_same_as_cpp(const Schedule& from_script, const Schedule& from_cpp) {
  EXPECT_EQ(from_script.trace().as_python(), from_cpp.trace().as_python());
  const std::string func = from_cpp.default_func();
  testing::expect_func_equal(from_script.mod().at(func), from_cpp.mod().at(func));
  testing::expect_equivalent(from_cpp.original_mod().at(func), from_script.mod().at(func));
  testing::verify_trace_roundtrip(from_script);
  expect_script_roundtrip(from_script);
}

TEST(ScheduleScriptPrimitives, CacheReadAndCacheWrite) {
  Schedule cpp(small_gmm(), 1, DebugMode::Verify);
  BlockRV c = cpp.get_block("C");
  cpp.cache_read(c, 0, "shared");
  cpp.cache_write(c, 0, "local");
  Schedule script = applied(small_gmm(),
                            "b = sch.get_block(\"C\")\n"
                            "a_shared = sch.cache_read(b, 0, \"shared\")\n"
                            "sch.cache_write(block=b, write_buffer_index=0, storage_scope=\"local\")\n");
  expect_same_as_cpp(script, cpp);
}

TEST(ScheduleScriptPrimitives, BlockNamesInsideAListOfBlocks) {
  ir::PrimFunc func = workloads::make_workload("gmm_bias_relu", {{"M", 8}, {"N", 8}, {"K", 4}});
  Schedule cpp(func, 1, DebugMode::Verify);
  BlockRV b0 = cpp.get_block("bias_add");
  BlockRV b1 = cpp.get_block("bias_add");
  cpp.cache_read(b0, 0, "shared", {b1});
  Schedule script = applied(func, "sch.cache_read(\"bias_add\", 0, \"shared\", consumer_blocks=[\"bias_add\"])\n");
  expect_same_as_cpp(script, cpp);
}

TEST(ScheduleScriptPrimitives, ComputeInlineAndComputeAt) {
  ir::PrimFunc func = workloads::make_workload("gmm_bias_relu", {{"M", 8}, {"N", 8}, {"K", 4}});
  Schedule cpp(func, 1, DebugMode::Verify);
  cpp.compute_inline(cpp.get_block("bias_add"));
  std::vector<LoopRV> loops = cpp.get_loops(cpp.get_block("relu"));
  cpp.compute_at(cpp.get_block("matmul"), loops[1], false, -1);
  Schedule script = applied(func,
                            "sch.compute_inline(\"bias_add\")\n"
                            "i, j = sch.get_loops(\"relu\")\n"
                            "sch.compute_at(\"matmul\", j)\n");
  expect_same_as_cpp(script, cpp);
}

TEST(ScheduleScriptPrimitives, SampledComputeLocation) {
  ir::PrimFunc func = workloads::make_workload("gmm_bias_relu", {{"M", 8}, {"N", 8}, {"K", 4}});
  for (int64_t decision : {-1, 0, 1}) {
    SCOPED_TRACE(::testing::Message() << "decision " << decision);
    Schedule cpp(func, 1, DebugMode::Verify);
    BlockRV m = cpp.get_block("matmul");
    LoopRV at = cpp.sample_compute_location(m, decision);
    cpp.compute_at(m, at);
    Schedule script = applied(func, fmt::format("b = sch.get_block(\"matmul\")\n"
                                                "l = sch.sample_compute_location(b, decision={})\n"
                                                "sch.compute_at(b, l)\n",
                                                decision));
    expect_same_as_cpp(script, cpp);
  }
}

// The hand-written GMM schedule of the issue: tile, reorder, cache, parallelize, vectorize,
// unroll (and annotate), with positional lists, *args calls and keyword arguments.
TEST(ScheduleScriptPrimitives, HandWrittenGmmSchedule) {
  Schedule cpp(small_gmm(), 1, DebugMode::Verify);
  BlockRV b0 = cpp.get_block("C");
  std::vector<LoopRV> l = cpp.get_loops(b0);
  std::vector<LoopRV> is = cpp.split(l[0], std::vector<std::optional<int64_t>>{std::nullopt, 8});
  std::vector<LoopRV> js = cpp.split(l[1], std::vector<std::optional<int64_t>>{4, 8});
  std::vector<LoopRV> ks = cpp.split(l[2], std::vector<std::optional<int64_t>>{std::nullopt, 4});
  cpp.reorder({is[0], js[0], ks[0], is[1], ks[1], js[1]});
  BlockRV cw = cpp.cache_write(b0, 0, "local");
  cpp.reverse_compute_at(cw, js[0]);
  BlockRV ar = cpp.cache_read(b0, 0, "shared");
  cpp.compute_at(ar, ks[0]);
  LoopRV ij = cpp.fuse({is[0], js[0]});
  cpp.parallel(ij);
  cpp.vectorize(js[1]);
  cpp.unroll(ks[1]);
  cpp.annotate(b0, "meta_schedule.tiling_structure", Value("SSRSRS"));

  Schedule script = applied(small_gmm(),
                            "# Tile, reorder, cache, parallelize, vectorize and unroll a matmul.\n"
                            "b0 = sch.get_block(\"C\")\n"
                            "i, j, k = sch.get_loops(b0)\n"
                            "i0, i1 = sch.split(i, factors=[None, 8])\n"
                            "j0, j1 = sch.split(j, [4, 8])\n"
                            "k0, k1 = sch.split(loop=k, factors=(None, 4))\n"
                            "sch.reorder(i0, j0, k0, i1, k1, j1)\n"
                            "cw = sch.cache_write(b0, 0, \"local\")\n"
                            "sch.reverse_compute_at(cw, j0)\n"
                            "a_shared = sch.cache_read(b0, 0, storage_scope=\"shared\")\n"
                            "sch.compute_at(a_shared, k0, preserve_unit_loops=False)\n"
                            "ij = sch.fuse(i0, j0)\n"
                            "sch.parallel(ij)\n"
                            "sch.vectorize(loop=j1)\n"
                            "sch.unroll(k1)\n"
                            "sch.annotate(b0, \"meta_schedule.tiling_structure\", \"SSRSRS\")\n");
  expect_same_as_cpp(script, cpp);
  EXPECT_THAT(script.trace().as_python(), HasSubstr("sch.reorder(l4, l6, l8, l5, l9, l7)"));
  const std::string printed = script::print(script.mod().at("gmm"));
  EXPECT_THAT(printed, HasSubstr("T.parallel(32)"));
  EXPECT_THAT(printed, HasSubstr("T.vectorized(8)"));
  EXPECT_THAT(printed, HasSubstr("T.unroll(4)"));
}

TEST(ScheduleScriptPrimitives, SampledTilesFeedSplit) {
  Schedule sch = applied(small_gmm(),
                         "i, j, k = sch.get_loops(\"C\")\n"
                         "v = sch.sample_perfect_tile(i, n=3, max_innermost_factor=4, decision=[4, 4, 4])\n"
                         "i0, i1, i2 = sch.split(i, factors=v)\n"
                         "t0, t1 = sch.sample_perfect_tile(j, n=2)\n"
                         "j0, j1 = sch.split(j, [t0, t1])\n");
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("l7, l8, l9 = sch.split(loop=l1, factors=[v4, v5, v6]"));
  testing::expect_equivalent(sch.original_mod().at("gmm"), sch.mod().at("gmm"));
  testing::verify_trace_roundtrip(sch);
  expect_script_roundtrip(sch);
}

TEST(ScheduleScriptErrors, PrimitiveErrorsKeepTheirKind) {
  expect_failure("b = sch.get_block(\"C\")\nsch.cache_read(b, 5, \"shared\")\n", 2, 1,
                 "sch.cache_read: block C has 2 read buffers, read_buffer_index 5 is out of range", "cache_read",
                 "BufferIndexOutOfRange");
  expect_failure("sch.cache_write(\"C\", 0, \"weird\")\n", 1, 1, "sch.cache_write: ", "cache_write",
                 "InvalidStorageScope");
}

TEST(ScheduleScriptErrors, UnknownPrimitive) {
  expect_failure("b = sch.get_block(\"C\")\nl = sch.get_loop(b)\n", 2, 5,
                 "sch.get_loop is not a schedule primitive; did you mean sch.get_loops?", "get_loop",
                 "UnknownPrimitive");
  expect_failure("sch.frobnicate()\n", 1, 1,
                 "sch.frobnicate is not a schedule primitive (the primitives are: ", "frobnicate", "UnknownPrimitive");
  ScriptFailure f = fail_script("sch.frobnicate()\n");
  EXPECT_THAT(f.message, HasSubstr("get_loops"));
  EXPECT_THAT(f.message, HasSubstr("sample_perfect_tile"));
}

TEST(ScheduleScriptErrors, ArgumentsThatDoNotBind) {
  expect_failure("b = sch.get_block(\"C\", \"gmm\", 3)\n", 1, 31,
                 "sch.get_block: takes at most 2 arguments, got 3 positional ones; the signature is "
                 "sch.get_block(name, func_name)",
                 "get_block", "ArgumentError");
  expect_failure("b = sch.get_block()\n", 1, 5, "sch.get_block: missing the required argument 'name'", "get_block",
                 "ArgumentError");
  expect_failure("b = sch.get_block(\"C\", nme=\"C\")\n", 1, 24, "sch.get_block: unexpected keyword argument 'nme'",
                 "get_block", "ArgumentError");
  expect_failure("b = sch.get_block(\"C\", name=\"C\")\n", 1, 24,
                 "sch.get_block: got multiple values for argument 'name'", "get_block", "ArgumentError");
  expect_failure("b = sch.get_block(\"C\", decision=1)\n", 1, 24, "unexpected keyword argument 'decision'", "get_block",
                 "ArgumentError");
  expect_failure("l = sch.get_loops(\"C\")\nt = sch.sample_perfect_tile(l[0], 2, 16, [4, 16], 5)\n", 2, 51,
                 "sch.sample_perfect_tile: takes at most 4 arguments, got 5 positional ones; the signature is "
                 "sch.sample_perfect_tile(loop, n, max_innermost_factor, decision)",
                 "sample_perfect_tile", "ArgumentError");
}

TEST(ScheduleScriptErrors, ArgumentsOfTheWrongKind) {
  expect_failure("b = sch.get_block(\"C\")\nt = sch.sample_perfect_tile(b, n=2)\n", 2, 29,
                 "sch.sample_perfect_tile: argument 'loop' must be a loop, got block b", "sample_perfect_tile",
                 "ArgumentError");
  expect_failure(
      "i, j, k = sch.get_loops(\"C\")\nl = sch.get_loops(j)\n", 2, 19,
      "sch.get_loops: argument 'block' must be a block (a block variable or a block name string), got loop j",
      "get_loops", "ArgumentError");
  expect_failure("l = sch.get_loops(\"C\")\nt = sch.sample_perfect_tile(l, n=2)\n", 2, 29,
                 "sch.sample_perfect_tile: argument 'loop' must be a loop, got a list of 3 values",
                 "sample_perfect_tile", "ArgumentError");
  expect_failure("l = sch.get_loops(\"C\")\nt = sch.sample_perfect_tile(l[0], n=l[1])\n", 2, 35,
                 "sch.sample_perfect_tile: argument 'n' must be a literal value, got loop l[1]", "sample_perfect_tile",
                 "ArgumentError");
  expect_failure("l = sch.get_loops(\"C\")\nt = sch.sample_perfect_tile(l[0], n=\"two\")\n", 2, 5,
                 "sch.sample_perfect_tile: n must be an integer, got \"two\"", "sample_perfect_tile", "ArgumentError");
  expect_failure("l = sch.get_loops(\"C\")\nt = sch.sample_perfect_tile(l[0], n=2, decision=l)\n", 2, 40,
                 "the decision must be a literal value", "sample_perfect_tile", "ArgumentError");
  expect_failure("l = sch.get_loops(7)\n", 1, 19,
                 "argument 'block' must be a block (a block variable or a block name "
                 "string), got 7",
                 "get_loops", "ArgumentError");
}

TEST(ScheduleScriptErrors, PrimitivesThatChangeTheIR) {
  expect_failure("i, j, k = sch.get_loops(\"C\")\nsch.fuse(i, k)\n", 2, 1,
                 "sch.fuse: loop i is not the parent of loop k, cannot fuse", "fuse", "OuterNotInnerParent");
  expect_failure("b = sch.get_block(\"C\")\nsch.parallel(b)\n", 2, 14,
                 "sch.parallel: argument 'loop' must be a loop, got block b", "parallel", "ArgumentError");
  expect_failure("i, j, k = sch.get_loops(\"C\")\nsch.reorder(i, \"C\")\n", 2, 13,
                 "sch.reorder: argument 'ordered_loops' must be a loop, got the string \"C\"", "reorder",
                 "ArgumentError");
  expect_failure("i, j, k = sch.get_loops(\"C\")\nsch.split(i, factors=7)\n", 2, 14,
                 "sch.split: argument 'factors' must be a list, got 7", "split", "ArgumentError");
  // The loop fused away no longer exists.
  expect_failure("i, j, k = sch.get_loops(\"C\")\nf = sch.fuse(i, j)\nsch.parallel(i)\n", 3, 1,
                 "sch.parallel: loop i no longer exists: it was removed by fuse", "parallel", "InvalidRV");
}

TEST(ScheduleScriptErrors, UnknownBlockName) {
  expect_failure("l = sch.get_loops(\"D\")\n", 1, 19,
                 "sch.get_block: no block named D in function gmm (the block name \"D\" given to sch.get_loops)",
                 "get_block", "BlockNotFound");
  expect_failure("b = sch.get_block(\"D\")\n", 1, 5, "sch.get_block: no block named D in function gmm", "get_block",
                 "BlockNotFound");
}

TEST(ScheduleScriptErrors, UndefinedNamesAndBadIndexing) {
  expect_failure("l = sch.get_loops(b9)\n", 1, 19, "name 'b9' is not defined", "", "NameError");
  expect_failure("l = sch.get_loops(\"C\")\nt = sch.sample_perfect_tile(l[3], n=2)\n", 2, 29,
                 "index 3 is out of range for a list of 3 values", "", "IndexError");
  expect_failure("b = sch.get_block(\"C\")\nt = sch.get_loops(b[0])\n", 2, 19, "cannot index block b: it is not a list",
                 "", "IndexError");
}

TEST(ScheduleScriptErrors, UnpackingTheWrongNumberOfValues) {
  expect_failure("i, j = sch.get_loops(\"C\")\n", 1, 1,
                 "cannot unpack sch.get_loops(...) into 2 names: it returned 3 values", "", "UnpackError");
  expect_failure("(b,) = sch.get_block(\"C\")\n", 1, 1,
                 "cannot unpack sch.get_block(...) into 1 names: it is an unnamed block, not a list", "",
                 "UnpackError");
}

TEST(ScheduleScriptErrors, BadDecisions) {
  expect_failure("l = sch.get_loops(\"C\")\n\nt = sch.sample_perfect_tile(l[0], n=2, decision=[3, 21])\n", 3, 5,
                 "sch.sample_perfect_tile: decision [3, 21] is not a valid tiling", "sample_perfect_tile",
                 "InvalidDecision");
  expect_failure("c = sch.sample_categorical([1, 2], [0.5, 0.5], decision=2)\n", 1, 5,
                 "sch.sample_categorical: decision 2 is not an index into 2 candidates", "sample_categorical",
                 "InvalidDecision");
  expect_failure("c = sch.sample_categorical([1, 2], [0.5, 0.5], decision=\"x\")\n", 1, 5,
                 "sch.sample_categorical: decision must be an integer", "sample_categorical", "ArgumentError");
}

TEST(ScheduleScriptErrors, AFailureAfterSuccessfulLinesChangesNothing) {
  // Three lines succeed, the fourth fails: the schedule keeps its one instruction.
  ScriptFailure f = fail_script(
      "l = sch.get_loops(\"C\")\n"
      "t = sch.sample_perfect_tile(l[0], n=2)\n"
      "c = sch.sample_categorical([1, 2], [0.5, 0.5])\n"
      "sch.get_loops(\"nope\")\n");
  EXPECT_EQ(f.line, 4);
  EXPECT_THAT(f.what, HasSubstr("sched.py:4:15: sch.get_block: no block named nope"));
  EXPECT_THAT(f.what, HasSubstr("\n    sch.get_loops(\"nope\")\n                  ^"));
}

TEST(ScheduleScriptErrors, SyntaxErrorsAreParseErrors) {
  Schedule sch(small_gmm(), 1);
  try {
    apply_schedule_script(sch, "l = sch.get_loops(\"C\"\n", "sched.py");
    FAIL();
  } catch (const script::ParseError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_THAT(e.message(), HasSubstr("expected ')'"));
  }
  EXPECT_EQ(sch.trace().size(), 0u);
}

// ---- random schedules ----------------------------------------------------------------

/// The names of the non-root blocks of a function.
std::vector<std::string> block_names(const ir::PrimFunc& func) {
  std::vector<std::string> names;
  ir::post_order_visit(func->body, [&](const ir::Object* node) {
    if (node->kind() != ir::NodeKind::Block) return;
    const auto* b = static_cast<const ir::BlockNode*>(node);
    if (b->name != "root") names.push_back(b->name);
  });
  return names;
}

/// Builds a random schedule of queries, sampling, caching, compute location and loop
/// transformations in C++ from `seed`.
Schedule random_schedule(const ir::PrimFunc& func, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  Schedule sch(func, seed, DebugMode::Verify);
  std::vector<std::string> names = block_names(func);
  std::vector<BlockRV> blocks;
  std::vector<LoopRV> loops;
  for (int step = 0; step < 20; ++step) {
    try {
      switch (pick(15)) {
        case 0:
        case 1:
          blocks.push_back(sch.get_block(names[pick(names.size())]));
          break;
        case 2:
          if (!blocks.empty()) {
            for (LoopRV l : sch.get_loops(blocks[pick(blocks.size())])) loops.push_back(l);
          }
          break;
        case 3:
          if (!loops.empty())
            sch.sample_perfect_tile(loops[pick(loops.size())], 1 + static_cast<int>(pick(3)), pick(2) ? 4 : -1);
          break;
        case 4:
          if (!loops.empty()) sch.sample_partitioned_tile(loops[pick(loops.size())], 2, static_cast<int>(pick(2)), 2);
          break;
        case 5:
          sch.sample_categorical({1, 2, 4, 8}, {0.1, 0.2, 0.3, 0.4});
          break;
        case 6:
          if (!blocks.empty()) {
            BlockRV b = blocks[pick(blocks.size())];
            for (BlockRV x : pick(2) ? sch.get_producers(b) : sch.get_consumers(b)) blocks.push_back(x);
          }
          break;
        case 7:
          if (!loops.empty()) {
            for (BlockRV x : sch.get_child_blocks(loops[pick(loops.size())])) blocks.push_back(x);
          }
          break;
        case 8:
        case 9:
          if (!blocks.empty()) {
            static const char* const kScopes[] = {"global", "shared", "local"};
            BlockRV b = blocks[pick(blocks.size())];
            int index = static_cast<int>(pick(3));
            const std::string scope = kScopes[pick(3)];
            blocks.push_back(pick(2) ? sch.cache_read(b, index, scope) : sch.cache_write(b, index, scope));
          }
          break;
        case 10:
          if (!blocks.empty()) sch.compute_inline(blocks[pick(blocks.size())]);
          break;
        case 11:
          if (!blocks.empty()) {
            BlockRV b = blocks[pick(blocks.size())];
            sch.compute_at(b, sch.sample_compute_location(b));
          }
          break;
        case 12:
          if (!loops.empty()) {
            LoopRV l = loops[pick(loops.size())];
            std::vector<ExprRV> tiles = sch.sample_perfect_tile(l, 2, 4);
            for (LoopRV x : sch.split(l, std::vector<std::optional<ExprRV>>(tiles.begin(), tiles.end())))
              loops.push_back(x);
          }
          break;
        case 13:
          if (loops.size() >= 2) {
            size_t a = pick(loops.size());
            loops.push_back(sch.fuse({loops[a], loops[(a + 1) % loops.size()]}));
          }
          break;
        case 14:
          if (!loops.empty()) {
            LoopRV l = loops[pick(loops.size())];
            if (pick(2)) {
              sch.parallel(l);
            } else {
              sch.unroll(l);
            }
          }
          break;
      }
    } catch (const ScheduleError&) {
      // A call that does not apply (no tiling satisfies, ...): skipped, as a user would.
    }
  }
  return sch;
}

TEST(ScheduleScriptProperty, RandomPrintedTracesReadBackIdentically) {
  const std::vector<std::pair<std::string, std::map<std::string, int64_t>>> zoo = {
      {"gmm", {{"M", 16}, {"N", 8}, {"K", 12}}},
      {"c2d", {{"H", 8}, {"W", 8}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"sfm", {{"M", 6}, {"N", 8}}},
      {"cbr", {{"H", 6}, {"W", 6}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"tbg", {{"S", 4}, {"H", 2}, {"D", 4}}},
      {"nrm", {{"M", 4}, {"N", 6}}},
      {"gmm_bias_relu", {{"M", 8}, {"N", 8}, {"K", 4}}},
  };
  int checked = 0, changes = 0;
  for (const auto& [name, overrides] : zoo) {
    ir::PrimFunc func = workloads::make_workload(name, overrides);
    for (uint32_t seed = 1; seed <= 15; ++seed) {
      SCOPED_TRACE(::testing::Message() << "workload " << name << ", seed " << seed);
      Schedule sch = random_schedule(func, seed);
      expect_script_roundtrip(sch);
      ++checked;
      for (const Instruction& inst : sch.trace().instructions()) changes += inst.kind->pure ? 0 : 1;
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_EQ(checked, 105);
  EXPECT_GT(changes, 100) << "the random schedules should exercise primitives that change the IR";
}

}  // namespace
}  // namespace loom::sched

namespace loom::sched {
namespace {

// `sch.reorder()` is what Schedule::reorder({}) records: Python's *args may be empty, so the
// script form of that trace must read back.
TEST(ScheduleScriptPrimitives, EmptyVariadicArgumentsReadBack) {
  Schedule sch(workloads::make_workload("gmm", {{"M", 8}, {"N", 8}, {"K", 4}}), 1, DebugMode::Verify);
  sch.reorder({});
  ASSERT_EQ(sch.trace().as_python(), "sch.reorder()\n");
  Schedule again(sch.original_mod(), 1, DebugMode::Verify);
  apply_schedule_script(again, sch.trace().as_python(), "empty.py");
  EXPECT_EQ(again.trace().as_python(), sch.trace().as_python());
}

}  // namespace
}  // namespace loom::sched
