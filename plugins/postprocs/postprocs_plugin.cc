// The plugin loom.postprocs: TVM's meta-schedule postprocessors for CPU and CUDA targets.
#include "postprocs.h"

LOOM_DEFINE_PLUGIN("loom.postprocs", "1.0") {
  using namespace loom::postprocs;
  registry.add_postproc<DisallowDynamicLoop>("loom.disallow_dynamic_loop", "1.0",
                                             "drops candidates with a loop of non-constant extent");
  registry.add_postproc<RewriteParallelVectorizeUnroll>(
      "loom.rewrite_parallel_vectorize_unroll", "1.0",
      "turns the root's meta_schedule.parallel / vectorize / unroll annotations into loop kinds");
  registry.add_postproc<RewriteReductionBlock>("loom.rewrite_reduction_block", "1.0",
                                               "decomposes reduction blocks at their first reduction loop");
  registry.add_postproc<RewriteUnboundBlock>("loom.rewrite_unbound_block", "1.0",
                                             "binds the leading spatial loops of every unbound block to GPU threads");
  registry.add_postproc<RewriteCooperativeFetch>(
      "loom.rewrite_cooperative_fetch", "1.0",
      "splits each cooperative-fetch read cache over the block's threads and vectorizes it");
  registry.add_postproc<VerifyGpuCode>(
      "loom.verify_gpu_code", "1.0", "drops candidates over the GPU's thread, shared-memory, vthread or vector limits");
}
