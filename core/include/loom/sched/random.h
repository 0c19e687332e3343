// The schedule's random number generator: explicit, seedable, forkable state, so that the
// same seed gives the same trace on any number of threads.
#pragma once

#include <cstdint>
#include <vector>

namespace loom::sched {

/// A linear congruential engine (Park-Miller "minstd", modulus 2^31 - 1) whose whole state is
/// one integer. It is small enough to copy with every schedule and to write in a trace.
class RandomEngine {
 public:
  using result_type = uint64_t;
  static constexpr uint64_t kModulus = 2147483647;  // 2^31 - 1
  static constexpr uint64_t kMultiplier = 48271;

  /// Seeds with `seed`; -1 draws a seed from std::random_device.
  explicit RandomEngine(int64_t seed = -1) { this->seed(seed); }
  void seed(int64_t seed);
  int64_t state() const { return static_cast<int64_t>(state_); }

  static constexpr result_type min() { return 1; }
  static constexpr result_type max() { return kModulus - 1; }
  result_type operator()();

  /// A new seed derived from this engine, for a child schedule (advances this engine).
  int64_t fork_seed();
  /// Uniform integer in [lo, hi). Requires lo < hi.
  int64_t uniform_int(int64_t lo, int64_t hi);
  /// Uniform double in [0, 1).
  double uniform_real();
  /// An index drawn with the given (non-negative, not all zero) weights.
  int64_t categorical(const std::vector<double>& weights);

 private:
  uint64_t state_ = 1;
};

}  // namespace loom::sched
