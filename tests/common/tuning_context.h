// The tuning context the component tests initialize components with: a CPU target with a
// fixed core count, so that rules plan the same parallelism on any test machine.
#pragma once

#include "loom/host/target.h"

namespace loom::testing {

/// An llvm target for the host's CPU with `cores` cores and AVX2-sized vectors.
inline host::TuningContext test_context(int cores = 2) {
  host::TuningContext context;
  context.target.kind = "llvm";
  context.target.cpu = "host";
  context.target.num_cores = cores;
  context.target.vector_bits = 256;
  context.target.num_vector_registers = 16;
  context.target.description = context.target.describe();
  context.num_threads = 1;
  return context;
}

/// A cuda target shaped as an sm_90 GPU (H100): 1024 threads and 48 KiB of static shared
/// memory per block, warps of 32, 255 registers per thread.
inline host::TuningContext cuda_test_context() {
  host::TuningContext context;
  context.target.kind = "cuda";
  context.target.arch = "sm_90";
  context.target.max_threads_per_block = 1024;
  context.target.max_shared_memory_per_block = 48 * 1024;
  context.target.warp_size = 32;
  context.target.max_registers_per_thread = 255;
  context.target.multiprocessor_count = 132;
  context.target.description = context.target.describe();
  context.num_threads = 1;
  return context;
}

}  // namespace loom::testing
