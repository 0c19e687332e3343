// The built-in schedule rules of the loom.rules plugin: TVM's meta-schedule rules for LLVM
// and CUDA targets with TVM's default parameters, written against loom/plugin.hpp alone. Each class
// reads its config keys (with TVM's defaults) in its constructor and throws lp::Error
// (LOOM_ERROR_CONFIG) for a bad value; apply() returns the schedules the rule makes of a
// copy of `sch` at `block` ({sch.copy()} when the rule does not apply). One source file per
// rule, named after it; rules_plugin.cc registers them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis.h"

namespace loom::rules {

/// loom.auto_inline (TVM's AutoInline): inlines a block into its consumers
/// (compute_inline) or, when allowed, a consumer into its only producer
/// (reverse_compute_inline). A block with one write qualifies when it computes a constant
/// tensor, or else when it is not annotated "meta_schedule.inline_rule" = "disable" and,
/// unless every block of the function is spatial, its block realize calls no disallowed
/// operator, has no branch (predicate, IfThenElse, Select, if_then_else) and its reads map
/// injectively and in order onto its write.
/// Config: into_producer (false), into_consumer (true), inline_const_tensor (true),
/// disallow_if_then_else (true), require_injective (true), require_ordered (true),
/// disallow_op (["tir.exp"]). With a "cuda" target, the keys not given take TVM's CUDA
/// defaults: into_producer true, disallow_if_then_else, require_injective and
/// require_ordered false, disallow_op [].
class AutoInline : public lp::ScheduleRule {
 public:
  explicit AutoInline(const lp::Config& config);
  void initialize(const lp::TuningContext& context) override;
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;

  enum class Kind { None, IntoConsumer, IntoProducer };
  /// Which inlining the rule would do (TVM's CheckInline).
  Kind check(const lp::Schedule& sch, lp::BlockRV block) const;

 private:
  bool into_producer_, into_consumer_, inline_const_tensor_, disallow_if_then_else_;
  bool require_injective_, require_ordered_;
  std::vector<std::string> disallow_op_;
  std::vector<std::string> given_;  // the keys the config gave
};

/// loom.inline_constant_scalars (TVM's InlineConstantScalars): inlines a block that reads
/// nothing and writes one zero-dimensional buffer (a constant scalar) into its consumers.
/// Config: none.
class InlineConstantScalars : public lp::ScheduleRule {
 public:
  explicit InlineConstantScalars(const lp::Config& config);
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;
};

/// loom.multi_level_tiling (TVM's MultiLevelTiling): for a block that needs it
/// (needs_multi_level_tiling), annotates "meta_schedule.tiling_structure", splits every
/// spatial loop into as many tiles as the structure has S's and every reduction loop into
/// as many as it has R's (sample_perfect_tile), reorders the tiles in structure order, then
/// 1. binds (GPU form, tile_binds not empty): when the product of the spatial extents
///    exceeds twice the warp size (or no warp size is known), the loops of the i-th tile
///    level are fused and bound to tile_binds[i]; with a warp size from the target, the
///    block is annotated "meta_schedule.thread_extent_low_inclusive" (the warp size when
///    the loops were bound, else 1) and "..._high_inclusive" (max_threads_per_block), which
///    loom.verify_gpu_code enforces;
/// 2. forks over the write cache: none (req "may" only), and a cache_write in `scope`
///    reverse-computed at the last loop of each tile level in reuse_write_levels;
/// 3. forks over the read caches (req "must" only): for each level of reuse_read_levels,
///    every buffer the block reads and does not write gets a cache_read in
///    reuse_read_scope computed at the last loop of that level, its loops fused and the
///    block annotated "meta_schedule.cooperative_fetch" with a vector length sampled
///    (sample_categorical, equal probabilities) among vector_load_lens, those of them a
///    float32 (<= 4), float16 (1 or even, <= 8) or int8 (<= 16) element allows.
/// A fork whose primitive refuses is dropped.
/// Config (CPU default / CUDA default, the latter when initialize() sees a "cuda" target
/// and the key is not given): structure ("SSRSRS" / "SSSRRSRS"), max_innermost_factor
/// (64), tile_binds ([] / ["blockIdx.x", "vthread.x", "threadIdx.x"]), reuse_write_req
/// ("may" / "must": "no", "may" or "must"), reuse_write_levels ([1, 2] / [3]),
/// reuse_write_scope ("global" / "local"), reuse_read_req ("no" / "must": "no" or
/// "must"), reuse_read_levels ([] / [4]), reuse_read_scope ("shared"), vector_load_lens
/// ([1, 2, 3, 4, 8, 16]).
class MultiLevelTiling : public lp::ScheduleRule {
 public:
  explicit MultiLevelTiling(const lp::Config& config);
  void initialize(const lp::TuningContext& context) override;
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;

 private:
  /// Throws a config error for an inconsistent setting.
  void validate() const;

