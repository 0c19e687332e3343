// loom.mutate_tile_size: TVM's MutateTileSize (src/meta_schedule/mutator/mutate_tile_size.cc)
// for sample_perfect_tile decisions.
//
// 1. Pick a SamplePerfectTile instruction (uniformly, among those with a factor above 1).
// 2. Pick a source position x with a factor above 1 and a destination y != x.
// 3. Pick a divisor d > 1 of tile[x] (uniformly among its divisors); when y is the innermost
//    position, only divisors keeping tile[y] * d within the instruction's
//    max_innermost_factor.
// 4. tile[x] /= d, tile[y] *= d: the product (the loop's extent) is kept.
// The (x, y) pairs that admit no divisor are dropped and others tried; an instruction with
// none left is dropped and another tried.
#include "mutators.h"

namespace loom::mutators {

namespace {

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> small, large;
  for (int64_t d = 1; d * d <= n; ++d) {
    if (n % d != 0) continue;
    small.push_back(d);
    if (d != n / d) large.push_back(n / d);
  }
  small.insert(small.end(), large.rbegin(), large.rend());
  return small;
}

}  // namespace

MutateTileSize::MutateTileSize(const lp::Config&) {}

std::optional<lp::Trace> MutateTileSize::apply(const lp::Trace& trace, lp::Rng& rng) {
  std::vector<size_t> candidates;
  for (size_t i = 0, n = trace.postproc_start(); i < n; ++i) {
    lp::Instruction inst = trace.instruction(i);
    if (inst.kind != "SamplePerfectTile" || !inst.decision || inst.decision->items.size() < 2) continue;
    std::vector<int64_t> tiles = inst.decision->ints();
    if (std::any_of(tiles.begin(), tiles.end(), [](int64_t t) { return t > 1; })) candidates.push_back(i);
  }
  while (!candidates.empty()) {
    size_t index = take_random(candidates, rng);
    lp::Instruction inst = trace.instruction(index);
    std::vector<int64_t> tiles = inst.decision->ints();
    const size_t n = tiles.size();
    int64_t max_inner = inst.attrs.size() >= 2 && inst.attrs[1].is_int() ? inst.attrs[1].i : -1;
    std::vector<std::pair<size_t, size_t>> pairs;
    for (size_t x = 0; x < n; ++x) {
      if (tiles[x] <= 1) continue;
      for (size_t y = 0; y < n; ++y) {
        if (y != x) pairs.emplace_back(x, y);
      }
    }
    while (!pairs.empty()) {
      auto [x, y] = take_random(pairs, rng);
      std::vector<int64_t> divs = divisors(tiles[x]);  // divs[0] == 1
      size_t end = divs.size();
      if (y == n - 1 && max_inner > 0) {
        while (end > 1 && divs[end - 1] * tiles[y] > max_inner) --end;
      }
      if (end <= 1) continue;
      int64_t d = divs[static_cast<size_t>(rng.uniform_int(1, static_cast<int64_t>(end)))];
      tiles[x] /= d;
      tiles[y] *= d;
      return trace.with_decision(index, tiles);
    }
  }
  return std::nullopt;
}

}  // namespace loom::mutators
