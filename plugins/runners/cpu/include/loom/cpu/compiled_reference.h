// loom/cpu/compiled_reference.h: the correctness check's compiled reference
// (loom/runner/reference.h, Check::kCompiled) for any runner: the unscheduled function lowered
// for the CPU, compiled by the LLVM code generator and run in a loom-cpu-worker process.
#pragma once

#include "loom/cpu/codegen.h"
#include "loom/plugin.hpp"
#include "loom/runner/reference.h"
#include "loom/runner/worker_client.h"

namespace loom::cpu {

/// Compiles `reference` (lowered through the host, CPU pipeline) with `options`; the returned
/// closure runs it once on its buffers in `worker` (a client of loom-cpu-worker, which must
/// outlive the closure) within timeout_s and says why when it crashed, ran late or failed.
/// Throws CodegenError or plugin::Error when it does not compile.
runner::CompiledReference compile_reference(const plugin::ir::Func& reference, const CodegenOptions& options,
                                            runner::WorkerClient& worker, double timeout_s);

}  // namespace loom::cpu
