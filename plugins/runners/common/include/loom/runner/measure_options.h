// loom/runner/measure_options.h: the [runner] keys every runner reads the same way (the
// timing protocol, the worker's deadline, the correctness check, the inputs' seed, the
// test-only faults and the worker executable), and the range-checked readers runners use for
// their own keys. Errors are plugin::Error (LOOM_ERROR_CONFIG) "RUNNER: KEY = VALUE ...".
#pragma once

#include <cstdint>
#include <string>

#include "loom/plugin.hpp"
#include "loom/runner/worker_protocol.h"

namespace loom::runner {

/// Which reference a candidate's outputs are compared with.
enum class Check {
  kNone,
  /// The reference function run in the interpreter (exact semantics; small shapes).
  kInterpreter,
  /// The reference function compiled unscheduled for the CPU and run in loom-cpu-worker.
  kCompiled,
};

struct MeasureOptions {
  /// Keys warmup, number, repeat, min_repeat_ms, cooldown_ms, flush_cache.
  TimingFields timing;
  /// Key timeout_s: the worker's deadline per request.
  double timeout_s = 10;
  /// Keys check ("none", "interpreter", "compiled"), rtol, atol.
  Check check = Check::kNone;
  double rtol = 1e-3, atol = 1e-4;
  /// Key seed: the inputs' (plugin::fill_random).
  uint64_t seed = 0;
  /// Keys debug_fault ("none", "segv", "abort", "fpe", "hang") and debug_fault_func (the
  /// kernel it applies to; empty: every kernel).
  DebugFault debug_fault = DebugFault::kNone;
  std::string debug_fault_func;

  /// The fault to raise for the kernel `name`.
  DebugFault fault_for(const std::string& name) const {
    return debug_fault_func.empty() || debug_fault_func == name ? debug_fault : DebugFault::kNone;
  }
};

/// Reads a runner's config keys with its name in the messages.
class OptionReader {
 public:
  OptionReader(const plugin::Config& config, std::string runner) : config_(config), runner_(std::move(runner)) {}

  [[noreturn]] void fail(const std::string& message) const;
  /// An integer >= min (and at most INT32_MAX).
  int64_t int_at_least(const char* key, int64_t default_value, int64_t min) const;
  /// A float >= min (> min when strict), never NaN.
  double float_at_least(const char* key, double default_value, double min, bool strict) const;

  /// The keys of MeasureOptions, over `defaults`.
  MeasureOptions measure_options(const MeasureOptions& defaults = {}) const;

  /// The worker executable: the key `key` when set (it must be executable), else `name` in the
  /// folder of the shared library holding `anchor` (a function of the plugin).
  std::string worker(const char* key, const std::string& name, const void* anchor) const;

  const plugin::Config& config() const { return config_; }

 private:
  const plugin::Config& config_;
  std::string runner_;
};

}  // namespace loom::runner
