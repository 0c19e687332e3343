// The block analysis (loom/sched/analysis.h): one definition per property, TVM's. Each test
// pins a case where the copies the primitives used to carry disagreed, and checks that the
// primitives now agree with the is_x()/check_x() pair.
#include <gtest/gtest.h>

#include "gmock/gmock.h"
#include "loom/sched/analysis.h"
#include "loom/script/parser.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using ::testing::HasSubstr;

const ir::BlockNode* block_of(const Schedule& sch, const char* name) {
  return sch.get(const_cast<Schedule&>(sch).get_block(name)).get();
}

// Trivial binding: analyze_block used to accept any loop order (each binding some loop
// variable), reindex demanded the same order and loops over the domains. TVM's definition:
// the i-th binding is the i-th loop's variable; ranges and predicate are not part of it.
TEST(BlockAnalysis, TrivialBindingIsTheLoopsInOrder) {
  Schedule sch(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), B: T.Buffer((8, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    for i, j in T.grid(8, 8):
        with T.block("swapped"):
            vi, vj = T.axis.remap("SS", [j, i])
            B[vi, vj] = A[vi, vj]
    for i, j in T.grid(8, 8):
        with T.block("in_order"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj]
)"),
               0, DebugMode::Verify);
  const ir::PrimFunc& func = sch.mod().at("main");
  EXPECT_FALSE(is_trivial_binding(func, block_of(sch, "swapped")));
  EXPECT_FALSE(analyze_block(sch, sch.get_block("swapped")).has_trivial_binding);  // was true
  EXPECT_TRUE(is_trivial_binding(func, block_of(sch, "in_order")));
  EXPECT_TRUE(is_trivial_binding(func, block_of(sch, "root")));
  testing::expect_throw<NonTrivialBindingError>(
      [&] { check_trivial_binding("reindex", func, block_of(sch, "swapped")); },
      "sch.reindex: the bindings of block swapped are not trivial: its iteration variable vi is not bound to loop i");
  // reindex refuses it with the same error.
  BlockRV swapped = sch.get_block("swapped");
  testing::expect_schedule_error(
      sch, [&] { sch.reindex(swapped, BufferIndexType::Write, 0); }, "NonTrivialBinding",
      "its iteration variable vi is not bound to loop i");

  // A split leaves a loop more than iteration variables: not trivial (analyze_block agreed).
  BlockRV in_order = sch.get_block("in_order");
  sch.split(sch.get_loops(in_order)[0], std::vector<std::optional<int64_t>>{2, 4});
  EXPECT_FALSE(is_trivial_binding(sch.mod().at("main"), block_of(sch, "in_order")));
  EXPECT_THAT(analyze_block(sch, in_order).has_trivial_binding, false);
}

// Reduction block: compute_at.cc checked the write region's min only and no single writer;
// analysis.cc (and so decompose_reduction, rfactor, the rules) checked min and extent but not
// the single writer. TVM's: init, spatial/reduction variables, the only writer of its
// buffers, no reduction variable indexing the output (see analysis.h for affine bindings).
TEST(BlockAnalysis, AReductionBlockIsTheOnlyWriterOfItsOutput) {
  Schedule sch(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), C: T.Buffer((8,), "float32")):
    for i, k in T.grid(8, 8):
        with T.block("first"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + A[vi, vk]
    for i, k in T.grid(8, 8):
        with T.block("second"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + A[vi, vk] * T.float32(2)
)"),
               0, DebugMode::Verify);
  const ir::PrimFunc& func = sch.mod().at("main");
  EXPECT_FALSE(is_single_writer(func, block_of(sch, "first")));
  EXPECT_FALSE(is_reduction_block(func, block_of(sch, "first")));
  EXPECT_FALSE(analyze_block(sch, sch.get_block("first")).is_reduction);  // was true
  testing::expect_throw<NotReductionBlockError>(
      [&] { check_reduction_block("rfactor", func, block_of(sch, "first")); },
      "sch.rfactor: block first is not a reduction block: block second also writes a buffer it writes");
  BlockRV first = sch.get_block("first");
  LoopRV k = sch.get_loops(first)[1];
  testing::expect_schedule_error(
      sch, [&] { sch.decompose_reduction(first, k); }, "NotReductionBlock",
      "block first is not a reduction block: block second also writes a buffer it writes");
}

