// Tests of compute_inline and reverse_compute_inline: fixtures, error paths, interpreter
// equivalence and trace round trips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_error;

using ::testing::HasSubstr;

const char* kChain = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8), "float32")
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * 2.0
    for i0, i1, j in T.grid(4, 4, 8):
        with T.block("C"):
            vi = T.axis.spatial(16, i0 * 4 + i1)
            vj = T.axis.spatial(8, j)
            C[vi, vj] = B[vi, vj] + 1.0
)";

const char* kInlined = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    for i0, i1, j in T.grid(4, 4, 8):
        with T.block("C"):
            vi = T.axis.spatial(16, i0 * 4 + i1)
            vj = T.axis.spatial(8, j)
            C[vi, vj] = A[vi, vj] * 2.0 + 1.0
)";

const char* kReverseInlined = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = A[vi, vj] * 2.0 + 1.0
)";

// The consumer transposes and covers only part of the producer: a predicate restricts it.
const char* kTransposePart = R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), C: T.Buffer((4, 6), "float32")):
    B = T.alloc_buffer((8, 4), "float32")
    for i, j in T.grid(8, 4):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] + 1.0
    for j, i in T.grid(4, 6):
        with T.block("C"):
            vj, vi = T.axis.remap("SS", [j, i])
            C[vj, vi] = B[vi, vj] * B[vi, vj]
)";

const char* kTransposePartInlined = R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), C: T.Buffer((4, 6), "float32")):
    for i, j in T.grid(8, 4):
        with T.block("B"):
            T.where(i < 6)
            vi, vj = T.axis.remap("SS", [i, j])
            C[vj, vi] = (A[vi, vj] + 1.0) * (A[vi, vj] + 1.0)
)";

ir::PrimFunc parse(const char* text) { return script::parse_func(text); }

void expect_good(const Schedule& sch, const ir::PrimFunc& before) {
  testing::expect_equivalent(before, sch.mod().at(sch.default_func()));
  testing::verify_trace_roundtrip(sch);
}

TEST(ComputeInline, Fixture) {
  ir::PrimFunc before = parse(kChain);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  LoopRV i = sch.get_loops(b)[0];
  sch.compute_inline(b);
  testing::expect_func_equal(sch.mod().at("main"), parse(kInlined));
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.compute_inline(block=b0)"));
  expect_good(sch, before);
  try {
    sch.get(b);
    FAIL();
  } catch (const InvalidRVError& e) {
    EXPECT_THAT(e.what(), HasSubstr("block B no longer exists: it was removed by compute_inline"));
  }
  testing::expect_throw<InvalidRVError>([&] { sch.get(i); },
                                        "loop i no longer exists: it was removed by compute_inline");
}

TEST(ReverseComputeInline, Fixture) {
  ir::PrimFunc before = parse(kChain);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.reverse_compute_inline(sch.get_block("C"));
  testing::expect_func_equal(sch.mod().at("main"), parse(kReverseInlined));
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.reverse_compute_inline(block=b0)"));
  expect_good(sch, before);
}

TEST(ReverseComputeInline, TransposedPartialConsumerGetsAPredicate) {
  ir::PrimFunc before = parse(kTransposePart);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.reverse_compute_inline(sch.get_block("C"));
  testing::expect_func_equal(sch.mod().at("main"), parse(kTransposePartInlined));
  expect_good(sch, before);
}

TEST(ComputeInline, ElementwiseChainOfCbr) {
  ir::PrimFunc before = workloads::make_workload(
      "cbr", {{"N", 1}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}});
  Schedule sch(before, 0, DebugMode::Verify);
  sch.compute_inline(sch.get_block("pad_temp"));
  sch.compute_inline(sch.get_block("bias_add"));
  sch.compute_inline(sch.get_block("bn_mul"));
  sch.reverse_compute_inline(sch.get_block("relu"));
  // conv2d_nhwc then bn_add (now writing relu) remain.
  EXPECT_EQ(sch.mod().at("cbr")->body.as<ir::BlockRealizeNode>()->block->alloc_buffers.size(), 1u);
  expect_good(sch, before);
}

TEST(ComputeInline, Errors) {
  ir::PrimFunc sfm = workloads::make_workload("sfm", {{"M", 3}, {"N", 4}});
  Schedule sch(sfm, 0, DebugMode::Verify);
  BlockRV maxelem = sch.get_block("T_softmax_maxelem"), norm = sch.get_block("T_softmax_norm");
  BlockRV expb = sch.get_block("T_softmax_exp");
  expect_error(
      sch, [&] { sch.compute_inline(maxelem); },
      "sch.compute_inline: block T_softmax_maxelem is not a complete block: its iteration variable v_k is not "
      "data parallel");
  expect_error(
      sch, [&] { sch.compute_inline(norm); },
      "sch.compute_inline: block T_softmax_norm is an output block: it writes the parameter buffer T_softmax_norm "
      "of sfm");
  expect_error(
      sch, [&] { sch.reverse_compute_inline(norm); },
      "sch.reverse_compute_inline: block T_softmax_norm has 2 producer blocks; it must have exactly one");
  expect_error(
      sch, [&] { sch.reverse_compute_inline(expb); },
      "sch.reverse_compute_inline: block T_softmax_maxelem is not a complete block: its iteration variable v_k is not "
      "data parallel");
}

TEST(ComputeInline, BodyAndReaderErrors) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((4,), "float32"), D: T.Buffer((8,), "float32")):
    B = T.alloc_buffer((8,), "float32")
    E = T.alloc_buffer((4,), "float32")
    for i in range(8):
        with T.block("B"):
            vi = T.axis.spatial(8, i)
            B[vi] = A[vi] + 1.0
    for i in range(4):
        with T.block("E"):
            vi = T.axis.spatial(4, i)
            E[vi] = B[vi * 2]
    for i in range(4):
        with T.block("C"):
            vi = T.axis.spatial(4, i)
            C[vi] = E[vi] + B[vi]
    for i in range(8):
        with T.block("D"):
            vi = T.axis.spatial(8, i)
            D[vi] = A[vi]
)");
  Schedule sch(f, 0, DebugMode::Verify);
  BlockRV e = sch.get_block("E"), c = sch.get_block("C"), d = sch.get_block("D");
  expect_error(
      sch, [&] { sch.reverse_compute_inline(e); },
      "sch.reverse_compute_inline: buffer B written by B is also read by block C");
  expect_error(
      sch, [&] { sch.reverse_compute_inline(c); }, "block C has 2 producer blocks");
  expect_error(
      sch, [&] { sch.reverse_compute_inline(d); }, "block D has 0 producer blocks");
  // Both consumers take the inlined value, at their own indices.
  sch.compute_inline(sch.get_block("B"));
  expect_good(sch, f);
}

TEST(ComputeInline, StoreAtNonVariableIndex) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((4,), "float32")):
    B = T.alloc_buffer((8,), "float32")
    for i in range(4):
        with T.block("B"):
            vi = T.axis.spatial(4, i)
            B[vi * 2] = A[vi]
    for i in range(4):
        with T.block("C"):
            vi = T.axis.spatial(4, i)
            C[vi] = B[vi * 2]
)");
  Schedule sch(f, 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B"), c = sch.get_block("C");
  expect_error(
      sch, [&] { sch.compute_inline(b); },
      "sch.compute_inline: block B stores to B at indices that are not distinct iteration variables");
  expect_error(
      sch, [&] { sch.reverse_compute_inline(c); },
      "sch.reverse_compute_inline: block C must read B at one index tuple of distinct iteration variables");
}

}  // namespace
}  // namespace loom::sched
