// loom.mutate_parallel: TVM's MutateParallel (src/meta_schedule/mutator/mutate_parallel.cc),
// simplified.
//
// TVM's version changes the "meta_schedule.parallel" limit of the root block so that the
// postprocessor fuses a different number of outer loops of one block. loom's does the same
// against loom.rewrite_parallel_vectorize_unroll's rule (the outer spatial, serial,
// unannotated, constant loops are fused while each but the last has a single child and
// their product stays within the limit; the loop passing it is the last one fused):
// 1. Find the Annotate of "meta_schedule.parallel" on a block (the first such instruction)
//    and its integer limit L.
// 2. Replay the trace (without its postprocessing part) and, for each child block of the
//    root, list the products p_1, p_2, ..., p_m of the extents of its fusable outer loops;
//    the limit p_{j-1} (p_0 = 1) fuses exactly j of them.
// 3. Pick a block uniformly among those where some count j other than the one L gives
//    leads to a limit other than L, then such a j uniformly, and write L' = p_{j-1}.
// Simplification: TVM also takes the vectorized loops into account when it lists the
// counts; here the vectorize plan is ignored (the postprocessor prefers vectorization, so a
// new limit may fuse fewer loops than planned).
#include <set>

#include "mutators.h"

namespace loom::mutators {

namespace {

// The products of extents of the block's fusable outer loops (step 2).
std::vector<int64_t> fusable_products(lp::Schedule& sch, lp::BlockRV block) {
  std::vector<int64_t> products;
  int64_t prod = 1;
  for (lp::LoopRV loop : sch.get_loops(block)) {
    lp::LoopInfo info = sch.loop_info(loop);
    ir::For node(sch.loop_node(loop));
    if (info.iter_kind != LOOM_ITER_SPATIAL || info.for_kind != "serial" || info.extent <= 0 ||
        !node.annotations().empty())
      break;
    prod *= info.extent;
    products.push_back(prod);
    if (node.body().is<ir::SeqStmt>()) break;
  }
  return products;
}

// How many loops the limit fuses given the products.
size_t fused_count(const std::vector<int64_t>& products, int64_t limit) {
  for (size_t k = 0; k < products.size(); ++k) {
    if (products[k] > limit) return k + 1;
  }
  return products.size();
}

}  // namespace

MutateParallel::MutateParallel(const lp::Config&) {}

std::optional<lp::Trace> MutateParallel::apply(const lp::Trace& trace, lp::Rng& rng) {
  // Step 1.
  const size_t n = trace.postproc_start();
  std::optional<size_t> index;
  int64_t limit = 0;
  for (size_t i = 0; i < n && !index; ++i) {
    lp::Instruction inst = trace.instruction(i);
    if (inst.kind == "Annotate" && inst.inputs.size() == 2 && inst.inputs[0].kind == LOOM_VALUE_BLOCK &&
        !inst.attrs.empty() && inst.attrs[0].s == kParallel && inst.inputs[1].is_int()) {
      index = i;
      limit = inst.inputs[1].i;
    }
  }
  if (!index) return std::nullopt;
  // Step 2.
  // (with_input with the same value: a copy without the postprocessing part)
  lp::Schedule sch = trace.with_input(*index, 1, limit, true).replay();
  std::vector<std::vector<int64_t>> limits_per_block;
  ir::Func func = sch.func();
  ir::Stmt body = func.node().body();
  ir::Block root = body.as<ir::BlockRealize>() ? body.as<ir::BlockRealize>()->block() : ir::Block(body);
  for (lp::BlockRV block : sch.get_child_blocks(sch.get_block(root.name()))) {
    std::vector<int64_t> products = fusable_products(sch, block);
    size_t current = fused_count(products, limit);
    std::set<int64_t> options;
    for (size_t j = 1; j <= products.size(); ++j) {
      int64_t next = j == 1 ? 1 : products[j - 2];
      if (j != current && next != limit && fused_count(products, next) == j) options.insert(next);
    }
    if (!options.empty()) limits_per_block.emplace_back(options.begin(), options.end());
  }
  if (limits_per_block.empty()) return std::nullopt;
  // Step 3.
  std::vector<int64_t> options = take_random(limits_per_block, rng);
  return trace.with_input(*index, 1, take_random(options, rng));
}

}  // namespace loom::mutators
