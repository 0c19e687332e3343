// loom.rewrite_reduction_block: TVM's RewriteReductionBlock (src/meta_schedule/postproc/
// rewrite_reduction_block.cc). Every block with an init whose reduction variables are all
// bound to loops is decomposed (decompose_reduction) at its first loop, outermost first,
// that drives a reduction variable: the init then runs once per output element, before the
// loops that carry the reduction. A block whose loops drive no reduction variable (a
// reduction over a unit extent, or with every reduction loop outside the block's scope) is
// left as it is, and so is a block with a reduction loop bound to threadIdx (a cross-thread
// reduction). A decomposition the schedule refuses drops the candidate, as in TVM.
#include "postprocs.h"

namespace loom::postprocs {

RewriteReductionBlock::RewriteReductionBlock(const lp::Config&) {}

bool RewriteReductionBlock::apply(lp::Schedule& sch) {
  std::vector<std::string> names = block_names(sch.func().node());
  for (const std::string& name : names) {
    lp::BlockRV block = sch.get_block(name);
    lp::BlockInfo info = sch.block_info(block);
    if (!info.has_init) continue;
    std::optional<lp::LoopRV> point;
    bool cross_thread = false;
    for (lp::LoopRV loop : sch.get_loops(block)) {
      lp::LoopInfo li = sch.loop_info(loop);
      if (li.iter_kind != LOOM_ITER_REDUCE && li.iter_kind != LOOM_ITER_MIXED) continue;
      if (!point) point = loop;
      cross_thread = cross_thread || li.thread_tag.rfind("threadIdx.", 0) == 0;
    }
    // A reduction carried by threads is a cross-thread reduction: the GPU lowering combines
    // the threads' partial results, and the init must stay with the block.
    if (!point || cross_thread) continue;
    try {
      sch.decompose_reduction(block, *point);
    } catch (const lp::Error& e) {
      if (!is_schedule_error(e)) throw;
      // The error's kind, not its message: a refusal's message is rendered only when read,
      // and the tuner discards thousands of these.
      lp::log(LOOM_LOG_DEBUG, "loom.rewrite_reduction_block", "cannot decompose block " + name + " (" + e.kind() + ")");
      return false;
    }
  }
  return true;
}

}  // namespace loom::postprocs
