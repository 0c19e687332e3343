// The shared timing protocol (loom/runner/sampling.h).
#include "loom/runner/sampling.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace loom::runner {

Samples take_samples(const TimingFields& options, const std::function<double(int n)>& run,
                     const std::function<void()>& before_sample) {
  if (options.number < 1) throw std::invalid_argument("timing: number must be at least 1");
  if (options.repeat < 1) throw std::invalid_argument("timing: repeat must be at least 1");
  if (options.warmup < 0 || options.min_repeat_ms < 0 || options.cooldown_ms < 0) {
    throw std::invalid_argument("timing: warmup, min_repeat_ms and cooldown_ms must not be negative");
  }
  double one_call_s = 0;
  for (int i = 0; i < options.warmup; ++i) one_call_s = run(1);
  Samples out;
  out.number = options.number;
  if (options.min_repeat_ms > 0) {
    double min_s = options.min_repeat_ms * 1e-3;
    // Guess from the warm-up call, then check by timing a sample (doubling as needed).
    if (one_call_s > 0 && one_call_s * out.number < min_s) {
      double want = std::ceil(min_s / one_call_s);
      out.number = static_cast<int>(std::min(want, 1e9));
    }
    for (;;) {
      double took = run(out.number);
      if (took >= min_s || out.number >= (1 << 30)) break;
      out.number *= 2;
    }
  }
  out.samples_s.reserve(static_cast<size_t>(options.repeat));
  for (int r = 0; r < options.repeat; ++r) {
    before_sample();
    out.samples_s.push_back(run(out.number) / out.number);
  }
  return out;
}

void cooldown(const TimingFields& options) {
  if (options.cooldown_ms > 0)
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(options.cooldown_ms));
}

}  // namespace loom::runner
