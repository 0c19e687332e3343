// loom/cpu/timing.h: how the CPU runner's worker and the benchmark harness time a function.
//
// One protocol for every CPU timing in loom, so a figure from `loom bench` and one from a
// tuning run mean the same thing:
//   1. `warmup` untimed calls (page faults, caches, oneTBB's threads started);
//   2. `repeat` samples; each sample times `number` back-to-back calls with a steady clock
//      and records the mean time of one call. When min_repeat_ms > 0, `number` is first
//      raised (doubling from the configured value, using the warm-up call's time as a
//      guide) until one sample takes at least min_repeat_ms;
//   3. before each sample: an optional cache flush (a write then a read over a buffer
//      larger than the last-level cache, so each sample starts from cold caches as a
//      kernel inside a network would), then an optional cooldown sleep.
// The result keeps every sample; the median is the figure to report.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace loom::cpu {

struct TimingOptions {
  int warmup = 1;
  int number = 1;
  int repeat = 3;
  double min_repeat_ms = 0;
  double cooldown_ms = 0;
  bool flush_cache = false;
  /// Bytes written and read by a cache flush (0: 2x the last-level cache reported by the
  /// OS, at least 64 MiB).
  size_t flush_bytes = 0;
};

struct Timing {
  /// Seconds per call, one entry per sample, in the order measured.
  std::vector<double> samples_s;
  /// Calls per sample actually used (after min_repeat_ms raised it).
  int number = 1;

  double median_s() const;
  double min_s() const;
  double max_s() const;
};

/// Times `fn` as described above. Throws std::invalid_argument for a non-positive number
/// or repeat or a negative warmup, min_repeat_ms or cooldown_ms.
Timing time_function(const std::function<void()>& fn, const TimingOptions& options);

/// Evicts the caches: writes and reads `bytes` (0: the default of TimingOptions::flush_bytes).
void flush_cache(size_t bytes = 0);

/// The median of `values` (the mean of the two middle ones for an even count); 0 when empty.
double median(std::vector<double> values);

}  // namespace loom::cpu
