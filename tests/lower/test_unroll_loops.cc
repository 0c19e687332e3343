// Tests of unroll_loops: small constant `unroll` loops replaced by copies of their bodies,
// the others kept for the code generator; every result against the interpreter, by hand and
// under random schedules of every zoo workload.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>

#include "../common/random_schedule.h"
#include "loom/lower/lower.h"
#include "loom/lower/simplify.h"
#include "loom/lower/unroll_loops.h"
#include "loom/workloads/zoo.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::contains_kind;
using testing::count_loops;
using testing::expect_func_equal;
using testing::expect_lowered_equivalent;

TEST(UnrollLoops, ASmallLoopBecomesItsCopiesInOrder) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((16,), "float32")):
    for i in range(4):
        for k in T.unroll(2, 5):
            C[i * 4 + k - 2] = C[i * 4 + k - 2] * T.float32(2) + A[i * 4 + k - 2]
)");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((16,), "float32")):
    for i in range(4):
        C[i * 4] = C[i * 4] * T.float32(2) + A[i * 4]
        C[i * 4 + 1] = C[i * 4 + 1] * T.float32(2) + A[i * 4 + 1]
        C[i * 4 + 2] = C[i * 4 + 2] * T.float32(2) + A[i * 4 + 2]
)");
  ir::PrimFunc after = unroll_loops(before);
  expect_func_equal(simplify(after), expected);
  expect_lowered_equivalent(before, after);
}

TEST(UnrollLoops, ALoopCarriedChainKeepsItsOrder) {
  // Each iteration reads what the previous one wrote: the copies must run in loop order.
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((9,), "float32")):
    for k in T.unroll(8):
        A[k + 1] = A[k + 1] + A[k] * T.float32(0.5)
)");
  ir::PrimFunc after = unroll_loops(before);
  EXPECT_FALSE(contains_kind(after, ir::NodeKind::For)) << script::print(after);
  expect_lowered_equivalent(before, after);
}

TEST(UnrollLoops, InnerLoopsAndLetsGetFreshVariablesInEachCopy) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32"), C: T.Buffer((64,), "float32")):
    for i in T.unroll(4):
        for j in T.unroll(2):
            for k in range(8):
                with T.LetStmt(i * 16 + j * 8 + k) as x:
                    C[x] = A[x] + T.float32(1)
)");
  ir::PrimFunc after = unroll_loops(before);
  // The inner unroll loop goes first, then the outer: 4 * 2 copies of the k loop.
  EXPECT_EQ(count_loops(after, ir::ForKind::Unrolled), 0);
  EXPECT_EQ(count_loops(after, ir::ForKind::Serial), 8) << script::print(after);
  std::vector<std::string> problems = ir::verify_well_formed(after);
  EXPECT_TRUE(problems.empty()) << problems.front() << "\n" << script::print(after);
  expect_lowered_equivalent(before, after);
}

TEST(UnrollLoops, LoopsThatDoNotQualifyKeepTheirKind) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((256,), "float32"), C: T.Buffer((256,), "float32"), n: T.int32):
    for i in T.unroll(128):
        C[i] = A[i] * T.float32(2)
    for i in T.unroll(n // 4):
        C[i] = C[i] + A[i]
    for i in T.unroll(4):
        with T.decl_buffer((4,), "float32") as S:
            for j in range(4):
                S[j] = A[i * 4 + j]
            for j in range(4):
                C[i * 4 + j] = S[3 - j]
)");
  ir::PrimFunc after = unroll_loops(before);
  // Too many iterations, a symbolic extent, an allocation in the body.
  EXPECT_EQ(count_loops(after, ir::ForKind::Unrolled), 3) << script::print(after);
  expect_func_equal(after, before);
}

TEST(UnrollLoops, TheLimitsAreOptions) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((16,), "float32")):
    for i in T.unroll(16):
        C[i] = A[i] + T.float32(1)
)");
  UnrollOptions few;
  few.max_extent = 8;
  EXPECT_EQ(count_loops(unroll_loops(before, few), ir::ForKind::Unrolled), 1);
  UnrollOptions small;
  small.max_nodes = 16 * 3;  // the body has more than 3 nodes
  EXPECT_EQ(count_loops(unroll_loops(before, small), ir::ForKind::Unrolled), 1);
  ir::PrimFunc after = unroll_loops(before);
  EXPECT_EQ(count_loops(after, ir::ForKind::Unrolled), 0);
  ASSERT_TRUE(after->body.as<ir::SeqStmtNode>() != nullptr);
  EXPECT_EQ(after->body.as<ir::SeqStmtNode>()->seq.size(), 16u);
  expect_lowered_equivalent(before, after);
}

TEST(UnrollLoops, AnEmptyLoopBecomesANoOp) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4,), "float32")):
    for i in T.unroll(0):
        A[i] = T.float32(1)
)");
  ir::PrimFunc after = unroll_loops(before);
  EXPECT_FALSE(contains_kind(after, ir::NodeKind::For));
  expect_lowered_equivalent(before, after);
}

TEST(UnrollLoops, RandomSchedulesOfEveryZooWorkloadUnrollToEquivalentFunctions) {
  constexpr int kSeeds = 12, kSteps = 5;
  sched::testing::Stats stats;
  int checked = 0, unrolled_loops = 0, kept_loops = 0;
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    ir::PrimFunc before = workloads::make_workload(info.name, sched::testing::small_shapes().at(info.name));
    for (int64_t seed = 0; seed < kSeeds; ++seed) {
      SCOPED_TRACE("workload " + info.name + ", seed " + std::to_string(seed));
      sched::Schedule sch(before, seed, sched::DebugMode::Off);
      sched::RandomEngine rng(seed * 104729 + 3);
      for (int step = 0; step < kSteps; ++step) sched::testing::random_step(sch, rng, stats);
      // Unroll the two innermost loops of a block, where unrolling is common.
      std::vector<sched::BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
      if (!blocks.empty()) {
        std::vector<sched::LoopRV> loops = sch.get_loops(blocks[sched::testing::pick(rng, blocks.size())]);
        for (size_t back = 1; back <= 2 && back <= loops.size(); ++back) {
          try {
            sched::call_primitive(sch, "unroll", {{sched::Value(loops[loops.size() - back])}, {}});
          } catch (const UserError&) {
          }
        }
      }
      ir::PrimFunc scheduled = sch.mod().at(sch.default_func());
      // The input of unroll_loops: the pipeline up to its first simplify.
      ir::PrimFunc simplified;
      LowerOptions options;
      options.after_pass = [&](const std::string& pass, const ir::PrimFunc& f) {
        if (pass == "simplify" && !simplified.defined()) simplified = f;
      };
      lower(scheduled, options);
      ASSERT_TRUE(simplified.defined());
      ir::PrimFunc after = unroll_loops(simplified);
      const int before_count = count_loops(simplified, ir::ForKind::Unrolled);
      const int after_count = count_loops(after, ir::ForKind::Unrolled);
      unrolled_loops += before_count - after_count;
      kept_loops += after_count;
      expect_lowered_equivalent(before, after, static_cast<uint64_t>(seed) + 1, 1e-4, 1e-4);
      ++checked;
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "failing schedule:\n" << sch.trace().as_python() << script::print(simplified);
        return;
      }
    }
  }
  std::cout << "unrolled " << unrolled_loops << " loops in " << checked << " functions, kept " << kept_loops
            << " (too large, symbolic or allocating)\n";
  EXPECT_GT(unrolled_loops, checked / 2) << "the test hardly unrolls anything";
}

}  // namespace
}  // namespace loom::lower
