// The schedule: a module being transformed by schedule primitives, the random variables
// that name its blocks, loops and sampled integers, the trace of every call, and the RNG.
//
// Semantics follow TVM's TensorIR primitives of the same name, with the same argument
// names. Every primitive checks its preconditions and throws a ScheduleError subclass
// naming the blocks/loops and the violated condition; a primitive that throws leaves the
// schedule (module, random variables, trace, RNG) unchanged. Every primitive keeps the
// program's meaning: the reference interpreter gives the same outputs before and after.
//
// A Schedule is a value: copying it (or calling copy()) forks the module, the random
// variables, the trace and the RNG state; the copies then evolve independently. The IR is
// immutable and shared, so a copy is cheap.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "loom/ir/function.h"
#include "loom/sched/error.h"
#include "loom/sched/index_map.h"
#include "loom/sched/random.h"
#include "loom/sched/trace.h"
#include "loom/sched/value.h"

namespace loom::sched {

/// Which buffer list of a block a buffer index refers to.
enum class BufferIndexType : uint8_t { Read, Write };

/// Extra checking after each primitive.
enum class DebugMode : uint8_t {
  Off,
  /// Re-verify the function's invariants (well-formedness, affine bindings where required,
  /// producer/consumer order) after every primitive; a violation is an InternalError.
  Verify,
};

class Schedule {
 public:
  /// A schedule of `mod`. `seed` seeds the RNG (-1: random). get_block without a function
  /// name looks in the only function of the module, or in "main".
  explicit Schedule(ir::IRModule mod, int64_t seed = -1, DebugMode debug = DebugMode::Off);
  /// A schedule of a module holding just `func`.
  explicit Schedule(const ir::PrimFunc& func, int64_t seed = -1, DebugMode debug = DebugMode::Off);

  /// The module as transformed so far.
  const ir::IRModule& mod() const { return mod_; }
  /// The module the schedule started from (what a trace replays onto).
  const ir::IRModule& original_mod() const { return original_; }
  /// The function get_block uses when no func_name is given.
  const std::string& default_func() const { return default_func_; }
  const Trace& trace() const { return trace_; }
  RandomEngine& rng() { return rng_; }
  DebugMode debug_mode() const { return debug_; }

  /// A fork (same as copying).
  Schedule copy() const { return *this; }
  /// Reseeds the RNG.
  void seed(int64_t seed) { rng_.seed(seed); }
  /// A seed for a child schedule, drawn from this schedule's RNG.
  int64_t fork_seed() { return rng_.fork_seed(); }

  // ----- Looking up random variables -------------------------------------------------
  /// The block / loop a random variable refers to now. Throws InvalidRVError when the block
  /// or loop was removed (naming the primitive that removed it) or the RV is not from here.
  ir::Block get(const BlockRV& rv) const;
  const ir::ForNode* get(const LoopRV& rv) const;
  int64_t get(const ExprRV& rv) const;
  /// The name of the block / the loop variable of the loop.
  std::string block_name(const BlockRV& rv) const;
  ir::Var loop_var(const LoopRV& rv) const;
  /// The function that holds the block / loop.
  std::string func_of(const BlockRV& rv) const;
  std::string func_of(const LoopRV& rv) const;
  /// Whether the random variable still refers to something.
  bool is_valid(const BlockRV& rv) const;
  bool is_valid(const LoopRV& rv) const;

  // ----- Sampling (sampling.cc) --------------------------------------------------------
  /// Picks one of `candidates` with probabilities `probs`; `decision` (an index into
  /// candidates) replays a previous choice.
  ExprRV sample_categorical(const std::vector<int64_t>& candidates, const std::vector<double>& probs,
                            std::optional<int64_t> decision = std::nullopt);
  /// Samples n factors whose product is the loop's extent, uniformly over the perfect
  /// factorizations whose innermost factor is at most max_innermost_factor (-1: no limit).
  std::vector<ExprRV> sample_perfect_tile(const LoopRV& loop, int n, int max_innermost_factor = 16,
                                          std::optional<std::vector<int64_t>> decision = std::nullopt);
  /// Samples n factors of the loop extent where the factors from partition_pos inward
  /// multiply to a multiple of innerpart_factor.
  std::vector<ExprRV> sample_partitioned_tile(const LoopRV& loop, int n, int partition_pos = 0,
                                              int innerpart_factor = 1,
                                              std::optional<std::vector<int64_t>> decision = std::nullopt);

