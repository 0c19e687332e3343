// The plugin loom.mutators: TVM's meta-schedule mutators for CPU and CUDA targets.
#include "mutators.h"

LOOM_DEFINE_PLUGIN("loom.mutators", "1.0") {
  using namespace loom::mutators;
  registry.add_mutator<MutateTileSize>("loom.mutate_tile_size", "1.0",
                                       "moves a divisor between two tiles of a sample_perfect_tile decision");
  registry.add_mutator<MutateUnroll>("loom.mutate_unroll", "1.0",
                                     "redraws the sample_categorical decision of the unroll step count");
  registry.add_mutator<MutateParallel>("loom.mutate_parallel", "1.0",
                                       "changes the root's meta_schedule.parallel limit to fuse another loop count");
  registry.add_mutator<MutateComputeLocation>("loom.mutate_compute_location", "1.0",
                                              "redraws a sample_compute_location decision among the legal ones");
  registry.add_mutator<MutateThreadBinding>("loom.mutate_thread_binding", "1.0",
                                            "redraws the sampled thread count of a split bound to threadIdx.x");
}
