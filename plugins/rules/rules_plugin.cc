// The loom.rules plugin: the built-in schedule rules (rules.h), registered under the names
// the run config's default rule set uses (loom/config/run_config.h, default_rules).
#include "rules.h"

LOOM_DEFINE_PLUGIN("loom.rules", "1.0") {
  using namespace loom::rules;
  registry.add_rule<AutoInline>("loom.auto_inline", "1.0",
                                "inlines a block into its consumers (or its only producer) under TVM's conditions");
  registry.add_rule<InlineConstantScalars>("loom.inline_constant_scalars", "1.0",
                                           "inlines blocks that write a constant scalar");
  registry.add_rule<MultiLevelTiling>("loom.multi_level_tiling", "1.0",
                                      "multi-level tiling with sampled tiles, forked read/write caches and, for "
                                      "GPUs, thread binding");
  registry.add_rule<AddRFactor>("loom.add_rfactor", "1.0", "rfactors reductions with little spatial parallelism");
  registry.add_rule<ParallelizeVectorizeUnroll>(
      "loom.parallelize_vectorize_unroll", "1.0",
      "annotates the root block with parallel, vectorize and sampled unroll limits");
  registry.add_rule<RandomComputeLocation>("loom.random_compute_location", "1.0",
                                           "computes a block at a sampled loop (sample_compute_location + compute_at)");
  registry.add_rule<CrossThreadReduction>("loom.cross_thread_reduction", "1.0",
                                          "binds a reduction with little spatial parallelism across GPU threads");
  registry.add_rule<AutoBind>("loom.auto_bind", "1.0",
                              "binds the leading spatial loops of unbound blocks to blockIdx.x / threadIdx.x");
}
