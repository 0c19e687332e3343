// The GPU postprocessors of plugin loom.postprocs (loom.rewrite_unbound_block), through the
// plugin host with a cuda tuning context: what they bind, trace round trips, and every zoo
// workload bound, lowered by the GPU pipeline and run in the interpreter's SIMT mode equal
// to the sequential interpreter, with no race.
#include <gmock/gmock.h>

#include "../common/random_schedule.h"
#include "../lower/lower_test_util.h"
#include "loom/interp/simt.h"
#include "loom/ir/thread_tag.h"
#include "loom/lower/lower.h"
#include "postprocs_test_util.h"

namespace loom::postprocs_test {
namespace {

using lower::testing::simt_mismatch;

using ::testing::HasSubstr;

bool bind_unbound(sched::Schedule& sch, std::vector<config::ConfigEntry> keys = {}) {
  sch.enter_postproc();
  return make(LOOM_COMPONENT_POSTPROC, "[[postproc]]", "loom.rewrite_unbound_block", std::move(keys),
              testing::cuda_test_context())
      ->apply_postproc(sch);
}

/// The (tag, extent) of every thread-bound loop, outermost first.
std::vector<std::pair<std::string, int64_t>> bindings(const ir::PrimFunc& f) {
  std::vector<std::pair<std::string, int64_t>> out;
  ir::post_order_visit(f->body, [&](const ir::Object* o) {
    if (o->kind() != ir::NodeKind::For) return;
    const auto* loop = static_cast<const ir::ForNode*>(o);
    if (loop->for_kind == ir::ForKind::ThreadBinding)
      out.insert(out.begin(), {loop->thread_tag, ir::as_const_int(loop->extent).value_or(-1)});
  });
  return out;
}

/// B = A + 1 over an n x 4 grid.
ir::PrimFunc elementwise(int64_t n) {
  std::string text = R"(
@T.prim_func
def f(A: T.Buffer((N, 4), "float32"), B: T.Buffer((N, 4), "float32")):
    for i, j in T.grid(N, 4):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] + T.float32(1)
)";
  for (size_t p; (p = text.find('N')) != std::string::npos;) text.replace(p, 1, std::to_string(n));
  return script::parse_func(text, "f");
}

TEST(RewriteUnboundBlock, ASmallNestIsOneBlockOfThreads) {
  sched::Schedule sch(elementwise(64));
  ASSERT_TRUE(bind_unbound(sch));
  EXPECT_EQ(bindings(func_of(sch)), (std::vector<std::pair<std::string, int64_t>>{{"threadIdx.x", 256}}));
}

TEST(RewriteUnboundBlock, ALargerNestIsSplitIntoBlocksAndThreads) {
  sched::Schedule sch(elementwise(1000));
  ASSERT_TRUE(bind_unbound(sch));
  EXPECT_EQ(bindings(func_of(sch)),
            (std::vector<std::pair<std::string, int64_t>>{{"blockIdx.x", 4}, {"threadIdx.x", 1024}}));
}

TEST(RewriteUnboundBlock, BeyondMaxThreadblocksTheRestIsASerialLoopInside) {
  sched::Schedule sch(elementwise(1000));
  ASSERT_TRUE(bind_unbound(sch, {entry("max_threadblocks", config::ConfigValue::integer(2)),
                                 entry("max_threads_per_block", config::ConfigValue::integer(64))}));
  ir::PrimFunc f = func_of(sch);
  EXPECT_EQ(bindings(f), (std::vector<std::pair<std::string, int64_t>>{{"blockIdx.x", 2}, {"threadIdx.x", 64}}));
  expect_equivalent(elementwise(1000), f);
}

TEST(RewriteUnboundBlock, AReductionBindsItsSpatialLoopsOnly) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 16}, {"N", 8}, {"K", 4}});
  sched::Schedule sch(gmm);
  ASSERT_TRUE(bind_unbound(sch));
  ir::PrimFunc f = func_of(sch);
  EXPECT_EQ(bindings(f), (std::vector<std::pair<std::string, int64_t>>{{"threadIdx.x", 128}}));
  EXPECT_EQ(simt_mismatch(gmm, lower::lower_gpu(f), 1), "");
}

TEST(RewriteUnboundBlock, AFullReductionRunsOnOneThread) {
  ir::PrimFunc sum = script::parse_func(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((1,), "float32")):
    for k in range(64):
        with T.block("B"):
            vk = T.axis.reduce(64, k)
            with T.init():
                B[0] = T.float32(0)
            B[0] = B[0] + A[vk]
)",
                                        "f");
  sched::Schedule sch(sum);
  ASSERT_TRUE(bind_unbound(sch));
  ir::PrimFunc f = func_of(sch);
  EXPECT_EQ(bindings(f), (std::vector<std::pair<std::string, int64_t>>{{"threadIdx.x", 1}}));
  EXPECT_EQ(simt_mismatch(sum, lower::lower_gpu(f), 1), "");
}

