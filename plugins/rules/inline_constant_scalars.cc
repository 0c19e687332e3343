// loom.inline_constant_scalars: TVM's InlineConstantScalars
// (src/meta_schedule/schedule_rule/inline_const_scalars.cc).
#include "rules.h"

namespace loom::rules {

InlineConstantScalars::InlineConstantScalars(const lp::Config&) {}

std::vector<lp::Schedule> InlineConstantScalars::apply(const lp::Schedule& sch, lp::BlockRV block_rv) {
  std::vector<lp::Schedule> out;
  out.push_back(sch.copy());
  lp::BlockInfo info = sch.block_info(block_rv);
  if (info.is_root || info.n_reads != 0 || info.n_writes != 1) return out;
  ir::Block block = block_of(sch, block_rv);
  if (block.writes()[0].buffer().shape().size() != 0) return out;
  // TVM inlines unconditionally; an output scalar, or one without readers, cannot be
  // inlined, and a refusal would fail the whole space, so such a block stays.
  if (info.can_compute_inline && info.n_consumers > 0) out[0].compute_inline(block_rv);
  return out;
}

}  // namespace loom::rules
