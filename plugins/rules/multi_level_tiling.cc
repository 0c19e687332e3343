// loom.multi_level_tiling: TVM's MultiLevelTiling (src/meta_schedule/schedule_rule/
// multi_level_tiling.cc) as TVM configures it for LLVM: structure "SSRSRS", innermost tiles
// of at most 64, write-cache reuse "may" at levels 1 and 2 in "global"; no read reuse and no
// thread binding (GPU only).
#include <utility>

#include "rules.h"

namespace loom::rules {

namespace {

constexpr std::string_view kName = "loom.multi_level_tiling";

// One fork of the rule: its schedule and the loops of each tile, in structure order.
struct State {
  lp::Schedule sch;
  std::vector<std::vector<lp::LoopRV>> tiles;

  State copy() const { return State{sch.copy(), tiles}; }
};

}  // namespace

MultiLevelTiling::MultiLevelTiling(const lp::Config& config)
    : structure_(config.get_string("structure", "SSRSRS")),
      max_innermost_factor_(config.get_int("max_innermost_factor", 64)),
      reuse_write_req_(config.get_string("reuse_write_req", "may")),
      reuse_write_levels_(config.get_int_list("reuse_write_levels", {1, 2})),
      reuse_write_scope_(config.get_string("reuse_write_scope", "global")) {
  if (structure_.empty() || structure_.find_first_not_of("SR") != std::string::npos ||
      structure_.find('S') == std::string::npos || structure_.find('R') == std::string::npos) {
    config_error(kName, "structure",
                 "must be a string of S and R holding both, e.g. \"SSRSRS\", not \"" + structure_ + "\"");
  }
  if (max_innermost_factor_ < 1 && max_innermost_factor_ != -1)
    config_error(kName, "max_innermost_factor", "must be at least 1 (or -1: no limit)");
  if (reuse_write_req_ != "no" && reuse_write_req_ != "may" && reuse_write_req_ != "must")
    config_error(kName, "reuse_write_req", "must be \"no\", \"may\" or \"must\", not \"" + reuse_write_req_ + "\"");
  for (int64_t level : reuse_write_levels_) {
    if (level < 1 || level > static_cast<int64_t>(structure_.size()))
      config_error(kName, "reuse_write_levels",
                   "holds " + std::to_string(level) + ", outside the structure's levels 1.." +
                       std::to_string(structure_.size()));
  }
  if (reuse_write_req_ == "must" && reuse_write_levels_.empty())
    config_error(kName, "reuse_write_levels", "must not be empty when reuse_write_req is \"must\"");
}

std::vector<lp::Schedule> MultiLevelTiling::apply(const lp::Schedule& sch, lp::BlockRV block) {
  std::vector<lp::Schedule> out;
  if (!needs_multi_level_tiling(sch, block)) {
    out.push_back(sch.copy());
    return out;
  }
  // 1. Mark the block, then tile its loops: the i-th spatial (reduction) loop is split into
  //    one loop per S (R) of the structure, each put into its tile. Loops of other kinds
  //    stay where they are, as in TVM.
  State state{sch.copy(), std::vector<std::vector<lp::LoopRV>>(structure_.size())};
  lp::Schedule& s = state.sch;
  s.annotate(block, kTilingStructure, structure_);
  std::vector<size_t> s_slots, r_slots;
  for (size_t i = 0; i < structure_.size(); ++i) (structure_[i] == 'S' ? s_slots : r_slots).push_back(i);
  for (lp::LoopRV loop : s.get_loops(block)) {
    loom_iter_kind kind = s.loop_info(loop).iter_kind;
    const std::vector<size_t>* slots = kind == LOOM_ITER_SPATIAL  ? &s_slots
                                       : kind == LOOM_ITER_REDUCE ? &r_slots
                                                                  : nullptr;
    if (slots == nullptr) continue;
    if (slots->size() == 1) {
      state.tiles[slots->front()].push_back(loop);
      continue;
    }
    std::vector<lp::ExprRV> factors =
        s.sample_perfect_tile(loop, static_cast<int>(slots->size()), static_cast<int>(max_innermost_factor_));
    std::vector<lp::Arg> split_factors(factors.begin(), factors.end());
    std::vector<lp::LoopRV> splits = s.split(loop, split_factors);
    for (size_t j = 0; j < slots->size(); ++j) state.tiles[(*slots)[j]].push_back(splits[j]);
  }
  std::vector<lp::LoopRV> order;
  for (const std::vector<lp::LoopRV>& tile : state.tiles) order.insert(order.end(), tile.begin(), tile.end());
  s.reorder(order);

  // 2. Write reuse (TVM's AddWriteReuse). A fork whose primitive refuses is dropped, as TVM
  //    drops the sub-rule states that fail.
  std::string req = reuse_write_req_;
  std::vector<int64_t> levels = reuse_write_levels_;
  // The user may ask for a write cache at given levels of one block.
  if (auto asked = int_list_annotation(block_of(s, block).annotations(), kWriteCacheLevel)) {
    req = "must";
    levels = *asked;
    for (int64_t level : levels) {
      if (level < 1 || level > static_cast<int64_t>(structure_.size())) {
        throw lp::Error(std::string(kName) + ": block annotation " + std::string(kWriteCacheLevel) + " holds level " +
                            std::to_string(level) + ", outside the structure's levels 1.." +
                            std::to_string(structure_.size()),
                        LOOM_ERROR_ARGUMENT);
      }
    }
  }
  auto at_levels = [&](const State& base, lp::BlockRV cache) {
    for (int64_t level : levels) {
      const std::vector<lp::LoopRV>& tile = base.tiles[static_cast<size_t>(level - 1)];
      if (tile.empty()) continue;
      // A real fork, one result per level; reverse_compute_at has no legality probe (its
      // check is its region analysis), so the fork tries it and is dropped when it refuses.
      State fork = base.copy();
      try {
        fork.sch.reverse_compute_at(cache, tile.back(), /*preserve_unit_loops=*/true);
      } catch (const lp::Error& e) {
        if (e.status() != LOOM_ERROR_SCHEDULE) throw;
        continue;
      }
      out.push_back(std::move(fork.sch));
    }
  };
  if (req == "no") {
    out.push_back(std::move(state.sch));
    return out;
  }
  if (req == "may") {
    // a. A consumer that already is a write cache is moved, not cached again. The forks
    //    that move it need its random variable, so they start from a copy that records
    //    get_consumers; the schedule left as it is does not.
    std::vector<ir::Block> consumers = s.query_consumers(block);
    if (consumers.size() == 1 && is_write_cache(consumers[0])) {
      State with_rv{s.copy(), state.tiles};
      lp::BlockRV consumer = with_rv.sch.get_consumers(block).at(0);
      at_levels(with_rv, consumer);
      out.push_back(std::move(state.sch));
      return out;
    }
    // b. No write cache.
    out.push_back(s.copy());
  }
  // c. One write cache, at each level.
  lp::BlockRV cache = s.cache_write(block, 0, reuse_write_scope_);
  at_levels(state, cache);
  return out;
}

}  // namespace loom::rules
