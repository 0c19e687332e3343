// loom/runner/sampling.h: the timing protocol of every runner (the CPU's wall clock,
// the GPU's CUDA events), so that figures from different runners mean the same thing:
//   1. `warmup` untimed calls;
//   2. `repeat` samples; each times `number` back-to-back calls and records the mean time of
//      one call. When min_repeat_ms > 0, `number` is first raised (doubling from the
//      configured value, using the last warm-up call's time as a guide) until one sample
//      takes at least min_repeat_ms;
//   3. before each sample, the runner's preparation (a cache flush, a cooldown sleep).
#pragma once

#include <functional>
#include <vector>

#include "loom/runner/worker_protocol.h"

namespace loom::runner {

struct Samples {
  /// Seconds per call, one entry per sample, in the order measured.
  std::vector<double> samples_s;
  /// Calls per sample actually used.
  int number = 1;
};

/// Times by the protocol above: `run(n)` makes n back-to-back calls and returns the seconds
/// they took; `before_sample` runs before each of the `repeat` samples (not timed). Throws
/// std::invalid_argument for a non-positive number or repeat or a negative warmup,
/// min_repeat_ms or cooldown_ms.
Samples take_samples(const TimingFields& options, const std::function<double(int n)>& run,
                     const std::function<void()>& before_sample);

/// Sleeps options.cooldown_ms (nothing when it is 0).
void cooldown(const TimingFields& options);

}  // namespace loom::runner
