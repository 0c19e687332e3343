// The block analysis: every property of a block or loop that a primitive requires, defined
// once, with TVM's definition (src/tir/schedule/analysis/analysis.cc), as a pair: `is_x()`
// answers with a bool, `check_x()` throws the property's one error class (defined here) naming
// the primitive, the block or loop and the violated condition. Primitives call the check_x()
// functions; schedule rules, postprocessors and the C ABI ask analyze_block / analyze_loop and
// the legality probes. Nothing here changes the schedule or its trace.
//
// The properties are of a block in its function (`func`, the block found by identity of its
// node, which must be in `func`); "its scope" is the nearest block above it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "loom/arith/analyzer.h"
#include "loom/arith/interval.h"
#include "loom/ir/function.h"
#include "loom/ir/stmt.h"
#include "loom/sched/error.h"
#include "loom/sched/schedule.h"

namespace loom::sched {

// ----- The errors of the properties ---------------------------------------------------------
/// The root block of a function, where a primitive needs a block inside a scope.
LOOM_SCHEDULE_ERROR(RootBlockError, "RootBlock");
/// Not a complete block (is_complete_block).
LOOM_SCHEDULE_ERROR(NotCompleteBlockError, "NotCompleteBlock");
/// Not a reduction block (is_reduction_block).
LOOM_SCHEDULE_ERROR(NotReductionBlockError, "NotReductionBlock");
/// Neither a complete nor a reduction block.
LOOM_SCHEDULE_ERROR(NotCompleteOrReductionBlockError, "NotCompleteOrReductionBlock");
/// Another block of the scope writes a buffer the block writes (is_single_writer), or a buffer
/// a primitive caches has several writers.
LOOM_SCHEDULE_ERROR(NotSingleWriterError, "NotSingleWriter");
/// The block writes a parameter of its function (is_output_block).
LOOM_SCHEDULE_ERROR(OutputBlockError, "OutputBlock");
/// The bindings are not the loops above the block in order (is_trivial_binding).
LOOM_SCHEDULE_ERROR(NonTrivialBindingError, "NonTrivialBinding");
/// The bindings are not an affine map of the loops above the block (is_affine_binding).
LOOM_SCHEDULE_ERROR(NotAffineBindingError, "NotAffineBinding");
/// An iteration variable of a type the primitive cannot handle (has_spatial_or_reduction_iters,
/// or a loop driving a reduction variable where only spatial ones are allowed).
LOOM_SCHEDULE_ERROR(WrongBlockIterTypeError, "WrongBlockIterType");
/// A block under a loop that is neither complete nor a reduction block (is_compact_data_flow).
LOOM_SCHEDULE_ERROR(NotCompactDataFlowError, "NotCompactDataFlow");
/// A block would read a region that its producers do not write (reverse_compute_at).
LOOM_SCHEDULE_ERROR(RegionCoverError, "RegionCover");

// ----- Block properties ------------------------------------------------------------------------
/// Whether `block` is the root block of `func` (the body's block, with no scope above it).
bool is_root_block(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Throws RootBlockError when `block` is the root block.
void check_not_root_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

/// Whether `block` is the only block of its scope that writes each buffer it writes (TVM's
/// dominant block).
bool is_single_writer(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Throws NotSingleWriterError naming the other writer.
void check_single_writer(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

/// TVM's complete block: 1) every iteration variable is data parallel; 2) it is the single
/// writer of its buffers in its scope; 3) it reads no buffer it writes. The root block is not.
bool is_complete_block(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Throws NotCompleteBlockError naming the first violated condition.
void check_complete_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

/// TVM's reduction block: 1) it has an init; 2) its bindings are affine (is_affine_binding);
/// 3) every iteration variable is data parallel or a reduction; 4) it is the single writer of
/// its buffers in its scope; 5) no reduction variable indexes what it writes (its write
/// regions and the indices of its stores to them). The root block is not.
bool is_reduction_block(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Throws NotReductionBlockError naming the first violated condition.
void check_reduction_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);
/// Throws NotCompleteOrReductionBlockError (with both reasons) unless one of the two holds.
void check_complete_or_reduction_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

/// Whether `block` writes a buffer of `func`'s parameters.
bool is_output_block(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Throws OutputBlockError naming the parameter.
void check_not_output_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

/// TVM's trivial binding: as many loops between the scope and the block as iteration
/// variables, and the i-th binding is the i-th loop's variable itself (in order). The loops'
/// ranges and the predicate are not part of it. The root block has a trivial binding.
bool is_trivial_binding(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Throws NonTrivialBindingError naming the first binding that is not its loop.
void check_trivial_binding(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

/// TVM's affine binding: the bindings are a surjective affine iteration map (arith's
/// detect_iter_map) of the loops between the scope and the block, whose ranges must be
/// constant. The root block and a block without iteration variables have one.
bool is_affine_binding(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Throws NotAffineBindingError.
void check_affine_binding(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block);

/// Whether every iteration variable of `block` is data parallel or a reduction (what loop
/// transformations and loop annotations can reason about).
bool has_spatial_or_reduction_iters(const ir::BlockNode* block);
/// Throws WrongBlockIterTypeError naming the first other iteration variable.
void check_spatial_or_reduction_iters(const char* primitive, const ir::BlockNode* block);

// ----- Loop properties -------------------------------------------------------------------------
/// TVM's compact data flow of the subtree under `loop`: every block directly under it (not
/// inside another block) is a complete block or a reduction block in its scope.
bool is_compact_data_flow(const ir::PrimFunc& func, const ir::ForNode* loop);
/// Throws NotCompactDataFlowError naming the first block that is neither, and why.
void check_compact_data_flow(const char* primitive, const ir::PrimFunc& func, const ir::ForNode* loop);

// ----- Region cover --------------------------------------------------------------------------
// TVM's region cover, for a consumer block placed under a loop next to its producers
// (reverse_compute_at), in two parts.

/// The elements each producer writes under the loop, per buffer, one interval per dimension.
using ProvidedRegions = std::map<const ir::BufferNode*, std::vector<arith::Interval>>;

/// Read cover: with its iteration variables ranging over `domains`, every read of `consumer`
/// of a buffer in `provided` stays inside what the producers write. On failure, `*buffer` and
/// `*dim` (when not null) name the first read that does not.
bool is_read_region_covered(const ir::BlockNode* consumer, const arith::VarIntervalMap& domains,
                            const ProvidedRegions& provided, arith::Analyzer* analyzer,
                            const ir::BufferNode** buffer = nullptr, int* dim = nullptr);
/// Throws RegionCoverError naming the block, the buffer, the dimension and `loop`.
void check_read_region_covered(const char* primitive, const ir::BlockNode* consumer,
                               const arith::VarIntervalMap& domains, const ProvidedRegions& provided,
                               const ir::Var& loop, arith::Analyzer* analyzer);
/// Domain cover: over the iterations of `loops` (the loop and those above it), the ranges
/// `ranges[i]` (in terms of the loop variables) given to iteration variable i of `block` still
/// cover its whole domain -- a part left out would never be computed. On failure `*var` (when
/// not null) is the first iteration variable left partly uncovered.
bool is_iteration_domain_covered(const ir::BlockNode* block, const std::vector<arith::Interval>& ranges,
                                 const arith::VarIntervalMap& loops, arith::Analyzer* analyzer, int* var = nullptr);
/// Throws RegionCoverError naming the block, the iteration variable with its domain, and `loop`.
void check_iteration_domain_covered(const char* primitive, const ir::BlockNode* block,
                                    const std::vector<arith::Interval>& ranges, const arith::VarIntervalMap& loops,
                                    const ir::Var& loop, arith::Analyzer* analyzer);

// ----- Queries that do not record ---------------------------------------------------------
// What get_loops / get_producers / get_consumers find (they are defined by these), as nodes
// of the function: no random variable is defined and nothing is recorded, so a rule or the
// C ABI can ask them of a schedule it must not change.
/// The loops between the block's scope and the block, outermost first.
std::vector<const ir::ForNode*> loops_above_block(const ir::PrimFunc& func, const ir::BlockNode* block);
/// The blocks of the block's scope before it that write a buffer it reads, in program order.
std::vector<const ir::BlockNode*> producer_blocks(const ir::PrimFunc& func, const ir::BlockNode* block);
/// The blocks of the block's scope after it that read a buffer it writes, in program order.
std::vector<const ir::BlockNode*> consumer_blocks(const ir::PrimFunc& func, const ir::BlockNode* block);
/// The name of the function of `mod` whose body holds `node` (a Block or For node, found by
/// identity without reading it, so a stale pointer is safe to ask about); empty when none does.
std::string func_holding(const ir::IRModule& mod, const ir::Object* node);

// ----- Legality probes ------------------------------------------------------------------------
// Each runs the primitive's own check phase (defined next to the primitive, sharing it with
// the primitive) without applying it.
/// Whether compute_inline(block) would succeed.
bool can_compute_inline(const Schedule& sch, const BlockRV& block);
bool can_compute_inline(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Whether reverse_compute_inline(block) would succeed.
bool can_reverse_compute_inline(const Schedule& sch, const BlockRV& block);
bool can_reverse_compute_inline(const ir::PrimFunc& func, const ir::BlockNode* block);
/// Whether compute_at(block, loop, preserve_unit_loops, index) would succeed (loop may be the
/// compute-root or compute-inline location).
bool can_compute_at(const Schedule& sch, const BlockRV& block, const LoopRV& loop, int index = -1);

// ----- Summaries for rules, postprocessors and the C ABI ------------------------------------
struct BlockInfo {
  int n_iter_vars = 0;
  int n_reads = 0;
  int n_writes = 0;
  bool is_root = false;
  /// Every iteration variable is spatial.
  bool is_spatial = false;
  /// is_reduction_block.
  bool is_reduction = false;
  /// is_output_block.
  bool is_output = false;
  bool has_init = false;
  /// is_trivial_binding.
  bool has_trivial_binding = false;
  /// The legality probes.
  bool can_compute_inline = false;
  bool can_reverse_compute_inline = false;
  int n_producers = 0;
  int n_consumers = 0;
  /// Spatial, with one write, and every read region equal to the write region (each
  /// element is computed from the same element of its inputs).
  bool is_elementwise = false;
};
BlockInfo analyze_block(const Schedule& sch, const BlockRV& block);
/// The same of a block node of `func`.
BlockInfo analyze_block(const ir::PrimFunc& func, const ir::BlockNode* block);

/// The kind of iteration a loop drives, judged by the block iteration variables bound to
/// expressions using it (TVM's GetLoopIterType).
enum class LoopIterKind : uint8_t { Spatial, Reduce, Scan, Opaque, Mixed };

struct LoopInfo {
  LoopIterKind iter_kind = LoopIterKind::Spatial;
  /// -1 when not constant.
  int64_t extent = -1;
  int64_t min = -1;
  ir::ForKind for_kind = ir::ForKind::Serial;
  std::string thread_tag;
  int n_child_blocks = 0;
  /// The loop is the whole body of its parent loop.
  bool is_only_child = false;
};
LoopInfo analyze_loop(const Schedule& sch, const LoopRV& loop);
/// The same of a loop node of `func`.
LoopInfo analyze_loop(const ir::PrimFunc& func, const ir::ForNode* loop);

}  // namespace loom::sched
