// The built-in schedule rules of the loom.rules plugin: TVM's meta-schedule rules for LLVM
// targets with TVM's default parameters, written against loom/plugin.hpp alone. Each class
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
/// disallow_op (["tir.exp"]).
class AutoInline : public lp::ScheduleRule {
 public:
  explicit AutoInline(const lp::Config& config);
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;

  enum class Kind { None, IntoConsumer, IntoProducer };
  /// Which inlining the rule would do (TVM's CheckInline).
  Kind check(const lp::Schedule& sch, lp::BlockRV block) const;

 private:
  bool into_producer_, into_consumer_, inline_const_tensor_, disallow_if_then_else_;
  bool require_injective_, require_ordered_;
  std::vector<std::string> disallow_op_;
};

/// loom.inline_constant_scalars (TVM's InlineConstantScalars): inlines a block that reads
/// nothing and writes one zero-dimensional buffer (a constant scalar) into its consumers.
/// Config: none.
class InlineConstantScalars : public lp::ScheduleRule {
 public:
  explicit InlineConstantScalars(const lp::Config& config);
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;
};

/// loom.multi_level_tiling (TVM's MultiLevelTiling for CPU): for a block that needs it
/// (needs_multi_level_tiling), annotates "meta_schedule.tiling_structure", splits every
/// spatial loop into as many tiles as the structure has S's and every reduction loop into
/// as many as it has R's (sample_perfect_tile), reorders the tiles in structure order, and
/// forks over the write cache: none (req "may" only), and a cache_write in `scope`
/// reverse-computed at the last loop of each tile level in `levels`.
/// Config: structure ("SSRSRS"), max_innermost_factor (64), reuse_write_req ("may": "no",
/// "may" or "must"), reuse_write_levels ([1, 2]), reuse_write_scope ("global").
class MultiLevelTiling : public lp::ScheduleRule {
 public:
  explicit MultiLevelTiling(const lp::Config& config);
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override;

 private:
  std::string structure_;
  int64_t max_innermost_factor_;
  std::string reuse_write_req_;
  std::vector<int64_t> reuse_write_levels_;
  std::string reuse_write_scope_;
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
/// num_cores (0: the tuning context's target's).
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

}  // namespace loom::rules
