// An example loom plugin, written against loom/plugin.hpp alone: a schedule rule that tiles,
// caches and parallelizes matmul-like reduction blocks, and a mutator that moves a factor
// between the tiles of a sampled perfect tiling. It builds in loom's tree and out of it (see
// CMakeLists.txt here, which needs only the installed `loom` CMake package).
#include <algorithm>
#include <string>
#include <vector>

#include "loom/plugin.hpp"

namespace lp = loom::plugin;

namespace {

/// For a reduction block with trivially bound loops [s0, s1, ..., r...] (at least two
/// spatial loops outermost): splits the two innermost spatial loops with sampled perfect
/// tilings, moves the reduction loops between the outer and inner tiles, writes the result
/// through a cache block computed under the outer tiles, and parallelizes the outermost tile.
///
/// Config: max_innermost_factor (default 16): the largest inner tile sampled.
class TileCacheParallel : public lp::ScheduleRule {
 public:
  static std::vector<lp::Schedule> not_applicable(const lp::Schedule& sch) {
    std::vector<lp::Schedule> out;
    out.push_back(sch.copy());
    return out;
  }

  explicit TileCacheParallel(const lp::Config& config)
      : max_innermost_factor_(config.get_int("max_innermost_factor", 16)) {
    if (max_innermost_factor_ < 1) throw lp::Error("max_innermost_factor must be at least 1", LOOM_ERROR_CONFIG);
  }

  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override {
    lp::BlockInfo info = sch.block_info(block);
    if (!info.is_reduction || !info.has_trivial_binding || info.n_iter_vars < 3) return not_applicable(sch);
    lp::Schedule s = sch.copy();
    std::vector<lp::LoopRV> loops = s.get_loops(block);
    std::vector<lp::LoopRV> spatial, reduce;
    for (lp::LoopRV l : loops) {
      lp::LoopInfo li = s.loop_info(l);
      if (li.extent < 0) return not_applicable(sch);
      (li.iter_kind == LOOM_ITER_SPATIAL ? spatial : reduce).push_back(l);
    }
    if (spatial.size() < 2 || reduce.empty()) return not_applicable(sch);
    // Reduction loops must all come after the spatial ones.
    for (size_t k = 0; k < spatial.size(); ++k) {
      if (!(loops[k] == spatial[k])) return not_applicable(sch);
    }
    lp::LoopRV i = spatial[spatial.size() - 2], j = spatial.back();
    std::vector<lp::ExprRV> ti = s.sample_perfect_tile(i, 2, static_cast<int>(max_innermost_factor_));
    std::vector<lp::ExprRV> tj = s.sample_perfect_tile(j, 2, static_cast<int>(max_innermost_factor_));
    std::vector<lp::LoopRV> is = s.split(i, {ti[0], ti[1]});
    std::vector<lp::LoopRV> js = s.split(j, {tj[0], tj[1]});
    std::vector<lp::LoopRV> order;
    for (size_t k = 0; k + 2 < spatial.size(); ++k) order.push_back(spatial[k]);
    order.push_back(is[0]);
    order.push_back(js[0]);
    for (lp::LoopRV r : reduce) order.push_back(r);
    order.push_back(is[1]);
    order.push_back(js[1]);
    s.reorder(order);
    lp::BlockRV cache = s.cache_write(block, 0, "global");
    s.reverse_compute_at(cache, js[0]);
    s.parallel(order.front());
    std::vector<lp::Schedule> out;
    out.push_back(std::move(s));
    return out;
  }

 private:
  int64_t max_innermost_factor_;
};

/// Picks a random sample_perfect_tile decision and moves one prime factor of one tile to
/// another, keeping the innermost tile within the instruction's max_innermost_factor.
class MutateTile : public lp::Mutator {
 public:
  explicit MutateTile(const lp::Config&) {}

  std::optional<lp::Trace> apply(const lp::Trace& trace, lp::Rng& rng) override {
    std::vector<size_t> candidates;
    for (size_t k = 0; k < trace.size(); ++k) {
      lp::Instruction inst = trace.instruction(k);
      if (inst.kind == "SamplePerfectTile" && inst.decision && inst.decision->items.size() >= 2)
        candidates.push_back(k);
    }
    // Try the candidates in a random order until one admits a move.
    while (!candidates.empty()) {
      size_t pick = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(candidates.size())));
      size_t index = candidates[pick];
      candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
      lp::Instruction inst = trace.instruction(index);
      std::vector<int64_t> tiles = inst.decision->ints();
      int64_t max_inner = inst.attrs.size() >= 2 ? inst.attrs[1].i : -1;
      std::vector<std::vector<int64_t>> moves;
      for (size_t from = 0; from < tiles.size(); ++from) {
        for (int64_t p = 2; p <= tiles[from]; ++p) {
          if (tiles[from] % p != 0) continue;
          bool prime = true;
          for (int64_t q = 2; q * q <= p; ++q) prime = prime && p % q != 0;
          if (!prime) continue;
          for (size_t to = 0; to < tiles.size(); ++to) {
            if (to == from) continue;
            std::vector<int64_t> next = tiles;
            next[from] /= p;
            next[to] *= p;
            if (max_inner > 0 && next.back() > max_inner) continue;
            moves.push_back(next);
          }
        }
      }
      if (moves.empty()) continue;
      const std::vector<int64_t>& chosen =
          moves[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(moves.size())))];
      return trace.with_decision(index, chosen);
    }
    return std::nullopt;
  }
};

}  // namespace

LOOM_DEFINE_PLUGIN("example", "1.0") {
  registry.add_rule<TileCacheParallel>("example.tile_cache_parallel", "1.0",
                                       "tiles, caches and parallelizes matmul-like reduction blocks");
  registry.add_mutator<MutateTile>("example.mutate_tile", "1.0",
                                   "moves a prime factor between the tiles of a sampled perfect tiling");
}
