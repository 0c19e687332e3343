// loom.random_compute_location: TVM's RandomComputeLocation
// (src/meta_schedule/schedule_rule/random_compute_location.cc).
#include "rules.h"

namespace loom::rules {

namespace {

// TVM's CheckConditions, and not an output block (which compute_at refuses).
bool applies(const lp::Schedule& sch, lp::BlockRV block_rv) {
  lp::BlockInfo info = sch.block_info(block_rv);
  if (info.is_root || info.is_output || info.n_consumers == 0) return false;
  ir::Block block = block_of(sch, block_rv);
  if (has_been_multi_level_tiled(block)) return false;
  // A direct child of the root block.
  if (block_depth(sch.func().node(), block.name()) != 1) return false;
  // Under at least one loop, the outermost having no other child block.
  std::vector<ir::For> loops = sch.query_loops(block);
  return !loops.empty() && sch.query_loop_info(loops[0]).n_child_blocks <= 1;
}

void randomly_compute_at(lp::Schedule& sch, lp::BlockRV block) {
  lp::LoopRV location = sch.sample_compute_location(block);
  sch.compute_at(block, location, /*preserve_unit_loops=*/true);
}

}  // namespace

RandomComputeLocation::RandomComputeLocation(const lp::Config&) {}

std::vector<lp::Schedule> RandomComputeLocation::apply(const lp::Schedule& sch, lp::BlockRV block) {
  std::vector<lp::Schedule> out;
  out.push_back(sch.copy());
  if (!applies(sch, block)) return out;
  lp::Schedule& s = out[0];
  // 1. The producer an rfactor left for this rule is collected first: if the block is
  //    inlined by its sampled location it can no longer be asked for it.
  std::optional<lp::BlockRV> producer;
  if (has_annotation(block_of(s, block).annotations(), kRandomComputeProducer)) {
    std::vector<lp::BlockRV> producers = s.get_producers(block);
    s.unannotate(block, kRandomComputeProducer);
    if (producers.size() == 1) producer = producers[0];
  }
  // 2. The block, then 3. its producer.
  randomly_compute_at(s, block);
  if (producer) randomly_compute_at(s, *producer);
  return out;
}

}  // namespace loom::rules