  // ----- Queries (get_block_loops.cc) --------------------------------------------------
  /// The block called `name` in function `func_name` (default_func() when empty).
  BlockRV get_block(const std::string& name, const std::string& func_name = "");
  /// The loops above the block, outermost first (within its function, up to the root or
  /// the enclosing block).
  std::vector<LoopRV> get_loops(const BlockRV& block);
  /// The blocks directly under a block or loop (not under another block), in order.
  std::vector<BlockRV> get_child_blocks(const BlockRV& block);
  std::vector<BlockRV> get_child_blocks(const LoopRV& loop);
  /// Blocks in the same scope that write a buffer this block reads / read a buffer it writes.
  std::vector<BlockRV> get_producers(const BlockRV& block);
  std::vector<BlockRV> get_consumers(const BlockRV& block);

  // ----- Loop transformations (loop_transformation.cc) --------------------------------
  /// Splits a loop into nested loops with the given factors (at most one None, inferred).
  /// A product that does not cover the extent exactly adds a predicate to the blocks below.
  std::vector<LoopRV> split(const LoopRV& loop, const std::vector<std::optional<ExprRV>>& factors,
                            bool preserve_unit_iters = true, bool disable_predication = false);
  /// Split with literal factors (each factor becomes a recorded constant input).
  std::vector<LoopRV> split(const LoopRV& loop, const std::vector<std::optional<int64_t>>& factors,
                            bool preserve_unit_iters = true, bool disable_predication = false);
  /// Fuses consecutive nested loops (each the only child of the previous) into one.
  LoopRV fuse(const std::vector<LoopRV>& loops, bool preserve_unit_iters = true);
  /// Reorders loops that are nested in one chain to the given order.
  void reorder(const std::vector<LoopRV>& ordered_loops);
  /// Adds a loop of extent 1 above a block or a loop.
  LoopRV add_unit_loop(const BlockRV& block);
  LoopRV add_unit_loop(const LoopRV& loop);

  // ----- Loop annotation (for_kind.cc) --------------------------------------------------
  void parallel(const LoopRV& loop);
  void vectorize(const LoopRV& loop);
  void unroll(const LoopRV& loop);
  void bind(const LoopRV& loop, const std::string& thread_axis);

  // ----- Annotation (annotate.cc) -------------------------------------------------------
  void annotate(const BlockRV& block, const std::string& ann_key, const Value& ann_val);
  void annotate(const LoopRV& loop, const std::string& ann_key, const Value& ann_val);
  void unannotate(const BlockRV& block, const std::string& ann_key);
  void unannotate(const LoopRV& loop, const std::string& ann_key);

  /// Marks the start of postprocessing in the trace (no effect on the IR).
  void enter_postproc();

  // ----- Caching (cache.cc) -------------------------------------------------------------
  /// Adds a block that copies the `read_buffer_index`-th read buffer of `block` into a new
  /// buffer "<name>_<storage_scope>", placed after the buffer's producer (before its first
  /// consumer) or at the start of the scope for an input, and redirects the reads of
  /// `consumer_blocks` (default: every reader after the producer) to the copy.
  /// requires: 1) block is not the root; 2) the index is in range; 3) storage_scope is a known
  /// scope; 4) the buffer has at most one writer in the scope, not `block` itself; 5) consumers
  /// read the buffer after its writer and do not write it. Returns the copy block.
  /// Throws a ScheduleError subclass naming the block, buffer and rule otherwise.
  BlockRV cache_read(const BlockRV& block, int read_buffer_index, const std::string& storage_scope,
                     const std::vector<BlockRV>& consumer_blocks = {});
  /// Makes `block` write its `write_buffer_index`-th write buffer into a new buffer
  /// "<name>_<storage_scope>" and adds a block that copies it back, placed before the first
  /// later reader that is not in `consumer_blocks` (the given consumers read the cache).
  /// requires: 1)-3) as cache_read; 4) `block` is the only writer of the buffer in the scope
  /// and, when it reads the buffer, it has an init; 5) consumers come after `block`.
  /// Returns the copy-back block. Throws a ScheduleError subclass otherwise.
  BlockRV cache_write(const BlockRV& block, int write_buffer_index, const std::string& storage_scope,
                      const std::vector<BlockRV>& consumer_blocks = {});

