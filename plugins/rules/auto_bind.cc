// loom.auto_bind: TVM's AutoBind (src/meta_schedule/schedule_rule/auto_bind.cc with
// BindBlockThreadIdx of schedule/cuda/thread_bind.cc). A block that is not tiled and that
// no loop binds to both blockIdx and threadIdx gets its leading spatial loops bound:
// 1. Scan the block's loops: the first bound to blockIdx.*, the first bound to
//    threadIdx.*, the first that is not serial or whose body is not a single statement
//    (the fusion stops there), and how many leading loops are spatial.
// 2. Both bound: nothing to do. blockIdx without threadIdx: not a form TVM binds (left).
// 3. No leading spatial loop: add a unit loop above the block's loops.
// 4. threadIdx bound (a cross-thread reduction): fuse the leading spatial loops above it
//    and bind them to blockIdx.x.
// 5. Otherwise fuse the leading spatial loops into one of extent n; if n <= B * T (B =
//    max_threadblocks, T = the target's max_threads_per_block), split it by a thread count
//    f and bind (blockIdx.x, threadIdx.x), f sampled (sample_categorical, equal
//    probabilities) among thread_extents no larger than min(n, T) (that one value when
//    only one is, min(n, T) when none is); else split into (rest, B, T), reorder to
//    (B, T, rest) and bind blockIdx.x, threadIdx.x.
#include <algorithm>
#include <limits>

#include "rules.h"

namespace loom::rules {

namespace {
constexpr std::string_view kName = "loom.auto_bind";

bool is_single_stmt(const ir::Stmt& body) {
  if (auto seq = body.as<ir::SeqStmt>()) return seq->seq().size() == 1;
  return true;
}
}  // namespace

AutoBind::AutoBind(const lp::Config& config)
    : max_threadblocks_(config.get_int("max_threadblocks", 256)),
      thread_extents_(config.get_int_list("thread_extents", {32, 64, 128, 256, 512, 1024})),
      max_threads_per_block_(config.get_int("max_threads_per_block", -1)) {
  if (max_threadblocks_ < 1) config_error(kName, "max_threadblocks", "must be at least 1");
  if (max_threads_per_block_ < 1 && max_threads_per_block_ != -1)
    config_error(kName, "max_threads_per_block", "must be at least 1 (or -1: the target's)");
  for (int64_t e : thread_extents_) {
    if (e < 1) config_error(kName, "thread_extents", "holds " + std::to_string(e) + ", not a positive thread count");
  }
}

void AutoBind::initialize(const lp::TuningContext& context) {
  if (max_threads_per_block_ != -1) return;
  if (context.target.kind != "cuda" || context.target.max_threads_per_block <= 0) {
    throw lp::Error(std::string(kName) + ": a GPU rule, given a \"" + context.target.kind +
                        "\" target without max_threads_per_block (set the key, or tune for a cuda target)",
                    LOOM_ERROR_CONFIG);
  }
  max_threads_per_block_ = context.target.max_threads_per_block;
}

std::vector<lp::Schedule> AutoBind::apply(const lp::Schedule& sch, lp::BlockRV block) {
  require_initialized(kName, max_threads_per_block_ > 0, "the target's max_threads_per_block");
  std::vector<lp::Schedule> out;
  out.push_back(sch.copy());
  lp::Schedule& s = out[0];
  if (s.block_info(block).is_root || has_been_multi_level_tiled(block_of(s, block))) return out;
  // 1. The scan.
  std::vector<ir::For> loops = s.query_loops(block_of(s, block));
  const int n = static_cast<int>(loops.size());
  int i_block_idx = -1, i_thread_idx = -1, i_multi_child = -1, i_spatial = -1;
  for (int i = 0; i < n; ++i) {
    lp::LoopInfo info = s.query_loop_info(loops[static_cast<size_t>(i)]);
    if (info.thread_tag.rfind("blockIdx.", 0) == 0 && i_block_idx == -1) i_block_idx = i;
    if (info.thread_tag.rfind("threadIdx.", 0) == 0 && i_thread_idx == -1) i_thread_idx = i;
    if (info.for_kind != "serial" && i_multi_child == -1) i_multi_child = i;
    if (!is_single_stmt(loops[static_cast<size_t>(i)].body()) && i_multi_child == -1) i_multi_child = i + 1;
    if (info.iter_kind == LOOM_ITER_SPATIAL && i_spatial == i - 1) ++i_spatial;
  }
  if (i_multi_child == -1) i_multi_child = n;
  // 2. Bound already, or a form left alone.
  if (i_block_idx != -1) return out;
  try {
    // 3. A unit loop to bind.
    std::vector<lp::LoopRV> loop_rvs = s.get_loops(block);
    if (i_spatial == -1) {
      lp::LoopRV unit = loop_rvs.empty() ? s.add_unit_loop(block) : s.add_unit_loop(loop_rvs[0]);
      loop_rvs.insert(loop_rvs.begin(), unit);
      i_spatial = 0;
      if (i_thread_idx != -1) ++i_thread_idx;
      ++i_multi_child;
    }
    auto fuse_first = [&](int count) {
      std::vector<lp::LoopRV> head(loop_rvs.begin(), loop_rvs.begin() + count);
      return head.size() == 1 ? head[0] : s.fuse(head);
    };
    // 4. Under a threadIdx loop.
    if (i_thread_idx != -1) {
      int count = std::min({i_multi_child, i_thread_idx, i_spatial + 1});
      if (count < 1) return out;
      s.bind(fuse_first(count), "blockIdx.x");
      return out;
    }
    // 5. Fuse, split, bind.
    int count = std::min(i_multi_child, i_spatial + 1);
    if (count < 1) return out;
    lp::LoopRV fused = fuse_first(count);
    int64_t extent = s.loop_info(fused).extent;
    if (extent < 0) extent = std::numeric_limits<int64_t>::max();
    if (extent <= max_threadblocks_ * max_threads_per_block_) {
      const int64_t most = std::min(extent, max_threads_per_block_);
      std::vector<int64_t> extents;
      for (int64_t e : thread_extents_) {
        if (e <= most) extents.push_back(e);
      }
      lp::Arg factor = most;
      if (extents.size() == 1) {
        factor = extents[0];
      } else if (extents.size() > 1) {
        factor = s.sample_categorical(extents, std::vector<double>(extents.size(), 1.0 / extents.size()));
      }
      std::vector<lp::LoopRV> parts = s.split(fused, {lp::none, factor});
      s.bind(parts[0], "blockIdx.x");
      s.bind(parts[1], "threadIdx.x");
    } else {
      std::vector<lp::LoopRV> parts = s.split(fused, {lp::none, max_threadblocks_, max_threads_per_block_});
      s.reorder({parts[1], parts[2], parts[0]});
      s.bind(parts[1], "blockIdx.x");
      s.bind(parts[2], "threadIdx.x");
    }
  } catch (const lp::Error& e) {
    if (e.status() != LOOM_ERROR_SCHEDULE && e.status() != LOOM_ERROR_ARGUMENT) throw;
    out.clear();
    out.push_back(sch.copy());
  }
  return out;
}

}  // namespace loom::rules
