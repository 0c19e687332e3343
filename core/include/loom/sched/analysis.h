// Analysis of a schedule's blocks and loops for schedule rules, postprocessors and the C
// ABI: what kind of block this is, what a loop iterates over, what a primitive would accept.
// Nothing here changes the schedule or its trace.
#pragma once

#include <cstdint>
#include <string>

#include "loom/ir/stmt.h"
#include "loom/sched/schedule.h"

namespace loom::sched {

/// Why `block` is not a reduction block in TVM's sense (an init; spatial and reduction
/// iteration variables only; write regions independent of the reduction variables), or an
/// empty string when it is one.
std::string why_not_reduction_block(const ir::BlockNode& block);

struct BlockInfo {
  int n_iter_vars = 0;
  int n_reads = 0;
  int n_writes = 0;
  bool is_root = false;
  /// Every iteration variable is spatial.
  bool is_spatial = false;
  bool is_reduction = false;
  /// Writes a buffer of the function's parameters.
  bool is_output = false;
  bool has_init = false;
  /// Each iteration variable is bound to exactly one loop variable (of the loops between
  /// the block and its scope), with no predicate.
  bool has_trivial_binding = false;
  bool can_compute_inline = false;
  bool can_reverse_compute_inline = false;
  int n_producers = 0;
  int n_consumers = 0;
  /// Spatial, with one write, and every read region equal to the write region (each
  /// element is computed from the same element of its inputs).
  bool is_elementwise = false;
};
BlockInfo analyze_block(const Schedule& sch, const BlockRV& block);

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

}  // namespace loom::sched
