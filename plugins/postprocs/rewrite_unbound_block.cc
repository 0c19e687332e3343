// loom.rewrite_unbound_block: TVM's RewriteUnboundBlock (src/meta_schedule/postproc/
// rewrite_unbound_block.cc), the postprocessor that makes every candidate a GPU can run:
// each top-level block that no thread-bound loop encloses gets its leading spatial loops
// fused and bound.
//
// For such a block, its outermost loops that are spatial, serial, unbound and directly
// nested (each the only child of the one above) are fused into one loop of extent n, then
//   n <= T:          the loop is bound to threadIdx.x;
//   n <= B * T:      split into (ceil(n / T), T), bound to blockIdx.x, threadIdx.x;
//   otherwise:       split into (rest, B, T), reordered to (B, T, rest) and bound to
//                    blockIdx.x, threadIdx.x, the rest a serial loop inside;
// where T is max_threads_per_block (config, else the target's) and B max_threadblocks
// (config, default 256). A block without a leading spatial loop (a full reduction, a
// scalar) gets a unit loop above its loops, bound to threadIdx.x: it runs on one thread.
#include "postprocs.h"

namespace loom::postprocs {
namespace {

constexpr const char* kName = "loom.rewrite_unbound_block";

/// The top-level blocks (children of the root's scope, through loops and sequences) that no
/// thread-bound loop encloses.
std::vector<std::string> unbound_top_blocks(const ir::PrimFunc& func) {
  std::vector<std::string> names;
  std::function<void(const ir::Stmt&, bool)> walk = [&](const ir::Stmt& stmt, bool bound) {
    walk_stmts(stmt, [&](const ir::Stmt& s) {
      if (s.same(stmt)) return true;
      if (auto loop = s.as<ir::For>(); loop && !loop->thread_tag().empty()) {
        walk(s, true);
        return false;
      }
      if (auto block = s.as<ir::Block>()) {
        if (!bound) names.emplace_back(block->name());
        return false;
      }
      return true;
    });
  };
  walk(func.root_block().body(), false);
  return names;
}

}  // namespace

RewriteUnboundBlock::RewriteUnboundBlock(const lp::Config& config)
    : max_threadblocks_(config.get_int("max_threadblocks", 256)),
      max_threads_per_block_(config.get_int("max_threads_per_block", 0)) {
  if (max_threadblocks_ < 1)
    throw lp::Error(std::string(kName) + ": config key max_threadblocks must be at least 1", LOOM_ERROR_CONFIG);
  if (max_threads_per_block_ < 0)
    throw lp::Error(std::string(kName) + ": config key max_threads_per_block must be positive (or 0: the target's)",
                    LOOM_ERROR_CONFIG);
}

void RewriteUnboundBlock::initialize(const lp::TuningContext& context) {
  if (max_threads_per_block_ == 0) threads_ = context.target.max_threads_per_block;
}

bool RewriteUnboundBlock::apply(lp::Schedule& sch) {
  const int64_t threads = max_threads_per_block_ > 0 ? max_threads_per_block_ : threads_;
  if (threads <= 0) {
    throw lp::Error(std::string(kName) +
                        ": no thread limit: the target has no max_threads_per_block (is [target] kind = \"cuda\"?) "
                        "and the config sets none",
                    LOOM_ERROR_ARGUMENT);
  }
  for (const std::string& name : unbound_top_blocks(sch.func().node())) {
    lp::BlockRV block = sch.get_block(name);
    std::vector<lp::LoopRV> loops = sch.get_loops(block);
    std::vector<lp::LoopRV> spatial;
    int64_t extent = 1;
    for (size_t i = 0; i < loops.size(); ++i) {
      lp::LoopInfo li = sch.loop_info(loops[i]);
      if (li.iter_kind != LOOM_ITER_SPATIAL || li.for_kind != "serial" || !li.thread_tag.empty() || li.extent < 0)
        break;
      if (i > 0 && !li.is_only_child) break;
      spatial.push_back(loops[i]);
      extent *= li.extent;
    }
    try {
      if (spatial.empty()) {
        lp::LoopRV unit = loops.empty() ? sch.add_unit_loop(block) : sch.add_unit_loop(loops[0]);
        sch.bind(unit, "threadIdx.x");
        continue;
      }
      lp::LoopRV fused = spatial.size() == 1 ? spatial[0] : sch.fuse(spatial);
      if (extent <= threads) {
        sch.bind(fused, "threadIdx.x");
      } else if (extent <= max_threadblocks_ * threads) {
        std::vector<lp::LoopRV> parts = sch.split(fused, {lp::none, threads});
        sch.bind(parts[0], "blockIdx.x");
        sch.bind(parts[1], "threadIdx.x");
      } else {
        std::vector<lp::LoopRV> parts = sch.split(fused, {lp::none, max_threadblocks_, threads});
        sch.reorder({parts[1], parts[2], parts[0]});
        sch.bind(parts[1], "blockIdx.x");
        sch.bind(parts[2], "threadIdx.x");
      }
    } catch (const lp::Error& e) {
      if (!is_schedule_error(e)) throw;
      lp::log(LOOM_LOG_DEBUG, kName, "cannot bind block " + name + " (" + e.kind() + ")");
      return false;
    }
  }
  return true;
}

}  // namespace loom::postprocs
