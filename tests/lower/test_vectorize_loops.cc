// Tests of vectorize_loops: vectorized loops become vector statements over Ramp / Broadcast
// when their body is lane-wise, serial loops otherwise (a reduction, a loop-carried
// dependence, a non-unit-stride store, an `if` or if_then_else on the loop variable, an
// inner loop); every result against the interpreter, by hand and under random schedules of
// every zoo workload.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>

#include "../common/random_schedule.h"
#include "loom/lower/lower.h"
#include "loom/lower/vectorize_loops.h"
#include "loom/workloads/zoo.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::contains_kind;
using testing::count_loops;
using testing::expect_func_equal;
using testing::expect_lowered_equivalent;

/// The number of stores of a vector value.
int count_vector_stores(const ir::PrimFunc& f) {
  int n = 0;
  ir::post_order_visit(f->body, [&](const ir::Object* o) {
    if (o->kind() == ir::NodeKind::BufferStore && static_cast<const ir::BufferStoreNode*>(o)->value.dtype().lanes() > 1)
      ++n;
  });
  return n;
}

/// Vectorizes `before`, expects `expected` (structurally), and the interpreter to agree.
void expect_vectorized(const std::string& before_text, const std::string& expected_text) {
  ir::PrimFunc before = script::parse_func(before_text);
  ir::PrimFunc after = vectorize_loops(before);
  expect_func_equal(after, script::parse_func(expected_text));
  expect_lowered_equivalent(before, after);
}

/// Expects `before` to keep its loop, now serial, and the interpreter to agree.
void expect_serial_fallback(const std::string& before_text) {
  ir::PrimFunc before = script::parse_func(before_text);
  ir::PrimFunc after = vectorize_loops(before);
  EXPECT_EQ(count_loops(after, ir::ForKind::Vectorized), 0) << script::print(after);
  EXPECT_EQ(count_vector_stores(after), 0) << script::print(after);
  EXPECT_FALSE(contains_kind(after, ir::NodeKind::Ramp)) << script::print(after);
  expect_lowered_equivalent(before, after);
}

TEST(VectorizeLoops, ElementwiseLoopBecomesOneVectorStoreWithRampIndices) {
  expect_vectorized(R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32"), C: T.Buffer((64,), "float32")):
    for i in range(8):
        for j in T.vectorized(8):
            C[i * 8 + j] = A[i * 8 + j] + B[i * 8 + j]
)",
                    R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32"), C: T.Buffer((64,), "float32")):
    for i in range(8):
        C[T.Ramp(i * 8, 1, 8)] = A[T.Ramp(i * 8, 1, 8)] + B[T.Ramp(i * 8, 1, 8)]
)");
}

TEST(VectorizeLoops, InvariantsAreBroadcastAndStridedLoadsAreRampsOfTheirStride) {
  // B[i] and S[0] do not use j: scalars broadcast; A[j * 8 + i] is a stride-8 ramp (a gather).
  expect_vectorized(R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32"), B: T.Buffer((8,), "float32"), C: T.Buffer((64,), "float32"), S: T.Buffer((1,), "float32")):
    for i in range(8):
        for j in T.vectorized(2, 10):
            C[i * 8 + j - 2] = A[(j - 2) * 8 + i] * B[i] + S[0]
)",
                    R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32"), B: T.Buffer((8,), "float32"), C: T.Buffer((64,), "float32"), S: T.Buffer((1,), "float32")):
    for i in range(8):
        C[T.Ramp(i * 8, 1, 8)] = A[T.Ramp(i, 8, 8)] * T.Broadcast(B[i], 8) + T.Broadcast(S[0], 8)
)");
}

TEST(VectorizeLoops, SelectsCastsIntrinsicsAndComparisonsAreLaneWise) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((32,), "float32"), B: T.Buffer((32,), "int32"), C: T.Buffer((32,), "float32")):
    for j in T.vectorized(16):
        C[j] = T.Select(A[j] < T.float32(0), T.exp(A[j]), T.Cast("float32", B[j] % 3 + j)) + T.max(A[j + 16], T.float32(0.5))
    for j in T.vectorized(16):
        C[j + 16] = T.Cast("float32", j // 4)
)");
  ir::PrimFunc after = vectorize_loops(before);
  EXPECT_FALSE(contains_kind(after, ir::NodeKind::For)) << script::print(after);
  EXPECT_EQ(count_vector_stores(after), 2);
  expect_lowered_equivalent(before, after);
}

TEST(VectorizeLoops, StatementsOfOneLaneWiseBodyAndAnInvariantIfVectorize) {
  // The lowered init guard (`if k == 0`) does not use j: a uniform branch.
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((128,), "float32"), B: T.Buffer((128,), "float32"), C: T.Buffer((32,), "float32"), D: T.Buffer((32,), "float32")):
    for k in range(4):
        for j in T.vectorized(32):
            if k == 0:
                C[j] = T.float32(0)
            C[j] = C[j] + A[k * 32 + j] * B[j * 4 + k]
            D[j] = C[j] * T.float32(2)
)");
  ir::PrimFunc after = vectorize_loops(before);
  EXPECT_EQ(count_loops(after, ir::ForKind::Serial), 1) << script::print(after);
  EXPECT_EQ(count_vector_stores(after), 3) << script::print(after);
  expect_lowered_equivalent(before, after);
}

