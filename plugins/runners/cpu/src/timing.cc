#include "loom/cpu/timing.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

namespace loom::cpu {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The last-level cache size the OS reports (bytes), or 0.
size_t last_level_cache_bytes() {
  size_t best = 0;
  for (int index = 0; index < 8; ++index) {
    std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
    if (!in) break;
    std::string text;
    in >> text;
    if (text.empty()) continue;
    size_t value = std::strtoull(text.c_str(), nullptr, 10);
    if (text.back() == 'K') value *= 1024;
    if (text.back() == 'M') value *= 1024 * 1024;
    best = std::max(best, value);
  }
  return best;
}

}  // namespace

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double Timing::median_s() const { return median(samples_s); }
double Timing::min_s() const { return samples_s.empty() ? 0 : *std::min_element(samples_s.begin(), samples_s.end()); }
double Timing::max_s() const { return samples_s.empty() ? 0 : *std::max_element(samples_s.begin(), samples_s.end()); }

void flush_cache(size_t bytes) {
  if (bytes == 0) bytes = std::max<size_t>(2 * last_level_cache_bytes(), size_t{64} << 20);
  size_t n = bytes / sizeof(uint64_t);
  static thread_local std::unique_ptr<uint64_t[]> buffer;
  static thread_local size_t buffer_size = 0;
  if (buffer_size < n) {
    buffer = std::make_unique<uint64_t[]>(n);
    buffer_size = n;
  }
  volatile uint64_t* p = buffer.get();
  for (size_t i = 0; i < n; i += 8) p[i] = i;
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i += 8) sum += p[i];
  if (sum == 1) p[0] = 0;  // keeps the reads
}

Timing time_function(const std::function<void()>& fn, const TimingOptions& options) {
  if (options.number < 1) throw std::invalid_argument("timing: number must be at least 1");
  if (options.repeat < 1) throw std::invalid_argument("timing: repeat must be at least 1");
  if (options.warmup < 0 || options.min_repeat_ms < 0 || options.cooldown_ms < 0) {
    throw std::invalid_argument("timing: warmup, min_repeat_ms and cooldown_ms must not be negative");
  }
  double one_call_s = 0;
  for (int i = 0; i < options.warmup; ++i) {
    auto start = Clock::now();
    fn();
    one_call_s = seconds_since(start);
  }
  Timing timing;
  timing.number = options.number;
  if (options.min_repeat_ms > 0) {
    double min_s = options.min_repeat_ms * 1e-3;
    // Guess from the warm-up call, then check by timing a sample (doubling as needed).
    if (one_call_s > 0 && one_call_s * timing.number < min_s) {
      double want = std::ceil(min_s / one_call_s);
      timing.number = static_cast<int>(std::min(want, 1e9));
    }
    for (;;) {
      auto start = Clock::now();
      for (int i = 0; i < timing.number; ++i) fn();
      double took = seconds_since(start);
      if (took >= min_s || timing.number >= (1 << 30)) break;
      timing.number *= 2;
    }
  }
  timing.samples_s.reserve(static_cast<size_t>(options.repeat));
  for (int r = 0; r < options.repeat; ++r) {
    if (options.flush_cache) flush_cache(options.flush_bytes);
    if (options.cooldown_ms > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(options.cooldown_ms));
    }
    auto start = Clock::now();
    for (int i = 0; i < timing.number; ++i) fn();
    timing.samples_s.push_back(seconds_since(start) / timing.number);
  }
  return timing;
}

}  // namespace loom::cpu
