// loom.cross_thread_reduction: TVM's CrossThreadReduction (src/meta_schedule/schedule_rule/
// cross_thread_reduction.cc). A reduction block with little spatial parallelism gets its
// reduction loops fused, split by a sampled thread count and the inner part bound to
// threadIdx.x: the threads of a block reduce together (the GPU lowering turns such a
// block into a cross-thread reduction). When the block can go into its consumer, it is
// first computed at the consumer's loop, the consumer's innermost loop split by the same
// thread count and bound to threadIdx.x (unless a loop above the consumer already is),
// and the reduced buffer put in shared memory.
//
// 1. Apply only for a target with a thread limit and a warp size, to a block for which
//    needs_rfactor_or_cross_thread_reduction(max_threads_per_block) holds.
// 2. Sample the thread count among thread_extents (equal probabilities).
// 3. Fusible: the block writes one buffer, its first consumer does not need multi-level
//    tiling, the consumers share a loop (or there is one), and the block's outer spatial
//    loops leave a compute position (TVM's GetComputePosition: the position of the last
//    leading spatial loop of the block, no deeper than the consumers' common loop).
// 4. Put spatial loops first, fuse the reduction loops, split by the thread count, bind.
// The rule forks: the rewritten schedule and the unchanged one. A primitive that refuses
// leaves the unchanged schedule only.
#include <algorithm>
#include <utility>

#include "rules.h"