  // ----- Compute location (compute_at.cc, compute_inline.cc) --------------------------
  /// Moves a producer block under `loop`, an ancestor of all its consumers, regenerating
  /// the loops above it so that it computes exactly the region its consumers under `loop`
  /// need in one iteration (a predicate keeps it inside its own domain). For a buffer whose
  /// storage scope shares it across threads (ir/storage_scope.h), that region is also
  /// relaxed over the thread-bound loops at and above `loop` that the scope relaxes, as in
  /// TVM: a "shared" buffer covers every threadIdx / vthread iteration of its block, so
  /// each thread computes the block's whole tile (rewrite_cooperative_fetch later splits
  /// it among them); "warp" relaxes threadIdx.x; "global" and "local" relax nothing
  /// more. `index` picks the position among the loop's children: -1 just before the first
  /// consumer, -2 just after the last producer, or an index in between. `loop` may also be the compute-root RV
  /// (no-op) or the compute-inline RV (compute_inline) returned by sample_compute_location.
  /// requires: 1) the block is a complete or reduction block and not an output block;
  /// 2) the loop is in the block's scope and not an ancestor of the block; 3) every
  /// consumer is under the loop and no producer of the block is after a consumer there.
  /// throws: a ScheduleError naming the block, the loop and the violated rule.
  void compute_at(const BlockRV& block, const LoopRV& loop, bool preserve_unit_loops = false, int index = -1);
  /// The symmetric move of a consumer block under `loop`, an ancestor of all its
  /// producers, computing exactly what those producers write in one iteration (no
  /// relaxation by storage scope, as in TVM).
  /// requires: the block is a complete or reduction block; every producer is under the
  /// loop and does not finish a reduction outside it. throws: ScheduleError.
  void reverse_compute_at(const BlockRV& block, const LoopRV& loop, bool preserve_unit_loops = false, int index = -1);
  /// Inlines a complete block whose body is one store `B[v0, v1, ...] = f(...)` (distinct
  /// iteration variables as indices) into every block that reads B, removes the block and
  /// the buffer B. requires: B is not a function parameter; no later block overwrites what
  /// the block reads. throws: ScheduleError.
  void compute_inline(const BlockRV& block);
  /// Inlines a complete consumer block `D[...] = g(B[v0, v1, ...], ...)` into its single
  /// producer of B (itself a complete one-store block), which then writes D; removes the
  /// consumer and B. requires: the consumer reads B at distinct iteration variables
  /// covering all of its own, B is not a parameter and has no other reader. throws:
  /// ScheduleError.
  void reverse_compute_inline(const BlockRV& block);
  /// Samples a compute-at location of `block`: one of the loops above its first consumer
  /// where compute_at is legal (decision = the loop's index in get_loops of that consumer),
  /// -1 for "stay at root" or -2 for "inline" (when compute_inline is legal). Returns a
  /// LoopRV: the loop itself, or for -1 / -2 the special RVs recognized by
  /// is_compute_root / is_compute_inline (and by compute_at). A decision that is not a
  /// candidate falls back to the nearest smaller candidate, as in TVM.
  LoopRV sample_compute_location(const BlockRV& block, std::optional<int64_t> decision = std::nullopt);
  /// Whether `loop` is the special "compute root" / "compute inline" location RV.
  bool is_compute_root(const LoopRV& loop) const;
  bool is_compute_inline(const LoopRV& loop) const;

  // ----- Storage (storage.cc) -----------------------------------------------------------
  /// Sets the storage scope of the `buffer_index`-th write buffer of `block` (every use of
  /// the buffer in the function then refers to the new scope).
  /// requires: 1) the index is in range; 2) storage_scope is a known scope; 3) the buffer is
  /// allocated by a block, not a function parameter. Throws a ScheduleError subclass otherwise.
  void set_scope(const BlockRV& block, int buffer_index, const std::string& storage_scope);
  /// Asks lowering to pad the stride of dimension `axis` of the `buffer_index`-th write
  /// buffer of `block` so that stride % factor == offset, recorded as TVM does: an entry
  /// [buffer_index, axis, factor, offset] in the block annotation "buffer_dim_align" (a later
  /// call for the same buffer and axis replaces it). `axis` may be negative (from the end).
  /// requires: 1) the index is in range; 2) the buffer is allocated by a block; 3) axis is in
  /// [-ndim, ndim); 4) factor > 0 and 0 <= offset < factor. Throws a ScheduleError subclass.
  void storage_align(const BlockRV& block, int buffer_index, int axis, int factor, int offset);

