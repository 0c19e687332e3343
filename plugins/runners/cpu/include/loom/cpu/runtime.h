// loom/cpu/runtime.h: the runtime that code compiled by loom/cpu/codegen.h calls (resolved
// by the JIT to these definitions).
#pragma once

#include <cstdint>

extern "C" {

/// The body of a parallel loop over [lo, hi): one chunk of iterations.
typedef void (*loom_parallel_body)(int64_t lo, int64_t hi, void* closure);

/// Runs body over [begin, end) split into chunks on oneTBB's task arena (the calling
/// thread takes part); returns when every chunk has run. Nothing when end <= begin.
void loom_parallel_for(int64_t begin, int64_t end, loom_parallel_body body, void* closure);
}
