// loom.rewrite_cooperative_fetch: TVM's RewriteCooperativeFetch (src/meta_schedule/postproc/
// rewrite_cooperative_fetch.cc). loom.multi_level_tiling marks each shared-memory read
// cache "meta_schedule.cooperative_fetch" = v (a sampled vector length); this
// postprocessor makes the threads of the block load it together:
// 1. Walk the trace in order, remembering the extent of the latest loop bound to
//    threadIdx.x (and threadIdx.y); each Annotate of the key records a task with the
//    extents seen so far and the annotation's value.
// 2. Run the tasks: remove the annotation, take the block's innermost loop (the fused copy
//    loop) of constant extent n; v becomes 1 when it does not divide n or when the block
//    moves values wider than 4 bytes; split the loop into (rest, [ty,] tx[, v]), bind tx to
//    threadIdx.x (ty to threadIdx.y) and vectorize v when v > 1.
// A candidate whose annotated block has no threadIdx.x extent before it in the trace, or
// whose split or binding the schedule refuses, is dropped.
#include "postprocs.h"

namespace loom::postprocs {
namespace {

constexpr const char* kName = "loom.rewrite_cooperative_fetch";

struct Task {
  lp::BlockRV block;
  int64_t tx = -1, ty = -1, vector_lane = 1;
};

/// The widest element (bytes) a load, store or cast under `stmt` moves.
int64_t max_dtype_bytes(const ir::Stmt& stmt) {
  int64_t most = 1;
  ir::walk(stmt, [&](const ir::Node& n) {
    std::optional<ir::DataType> t;
    if (auto store = n.as<ir::BufferStore>()) t = store->value().dtype();
    if (auto load = n.as<ir::BufferLoad>()) t = load->dtype();
    if (auto cast = n.as<ir::Cast>()) t = cast->dtype();
    if (t) most = std::max<int64_t>(most, (t->bits + 7) / 8);
    return true;
  });
  return most;
}

}  // namespace

RewriteCooperativeFetch::RewriteCooperativeFetch(const lp::Config&) {}

bool RewriteCooperativeFetch::apply(lp::Schedule& sch) {
  // 1. The tasks.
  std::vector<Task> tasks;
  int64_t tx = -1, ty = -1;
  const lp::Trace trace = sch.trace();
  for (size_t i = 0, n = trace.size(); i < n; ++i) {
    const lp::Instruction inst = trace.instruction(i);
    if (inst.kind == "Bind" && inst.inputs.size() == 1 && inst.attrs.size() == 1) {
      const std::string& axis = inst.attrs[0].s;
      if (axis != "threadIdx.x" && axis != "threadIdx.y") continue;
      lp::LoopRV loop{inst.inputs[0].rv};
      if (!sch.is_valid(loop)) continue;
      int64_t extent = sch.loop_info(loop).extent;
      if (extent < 0) continue;
      (axis == "threadIdx.x" ? tx : ty) = extent;
    } else if (inst.kind == "Annotate" && inst.inputs.size() == 2 && inst.attrs.size() == 1 &&
               inst.attrs[0].s == lp::attr::kCooperativeFetch && inst.inputs[0].kind == LOOM_VALUE_BLOCK) {
      Task task{lp::BlockRV{inst.inputs[0].rv}, tx, ty, 1};
      const lp::Value& v = inst.inputs[1];
      task.vector_lane = v.kind == LOOM_VALUE_EXPR ? sch.value(lp::ExprRV{v.rv}) : v.i;
      tasks.push_back(task);
    }
  }
  // 2. The rewrites.
  for (Task& task : tasks) {
    if (!sch.is_valid(task.block)) continue;
    if (task.tx == -1) {
      lp::log(LOOM_LOG_DEBUG, kName, "candidate refused: a cooperative fetch with no threadIdx.x loop before it");
      return false;
    }
    try {
      sch.unannotate(task.block, lp::attr::kCooperativeFetch);
      lp::LoopRV fused = sch.get_loops(task.block).back();
      const int64_t extent = sch.loop_info(fused).extent;
      if (extent < 0) continue;
      int64_t lane = task.vector_lane;
      if (lane < 1 || extent % lane != 0) lane = 1;
      if (max_dtype_bytes(ir::Stmt(sch.block_node(task.block))) > 4) lane = 1;
      std::vector<lp::Arg> factors{lp::none};
      if (task.ty != -1) factors.emplace_back(task.ty);
      factors.emplace_back(task.tx);
      if (lane > 1) factors.emplace_back(lane);
      std::vector<lp::LoopRV> parts = sch.split(fused, factors);
      size_t k = 1;
      if (task.ty != -1) sch.bind(parts[k++], "threadIdx.y");
      sch.bind(parts[k++], "threadIdx.x");
      if (lane > 1) sch.vectorize(parts[k]);
    } catch (const lp::Error& e) {
      if (!is_schedule_error(e)) throw;
      lp::log(LOOM_LOG_DEBUG, kName, std::string("candidate refused: ") + e.what());
      return false;
    }
  }
  return true;
}

}  // namespace loom::postprocs