  std::string structure_;
  int64_t max_innermost_factor_;
  std::vector<std::string> tile_binds_;
  std::string reuse_write_req_;
  std::vector<int64_t> reuse_write_levels_;
  std::string reuse_write_scope_;
  std::string reuse_read_req_;
  std::vector<int64_t> reuse_read_levels_;
  std::string reuse_read_scope_;
  std::vector<int64_t> vector_load_lens_;
  /// The keys the config gave (the others take the target's defaults in initialize).
  std::vector<std::string> given_;
  /// The target's, once initialized with a GPU target; -1 otherwise.
  int64_t max_threads_per_block_ = -1;
  int64_t warp_size_ = -1;
};

/// loom.add_rfactor (TVM's AddRFactor): for a reduction block whose spatial loops offer
/// little parallelism (a block multi-level tiling takes with fewer spatial than reduction
/// iterations and at most num_cores * max_jobs_per_core of them; any other reduction
/// longer than one iteration), moves the reduction loops innermost, fuses them, splits the
/// result in two (sample_perfect_tile) and forks: rfactor on the outer split loop, rfactor
/// on the inner one, and the block unchanged. The write-back block is annotated
/// "meta_schedule.random_compute_producer".
/// Config: max_jobs_per_core (16; -1: no parallelism, so no rfactor of tiled blocks),
/// max_innermost_factor (64), num_cores (0: the tuning context's target's).
class AddRFactor : public lp::ScheduleRule {
 public:
  explicit AddRFactor(const lp::Config& config);
  void initialize(const lp::TuningContext& context) override;
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;

 private:
  int64_t max_jobs_per_core_, max_innermost_factor_;
  /// 0 until known (num_cores set, or initialize); -1: no parallelism.
  int64_t max_parallel_extent_;
  int64_t num_cores_;
};

/// loom.parallelize_vectorize_unroll (TVM's ParallelizeVectorizeUnroll): annotates the root
/// block for the postprocessor loom.rewrite_parallel_vectorize_unroll (see
/// parallelize_vectorize_unroll.cc for the keys and values).
/// Config: max_jobs_per_core (16; -1: no parallel annotation), max_vectorize_extent (64;
/// -1: none), unroll_max_steps ([0, 16, 64, 512]; empty: none), unroll_explicit (true),
/// num_cores (0: the tuning context's target's). With a "cuda" target, the keys not given
/// take TVM's CUDA defaults: max_jobs_per_core -1, max_vectorize_extent -1,
/// unroll_max_steps [0, 16, 64, 512, 1024].
class ParallelizeVectorizeUnroll : public lp::ScheduleRule {
 public:
  explicit ParallelizeVectorizeUnroll(const lp::Config& config);
  void initialize(const lp::TuningContext& context) override;
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;

 private:
  int64_t max_jobs_per_core_, max_vectorize_extent_;
  /// 0 until known (num_cores set, or initialize).
  int64_t max_parallel_extent_;
  int64_t num_cores_;
  std::vector<int64_t> unroll_max_steps_;
  bool unroll_explicit_;
  std::vector<std::string> given_;  // the keys the config gave
};

/// loom.random_compute_location (TVM's RandomComputeLocation): a child block of the root
/// that is not tiled, not an output, has consumers and is alone under its outermost loop
/// is computed at a sampled location (sample_compute_location + compute_at); so is the
/// rfactor producer of a block annotated "meta_schedule.random_compute_producer".
/// Config: none.
class RandomComputeLocation : public lp::ScheduleRule {
 public:
  explicit RandomComputeLocation(const lp::Config& config);
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;
};

/// loom.cross_thread_reduction (TVM's CrossThreadReduction, GPU targets): a reduction block
/// with little spatial parallelism (needs_rfactor_or_cross_thread_reduction with the
/// target's max_threads_per_block) gets its fused reduction loop split by a thread count
/// sampled among thread_extents and the inner part bound to threadIdx.x; when it can, the
/// block first goes into its consumer (computed at the consumer's loop, the consumer's
/// innermost loop bound to threadIdx.x by the same count, the reduced buffer in "shared").
/// Forks: that schedule and the unchanged one. See cross_thread_reduction.cc.
/// Config: thread_extents ([4, 8, 16, 32, 64, 128, 256, 512]). initialize() refuses a
/// target other than "cuda".
class CrossThreadReduction : public lp::ScheduleRule {
 public:
  explicit CrossThreadReduction(const lp::Config& config);
  void initialize(const lp::TuningContext& context) override;
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;

 private:
  std::vector<int64_t> thread_extents_;
  int64_t max_threads_per_block_ = -1, warp_size_ = -1;  // the target's; -1: rule off
};

/// loom.auto_bind (TVM's AutoBind, GPU targets): binds the leading spatial loops of a block
/// not yet bound (and not multi-level tiled) to blockIdx.x / threadIdx.x, the thread count
/// sampled among thread_extents; see auto_bind.cc for the cases.
/// Config: max_threadblocks (256), thread_extents ([32, 64, 128, 256, 512, 1024]),
/// max_threads_per_block (-1: the target's; initialize() refuses a target without one).
class AutoBind : public lp::ScheduleRule {
 public:
  explicit AutoBind(const lp::Config& config);
  void initialize(const lp::TuningContext& context) override;
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;

 private:
  int64_t max_threadblocks_;
  std::vector<int64_t> thread_extents_;
  int64_t max_threads_per_block_;
};

}  // namespace loom::rules