TEST(RewriteUnboundBlock, TheTraceReplaysToTheSameFunction) {
  sched::Schedule sch(elementwise(1000));
  ASSERT_TRUE(bind_unbound(sch));
  sched::Schedule replayed(elementwise(1000));
  sch.trace().apply_to(replayed);
  EXPECT_EQ(ir::structural_hash(func_of(replayed)), ir::structural_hash(func_of(sch)));
}

TEST(RewriteUnboundBlock, ACpuTargetWithoutAThreadLimitIsAClearError) {
  sched::Schedule sch(elementwise(64));
  sch.enter_postproc();
  auto postproc = make(LOOM_COMPONENT_POSTPROC, "[[postproc]]", "loom.rewrite_unbound_block");
  try {
    postproc->apply_postproc(sch);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("no thread limit: the target has no max_threads_per_block"));
  }
}

TEST(RewriteUnboundBlock, EveryZooWorkloadBoundRunsInSimtModeAsSequentially) {
  int checked = 0;
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    SCOPED_TRACE("workload " + info.name);
    ir::PrimFunc before = workloads::make_workload(info.name, sched::testing::small_shapes().at(info.name));
    sched::Schedule sch(before);
    ASSERT_TRUE(bind_unbound(sch));
    ir::PrimFunc lowered = lower::lower_gpu(func_of(sch));
    EXPECT_EQ(simt_mismatch(before, lowered, 2), "") << script::print(lowered);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(workloads::workloads().size()));
}

bool verify(sched::Schedule& sch, std::vector<config::ConfigEntry> keys = {}) {
  sch.enter_postproc();
  return make(LOOM_COMPONENT_POSTPROC, "[[postproc]]", "loom.verify_gpu_code", std::move(keys),
              testing::cuda_test_context())
      ->apply_postproc(sch);
}

/// A kernel staging 256 floats (1 KiB) of A through shared memory per block of 64 threads.
ir::PrimFunc staged() {
  return script::parse_func(R"(
@T.prim_func
def f(A: T.Buffer((1024,), "float32"), B: T.Buffer((1024,), "float32")):
    S = T.alloc_buffer((1024,), "float32", scope="shared")
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            for j in range(4):
                with T.block("S"):
                    vb, vt, vj = T.axis.remap("SSS", [bx, tx, j])
                    S[vb * 256 + vj * 64 + vt] = A[vb * 256 + vj * 64 + vt]
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            for j in range(4):
                with T.block("B"):
                    vb, vt, vj = T.axis.remap("SSS", [bx, tx, j])
                    B[vb * 256 + vj * 64 + vt] = S[vb * 256 + 255 - vj * 64 - vt]
)",
                            "f");
}

TEST(VerifyGpuCode, KeepsAKernelWithinTheLimits) {
  sched::Schedule sch(staged());
  EXPECT_TRUE(verify(sch));
}

TEST(VerifyGpuCode, DropsAKernelOverTheThreadLimit) {
  sched::Schedule sch(staged());
  EXPECT_FALSE(verify(sch, {entry("max_threads_per_block", config::ConfigValue::integer(32))}));
}

TEST(VerifyGpuCode, DropsAKernelOverTheSharedMemoryLimit) {
  sched::Schedule within(staged());
  EXPECT_TRUE(verify(within, {entry("max_shared_memory_per_block", config::ConfigValue::integer(1024))}));
  sched::Schedule over(staged());
  EXPECT_FALSE(verify(over, {entry("max_shared_memory_per_block", config::ConfigValue::integer(1023))}));
}

TEST(VerifyGpuCode, DropsTooManyVirtualThreads) {
  sched::Schedule sch(elementwise(800));
  auto loops = sch.get_loops(sch.get_block("B"));
  auto parts = sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 16, 25});
  sch.bind(parts[0], "blockIdx.x");
  sch.bind(parts[1], "vthread.x");
  sch.bind(parts[2], "threadIdx.x");
  sched::Schedule copy = sch;
  EXPECT_FALSE(verify(sch));
  EXPECT_TRUE(verify(copy, {entry("max_vthread", config::ConfigValue::integer(16))}));
}

TEST(VerifyGpuCode, DropsWhatTheGpuLoweringRefuses) {
  sched::Schedule sch(elementwise(64));
  auto loops = sch.get_loops(sch.get_block("B"));
  sch.bind(loops[1], "blockIdx.x");  // below the serial loop i
  EXPECT_FALSE(verify(sch));
}

TEST(VerifyGpuCode, ACpuTargetIsAClearError) {
  sched::Schedule sch(staged());
  sch.enter_postproc();
  auto postproc = make(LOOM_COMPONENT_POSTPROC, "[[postproc]]", "loom.verify_gpu_code");
  try {
    postproc->apply_postproc(sch);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("no GPU limits"));
  }
}

}  // namespace
}  // namespace loom::postprocs_test
