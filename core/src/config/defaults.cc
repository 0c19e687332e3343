// The default component sets: TVM MetaSchedule's ScheduleRule/Postproc/Mutator::DefaultLLVM
// and DefaultCUDA, named "loom.<TVM name in snake case>". Departures from TVM: no
// apply_custom_rule (loom has no TVM-style custom-rule annotations), and no rewrite_layout
// postprocessor (optional in loom, issue 6).
#include "loom/config/run_config.h"

namespace loom::config {

std::vector<std::string> default_rules(const std::string& target_kind) {
  if (target_kind == "cuda") {
    return {"loom.multi_level_tiling",     "loom.inline_constant_scalars",      "loom.auto_inline",
            "loom.cross_thread_reduction", "loom.parallelize_vectorize_unroll", "loom.auto_bind"};
  }
  return {"loom.inline_constant_scalars",
          "loom.auto_inline",
          "loom.add_rfactor",
          "loom.multi_level_tiling",
          "loom.parallelize_vectorize_unroll",
          "loom.random_compute_location"};
}

std::vector<std::string> default_postprocs(const std::string& target_kind) {
  if (target_kind == "cuda") {
    return {"loom.disallow_dynamic_loop",   "loom.rewrite_cooperative_fetch",
            "loom.rewrite_unbound_block",   "loom.rewrite_parallel_vectorize_unroll",
            "loom.rewrite_reduction_block", "loom.verify_gpu_code"};
  }
  return {"loom.disallow_dynamic_loop", "loom.rewrite_parallel_vectorize_unroll", "loom.rewrite_reduction_block"};
}

std::vector<std::pair<std::string, double>> default_mutators(const std::string& target_kind) {
  if (target_kind == "cuda") {
    return {{"loom.mutate_tile_size", 0.9}, {"loom.mutate_unroll", 0.08}, {"loom.mutate_thread_binding", 0.02}};
  }
  return {{"loom.mutate_tile_size", 0.9},
          {"loom.mutate_compute_location", 0.05},
          {"loom.mutate_unroll", 0.03},
          {"loom.mutate_parallel", 0.02}};
}

}  // namespace loom::config