  // ----- Reduction (reduction.cc) -------------------------------------------------------
  /// Moves the init of reduction block `block` into a new block "<name>_init" placed right
  /// before `loop`, under copies of the loops from `loop` down that its spatial bindings use;
  /// the reduction block keeps no init. requires: 1) loop is an ancestor of block; 2) block is
  /// a reduction block (an init, spatial/reduction variables only, writes independent of the
  /// reduction variables); 3) no loop above `loop` drives a reduction variable. Returns the
  /// init block. Throws a ScheduleError subclass otherwise.
  BlockRV decompose_reduction(const BlockRV& block, const LoopRV& loop);
  /// Factors the reduction loop `loop`: the block under it becomes "<name>_rf", which reduces
  /// into a new buffer "<buffer>_rf" that has the loop's extent as dimension `factor_axis`
  /// (negative counts from the end; when `loop` is the only reduction loop the rfactor block
  /// is a plain spatial block), and a write-back block with the original name reduces that
  /// buffer into the output after the loop nest. requires: 1) the loop holds exactly one block,
  /// a reduction block with a sum, product, max or min update and no predicate; 2) every loop
  /// above it drives spatial or reduction variables, not both, and `loop` drives a reduction
  /// variable; 3) factor_axis is in [-(ndim+1), ndim]; 4) no other block under the outermost
  /// loop accesses the output. Returns the rfactor block. Throws a ScheduleError subclass.
  BlockRV rfactor(const LoopRV& loop, int factor_axis);

  // ----- Reindex (reindex.cc) ------------------------------------------------------------
  /// Makes `block` access its `buffer_index`-th read (or write) buffer B through a new buffer
  /// "B_reindex" indexed by the block's iteration variables that B's indices use (in the
  /// block's order, shape = each domain's min + extent), and adds a block "B_reindex" copying
  /// B into it right before (read) or from it into B right after (write) the block's subtree
  /// of the scope. requires: 1) the index is in range and block is not the root; 2) every
  /// load/store of B in the block uses one index tuple; 3) the bindings are trivial (the
  /// loops between the scope and the block are its iteration variables in order, over their
  /// domains, with no predicate); 4) no other block of that subtree accesses B; 5) a read B
  /// is not also written by the block, a written B read by the block needs an init.
  /// Returns the copy block. Throws a ScheduleError subclass naming the block and the rule.
  BlockRV reindex(const BlockRV& block, BufferIndexType buffer_index_type, int buffer_index);

  // ----- Block (blockize.cc) --------------------------------------------------------------
  /// Makes the subtree under `target` one outer block "<name>_o" around the single block
  /// below it (TVM's Blockize): each binding of the block is divided into a part of the loops
  /// outside `target` (the outer block's iteration variable "<var>_o", or the variable itself
  /// when the binding uses no loop under `target`) and a part of the loops under it (the
  /// inner block's "<var>_i"). The outer block reads/writes the inner regions relaxed over
  /// the inner variables; a reduction's init moves to the outer block, over the inner
  /// data-parallel variables it uses. Unit loops stay in the bindings when
  /// preserve_unit_iters. requires: 1) the loops from `target` down hold exactly one block;
  /// 2) the bindings are an affine map of the loops where every loop outside `target` is a
  /// higher digit than every loop under it; 3) predicate conjuncts that mix both use outer
  /// loops that an outer variable recovers. Returns the outer block. Throws a ScheduleError.
  BlockRV blockize(const LoopRV& target, bool preserve_unit_iters = true);
  /// Replaces the body of `block_or_loop` (a loop is blockized first, as blockize, and the
  /// trace records only the Tensorize) by the body of the tensor intrinsic's impl (see
  /// tensor_intrin.h), after matching the block against the intrinsic's desc: the block's
  /// reads/writes against desc's root block (in order; each desc buffer stands for a block
  /// buffer of the same dtype and scope, at the base indices of its region, leading extra
  /// dimensions of extent 1), then loops, inner blocks, stores and expressions. The impl's
  /// buffers become match_buffer views of the block's buffers at those bases. Throws a
  /// ScheduleError for an unknown intrinsic or a mismatch (naming the path of the first
  /// difference, e.g. "block C / store C / value / Add.b / Mul.a: ...").
  void tensorize(const BlockRV& block_or_loop, const std::string& tensor_intrin, bool preserve_unit_iters = true);
  void tensorize(const LoopRV& block_or_loop, const std::string& tensor_intrin, bool preserve_unit_iters = true);