// Affine binding: one definition for reorder, parallel, vectorize and bind (they had a copy each).
TEST(BlockAnalysis, AffineBindingIsAnIterMapOfTheLoops) {
  Schedule sch(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), C: T.Buffer((8,), "float32")):
    for i, k in T.grid(8, 8):
        with T.block("C"):
            vi = T.axis.spatial(8, i)
            vk = T.axis.reduce(8, k * k % 8)
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + A[vi, vk]
)"),
               0, DebugMode::Verify);
  const ir::PrimFunc& func = sch.mod().at("main");
  EXPECT_FALSE(is_affine_binding(func, block_of(sch, "C")));
  EXPECT_TRUE(is_affine_binding(func, block_of(sch, "root")));
  testing::expect_throw<NotAffineBindingError>(
      [&] { check_affine_binding("reorder", func, block_of(sch, "C")); },
      "sch.reorder: block C does not have an affine binding: its bindings are not an affine map of the loops above "
      "it");
  std::vector<LoopRV> loops = sch.get_loops(sch.get_block("C"));
  testing::expect_schedule_error(
      sch,
      [&] {
        sch.reorder({loops[1], loops[0]});
      },
      "NotAffineBinding", "block C does not have an affine binding");
}

// A reduction block needs affine bindings (TVM's IsReductionBlock). A reduction fused and
// split again where the split point falls inside one of the fused loops (3 x 7 fused into
// 21, split by 3: the cut of the binding at 7 is inside the outer loop of extent 7) is still
// affine, so still a reduction block that rfactor and decompose_reduction accept.
TEST(BlockAnalysis, AReductionBlockHasAffineBindingsAndAReSplitFusedLoopIsAffine) {
  Schedule sch(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 3, 7), "float32"), C: T.Buffer((4,), "float32")):
    for i, k in T.grid(4, 8):
        with T.block("squared"):
            vi = T.axis.spatial(4, i)
            vk = T.axis.reduce(8, k * k % 8)
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + T.float32(1)
)"),
               0, DebugMode::Verify);
  const ir::PrimFunc& func = sch.mod().at("main");
  EXPECT_FALSE(is_reduction_block(func, block_of(sch, "squared")));
  testing::expect_throw<NotReductionBlockError>(
      [&] { check_reduction_block("rfactor", func, block_of(sch, "squared")); },
      "sch.rfactor: block squared is not a reduction block: its bindings are not an affine map of the loops above it");

  Schedule resplit(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 3, 7), "float32"), C: T.Buffer((4,), "float32")):
    for i, r, s in T.grid(4, 3, 7):
        with T.block("C"):
            vi, vr, vs = T.axis.remap("SRR", [i, r, s])
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + A[vi, vr, vs]
)"),
                   0, DebugMode::Verify);
  BlockRV c = resplit.get_block("C");
  std::vector<LoopRV> loops = resplit.get_loops(c);
  LoopRV fused = resplit.fuse({loops[1], loops[2]});
  std::vector<LoopRV> parts = resplit.split(fused, std::vector<std::optional<int64_t>>{std::nullopt, 3});
  EXPECT_TRUE(is_affine_binding(resplit.mod().at("main"), resplit.get(c).get()));
  EXPECT_TRUE(is_reduction_block(resplit.mod().at("main"), resplit.get(c).get()));
  Schedule rf = resplit;
  BlockRV rf_block = rf.rfactor(parts[1], 0);
  EXPECT_TRUE(rf.is_valid(rf_block));
  testing::expect_equivalent(resplit.original_mod().at("main"), rf.mod().at("main"), 3);
  BlockRV init = resplit.decompose_reduction(c, parts[0]);
  EXPECT_TRUE(resplit.is_valid(init));
  testing::expect_equivalent(resplit.original_mod().at("main"), resplit.mod().at("main"), 4);
}

