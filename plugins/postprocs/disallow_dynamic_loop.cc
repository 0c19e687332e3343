// loom.disallow_dynamic_loop: TVM's DisallowDynamicLoop (src/meta_schedule/postproc/
// disallow_dynamic_loop.cc): a candidate with a loop whose extent is not a constant is
// dropped (the runners build and time constant-shape kernels only).
#include "postprocs.h"

namespace loom::postprocs {

DisallowDynamicLoop::DisallowDynamicLoop(const lp::Config&) {}

bool DisallowDynamicLoop::apply(lp::Schedule& sch) {
  ir::Func func = sch.func();
  bool dynamic = false;
  walk_stmts(func.node().body(), [&](const ir::Stmt& s) {
    if (dynamic) return false;
    if (auto loop = s.as<ir::For>(); loop && !const_int(loop->extent())) dynamic = true;
    return !dynamic;
  });
  return !dynamic;
}

}  // namespace loom::postprocs
