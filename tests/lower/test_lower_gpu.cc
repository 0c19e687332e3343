// The GPU lowering pipeline (lower::lower_gpu): scheduled functions with thread bindings,
// lowered and run in the interpreter's SIMT mode, must compute what the sequential
// interpreter computes on the scheduled function, with no data race; and the schedules a
// GPU cannot run as written are refused with a message naming what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loom/interp/interpreter.h"
#include "loom/interp/simt.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/thread_tag.h"
#include "loom/ir/visitor.h"
#include "loom/lower/lower.h"
#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using ::testing::HasSubstr;

ir::PrimFunc parse(const std::string& text) { return script::parse_func(text, "gpu_test"); }

/// Runs `lowered` in SIMT mode and `original` sequentially on the same random inputs;
/// expects equal parameters and no race. Returns the SIMT report.
interp::SimtReport expect_simt_equivalent(const ir::PrimFunc& original, const ir::PrimFunc& lowered, uint64_t seed = 1,
                                          double tol = 1e-4) {
  std::vector<interp::NDArray> want = interp::run_random(original, seed);
  std::vector<interp::NDArray> base = interp::random_params(original, seed);
  std::vector<interp::NDArray> shapes = interp::allocate_params(lowered);
  EXPECT_EQ(base.size(), shapes.size());
  std::vector<interp::NDArray> got;
  for (size_t i = 0; i < base.size(); ++i) got.push_back(testing::reshaped(base[i], shapes[i].shape()));
  std::vector<interp::Arg> args(got.begin(), got.end());
  interp::SimtOptions options;
  options.throw_on_race = false;
  interp::SimtReport report;
  try {
    report = interp::run_simt(lowered, args, options);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "SIMT run fails: " << e.what() << "\n" << script::print(lowered);
    return report;
  }
  EXPECT_EQ(report.race_count, 0u) << (report.races.empty() ? "" : report.races[0].to_string()) << "\n"
                                   << script::print(lowered);
  for (size_t i = 0; i < want.size() && i < got.size(); ++i) {
    interp::CompareResult r = interp::allclose(testing::reshaped(got[i], want[i].shape()), want[i], tol, tol);
    EXPECT_TRUE(r.ok) << "parameter " << i << ": " << r.message << "\n" << script::print(lowered);
  }
  return report;
}

/// The number of calls of `op` in `func`.
int count_calls(const ir::PrimFunc& func, ir::Intrinsic op) {
  int n = 0;
  ir::post_order_visit(func->body, [&](const ir::Object* o) {
    if (o->kind() == ir::NodeKind::Call && static_cast<const ir::CallNode*>(o)->op == op) ++n;
  });
  return n;
}

/// `func` without its barriers.
ir::PrimFunc without_barriers(const ir::PrimFunc& func) {
  class Remover : public ir::IRMutator {
   protected:
    using ir::IRMutator::visit;
    ir::Stmt visit(const ir::EvaluateNode* op) override {
      const auto* call = op->value.as<ir::CallNode>();
      if (call && call->op == ir::Intrinsic::storage_sync) return ir::EvaluateNode::make(ir::make_int(0));
      return ir::IRMutator::visit(op);
    }
  };
  Remover r;
  return func.with_body(r.mutate(func->body));
}

std::string lowering_error(const ir::PrimFunc& f) {
  try {
    lower_gpu(f);
  } catch (const GpuLoweringError& e) {
    return e.what();
  }
  return "";
}

const char* const kElementwise = R"(
@T.prim_func
def f(A: T.Buffer((1000,), "float32"), B: T.Buffer((1000,), "float32")):
    for i in range(1000):
        with T.block("B"):
            vi = T.axis.spatial(1000, i)
            B[vi] = A[vi] * T.float32(2) + T.float32(1)
)";

