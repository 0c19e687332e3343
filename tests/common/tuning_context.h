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

}  // namespace loom::testing
