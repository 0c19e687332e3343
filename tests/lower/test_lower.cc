// Tests of the whole pipeline: every zoo workload, unscheduled and under random schedules
// from every primitive family, lowered and checked against the interpreter after every
// pass and at the end. LOOM_LOWER_SOAK=N runs N random schedules per workload instead of 20.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "../common/random_schedule.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/lower/lower.h"
#include "loom/workloads/zoo.h"
#include "lower_test_util.h"

namespace loom::lower {
namespace {

using testing::contains_kind;
using testing::expect_lowered_equivalent;

/// The number of elements of every Allocate in `f` with a constant shape.
int64_t allocated_elements(const ir::PrimFunc& f) {
  int64_t total = 0;
  ir::post_order_visit(f->body, [&](const ir::Object* n) {
    if (n->kind() != ir::NodeKind::Allocate) return;
    int64_t elems = 1;
    for (const ir::Expr& d : static_cast<const ir::AllocateNode*>(n)->buffer->shape)
      elems *= ir::as_const_int(d).value_or(0);
    total += elems;
  });
  return total;
}

/// Lowers `scheduled`, checking after every pass that the function is well formed and
/// computes what `original` computes; returns the lowered function. Sets *compacted when
/// compact_buffers shrank an allocation.
ir::PrimFunc lower_checked(const ir::PrimFunc& original, const ir::PrimFunc& scheduled, uint64_t seed,
                           bool* compacted = nullptr) {
  LowerOptions options;
  int64_t before_compaction = 0;
  options.after_pass = [&](const std::string& pass, const ir::PrimFunc& f) {
    SCOPED_TRACE("after " + pass);
    expect_lowered_equivalent(original, f, seed, 1e-4, 1e-4);
    if (pass == "lower_blocks") before_compaction = allocated_elements(f);
    if (pass == "compact_buffers" && compacted) *compacted = allocated_elements(f) < before_compaction;
  };
  return lower(scheduled, options);
}

/// `f` with every (1-D) allocation filled with garbage (the value 77) right after it is
/// made. The IR zeroes allocations (stmt.h); the property test counts the lowered functions
/// whose result depends on that, so that a code generator knows whether it must zero them.
ir::PrimFunc poison_allocations(const ir::PrimFunc& f) {
  class Poisoner : public ir::IRMutator {
   protected:
    using ir::IRMutator::visit;
    ir::Stmt visit(const ir::AllocateNode* op) override {
      ir::Stmt body = mutate(op->body);
      ir::Var i("poison_i");
      ir::Stmt fill = ir::BufferStoreNode::make(op->buffer, ir::cast(op->buffer->dtype, ir::make_int(77)), {i});
      return ir::AllocateNode::make(
          op->buffer,
          ir::SeqStmtNode::make(
              {ir::ForNode::make(i, ir::make_int(0), op->buffer->shape[0], ir::ForKind::Serial, fill), body}));
    }
  };
  return f.with_body(Poisoner().mutate(f->body));
}

void expect_codegen_ready(const ir::PrimFunc& f) {
  EXPECT_FALSE(contains_kind(f, ir::NodeKind::Block));
  EXPECT_FALSE(contains_kind(f, ir::NodeKind::BlockRealize));
  bool multi_dim = false;
  ir::post_order_visit(f->body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::BufferLoad)
      multi_dim |= static_cast<const ir::BufferLoadNode*>(n)->indices.size() != 1;
    if (n->kind() == ir::NodeKind::BufferStore) {
      multi_dim |= static_cast<const ir::BufferStoreNode*>(n)->indices.size() != 1;
    }
    if (n->kind() == ir::NodeKind::Allocate) multi_dim |= static_cast<const ir::AllocateNode*>(n)->buffer->ndim() != 1;
  });
  EXPECT_FALSE(multi_dim) << script::print(f);
  for (const ir::Buffer& b : f->param_buffers()) EXPECT_EQ(b->ndim(), 1u);
}

