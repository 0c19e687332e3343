// The minstd engine behind every sampling decision.
#include "loom/sched/random.h"

#include <random>

#include "loom/ir/error.h"

namespace loom::sched {

void RandomEngine::seed(int64_t seed) {
  if (seed == -1) seed = static_cast<int64_t>(std::random_device()());
  uint64_t s = static_cast<uint64_t>(seed) % kModulus;
  state_ = s == 0 ? 1 : s;  // 0 is a fixed point of the recurrence
}

RandomEngine::result_type RandomEngine::operator()() {
  state_ = (state_ * kMultiplier) % kModulus;
  return state_;
}

int64_t RandomEngine::fork_seed() {
  // Mix two draws so that a child's sequence does not trail the parent's by one step.
  uint64_t a = (*this)(), b = (*this)();
  return static_cast<int64_t>((a * 32767 + b) % (kModulus - 1)) + 1;
}

int64_t RandomEngine::uniform_int(int64_t lo, int64_t hi) {
  LOOM_ICHECK(lo < hi, "uniform_int on an empty range");
  uint64_t span = static_cast<uint64_t>(hi - lo);
  // Rejection sampling over the engine's range [1, kModulus - 1] for an unbiased draw.
  const uint64_t range = kModulus - 1;
  if (span <= range) {
    uint64_t limit = range - range % span;
    uint64_t x;
    do {
      x = (*this)() - 1;
    } while (x >= limit);
    return lo + static_cast<int64_t>(x % span);
  }
  uint64_t x = ((*this)() - 1) * range + ((*this)() - 1);
  return lo + static_cast<int64_t>(x % span);
}

double RandomEngine::uniform_real() { return static_cast<double>((*this)() - 1) / static_cast<double>(kModulus - 1); }

int64_t RandomEngine::categorical(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) {
    LOOM_ICHECK(w >= 0, "negative categorical weight");
    total += w;
  }
  LOOM_ICHECK(total > 0, "categorical weights sum to zero");
  double x = uniform_real() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return static_cast<int64_t>(i);
    x -= weights[i];
  }
  // Rounding: fall back to the last non-zero weight.
  for (size_t i = weights.size(); i-- > 0;) {
    if (weights[i] > 0) return static_cast<int64_t>(i);
  }
  return 0;
}

}  // namespace loom::sched
