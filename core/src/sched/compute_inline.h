// Internal: compute_inline as a function of the IR, shared by compute_inline, compute_at's
// compute-inline location, sample_compute_location and the legality probe can_compute_inline.
#pragma once

#include <vector>

#include "loom/ir/function.h"

namespace loom::sched::detail {

/// The check phase of compute_inline for `block` in `func`: throws the ScheduleError of the
/// first violated precondition, naming `primitive`.
void check_compute_inline(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

/// What compute_inline makes of `func`: the new function and the loops the removal emptied.
struct InlineResult {
  ir::PrimFunc func;
  std::vector<ir::Var> emptied_loops;
};
/// The check phase, then the inlining.
InlineResult compute_inline_func(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

}  // namespace loom::sched::detail