TEST(Lower, PoisoningCatchesAFunctionThatReadsAnAllocationBeforeWritingIt) {
  ir::PrimFunc reads_zero = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4,), "float32"), C: T.Buffer((4,), "float32")):
    with T.decl_buffer((1,), "float32") as S:
        for i in range(4):
            S[0] = S[0] + A[i]
            C[i] = S[0]
)");
  std::vector<interp::NDArray> plain = interp::run_random(reads_zero, 3);
  std::vector<interp::NDArray> poisoned = interp::run_random(poison_allocations(reads_zero), 3);
  EXPECT_FALSE(interp::allclose(poisoned[1], plain[1]).ok);
}

TEST(Lower, GmmPipelineGivesFlatLoopsAndAGuardedInit) {
  ir::PrimFunc before = workloads::make_workload("gmm", {{"M", 6}, {"N", 8}, {"K", 4}});
  ir::PrimFunc after = lower_checked(before, before, 1);
  expect_codegen_ready(after);
  const std::string printed = script::print(after);
  EXPECT_THAT(printed, ::testing::HasSubstr("if k == 0:")) << printed;
}

TEST(Lower, EveryZooWorkloadUnscheduledAndUnderRandomSchedulesLowersToAnEquivalentFunction) {
  const char* soak = std::getenv("LOOM_LOWER_SOAK");
  const int seeds = soak != nullptr ? std::atoi(soak) : 20;
  constexpr int kSteps = 6;
  sched::testing::Stats stats;
  int checked = 0, with_allocations = 0, compacted = 0;
  std::vector<std::string> reads_zeroed;
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    ir::PrimFunc before = workloads::make_workload(info.name, sched::testing::small_shapes().at(info.name));
    for (int64_t seed = 0; seed <= seeds; ++seed) {
      SCOPED_TRACE("workload " + info.name + ", seed " + std::to_string(seed));
      sched::Schedule sch(before, seed, sched::DebugMode::Off);
      sched::RandomEngine rng(seed * 7919 + 17);
      if (seed > 0) {
        for (int step = 0; step < kSteps; ++step) sched::testing::random_step(sch, rng, stats);
      }
      ir::PrimFunc scheduled = sch.mod().at(sch.default_func());
      ir::PrimFunc lowered;
      try {
        bool shrank = false;
        lowered = lower_checked(before, scheduled, static_cast<uint64_t>(seed) + 1, &shrank);
        compacted += shrank ? 1 : 0;
      } catch (const std::exception& e) {
        ADD_FAILURE() << "lowering failed: " << e.what() << "\n" << sch.trace().as_python() << script::print(scheduled);
        return;
      }
      expect_codegen_ready(lowered);
      if (!::testing::Test::HasFailure() &&
          !testing::same_outputs(before, poison_allocations(lowered), static_cast<uint64_t>(seed) + 1)) {
        reads_zeroed.push_back(info.name + " seed " + std::to_string(seed));
      }
      with_allocations += contains_kind(lowered, ir::NodeKind::Allocate) ? 1 : 0;
      ++checked;
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "failing schedule (workload " << info.name << ", seed " << seed << "):\n"
                      << sch.trace().as_python() << script::print(scheduled);
        return;
      }
    }
  }
  std::cout << "lowered " << checked << " functions (" << workloads::workloads().size()
            << " workloads, unscheduled and " << seeds << " random schedules each), " << with_allocations
            << " with allocations, " << compacted << " with an allocation compacted, " << reads_zeroed.size()
            << " reading an allocation before writing it (relying on zeroed allocations):";
  for (const std::string& r : reads_zeroed) std::cout << " " << r;
  std::cout << "\n";
  EXPECT_EQ(checked, static_cast<int>(workloads::workloads().size()) * (seeds + 1));
  EXPECT_GT(with_allocations, checked / 4);
  EXPECT_GT(compacted, checked / 10) << "compact_buffers hardly ever shrinks anything: the test does not exercise it";
}

}  // namespace
}  // namespace loom::lower
