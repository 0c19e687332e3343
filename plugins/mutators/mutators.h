// The built-in mutators (plugin loom.mutators), TVM's meta-schedule mutators for CPU
// targets, written over loom/plugin.hpp alone:
// - loom.mutate_tile_size (mutate_tile_size.cc)
// - loom.mutate_unroll (mutate_unroll.cc)
// - loom.mutate_parallel (mutate_parallel.cc)
// - loom.mutate_compute_location (mutate_compute_location.cc)
// - loom.mutate_thread_binding (mutate_thread_binding.cc), for GPU targets: redraws the
//   thread count of a split bound to threadIdx.x (sample_categorical -> split -> bind)
// Each returns a new trace differing from its input in one decision (or, for
// mutate_parallel, one annotation value), without the postprocessing part, or nullopt when
// the trace holds nothing it can change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loom/plugin.hpp"

namespace loom::mutators {

namespace lp = loom::plugin;
namespace ir = loom::plugin::ir;

using lp::attr::kParallel;
using lp::attr::kUnrollExplicit;
using lp::attr::kUnrollImplicit;

/// Removes and returns a uniformly drawn element of `items` (which must not be empty).
template <typename T>
T take_random(std::vector<T>& items, lp::Rng& rng) {
  size_t k = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(items.size())));
  T out = items[k];
  items.erase(items.begin() + static_cast<std::ptrdiff_t>(k));
  return out;
}

class MutateTileSize : public lp::Mutator {
 public:
  explicit MutateTileSize(const lp::Config& config);
  std::optional<lp::Trace> apply(const lp::Trace& trace, lp::Rng& rng) override;
};

class MutateUnroll : public lp::Mutator {
 public:
  explicit MutateUnroll(const lp::Config& config);
  std::optional<lp::Trace> apply(const lp::Trace& trace, lp::Rng& rng) override;
};

class MutateParallel : public lp::Mutator {
 public:
  explicit MutateParallel(const lp::Config& config);
  std::optional<lp::Trace> apply(const lp::Trace& trace, lp::Rng& rng) override;
};

class MutateComputeLocation : public lp::Mutator {
 public:
  explicit MutateComputeLocation(const lp::Config& config);
  std::optional<lp::Trace> apply(const lp::Trace& trace, lp::Rng& rng) override;
};

class MutateThreadBinding : public lp::Mutator {
 public:
  explicit MutateThreadBinding(const lp::Config& config);
  std::optional<lp::Trace> apply(const lp::Trace& trace, lp::Rng& rng) override;
};

}  // namespace loom::mutators
