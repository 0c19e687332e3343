// IR analyses the built-in schedule rules share, written over the plugin ABI's IR views
// (loom/plugin_ir.hpp) and analysis calls alone: the checks TVM's meta-schedule rules make
// before they transform a block (NeedsMultiLevelTiling, the read/write index pattern of
// AnalyzeReadWritePattern, IsWriteCache, HasIfThenElse, HasOp, IsSpatialPrimFunc).
//
// The annotation keys the rules write are TVM's (tir::attr::meta_schedule_*); the
// postprocessors read the same names:
// - "meta_schedule.tiling_structure" (string, on a block): the block was tiled by
//   loom.multi_level_tiling with that structure ("SSRSRS"); later rules leave it alone.
// - "meta_schedule.random_compute_producer" (int 1, on a block): loom.add_rfactor's
//   write-back block; loom.random_compute_location also moves its rfactor producer.
// - "meta_schedule.inline_rule" (string "disable", on a block): loom.auto_inline skips it.
// - "meta_schedule.write_cache_level" (list of ints, on a block, set by the user):
//   loom.multi_level_tiling must add a write cache, at these levels.
// - "meta_schedule.parallel", "meta_schedule.vectorize", "meta_schedule.unroll_explicit" /
//   "meta_schedule.unroll_implicit": see parallelize_vectorize_unroll.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loom/plugin.hpp"

namespace loom::rules {

namespace lp = loom::plugin;
namespace ir = loom::plugin::ir;

using lp::attr::kInlineRule;
using lp::attr::kParallel;
using lp::attr::kRandomComputeProducer;
using lp::attr::kTilingStructure;
using lp::attr::kUnrollExplicit;
using lp::attr::kUnrollImplicit;
using lp::attr::kVectorize;
using lp::attr::kWriteCacheLevel;

/// The block's IR view (valid until the schedule changes).
ir::Block block_of(const lp::Schedule& sch, lp::BlockRV block);

/// Whether the block / loop has an annotation `key`.
bool has_annotation(const ir::List<ir::Annotation>& annotations, std::string_view key);
/// The annotation's value when it is a string.
std::optional<std::string> string_annotation(const ir::List<ir::Annotation>& annotations, std::string_view key);

/// The annotation's value when it is a list of integers.
std::optional<std::vector<int64_t>> int_list_annotation(const ir::List<ir::Annotation>& annotations,
                                                        std::string_view key);

/// TVM's AnalyzeReadWritePattern: how the read region's indices map onto the write
/// region's (each write index a block variable, each read index a constant or one write
/// variable with an optional constant shift). All false when the mapping does not exist.
struct ReadWritePattern {
  bool exists = false;
  bool surjective = false;     // every write variable is used by some read index
  bool injective = false;      // no write variable is used by two read indices
  bool ordered = false;        // the write variables appear in the read in write order
  bool no_const_read = false;  // no read index is a constant
  bool no_shift_read = false;  // no read index is shifted
};
ReadWritePattern analyze_read_write_pattern(const ir::BufferRegion& read, const ir::BufferRegion& write);

/// TVM's IsWriteCache: one write, and every read is a plain copy pattern of it.
bool is_write_cache(const ir::Block& block);

/// TVM's HasIfThenElse: a block realize with a predicate, an IfThenElse, a Select or an
/// if_then_else call under `stmt`.
bool has_if_then_else(const ir::Node& stmt);

/// Whether `stmt` calls one of `ops` (TVM's names, "tir.exp", or loom's, "exp").
bool has_op(const ir::Node& stmt, const std::vector<std::string>& ops);

/// TVM's NeedsMultiLevelTiling: not tiled yet, one write, some reads, a reduction variable,
/// trivial binding, no read buffer twice, constant read extents, and some spatial variable
/// that does not index some read buffer (other than the one written).
bool needs_multi_level_tiling(const lp::Schedule& sch, lp::BlockRV block);

/// TVM's NeedsRFactorOrCrossThreadReduction: a reduction block with trivial binding, not
/// tiled, whose loops are only spatial or reduction loops, perfectly nested with the block
/// innermost, with a reduction loop and constant extents; and then either a block
/// multi-level tiling would take with less spatial than reduction work and at most
/// `max_parallel_extent` spatial iterations (-1: none), or another block whose reduction is
/// longer than one iteration.
bool needs_rfactor_or_cross_thread_reduction(const lp::Schedule& sch, lp::BlockRV block, int64_t max_parallel_extent);

/// The block carries "meta_schedule.tiling_structure".
bool has_been_multi_level_tiled(const ir::Block& block);

/// How many blocks enclose the block named `name` (0 for the root, 1 for the root's
/// children); -1 when there is no such block.
int block_depth(const ir::PrimFunc& func, std::string_view name);

/// The block realize of the block named `name` (null when there is none).
ir::BlockRealize block_realize(const ir::PrimFunc& func, std::string_view name);

/// TVM's IsSpatialPrimFunc: every iteration variable of every block is spatial.
bool is_spatial_prim_func(const ir::PrimFunc& func);

/// The number of CPU cores `rule` plans parallelism for: `configured` (its num_cores key)
/// when positive, else the tuning context's target's (as TVM takes the target's num-cores).
/// Throws a config error naming the rule when neither says.
int64_t target_cores(std::string_view rule, int64_t configured, const lp::TuningContext& context);

/// Throws Error naming `rule` and what it lacks when `ok` is false: a rule applied before it
/// was initialized with a tuning context (and without a config key standing in for it).
void require_initialized(std::string_view rule, bool ok, std::string_view what);

/// A user's config error, naming the rule and the key.
[[noreturn]] void config_error(std::string_view rule, std::string_view key, std::string_view what);

}  // namespace loom::rules
