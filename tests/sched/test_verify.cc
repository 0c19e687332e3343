// The schedule invariants of DebugMode::Verify (loom/sched/verify.h): each one catches a
// function that breaks it, and accepts what the primitives produce.
#include <gtest/gtest.h>

#include "gmock/gmock.h"
#include "loom/sched/verify.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using ::testing::HasSubstr;

ir::PrimFunc parse(const std::string& text) { return script::parse_func(text); }

const char* kProducerConsumer = R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((16,), "float32")):
    B = T.alloc_buffer((16,), "float32")
    for i in range(16):
        with T.block("B"):
            vi = T.axis.spatial(16, i)
            T.reads(A[vi])
            T.writes(B[vi])
            B[vi] = A[vi] * T.float32(2)
    for i in range(16):
        with T.block("C"):
            vi = T.axis.spatial(16, i)
            T.reads(B[vi])
            T.writes(C[vi])
            C[vi] = B[vi] + T.float32(1)
)";

std::vector<std::string> problems_of(const std::string& before, const std::string& after) {
  return verify_schedule_invariants(parse(before), parse(after));
}

TEST(VerifyInvariants, AcceptsAWellScheduledFunction) {
  EXPECT_THAT(problems_of(kProducerConsumer, kProducerConsumer), ::testing::IsEmpty());
}

TEST(VerifyInvariants, CatchesAnAccessOutsideTheDeclaredRegion) {
  std::string bad = kProducerConsumer;
  bad.replace(bad.find("T.reads(A[vi])"), 14, "T.reads(A[0:8])");
  std::vector<std::string> p = problems_of(kProducerConsumer, bad);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_THAT(p[0], HasSubstr("block B reads A[vi:vi + 1] outside its declared regions"));
}

TEST(VerifyInvariants, CatchesAConsumerBeforeItsProducer) {
  // C's loop nest moved before B's.
  std::string swapped = R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), C: T.Buffer((16,), "float32")):
    B = T.alloc_buffer((16,), "float32")
    for i in range(16):
        with T.block("C"):
            vi = T.axis.spatial(16, i)
            T.reads(B[vi])
            T.writes(C[vi])
            C[vi] = B[vi] + T.float32(1)
    for i in range(16):
        with T.block("B"):
            vi = T.axis.spatial(16, i)
            T.reads(A[vi])
            T.writes(B[vi])
            B[vi] = A[vi] * T.float32(2)
)";
  std::vector<std::string> p = problems_of(kProducerConsumer, swapped);
  ASSERT_FALSE(p.empty());
  EXPECT_THAT(p[0], HasSubstr("block C reads B before any block writes it"));
}

TEST(VerifyInvariants, CatchesWritesThatDoNotCoverTheReads) {
  std::string partial = kProducerConsumer;
  partial.replace(partial.find("for i in range(16):\n        with T.block(\"B\")"), 19, "for i in range(8): ");
  std::vector<std::string> p = problems_of(kProducerConsumer, partial);
  ASSERT_EQ(p.size(), 1u) << ::testing::PrintToString(p);
  EXPECT_THAT(p[0], HasSubstr("the writes of B do not cover its reads: dimension 0 is read over [0, 15] but written "
                              "over [0, 7]"));
}

TEST(VerifyInvariants, CatchesBindingsThatStopBeingAffine) {
  std::string square = kProducerConsumer;
  square.replace(square.find("vi = T.axis.spatial(16, i)"), 26, "vi = T.axis.spatial(16, i * i % 16)");
  std::vector<std::string> p = problems_of(kProducerConsumer, square);
  ASSERT_FALSE(p.empty());
  EXPECT_THAT(p[0], HasSubstr("the bindings of block B are no longer an affine map of the loops above it"));
  // A block that was not affine to begin with may stay so.
  EXPECT_THAT(problems_of(square, square), ::testing::IsEmpty());
}

TEST(VerifyInvariants, PrimitivesOnAZooConvolutionPassTheChecks) {
  // In Verify mode every primitive runs the checks (a violation is an InternalError).
  Schedule sch(workloads::make_workload("c2d", {{"N", 1}, {"H", 8}, {"W", 8}, {"CI", 4}, {"CO", 4}}), 1,
               DebugMode::Verify);
  BlockRV conv = sch.get_block("conv2d_nhwc");
  std::vector<LoopRV> loops = sch.get_loops(conv);
  std::vector<LoopRV> h = sch.split(loops[1], std::vector<std::optional<int64_t>>{std::nullopt, 2});
  sch.compute_at(sch.get_block("pad_temp"), h[0]);
  BlockRV cache = sch.cache_write(conv, 0, "local");
  sch.reverse_compute_at(cache, h[0]);
  sch.decompose_reduction(conv, sch.get_loops(conv)[2]);
  testing::verify_trace_roundtrip(sch);
}

}  // namespace
}  // namespace loom::sched