// Complete block, compute_at's and compute_inline's copies: one definition and one error.
TEST(BlockAnalysis, CompleteBlockAndItsError) {
  Schedule sch(script::parse_func(testing::kTwoStageElementwise), 0, DebugMode::Verify);
  const ir::PrimFunc& func = sch.mod().at("main");
  EXPECT_TRUE(is_complete_block(func, block_of(sch, "B")));
  EXPECT_FALSE(is_complete_block(func, block_of(sch, "root")));
  EXPECT_TRUE(is_output_block(func, block_of(sch, "C")));
  EXPECT_FALSE(is_output_block(func, block_of(sch, "B")));
  testing::expect_throw<RootBlockError>([&] { check_not_root_block("compute_at", func, block_of(sch, "root")); },
                                        "sch.compute_at: block root is the root block of function main");
  testing::expect_throw<OutputBlockError>(
      [&] { check_not_output_block("compute_inline", func, block_of(sch, "C")); },
      "sch.compute_inline: block C is an output block: it writes the parameter buffer C of main");
}

// Compact data flow (TVM's, for parallel / vectorize / bind): every block under the loop is
// complete or a reduction block. Once a reduction's init is decomposed, the init block and
// the update both write the output, so neither is: the loop annotations used to accept such a
// nest (they checked the iterator types only). As in TVM, loops are annotated before
// reductions are decomposed (the postprocessors' order).
TEST(BlockAnalysis, ParallelNeedsCompactDataFlow) {
  Schedule sch(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), C: T.Buffer((8,), "float32")):
    for i, k in T.grid(8, 8):
        with T.block("C"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = C[vi] + A[vi, vk]
)"),
               0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  EXPECT_TRUE(is_compact_data_flow(sch.mod().at("main"), sch.get(loops[0])));
  sch.decompose_reduction(c, loops[1]);
  const ir::PrimFunc& func = sch.mod().at("main");
  EXPECT_FALSE(is_compact_data_flow(func, sch.get(loops[0])));
  testing::expect_schedule_error(
      sch, [&] { sch.parallel(loops[0]); }, "NotCompactDataFlow",
      "sch.parallel: the loop nest under loop i has no compact data flow: block C_init is under it and it is "
      "neither a complete block (block C also writes a buffer it writes) nor a reduction block (it has no init)");
}

// Legality probes run the primitive's checks: they agree with the primitive and record nothing.
TEST(BlockAnalysis, ProbesAgreeWithThePrimitivesAndRecordNothing) {
  Schedule sch(script::parse_func(testing::kTwoStageElementwise), 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B"), c = sch.get_block("C");
  std::vector<LoopRV> c_loops = sch.get_loops(c), b_loops = sch.get_loops(b);
  const size_t before = sch.trace().size();
  EXPECT_TRUE(can_compute_inline(sch, b));
  EXPECT_FALSE(can_compute_inline(sch, c));  // an output block
  EXPECT_TRUE(can_reverse_compute_inline(sch, c));
  EXPECT_FALSE(can_reverse_compute_inline(sch, b));  // B has no producer block
  EXPECT_TRUE(can_compute_at(sch, b, c_loops[1]));
  EXPECT_FALSE(can_compute_at(sch, c, b_loops[0]));     // an output block
  EXPECT_FALSE(can_compute_at(sch, b, b_loops[0]));     // its own loop
  EXPECT_FALSE(can_compute_at(sch, b, c_loops[1], 5));  // no such position
  EXPECT_EQ(sch.trace().size(), before);
  for (const auto& [block, loop, expect] :
       std::vector<std::tuple<BlockRV, LoopRV, bool>>{{b, c_loops[1], true}, {c, b_loops[0], false}}) {
    Schedule copy = sch;
    bool applied = true;
    try {
      copy.compute_at(block, loop);
    } catch (const ScheduleError&) {
      applied = false;
    }
    EXPECT_EQ(applied, expect);
  }
}

}  // namespace
}  // namespace loom::sched