  // ----- Layout (layout.cc) ---------------------------------------------------------------
  /// Gives the `buffer_index`-th read (or write) buffer B of `block` the shape
  /// index_map.map_shape(B's shape) and rewrites every access to B in its function through
  /// the map: loads, stores, block read/write regions, the allocating block's alloc_buffers,
  /// or the function's buffer_map when B is a parameter (the signature changes). The buffer
  /// keeps its name, dtype and scope (strides are dropped). A map onto a larger shape pads:
  /// it needs a pad_value (a number), which a block "B_pad" stores at the padding first thing
  /// in the block that allocates B. requires: 1) the index is in range; 2) the map
  /// takes one index per dimension of B and its results are non-negative over B's shape;
  /// 3) B is a parameter or allocated by a block, with no match_buffer view or vector index;
  /// 4) the map is a bijection from B's shape onto the new shape (with
  /// assume_injective_transform, a map onto a shape of as many elements is trusted), or it
  /// pads an allocated B, each result using one index, and is a bijection once each index's
  /// extent is grown to the product of the new extents of the results using it.
  /// Throws a ScheduleError subclass naming the block, buffer, lambda and rule otherwise.
  void transform_layout(const BlockRV& block, BufferIndexType buffer_index_type, int buffer_index,
                        const IndexMap& index_map, const Value& pad_value = Value(),
                        bool assume_injective_transform = false);
  /// The same with the buffer given by name (looked up in the block's reads, then writes).
  void transform_layout(const BlockRV& block, const std::string& buffer_name, const IndexMap& index_map,
                        const Value& pad_value = Value(), bool assume_injective_transform = false);

  // ----- Padding (pad_einsum.cc) ---------------------------------------------------------
  /// Pads the iteration domain of an einsum-like block: iteration variable i's extent grows
  /// to the next multiple of padding[i] (its loop too; loop variables are kept). Each input
  /// with a padded dimension is read through a new buffer "<name>_pad" of the padded extents,
  /// filled by a block "<name>_pad" before the loops with the input inside the original
  /// extents and zero outside; an output with a padded dimension is written to "<name>_pad"
  /// and copied back over the original extents by a block "<name>_pad" after the loops.
  /// requires: 1) one positive factor per iteration variable; 2) the block is alone under one
  /// loop per iteration variable, in order, each over [0, constant extent), no predicate;
  /// 3) its body is one store of its only output, every load/store index is an iteration
  /// variable and a buffer is always indexed alike; an output it reads needs an init; 4) a
  /// padded reduction variable needs an update out = out + product where a factor loads an
  /// input indexed by it. Throws a ScheduleError subclass naming the block and the rule.
  void pad_einsum(const BlockRV& block, const std::vector<int64_t>& padding);

  // ----- Undoing a failed call ------------------------------------------------------------
  /// What a call that fails must leave as it was: the module, the trace, the random
  /// variables and the RNG. Taking one is cheap (the IR is shared).
  class Checkpoint {
    friend class Schedule;
    ir::IRModule mod_;
    size_t trace_size_ = 0;
    size_t n_rvs_ = 0;
    RandomEngine rng_{1};
  };
  Checkpoint checkpoint() const;
  /// Returns the schedule to `checkpoint` (taken from this schedule, with nothing but
  /// appends since): the module, the trace and the RNG as they were, and the random
  /// variables defined since then dropped. A composite call (call_primitive resolving a
  /// block name with get_block before the primitive) uses it to undo its first steps when
  /// a later one throws. The records of removed blocks and loops are kept: a primitive
  /// writes them only after it succeeded.
  void rollback(const Checkpoint& checkpoint);

  // ----- Internals for primitive implementations ---------------------------------------
  /// Records an instruction (called by every primitive after it succeeded).
  void record(const std::string& kind, std::vector<Value> inputs, std::vector<Value> attrs, std::vector<Value> outputs,
              std::optional<Value> decision = std::nullopt);
  /// New random variables.
  BlockRV new_block_rv(const std::string& func, const std::string& block_name);
  LoopRV new_loop_rv(const std::string& func, const ir::Var& loop_var);
  ExprRV new_expr_rv(int64_t value);
  /// Replaces a function of the module (after a primitive rewrote it) and, in Verify mode,
  /// re-verifies it.
  void update_func(const std::string& func_name, const ir::PrimFunc& func, const char* primitive);
  /// Remembers that a block / loop variable was removed by `primitive`, for the error of a
  /// later use of an RV that refers to it.
  void mark_removed_block(const std::string& func, const std::string& block_name, const std::string& primitive);
  void mark_removed_loop(const ir::Var& loop_var, const std::string& primitive);

 private:
  struct RVEntry {
    enum class Kind : uint8_t { Block, Loop, Expr } kind;
    std::string func;
    std::string block_name;
    ir::Var loop_var;
    int64_t value = 0;
  };
  const RVEntry& entry(uint32_t id, RVEntry::Kind kind, const char* what) const;

  ir::IRModule original_;
  ir::IRModule mod_;
  std::string default_func_;
  std::vector<RVEntry> rvs_;
  std::map<std::string, std::string> removed_blocks_;                            // "func/block" -> primitive
  std::map<const ir::VarNode*, std::pair<ir::Var, std::string>> removed_loops_;  // var kept alive
  Trace trace_;
  RandomEngine rng_;
  DebugMode debug_ = DebugMode::Off;
};

}  // namespace loom::sched
