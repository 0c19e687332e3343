// loom.multi_level_tiling: TVM's MultiLevelTiling (src/meta_schedule/schedule_rule/
// multi_level_tiling.cc). For LLVM targets TVM configures it with structure "SSRSRS",
// innermost tiles of at most 64, write-cache reuse "may" at levels 1 and 2 in "global", no
// read reuse and no thread binding; for CUDA with "SSSRRSRS", the first three levels bound
// to blockIdx.x / vthread.x / threadIdx.x, a "local" write cache at level 3 and "shared"
// read caches, cooperatively fetched, at level 4. The rule takes the CUDA defaults for the
// keys its config does not give when initialize() sees a "cuda" target.
#include <algorithm>
#include <utility>

#include "rules.h"

namespace loom::rules {

namespace {

constexpr std::string_view kName = "loom.multi_level_tiling";

// One fork of the rule: its schedule and the loops of each tile, in structure order.
struct State {
  lp::Schedule sch;
  std::vector<std::vector<lp::LoopRV>> tiles;

  State copy() const { return State{sch.copy(), tiles}; }
};

bool is_thread_tag(const std::string& tag) {
  for (const char* prefix : {"blockIdx.", "threadIdx.", "vthread."}) {
    if (tag.rfind(prefix, 0) == 0 && tag.size() == std::string_view(prefix).size() + 1 &&
        std::string_view("xyz").find(tag.back()) != std::string_view::npos)
      return true;
  }
  return tag == "vthread";
}

// The vector lengths a cooperative fetch may use for elements of `dtype` (TVM's filter).
std::vector<int64_t> valid_vector_lens(const std::vector<int64_t>& lens, const ir::DataType& dtype) {
  std::vector<int64_t> out;
  for (int64_t len : lens) {
    bool ok = true;
    if (dtype.is_float() && dtype.code != LOOM_DTYPE_BFLOAT && dtype.bits == 32) {
      ok = len <= 4;
    } else if (dtype.is_float() && dtype.code != LOOM_DTYPE_BFLOAT && dtype.bits == 16) {
      ok = (len == 1 || len % 2 == 0) && len <= 8;
    } else if (dtype.is_int() && dtype.bits == 8) {
      ok = len <= 16;
    }
    if (ok) out.push_back(len);
  }
  return out;
}

// The dimension counts of the buffers the block reads, -1 for one it also writes (TVM's
// GetReadBufferNDims).
std::vector<int> read_buffer_ndims(const ir::Block& block) {
  std::vector<int> out;
  for (const ir::BufferRegion& read : block.reads()) {
    bool written = false;
    for (const ir::BufferRegion& write : block.writes()) written = written || write.buffer().same(read.buffer());
    out.push_back(written ? -1 : static_cast<int>(read.buffer().shape().size()));
  }
  return out;
}

}  // namespace

MultiLevelTiling::MultiLevelTiling(const lp::Config& config)
    : structure_(config.get_string("structure", "SSRSRS")),
      max_innermost_factor_(config.get_int("max_innermost_factor", 64)),
      tile_binds_(config.get_string_list("tile_binds", {})),
      reuse_write_req_(config.get_string("reuse_write_req", "may")),
      reuse_write_levels_(config.get_int_list("reuse_write_levels", {1, 2})),
      reuse_write_scope_(config.get_string("reuse_write_scope", "global")),
      reuse_read_req_(config.get_string("reuse_read_req", "no")),
      reuse_read_levels_(config.get_int_list("reuse_read_levels", {})),
      reuse_read_scope_(config.get_string("reuse_read_scope", "shared")),
      vector_load_lens_(config.get_int_list("vector_load_lens", {1, 2, 3, 4, 8, 16})) {
  for (const char* key : {"structure", "tile_binds", "reuse_write_req", "reuse_write_levels", "reuse_write_scope",
                          "reuse_read_req", "reuse_read_levels", "reuse_read_scope"}) {
    if (config.has(key)) given_.emplace_back(key);
  }
  validate();
}

void MultiLevelTiling::validate() const {
  if (structure_.empty() || structure_.find_first_not_of("SR") != std::string::npos ||
      structure_.find('S') == std::string::npos || structure_.find('R') == std::string::npos) {
    config_error(kName, "structure",
                 "must be a string of S and R holding both, e.g. \"SSRSRS\", not \"" + structure_ + "\"");
  }
  const auto n_levels = static_cast<int64_t>(structure_.size());
  if (max_innermost_factor_ < 1 && max_innermost_factor_ != -1)
    config_error(kName, "max_innermost_factor", "must be at least 1 (or -1: no limit)");
  if (tile_binds_.size() > structure_.size())
    config_error(kName, "tile_binds",
                 "names " + std::to_string(tile_binds_.size()) + " thread axes, more than the structure's " +
                     std::to_string(n_levels) + " levels");
  for (size_t i = 0; i < tile_binds_.size(); ++i) {
    if (!is_thread_tag(tile_binds_[i]))
      config_error(kName, "tile_binds",
                   "holds \"" + tile_binds_[i] + "\", not a thread axis (blockIdx.x, vthread.x, threadIdx.y, ...)");
    if (structure_[i] != 'S')
      config_error(kName, "tile_binds",
                   "binds level " + std::to_string(i + 1) + " of \"" + structure_ +
                       "\", a reduction level; only spatial levels can be bound");
  }
  if (reuse_write_req_ != "no" && reuse_write_req_ != "may" && reuse_write_req_ != "must")
    config_error(kName, "reuse_write_req", "must be \"no\", \"may\" or \"must\", not \"" + reuse_write_req_ + "\"");
  if (reuse_read_req_ != "no" && reuse_read_req_ != "must")
    config_error(kName, "reuse_read_req", "must be \"no\" or \"must\" (as in TVM), not \"" + reuse_read_req_ + "\"");
  for (const auto& [key, levels] :
       {std::pair<const char*, const std::vector<int64_t>&>{"reuse_write_levels", reuse_write_levels_},
        {"reuse_read_levels", reuse_read_levels_}}) {
    for (int64_t level : levels) {
      if (level < 1 || level > n_levels)
        config_error(
            kName, key,
            "holds " + std::to_string(level) + ", outside the structure's levels 1.." + std::to_string(n_levels));
    }
  }
  if (reuse_write_req_ == "must" && reuse_write_levels_.empty())
    config_error(kName, "reuse_write_levels", "must not be empty when reuse_write_req is \"must\"");
  if (reuse_read_req_ == "must" && reuse_read_levels_.empty())
    config_error(kName, "reuse_read_levels", "must not be empty when reuse_read_req is \"must\"");
  for (const auto& [key, scope] : {std::pair<const char*, const std::string&>{"reuse_write_scope", reuse_write_scope_},
                                   {"reuse_read_scope", reuse_read_scope_}}) {
    if (scope != "global" && scope != "shared" && scope != "local")
      config_error(kName, key, "must be \"global\", \"shared\" or \"local\", not \"" + scope + "\"");
  }
  for (int64_t len : vector_load_lens_) {
    if (len < 1) config_error(kName, "vector_load_lens", "holds " + std::to_string(len) + ", not a positive length");
  }
}

void MultiLevelTiling::initialize(const lp::TuningContext& context) {
  if (context.target.kind != "cuda") return;
  auto given = [&](const char* key) { return std::find(given_.begin(), given_.end(), key) != given_.end(); };
  // TVM's CUDA defaults (python/tvm/meta_schedule/schedule_rule defaults for "cuda").
  if (!given("structure")) structure_ = "SSSRRSRS";
  if (!given("tile_binds")) tile_binds_ = {"blockIdx.x", "vthread.x", "threadIdx.x"};
  if (!given("reuse_write_req")) reuse_write_req_ = "must";
  if (!given("reuse_write_levels")) reuse_write_levels_ = {3};
  if (!given("reuse_write_scope")) reuse_write_scope_ = "local";
  if (!given("reuse_read_req")) reuse_read_req_ = "must";
  if (!given("reuse_read_levels")) reuse_read_levels_ = {4};
  if (!given("reuse_read_scope")) reuse_read_scope_ = "shared";
  if (context.target.max_threads_per_block > 0) max_threads_per_block_ = context.target.max_threads_per_block;
  if (context.target.warp_size > 0) warp_size_ = context.target.warp_size;
  if (warp_size_ > 0 && max_threads_per_block_ <= 0) {
    throw lp::Error(std::string(kName) + ": the cuda target gives a warp size but no max_threads_per_block",
                    LOOM_ERROR_CONFIG);
  }
  validate();
}

std::vector<lp::Schedule> MultiLevelTiling::apply(const lp::Schedule& sch, lp::BlockRV block) {
  std::vector<lp::Schedule> out;
  if (!needs_multi_level_tiling(sch, block)) {
    out.push_back(sch.copy());
    return out;
  }
  // 1. Mark the block, then tile its loops: the i-th spatial (reduction) loop is split into
  //    one loop per S (R) of the structure, each put into its tile. Loops of other kinds
  //    stay where they are, as in TVM.
  State state{sch.copy(), std::vector<std::vector<lp::LoopRV>>(structure_.size())};
  lp::Schedule& s = state.sch;
  s.annotate(block, kTilingStructure, structure_);
  std::vector<size_t> s_slots, r_slots;
  for (size_t i = 0; i < structure_.size(); ++i) (structure_[i] == 'S' ? s_slots : r_slots).push_back(i);
  int64_t spatial_product = 1;  // -1: not constant
  for (lp::LoopRV loop : s.get_loops(block)) {
    lp::LoopInfo info = s.loop_info(loop);
    loom_iter_kind kind = info.iter_kind;
    const std::vector<size_t>* slots = kind == LOOM_ITER_SPATIAL  ? &s_slots
                                       : kind == LOOM_ITER_REDUCE ? &r_slots
                                                                  : nullptr;
    if (slots == nullptr) continue;
    if (kind == LOOM_ITER_SPATIAL && spatial_product != -1)
      spatial_product = info.extent < 0 ? -1 : spatial_product * info.extent;
    if (slots->size() == 1) {
      state.tiles[slots->front()].push_back(loop);
      continue;
    }
    std::vector<lp::ExprRV> factors =
        s.sample_perfect_tile(loop, static_cast<int>(slots->size()), static_cast<int>(max_innermost_factor_));
    std::vector<lp::Arg> split_factors(factors.begin(), factors.end());
    std::vector<lp::LoopRV> splits = s.split(loop, split_factors);
    for (size_t j = 0; j < slots->size(); ++j) state.tiles[(*slots)[j]].push_back(splits[j]);
  }
  std::vector<lp::LoopRV> order;
  for (const std::vector<lp::LoopRV>& tile : state.tiles) order.insert(order.end(), tile.begin(), tile.end());
  s.reorder(order);

  // 2. Thread binding (GPU form). TVM binds only when the spatial loops offer more than two
  //    warps of work; the thread-extent bounds go on the block either way.
  if (!tile_binds_.empty() && spatial_product > 2 * warp_size_) {
    for (size_t i = 0; i < tile_binds_.size(); ++i) {
      std::vector<lp::LoopRV>& tile = state.tiles[i];
      if (tile.empty()) continue;
      lp::LoopRV fused = tile.size() == 1 ? tile[0] : s.fuse(tile);
      s.bind(fused, tile_binds_[i]);
      tile = {fused};
    }
  }
  if (warp_size_ > 0) {
    const bool wide = spatial_product > 2 * warp_size_;
    s.annotate(block, lp::attr::kThreadExtentLowInclusive, wide ? warp_size_ : int64_t{1});
    s.annotate(block, lp::attr::kThreadExtentHighInclusive, max_threads_per_block_);
  }

  // 3. Write reuse (TVM's AddWriteReuse). A fork whose primitive refuses is dropped, as TVM
  //    drops the sub-rule states that fail.
  std::vector<State> written;
  std::string req = reuse_write_req_;
  std::vector<int64_t> levels = reuse_write_levels_;
  // The user may ask for a write cache at given levels of one block.
  if (auto asked = int_list_annotation(block_of(s, block).annotations(), kWriteCacheLevel)) {
    req = "must";
    levels = *asked;
    for (int64_t level : levels) {
      if (level < 1 || level > static_cast<int64_t>(structure_.size())) {
        throw lp::Error(std::string(kName) + ": block annotation " + std::string(kWriteCacheLevel) + " holds level " +
                            std::to_string(level) + ", outside the structure's levels 1.." +
                            std::to_string(structure_.size()),
                        LOOM_ERROR_ARGUMENT);
      }
    }
  }
  auto at_levels = [&](const State& base, lp::BlockRV cache) {
    for (int64_t level : levels) {
      const std::vector<lp::LoopRV>& tile = base.tiles[static_cast<size_t>(level - 1)];
      if (tile.empty()) continue;
      // A real fork, one result per level; reverse_compute_at has no legality probe (its
      // check is its region analysis), so the fork tries it and is dropped when it refuses.
      State fork = base.copy();
      try {
        fork.sch.reverse_compute_at(cache, tile.back(), /*preserve_unit_loops=*/true);
      } catch (const lp::Error& e) {
        if (e.status() != LOOM_ERROR_SCHEDULE) throw;
        continue;
      }
      written.push_back(std::move(fork));
    }
  };
  if (req == "no") {
    written.push_back(std::move(state));
  } else {
    std::vector<ir::Block> consumers = s.query_consumers(block);
    if (req == "may" && consumers.size() == 1 && is_write_cache(consumers[0])) {
      // a. A consumer that already is a write cache is moved, not cached again. The forks
      //    that move it need its random variable, so they start from a copy that records
      //    get_consumers; the schedule left as it is does not.
      State with_rv{s.copy(), state.tiles};
      lp::BlockRV consumer = with_rv.sch.get_consumers(block).at(0);
      at_levels(with_rv, consumer);
      written.push_back(std::move(state));
    } else {
      // b. No write cache ("may" only); c. one write cache, at each level.
      if (req == "may") written.push_back(state.copy());
      lp::BlockRV cache = s.cache_write(block, 0, reuse_write_scope_);
      at_levels(state, cache);
    }
  }

  // 4. Read reuse (TVM's AddReadReuse): one fork per level, each caching every buffer the
  //    block only reads.
  if (reuse_read_req_ == "no") {
    for (State& st : written) out.push_back(std::move(st.sch));
    return out;
  }
  for (const State& base : written) {
    for (int64_t level : reuse_read_levels_) {
      const std::vector<lp::LoopRV>& tile = base.tiles[static_cast<size_t>(level - 1)];
      if (tile.empty()) continue;
      State fork = base.copy();
      lp::Schedule& f = fork.sch;
      try {
        std::vector<int> ndims = read_buffer_ndims(block_of(f, block));
        for (size_t i = 0; i < ndims.size(); ++i) {
          if (ndims[i] <= 0) continue;
          lp::BlockRV cache = f.cache_read(block, static_cast<int>(i), reuse_read_scope_, {block});
          f.compute_at(cache, tile.back(), /*preserve_unit_loops=*/true);
          std::vector<lp::LoopRV> loops = f.get_loops(cache);
          std::vector<lp::LoopRV> inner(loops.end() - ndims[i], loops.end());
          if (inner.size() > 1) f.fuse(inner);
          ir::DataType dtype = block_of(f, cache).writes()[0].buffer().dtype();
          std::vector<int64_t> lens = valid_vector_lens(vector_load_lens_, dtype);
          if (lens.empty()) continue;
          std::vector<double> probs(lens.size(), 1.0 / static_cast<double>(lens.size()));
          f.annotate(cache, lp::attr::kCooperativeFetch, f.sample_categorical(lens, probs));
        }
      } catch (const lp::Error& e) {
        if (e.status() != LOOM_ERROR_SCHEDULE) throw;
        continue;
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace loom::rules
