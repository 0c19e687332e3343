#include "loom/cpu/timing.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <utility>

#include "loom/runner/sampling.h"

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
  runner::TimingFields fields;
  fields.warmup = options.warmup;
  fields.number = options.number;
  fields.repeat = options.repeat;
  fields.min_repeat_ms = options.min_repeat_ms;
  fields.cooldown_ms = options.cooldown_ms;
  fields.flush_cache = options.flush_cache;
  runner::Samples samples = runner::take_samples(
      fields,
      [&](int n) {
        auto start = Clock::now();
        for (int i = 0; i < n; ++i) fn();
        return seconds_since(start);
      },
      [&] {
        if (options.flush_cache) flush_cache(options.flush_bytes);
        runner::cooldown(fields);
      });
  Timing timing;
  timing.samples_s = std::move(samples.samples_s);
  timing.number = samples.number;
  return timing;
}

}  // namespace loom::cpu
