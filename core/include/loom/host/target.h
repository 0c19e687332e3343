// A target and the properties of the hardware behind it (the C ABI's loom_target), and the
// tuning context components are initialized with (loom_tuning_context). A run's [target]
// is a request ("llvm", cpu "host"); the run's runner resolves it on its machine into the
// full description every component then sees (DESIGN.md "Plugins and the C ABI": components
// know their target only through the tuning context).
#pragma once

#include <cstdint>
#include <string>

#include "loom/config/run_config.h"
#include "loom/ir/function.h"
#include "loom/plugin.h"

namespace loom::host {

/// A property that is unknown is 0 or empty.
struct Target {
  /// "llvm" (a CPU) or "cuda".
  std::string kind = "llvm";
  /// The string recorded with each candidate ("llvm -mcpu=znver4 -mattr=+avx2 -num-cores=2").
  std::string description;
  // -- llvm --
  /// An LLVM CPU name; "host" in a request.
  std::string cpu;
  /// LLVM target features ("+avx2,+fma"); empty in a request: the CPU's.
  std::string features;
  /// Cores parallel loops may use; 0 in a request: all.
  int num_cores = 0;
  int vector_bits = 0;
  int num_vector_registers = 0;
  int cache_line_bytes = 0;
  int64_t l1d_bytes = 0;
  int64_t l2_bytes = 0;
  int64_t l3_bytes = 0;
  // -- cuda --
  /// "sm_90"; "auto" in a request: the device's.
  std::string arch;
  int device = 0;
  int max_threads_per_block = 0;
  int max_shared_memory_per_block = 0;
  int warp_size = 0;
  int max_registers_per_thread = 0;
  int multiprocessor_count = 0;

  /// The description TVM's target strings would give for the fields set: kind, then
  /// -mcpu / -mattr / -num-cores (llvm) or -arch (cuda).
  std::string describe() const;
};

/// The target a run's [target] asks for (unresolved: cpu "host", features as written).
Target requested_target(const config::TargetConfig& config);

/// A C view of `target`; its strings point into `target`, which must outlive it.
loom_target to_c(const Target& target);
/// A copy of a peer's loom_target (the fields its struct_size holds).
Target from_c(const loom_target& target);

/// What one component instance is initialized with.
struct TuningContext {
  /// The resolved target.
  Target target;
  /// The task's function; undefined for a component serving every task (runner, cost model).
  ir::PrimFunc workload;
  std::string task_name;
  uint64_t seed = 0;
  /// Threads that may call the component at once (0: unknown).
  int num_threads = 0;
};

}  // namespace loom::host