TEST(LowerGpu, BoundElementwiseIsOneKernelWithItsLaunchExtents) {
  ir::PrimFunc f = parse(kElementwise);
  sched::Schedule sch(f);
  auto loops = sch.get_loops(sch.get_block("B"));
  auto parts = sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 128});
  sch.bind(parts[0], "blockIdx.x");
  sch.bind(parts[1], "threadIdx.x");
  ir::PrimFunc scheduled = sch.mod().at("f");
  ir::PrimFunc lowered = lower_gpu(scheduled);
  interp::SimtReport report = expect_simt_equivalent(f, lowered);
  EXPECT_EQ(report.kernels, 1u);
  ir::LaunchExtents e = ir::launch_extents(lowered->body);
  EXPECT_EQ(e.grid[0], 8);
  EXPECT_EQ(e.block[0], 128);
}

TEST(LowerGpu, UnboundStatementsBecomeOneThreadKernels) {
  ir::PrimFunc f = parse(kElementwise);
  ir::PrimFunc lowered = lower_gpu(f);
  interp::SimtReport report = expect_simt_equivalent(f, lowered);
  EXPECT_EQ(report.kernels, 1u);
  ir::LaunchExtents e = ir::launch_extents(lowered->body);
  EXPECT_EQ(e.grid[0], 1);
  EXPECT_EQ(e.block[0], 1);
}

TEST(LowerGpu, TwoStagesAreTwoKernelsAroundAGlobalBuffer) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), C: T.Buffer((256,), "float32")):
    B = T.alloc_buffer((256,), "float32")
    for i in range(256):
        with T.block("B"):
            vi = T.axis.spatial(256, i)
            B[vi] = A[vi] + T.float32(1)
    for i in range(256):
        with T.block("C"):
            vi = T.axis.spatial(256, i)
            C[vi] = B[255 - vi] * T.float32(3)
)");
  sched::Schedule sch(f);
  for (const char* name : {"B", "C"}) {
    auto loops = sch.get_loops(sch.get_block(name));
    auto parts = sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 64});
    sch.bind(parts[0], "blockIdx.x");
    sch.bind(parts[1], "threadIdx.x");
  }
  ir::PrimFunc lowered = lower_gpu(sch.mod().at("f"));
  interp::SimtReport report = expect_simt_equivalent(f, lowered);
  EXPECT_EQ(report.kernels, 2u);
  const auto* alloc = lowered->body.as<ir::AllocateNode>();
  ASSERT_NE(alloc, nullptr) << script::print(lowered);
  EXPECT_EQ(alloc->buffer->scope, "global");
}

TEST(LowerGpu, WorkOutsideTheThreadLoopsRunsOnOneThread) {
  // The store to C[0] lies outside the threadIdx loop: every thread would run it.
  ir::PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32"), C: T.Buffer((4,), "float32")):
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        for tx in T.thread_binding(16, thread="threadIdx.x"):
            with T.block("B"):
                vi = T.axis.spatial(64, bx * 16 + tx)
                B[vi] = A[vi] + T.float32(1)
        with T.block("C"):
            vb = T.axis.spatial(4, bx)
            C[vb] = A[vb * 16] * T.float32(2)
)");
  ir::PrimFunc lowered = lower_gpu(f);
  expect_simt_equivalent(f, lowered);
}

const char* const kSharedReversal = R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), B: T.Buffer((256,), "float32")):
    S = T.alloc_buffer((256,), "float32", scope="shared")
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            with T.block("S"):
                vi = T.axis.spatial(256, bx * 64 + tx)
                S[vi] = A[vi]
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            with T.block("B"):
                vb, vt = T.axis.remap("SS", [bx, tx])
                B[vb * 64 + vt] = S[vb * 64 + 63 - vt] * T.float32(2)
)";

TEST(LowerGpu, SharedMemoryGetsABarrierAndTheRaceDetectorCatchesItsAbsence) {
  ir::PrimFunc f = parse(kSharedReversal);
  ir::PrimFunc lowered = lower_gpu(f);
  expect_simt_equivalent(f, lowered);
  EXPECT_EQ(count_calls(lowered, ir::Intrinsic::storage_sync), 1) << script::print(lowered);

  ir::PrimFunc racy = without_barriers(lowered);
  std::vector<interp::NDArray> args = interp::random_params(f, 1);
  std::vector<interp::Arg> a(args.begin(), args.end());
  interp::SimtOptions options;
  options.throw_on_race = false;
  interp::SimtReport report = interp::run_simt(racy, a, options);
  ASSERT_GT(report.race_count, 0u);
  EXPECT_THAT(report.races[0].to_string(), HasSubstr("no barrier between them"));
}

