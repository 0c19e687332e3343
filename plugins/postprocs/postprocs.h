// The built-in postprocessors (plugin loom.postprocs), TVM's meta-schedule postprocessors for
// CPU targets, written over loom/plugin.hpp alone:
// - loom.disallow_dynamic_loop (disallow_dynamic_loop.cc)
// - loom.rewrite_parallel_vectorize_unroll (rewrite_parallel_vectorize_unroll.cc)
// - loom.rewrite_reduction_block (rewrite_reduction_block.cc)
// - loom.rewrite_unbound_block (rewrite_unbound_block.cc), for GPU targets
// - loom.rewrite_cooperative_fetch (rewrite_cooperative_fetch.cc), for GPU targets
// - loom.verify_gpu_code (verify_gpu_code.cc), for GPU targets
// and the IR helpers they share.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loom/plugin.hpp"

namespace loom::postprocs {

namespace lp = loom::plugin;
namespace ir = loom::plugin::ir;

/// Visits the statements under `stmt` (itself included) in pre-order, entering loops, blocks
/// (body and init), sequences, conditions, lets and allocations; `visit` returns whether to
/// descend into the statement's children.
void walk_stmts(const ir::Stmt& stmt, const std::function<bool(const ir::Stmt&)>& visit);

/// The names of every block of the function but the root, outer blocks first.
std::vector<std::string> block_names(const ir::PrimFunc& func);

/// The integer value of annotation `key` (an integer or an integer constant expression);
/// nullopt when absent. Throws Error when present with another kind of value.
std::optional<int64_t> int_annotation(const ir::List<ir::Annotation>& annotations, std::string_view key);

/// Whether a schedule primitive refused (a schedule error, or an argument the primitive
/// rejects), as opposed to a failure of the host or of the plugin.
bool is_schedule_error(const lp::Error& e);

class DisallowDynamicLoop : public lp::Postproc {
 public:
  explicit DisallowDynamicLoop(const lp::Config& config);
  bool apply(lp::Schedule& sch) override;
};

class RewriteParallelVectorizeUnroll : public lp::Postproc {
 public:
  explicit RewriteParallelVectorizeUnroll(const lp::Config& config);
  bool apply(lp::Schedule& sch) override;

 private:
  // Explicit unrolling also marks the block's innermost loops `unroll` while the product of
  // their extents stays within the step count (config "unroll_inner_loops", default true).
  bool unroll_inner_loops_;
};

class RewriteReductionBlock : public lp::Postproc {
 public:
  explicit RewriteReductionBlock(const lp::Config& config);
  bool apply(lp::Schedule& sch) override;
};

class RewriteUnboundBlock : public lp::Postproc {
 public:
  explicit RewriteUnboundBlock(const lp::Config& config);
  void initialize(const lp::TuningContext& context) override;
  bool apply(lp::Schedule& sch) override;

 private:
  int64_t max_threadblocks_;
  int64_t max_threads_per_block_;  // 0: the target's
  int64_t threads_ = 0;            // the target's, once initialized
};

/// loom.rewrite_cooperative_fetch (TVM's RewriteCooperativeFetch): each block annotated
/// "meta_schedule.cooperative_fetch" = v gets its innermost loop split over the threadIdx.x
/// (and threadIdx.y) extents bound before it in the trace, and vectorized by v when v
/// divides the loop and the elements are at most 4 bytes. Config: none.
class RewriteCooperativeFetch : public lp::Postproc {
 public:
  explicit RewriteCooperativeFetch(const lp::Config& config);
  bool apply(lp::Schedule& sch) override;
};

class VerifyGpuCode : public lp::Postproc {
 public:
  explicit VerifyGpuCode(const lp::Config& config);
  void initialize(const lp::TuningContext& context) override;
  bool apply(lp::Schedule& sch) override;

 private:
  int64_t max_threads_per_block_;        // 0 until initialized: the target's
  int64_t max_shared_memory_per_block_;  // 0 until initialized: the target's
  int64_t max_vthread_;
  int64_t max_vector_bytes_;
};

}  // namespace loom::postprocs