TEST(VectorizeLoops, AReductionIntoOneElementStaysASerialLoop) {
  expect_serial_fallback(R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32"), C: T.Buffer((8,), "float32")):
    for i in range(8):
        for k in T.vectorized(8):
            C[i] = C[i] + A[i * 8 + k]
)");
}

TEST(VectorizeLoops, ALoopCarriedDependenceStaysASerialLoop) {
  // Lane j reads what lane j - 1 wrote.
  expect_serial_fallback(R"(
@T.prim_func
def main(A: T.Buffer((17,), "float32")):
    for j in T.vectorized(16):
        A[j + 1] = A[j] * T.float32(0.5) + T.float32(1)
)");
  // Lane j reads what lane j + 1 is about to overwrite (a shift down).
  expect_serial_fallback(R"(
@T.prim_func
def main(A: T.Buffer((17,), "float32"), B: T.Buffer((16,), "float32")):
    for j in T.vectorized(16):
        A[j] = A[j + 1] + B[j]
)");
}

TEST(VectorizeLoops, ANonUnitStrideStoreStaysASerialLoop) {
  expect_serial_fallback(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((32,), "float32")):
    for j in T.vectorized(16):
        C[j * 2] = A[j]
)");
}

TEST(VectorizeLoops, AnIfOrIfThenElseOnTheLoopVariableStaysASerialLoop) {
  expect_serial_fallback(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((16,), "float32")):
    for j in T.vectorized(16):
        if j < 10:
            C[j] = A[j] + T.float32(1)
)");
  expect_serial_fallback(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((16,), "float32")):
    for j in T.vectorized(16):
        C[j] = T.if_then_else(j < 12, A[j + 4], T.float32(0))
)");
}

TEST(VectorizeLoops, InnerLoopsAndSymbolicOrLargeExtentsStaySerialButInnerLoopsVectorize) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((1024,), "float32"), C: T.Buffer((1024,), "float32")):
    for i in T.vectorized(4):
        for j in T.vectorized(8):
            C[i * 8 + j] = A[i * 8 + j] * T.float32(3)
    for i in range(4):
        for j in T.vectorized(i + 1):
            C[i * 8 + j + 32] = A[i * 8 + j + 32]
    for j in T.vectorized(512):
        C[j + 512] = A[j + 512]
)");
  ir::PrimFunc after = vectorize_loops(before);
  EXPECT_EQ(count_loops(after, ir::ForKind::Vectorized), 0);
  EXPECT_EQ(count_loops(after, ir::ForKind::Serial), 4) << script::print(after);
  EXPECT_EQ(count_vector_stores(after), 1) << script::print(after);
  expect_lowered_equivalent(before, after);
}

TEST(VectorizeLoops, RandomSchedulesOfEveryZooWorkloadVectorizeToEquivalentFunctions) {
  constexpr int kSeeds = 12, kSteps = 5;
  sched::testing::Stats stats;
  int checked = 0, vectorized = 0, fallbacks = 0;
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    ir::PrimFunc before = workloads::make_workload(info.name, sched::testing::small_shapes().at(info.name));
    for (int64_t seed = 0; seed < kSeeds; ++seed) {
      SCOPED_TRACE("workload " + info.name + ", seed " + std::to_string(seed));
      sched::Schedule sch(before, seed, sched::DebugMode::Off);
      sched::RandomEngine rng(seed * 7907 + 11);
      for (int step = 0; step < kSteps; ++step) sched::testing::random_step(sch, rng, stats);
      // Vectorize the innermost loop of every block, where vectorizing is common.
      for (const sched::BlockRV& block : sch.get_child_blocks(sch.get_block("root"))) {
        std::vector<sched::LoopRV> loops = sch.get_loops(block);
        if (loops.empty()) continue;
        try {
          sched::call_primitive(sch, "vectorize", {{sched::Value(loops.back())}, {}});
        } catch (const UserError&) {
        }
      }
      ir::PrimFunc scheduled = sch.mod().at(sch.default_func());
      // The input of vectorize_loops: the pipeline up to the pass before it.
      ir::PrimFunc input, output;
      LowerOptions options;
      options.after_pass = [&](const std::string& pass, const ir::PrimFunc& f) {
        if (pass == "vectorize_loops") output = f;
        if (!output.defined()) input = f;
      };
      try {
        lower(scheduled, options);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "lowering failed: " << e.what() << "\n" << sch.trace().as_python() << script::print(scheduled);
        return;
      }
      ASSERT_TRUE(output.defined());
      EXPECT_EQ(count_loops(output, ir::ForKind::Vectorized), 0);
      const int loops_in = count_loops(input, ir::ForKind::Vectorized);
      const int vector_stores = count_vector_stores(output);
      vectorized += vector_stores > 0 ? 1 : 0;
      fallbacks += loops_in > 0 && vector_stores == 0 ? 1 : 0;
      expect_lowered_equivalent(before, output, static_cast<uint64_t>(seed) + 1, 1e-4, 1e-4);
      ++checked;
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "failing schedule:\n" << sch.trace().as_python() << script::print(input);
        return;
      }
    }
  }
  std::cout << "vectorized " << vectorized << " of " << checked << " functions; " << fallbacks
            << " with vectorized loops all left serial\n";
  EXPECT_GT(vectorized, checked / 4) << "the test hardly vectorizes anything";
  EXPECT_GT(fallbacks, 0) << "the test never exercises the serial fallback";
}

}  // namespace
}  // namespace loom::lower