TEST(LowerGpu, ALoopOverSharedTilesGetsBarriersOnBothSides) {
  // Each iteration of k writes the tile, then reads it: a barrier before the reads and one
  // before the next iteration's writes.
  ir::PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((8, 128), "float32"), B: T.Buffer((128,), "float32")):
    S = T.alloc_buffer((32,), "float32", scope="shared")
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        for k in range(8):
            for tx in T.thread_binding(32, thread="threadIdx.x"):
                with T.block("S"):
                    vb, vk, vi = T.axis.remap("SSS", [bx, k, tx])
                    S[vi] = A[vk, vb * 32 + vi]
            for tx in T.thread_binding(32, thread="threadIdx.x"):
                with T.block("B"):
                    vb, vk, vi = T.axis.remap("SSS", [bx, k, tx])
                    B[vb * 32 + vi] = B[vb * 32 + vi] + S[31 - vi]
)");
  ir::PrimFunc lowered = lower_gpu(f);
  expect_simt_equivalent(f, lowered);
  EXPECT_EQ(count_calls(lowered, ir::Intrinsic::storage_sync), 2) << script::print(lowered);
}

/// Row sums of a 16 x K matrix, rows on blockIdx.x (or blockIdx.x x threadIdx.y), the
/// reduction split into (ko, tx) with tx bound to threadIdx.x of extent `threads`.
ir::PrimFunc row_reduction(const std::string& combine, int64_t k, int64_t threads, bool rows_on_ty,
                           ir::PrimFunc* original) {
  std::string init = combine == "max" ? "T.float32(-1e30)" : "T.float32(0)";
  std::string update = combine == "max" ? "T.max(B[vi], A[vi, vk])" : "B[vi] + A[vi, vk]";
  std::string text = R"(
@T.prim_func
def f(A: T.Buffer((16, K), "float32"), B: T.Buffer((16,), "float32")):
    for i, k in T.grid(16, K):
        with T.block("B"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                B[vi] = INIT
            B[vi] = UPDATE
)";
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t pos; (pos = text.find(from)) != std::string::npos;) text.replace(pos, from.size(), to);
  };
  replace("K", std::to_string(k));
  replace("INIT", init);
  replace("UPDATE", update);
  *original = parse(text);
  sched::Schedule sch(*original);
  auto loops = sch.get_loops(sch.get_block("B"));
  if (rows_on_ty) {
    auto rows = sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 4});
    sch.bind(rows[0], "blockIdx.x");
    sch.bind(rows[1], "threadIdx.y");
  } else {
    sch.bind(loops[0], "blockIdx.x");
  }
  auto red = sch.split(loops[1], std::vector<std::optional<int64_t>>{std::nullopt, threads});
  sch.bind(red[1], "threadIdx.x");
  return sch.mod().at("f");
}

TEST(LowerGpu, CrossThreadReductionsWithinAWarp) {
  for (int64_t threads : {4, 16, 32}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ir::PrimFunc original;
    ir::PrimFunc scheduled = row_reduction("sum", 96, threads, false, &original);
    ir::PrimFunc lowered = lower_gpu(scheduled);
    expect_simt_equivalent(original, lowered);
    EXPECT_GT(count_calls(lowered, ir::Intrinsic::warp_shuffle_down), 0);
    EXPECT_EQ(count_calls(lowered, ir::Intrinsic::storage_sync), 0) << script::print(lowered);
  }
}

TEST(LowerGpu, CrossThreadReductionsBeyondAWarpUseSharedMemory) {
  for (int64_t threads : {64, 128, 256}) {
    for (const char* combine : {"sum", "max"}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + " " + combine);
      ir::PrimFunc original;
      ir::PrimFunc scheduled = row_reduction(combine, 512, threads, false, &original);
      ir::PrimFunc lowered = lower_gpu(scheduled);
      expect_simt_equivalent(original, lowered, 3);
      EXPECT_GE(count_calls(lowered, ir::Intrinsic::storage_sync), 1) << script::print(lowered);
    }
  }
}

