// Per-store features of a candidate, for the cost model (loom/tune, DESIGN.md "Tuning").
//
// A candidate is described by one row of numbers per BufferStore of its *lowered* function
// (loom/lower/lower.h: no blocks, flat buffers, loops with their kinds), in the order the
// stores appear. The cost model sees only these rows, so a feature that two schedules with
// different speeds share is useless and one that changes with a schedule decision is what
// lets the model tell candidates apart. Following TVM's per-store features, the row of a
// store S with enclosing loops L1 (outermost) .. Ln (innermost) and trip count
// T = extent(L1) * ... * extent(Ln) is, in this order (kFeatureNames names every column):
//
// 1. Arithmetic (13 columns): operations executed by S over T, by kind: float add/sub,
//    float mul, float div/mod, float min/max, float compare, float math calls (exp, sqrt,
//    ...), int add/sub, int mul, int div/mod (floor and truncating), int min/max/compare,
//    logical (and/or/not), selects (Select, if_then_else), casts. Each counts once per lane,
//    in the stored value and the indices of S and of its loads.
// 2. Loops (19 columns): vectorization (innermost vectorized loop's extent, product of the
//    vectorized extents, distance of the vectorized loop from the innermost, +1; 0 when none;
//    a vector store counting as an innermost vectorized loop of its lanes), unrolling
//    (innermost unrolled extent, product of unrolled extents; loops the lowering unrolled
//    show as their copies' rows instead), parallelism
//    (outermost parallel extent, product of parallel extents), number of loops, T, innermost
//    loop's extent, whether S is a reduction update (its value loads the element it stores),
//    lanes stored per execution, and the GPU thread bindings: the extents of the enclosing
//    loops bound to blockIdx.x/y/z and threadIdx.x/y/z and the product of the vthread
//    extents (0 when none), so that the cost model can tell GPU schedules apart.
// 3. Buffer accesses (kBufferSlots = 5 slots x 10 columns): the buffers S touches (its own
//    store and every load in it), grouped per buffer, the slots filled in decreasing order of
//    bytes accessed (unused slots are 0): access kind (1 read, 2 write, 3 read and write),
//    bytes accessed (T x accesses x element bytes), unique bytes (the footprint: the product
//    of the extents of the loops the index depends on, x element bytes, bounded by bytes),
//    cache lines touched (footprint rows x 64-byte lines per contiguous run), stride in
//    elements along the innermost loop the index depends on (0 when constant, -1 when not
//    affine), reuse type (0 none, 1 reused across a loop the index does not depend on), reuse
//    distance (iterations between reuses: the trip count of the loops inside the innermost
//    such loop), reuse count (that loop's extent), bytes per reuse (bytes / reuse count),
//    whether the buffer is a function parameter (1) or an allocation (0).
// 4. Allocations (3 columns): number of allocations enclosing S, their total bytes, the bytes
//    of the innermost one.
//
// Counts, extents, bytes and distances are given as log2(1 + x) (TVM's slog) so the model
// sees magnitudes; kinds, flags and positions are given as they are.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "loom/ir/function.h"

namespace loom::tune {

inline constexpr size_t kBufferSlots = 5;
inline constexpr size_t kArithmeticFeatures = 13;
inline constexpr size_t kLoopFeatures = 19;
inline constexpr size_t kBufferFeatures = 10;
inline constexpr size_t kAllocationFeatures = 3;
inline constexpr size_t kNumFeatures =
    kArithmeticFeatures + kLoopFeatures + kBufferSlots * kBufferFeatures + kAllocationFeatures;

/// The name of every column, in order ("float_add_sub", ..., "buf0.kind", ..., "alloc_innermost_bytes").
const std::vector<std::string>& feature_names();

/// One row per BufferStore of `lowered` (a function lowered by loom::lower::lower), kNumFeatures
/// columns each, in store order. A function without stores gives no rows. Loops with a
/// non-constant extent count as extent 1.
std::vector<std::vector<float>> extract_features(const ir::PrimFunc& lowered);

/// The features of a scheduled function as the tuner computes them: extract_features of
/// `func` lowered without unrolling (an unrolled loop stays one loop of kind `unroll`, so its
/// stores give one row each and the unroll columns see it) and without the per-pass
/// well-formedness checks (the runner's build checks the candidate it compiles).
std::vector<std::vector<float>> featurize(const ir::PrimFunc& func);

}  // namespace loom::tune