namespace loom::rules {

namespace {

constexpr std::string_view kName = "loom.cross_thread_reduction";

bool in_thread_scope(lp::Schedule& sch, lp::BlockRV block) {
  for (lp::LoopRV loop : sch.get_loops(block)) {
    if (sch.loop_info(loop).thread_tag.rfind("threadIdx.", 0) == 0) return true;
  }
  return false;
}

// The factor a split gave the loop bound to threadIdx.x (an ExprRV or a constant), from
// the trace (TVM's GetThreadIdxExtentFromTrace); nullopt when no split made that loop.
std::optional<lp::Arg> thread_extent_from_trace(const lp::Trace& trace) {
  const size_t n = trace.size();
  std::vector<lp::Instruction> insts;
  for (size_t i = 0; i < n; ++i) insts.push_back(trace.instruction(i));
  for (const lp::Instruction& bind : insts) {
    if (bind.kind != "Bind" || bind.attrs.empty() || bind.attrs[0].s != "threadIdx.x" || bind.inputs.empty()) continue;
    for (const lp::Instruction& split : insts) {
      if (split.kind != "Split") continue;
      for (size_t k = 0; k < split.outputs.size(); ++k) {
        if (split.outputs[k].rv != bind.inputs[0].rv || split.outputs[k].kind != bind.inputs[0].kind) continue;
        const lp::Value& factor = split.inputs.at(1 + k);
        if (factor.kind == LOOM_VALUE_EXPR) return lp::Arg(lp::ExprRV{factor.rv});
        if (factor.is_int()) return lp::Arg(factor.i);
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

struct ComputeTarget {
  lp::LoopRV loop;            // where the block goes
  lp::BlockRV consumer;       // the first consumer
  lp::LoopRV innermost_loop;  // the consumer's innermost loop
};

// TVM's GetComputeTargetLoopAndBlock (step 3).
std::optional<ComputeTarget> compute_target(lp::Schedule& sch, lp::BlockRV block) {
  if (block_of(sch, block).writes().size() != 1) return std::nullopt;
  std::vector<ir::Block> consumers = sch.query_consumers(block);
  if (consumers.empty()) return std::nullopt;
  std::vector<lp::BlockRV> consumer_rvs = sch.get_consumers(block);
  if (needs_multi_level_tiling(sch, consumer_rvs[0])) return std::nullopt;
  // The consumers' lowest common ancestor: the deepest loop above all of them; none (the
  // scope's block) when they share no loop. One consumer is its own ancestor.
  std::vector<ir::For> first = sch.query_loops(consumers[0]);
  std::optional<size_t> lca;  // index into the first consumer's loops
  if (consumers.size() > 1) {
    size_t common = first.size();
    for (size_t c = 1; c < consumers.size(); ++c) {
      std::vector<ir::For> other = sch.query_loops(consumers[c]);
      size_t k = 0;
      while (k < common && k < other.size() && other[k].same(first[k])) ++k;
      common = k;
    }
    if (common == 0) return std::nullopt;
    lca = common - 1;
  }
  std::vector<lp::LoopRV> block_loops = sch.get_loops(block);
  std::vector<lp::LoopRV> target_loops = sch.get_loops(consumer_rvs[0]);
  if (target_loops.empty()) return std::nullopt;
  int pos = static_cast<int>(std::min(block_loops.size(), target_loops.size())) - 1;
  for (size_t i = 0; i < block_loops.size() && i < target_loops.size(); ++i) {
    if (sch.loop_info(block_loops[i]).iter_kind != LOOM_ITER_SPATIAL) {
      pos = static_cast<int>(i) - 1;
      break;
    }
    if (lca && i == *lca) {
      pos = static_cast<int>(i);
      break;
    }
  }
  if (pos < 0) return std::nullopt;
  return ComputeTarget{target_loops[static_cast<size_t>(pos)], consumer_rvs[0], target_loops.back()};
}

}  // namespace

CrossThreadReduction::CrossThreadReduction(const lp::Config& config)
    : thread_extents_(config.get_int_list("thread_extents", {4, 8, 16, 32, 64, 128, 256, 512})) {
  if (thread_extents_.empty()) config_error(kName, "thread_extents", "must not be empty");
  for (int64_t e : thread_extents_) {
    if (e < 1) config_error(kName, "thread_extents", "holds " + std::to_string(e) + ", not a positive thread count");
  }
}

void CrossThreadReduction::initialize(const lp::TuningContext& context) {
  if (context.target.kind != "cuda") {
    throw lp::Error(std::string(kName) + ": a GPU rule, given a \"" + context.target.kind +
                        "\" target (it needs a cuda target's max_threads_per_block and warp_size)",
                    LOOM_ERROR_CONFIG);
  }
  max_threads_per_block_ = context.target.max_threads_per_block > 0 ? context.target.max_threads_per_block : -1;
  warp_size_ = context.target.warp_size > 0 ? context.target.warp_size : -1;
}

std::vector<lp::Schedule> CrossThreadReduction::apply(const lp::Schedule& sch, lp::BlockRV block) {
  std::vector<lp::Schedule> out;
  // 1. The conditions.
  if (max_threads_per_block_ == -1 || warp_size_ == -1 ||
      !needs_rfactor_or_cross_thread_reduction(sch, block, max_threads_per_block_)) {
    out.push_back(sch.copy());
    return out;
  }
  lp::Schedule work = sch.copy();
  lp::Schedule original = sch.copy();
  work.seed(original.rng().fork_seed());
  try {
    // 2. The thread count; 3. the fusion into the consumer.
    std::optional<ComputeTarget> target = compute_target(work, block);
    std::vector<double> probs(thread_extents_.size(), 1.0 / static_cast<double>(thread_extents_.size()));
    lp::Arg thread_extent = work.sample_categorical(thread_extents_, probs);
    if (target) {
      if (!in_thread_scope(work, target->consumer)) {
        std::vector<lp::LoopRV> split = work.split(target->innermost_loop, {lp::none, thread_extent});
        work.bind(split[1], "threadIdx.x");
        if (target->innermost_loop == target->loop) target->loop = split[0];
      } else if (std::optional<lp::Arg> found = thread_extent_from_trace(work.trace())) {
        thread_extent = *found;
      } else {
        throw lp::Error(std::string(kName) + ": the consumer's threadIdx.x loop comes from no split",
                        LOOM_ERROR_SCHEDULE);
      }
      work.compute_at(block, target->loop, /*preserve_unit_loops=*/true);
      work.set_scope(block, 0, "shared");
    }
    // 4. Spatial loops first, reduction loops fused, split and bound.
    std::vector<lp::LoopRV> loops = work.get_loops(block), order, reduce;
    for (lp::LoopRV l : loops) {
      if (work.loop_info(l).iter_kind == LOOM_ITER_SPATIAL) order.push_back(l);
    }
    for (lp::LoopRV l : loops) {
      if (work.loop_info(l).iter_kind == LOOM_ITER_REDUCE) {
        order.push_back(l);
        reduce.push_back(l);
      }
    }
    if (reduce.empty()) {
      throw lp::Error(std::string(kName) + ": the block has no reduction loop", LOOM_ERROR_SCHEDULE);
    }
    if (order.size() == loops.size() && !(order == loops)) work.reorder(order);
    lp::LoopRV fused = reduce.size() > 1 ? work.fuse(reduce) : reduce[0];
    std::vector<lp::LoopRV> split = work.split(fused, {lp::none, thread_extent});
    work.bind(split[1], "threadIdx.x");
  } catch (const lp::Error& e) {
    if (e.status() != LOOM_ERROR_SCHEDULE && e.status() != LOOM_ERROR_ARGUMENT) throw;
    out.push_back(std::move(original));
    return out;
  }
  out.push_back(std::move(work));
  out.push_back(std::move(original));
  return out;
}

}  // namespace loom::rules