TEST(LowerGpu, CrossThreadReductionsWithSeveralGroupsPerBlock) {
  for (int64_t threads : {8, 64}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ir::PrimFunc original;
    ir::PrimFunc scheduled = row_reduction("sum", 192, threads, true, &original);
    ir::PrimFunc lowered = lower_gpu(scheduled);
    expect_simt_equivalent(original, lowered, 5);
  }
}

TEST(LowerGpu, CrossThreadReductionWithAPartialLastTile) {
  // K = 100 over 32 threads: the split's predicate keeps the last tile in bounds.
  ir::PrimFunc original;
  ir::PrimFunc scheduled = row_reduction("sum", 100, 32, false, &original);
  expect_simt_equivalent(original, lower_gpu(scheduled), 7);
}

TEST(LowerGpu, CrossThreadReductionsTheyCannotLowerAreRefusedByName) {
  ir::PrimFunc original;
  ir::PrimFunc scheduled = row_reduction("sum", 96, 24, false, &original);
  EXPECT_THAT(lowering_error(scheduled), HasSubstr("cross-thread reduction block B cannot be lowered: the extent of "
                                                   "its thread loop"));
}

TEST(LowerGpu, VirtualThreadsBecomeSerialLoops) {
  ir::PrimFunc f = parse(kElementwise);
  sched::Schedule sch(f);
  auto loops = sch.get_loops(sch.get_block("B"));
  auto parts = sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 4, 2, 25});
  sch.bind(parts[0], "blockIdx.x");
  sch.bind(parts[1], "vthread.x");
  sch.bind(parts[2], "threadIdx.x");
  ir::PrimFunc lowered = lower_gpu(sch.mod().at("f"));
  expect_simt_equivalent(f, lowered);
  bool vthread_left = false;
  ir::post_order_visit(lowered->body, [&](const ir::Object* o) {
    if (o->kind() != ir::NodeKind::For) return;
    std::optional<ir::ThreadTag> tag = ir::thread_tag_of(static_cast<const ir::ForNode*>(o));
    vthread_left = vthread_left || (tag && tag->rank == ir::ThreadRank::VThread);
  });
  EXPECT_FALSE(vthread_left) << script::print(lowered);
}

TEST(LowerGpu, ABlockIdxLoopBelowAnotherStatementIsRefused) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32")):
    for j in range(4):
        for bx in T.thread_binding(16, thread="blockIdx.x"):
            with T.block("B"):
                vi = T.axis.spatial(64, j * 16 + bx)
                B[vi] = A[vi]
)");
  EXPECT_THAT(lowering_error(f), HasSubstr("bound to blockIdx.x in kernel 0 is below another statement"));
}

TEST(LowerGpu, ASharedBufferInsideAThreadLoopIsRefused) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32")):
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        for tx in T.thread_binding(16, thread="threadIdx.x"):
            with T.block("B"):
                vi = T.axis.spatial(64, bx * 16 + tx)
                S = T.alloc_buffer((1,), "float32", scope="shared")
                S[0] = A[vi]
                B[vi] = S[0]
)");
  EXPECT_THAT(lowering_error(f), HasSubstr("shared buffer S is allocated inside loop tx bound to threadIdx.x"));
}

TEST(LowerGpu, AGlobalBufferInsideTheBlockLoopsIsRefused) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32")):
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        with T.block("outer"):
            vb = T.axis.spatial(4, bx)
            G = T.alloc_buffer((16,), "float32")
            for tx in T.thread_binding(16, thread="threadIdx.x"):
                with T.block("G"):
                    vi = T.axis.spatial(16, tx)
                    G[vi] = A[vb * 16 + vi]
            for tx in T.thread_binding(16, thread="threadIdx.x"):
                with T.block("B"):
                    vi = T.axis.spatial(16, tx)
                    B[vb * 16 + vi] = G[15 - vi]
)");
  EXPECT_THAT(lowering_error(f), HasSubstr("global buffer G is allocated inside loop bx bound to blockIdx.x"));
}

}  // namespace
}  // namespace loom::lower
