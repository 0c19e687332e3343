// GPU lowering: barriers for shared memory.
#pragma once

#include "loom/ir/function.h"

namespace loom::lower {

/// Inserts `T.storage_sync()` barriers into each kernel so that what one thread of a block
/// writes to a shared buffer is visible to the others before they read it, and what they
/// read is not overwritten before they have read it (TVM's ThreadSync for shared memory).
///
/// Each kernel is walked in program order with the shared buffers read and written since
/// the last barrier. Before a statement whose accesses conflict with those (it writes a
/// buffer read or written since, or reads one written since), a barrier is placed and the
/// sets are cleared; a loop body is walked until what one iteration leaves behind reaches a
/// fixed point, so a conflict between one iteration's last statements and the next one's
/// first gets a barrier at the start of the body. The analysis is by buffer, not by
/// element: it may place a barrier two accesses did not need, never omit one they need.
///
/// A barrier is never placed inside a thread-dependent statement: a threadIdx loop shorter
/// than its launch extent (some threads skip it), an `if` whose condition or a loop whose
/// bounds depend on a threadIdx variable. Such a statement counts as one access set, and
/// conflicts between accesses inside it are not synchronized (a schedule needing that has
/// a race the SIMT interpreter reports).
///
/// requires: the GPU-lowered form (split_kernels). guarantees: the same form; the program
/// computes what it computed, with barriers only at positions all threads of a block reach.
ir::PrimFunc insert_barriers(const ir::PrimFunc& func);

}  // namespace loom::lower
