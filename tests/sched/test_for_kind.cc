// Tests of the loop annotation primitives: parallel, vectorize, unroll, bind. Fixtures,
// trace round trips, interpreter equivalence, and every error path with its message and an
// unchanged schedule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_error;

using ::testing::HasSubstr;

const char* kMatmul = R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i, j, k in T.grid(16, 16, 16):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

void check(const Schedule& sch, const ir::PrimFunc& before, const char* expected) {
  testing::expect_func_equal(sch.mod().at("main"), script::parse_func(expected));
  testing::verify_trace_roundtrip(sch);
  testing::expect_equivalent(before, sch.mod().at("main"));
}

TEST(ForKind, ParallelVectorizeUnroll) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.parallel(loops[0]);
  sch.unroll(loops[2]);  // a reduction loop may be unrolled
  sch.vectorize(loops[1]);
  sch.parallel(loops[0]);  // again: the loop already has that kind
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.parallel(loop=l1)\n"
                                                 "sch.unroll(loop=l3)\n"
                                                 "sch.vectorize(loop=l2)\n"));
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i in T.parallel(16):
        for j in T.vectorized(16):
            for k in T.unroll(16):
                with T.block("C"):
                    vi, vj, vk = T.axis.remap("SSR", [i, j, k])
                    T.reads(A[vi, vk], B[vk, vj])
                    T.writes(C[vi, vj])
                    with T.init():
                        C[vi, vj] = T.float32(0)
                    C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(ForKind, BindThreadsAndCrossThreadReduction) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.bind(loops[0], "blockIdx.x");
  sch.bind(loops[1], "threadIdx.y");
  sch.bind(loops[2], "threadIdx.x");  // a reduction over threadIdx: a cross-thread reduction
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.bind(loop=l1, thread_axis=\"blockIdx.x\")\n"));
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i in T.thread_binding(16, thread="blockIdx.x"):
        for j in T.thread_binding(16, thread="threadIdx.y"):
            for k in T.thread_binding(16, thread="threadIdx.x"):
                with T.block("C"):
                    vi, vj, vk = T.axis.remap("SSR", [i, j, k])
                    T.reads(A[vi, vk], B[vk, vj])
                    T.writes(C[vi, vj])
                    with T.init():
                        C[vi, vj] = T.float32(0)
                    C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(ForKind, ReductionLoopsCannotRunInParallel) {
  Schedule sch(script::parse_func(kMatmul), 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  expect_error<ScheduleError>(
      sch, [&] { sch.parallel(loops[2]); },
      "sch.parallel: loop k is bound to the reduction iterator vk of block C; only loops over "
      "spatial iterators can be parallelized");
  expect_error<ScheduleError>(
      sch, [&] { sch.vectorize(loops[2]); },
      "sch.vectorize: loop k is bound to the reduction iterator vk of block C; only loops "
      "over spatial iterators can be vectorized");
  expect_error<ScheduleError>(
      sch, [&] { sch.bind(loops[2], "blockIdx.x"); },
      "sch.bind: loop k is bound to the reduction iterator vk of block C; only loops over "
      "spatial iterators can be bound to threads");
}

TEST(ForKind, ConflictingKindsAndBadThreadAxes) {
  Schedule sch(script::parse_func(kMatmul), 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.parallel(loops[0]);
  expect_error<ScheduleError>(
      sch, [&] { sch.vectorize(loops[0]); }, "sch.vectorize: loop i is already parallel, cannot vectorize it");
  expect_error<ScheduleError>(
      sch, [&] { sch.unroll(loops[0]); }, "sch.unroll: loop i is already parallel, cannot unroll it");
  sch.bind(loops[1], "threadIdx.x");
  expect_error<ScheduleError>(
      sch, [&] { sch.bind(loops[1], "threadIdx.y"); },
      "sch.bind: loop j is already bound to threadIdx.x, cannot bind it");
  expect_error<ScheduleError>(
      sch, [&] { sch.parallel(loops[1]); },
      "sch.parallel: loop j is already bound to threadIdx.x, cannot parallelize it");
  expect_error<ScheduleError>(
      sch, [&] { sch.bind(loops[2], "threadIdx.w"); },
      "sch.bind: \"threadIdx.w\" is not a thread axis (expected blockIdx.x/y/z, "
      "threadIdx.x/y/z or vthread), cannot bind loop k");
  sch.bind(loops[1], "threadIdx.x");  // the same binding again is accepted
}

TEST(ForKind, NonAffineBindingsAndOpaqueIterators) {
  Schedule sch(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32")):
    for i, j in T.grid(8, 8):
        with T.block("A"):
            vi = T.axis.spatial(64, i * j)
            A[vi] = T.float32(1)
)"),
               1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("A"));
  expect_error<ScheduleError>(
      sch, [&] { sch.parallel(loops[0]); },
      "sch.parallel: block A does not have an affine binding: its bindings are not an affine map of the loops "
      "above it");
  Schedule opaque(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32")):
    for i in range(8):
        with T.block("A"):
            vi = T.axis.opaque(8, i)
            A[vi] = T.float32(1)
)"),
                  1, DebugMode::Verify);
  auto l = opaque.get_loops(opaque.get_block("A"));
  expect_error<ScheduleError>(
      opaque, [&] { opaque.vectorize(l[0]); },
      "sch.vectorize: the loop nest under loop i has no compact data flow: block A is under it and it is neither a "
      "complete block (its iteration variable vi is not data parallel) nor a reduction block (it has no init)");
  opaque.unroll(l[0]);  // unrolling keeps the order: always allowed
}

}  // namespace
}  // namespace loom::sched
