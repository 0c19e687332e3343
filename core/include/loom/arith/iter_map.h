// Affine iteration-map detection (TVM's DetectIterMap): decides whether a list of index
// bindings is a bijective (or surjective) affine map of some loop iterators, and returns
// the structured form: every binding as a sum of splits of the iterators.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "loom/arith/analyzer.h"
#include "loom/ir/expr.h"

namespace loom::arith {

struct IterSum;

/// A piece of an iterator: floordiv(floormod(x - min, lower_factor * extent), lower_factor)
/// * scale, i.e. `extent` consecutive mixed-radix digits of the iterator x starting at
/// `lower_factor`, placed at weight `scale` in a binding. The iterator is an input iterator
/// (`source`), or a fused one (`fused`, TVM's IterMark of a sum): a dense sum of splits of
/// other iterators that a floordiv / floormod cuts where no single split of it can be cut,
/// e.g. floordiv(i + 7 * j, 3) with i in [0, 7).
struct IterSplit {
  /// The input iterator; undefined for a fused iterator.
  ir::Var source;
  /// The fused iterator (base 0, ranging over [0, fused->extent)); null for an input one.
  std::shared_ptr<const IterSum> fused;
  /// The iterator's own range: the split reads x - source_min, in [0, source_extent).
  int64_t source_min = 0;
  int64_t source_extent = 1;
  int64_t lower_factor = 1;
  int64_t extent = 1;
  int64_t scale = 1;
};

/// One binding in structured form: base + sum(split value * split.scale), splits ordered by
/// decreasing scale. The splits form a dense mixed-radix number: the last has scale 1 and
/// each other's scale is the product of the extents after it, so the binding ranges over
/// [base, base + extent) exactly.
struct IterSum {
  std::vector<IterSplit> splits;
  int64_t base = 0;
  /// Product of the split extents.
  int64_t extent = 1;
};

/// How much to check about the map as a whole.
enum class IterMapLevel : uint8_t {
  /// Every input point maps to a distinct output point and every output point is reached:
  /// each iterator (of extent > 1) is tiled exactly by its splits.
  Bijective,
  /// Every output point is reached: the splits of one iterator never overlap, but some
  /// digits (or whole iterators) may be unused. (A fused iterator counts as using its
  /// splits; its own splits are checked as an iterator's.)
  Surjective,
  /// As Surjective, and a binding may also be an overlapping sum whose terms leave no hole
  /// (`4 * i + j` with j in [0, 6): a convolution's halo window; TVM's surjective mode),
  /// its extent the range it spans. For the affine-binding check only: such a binding is not
  /// a mixed-radix number, so code that works digit by digit must not ask for it.
  SurjectiveOverlapping,
  /// Only that each binding is individually a dense affine sum of splits.
  NoCheck,
};

/// The outcome of detect_iter_map: the structured bindings, or why they are not affine.
struct IterMapResult {
  std::vector<IterSum> indices;
  /// Empty on success; otherwise names the binding and the rule it breaks.
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Whether a binding of the result splits a fused iterator (a user that only handles splits of
/// input iterators refuses such a map).
bool has_fused_split(const IterMapResult& result);

/// Decides whether `bindings` is an affine map of `input_iters` (each var with a constant
/// range) at `level`, under `predicate`: null, the constant true, or a conjunction of
/// `F < c` / `F <= c` whose F is a dense sum of two or more splits (a fused loop split by a
/// factor that does not divide it), which makes F a fused iterator of extent c; other
/// predicates are reported as unsupported. Bindings may use +, -, * by constants and floordiv /
/// floormod by positive constants; any other variable or operator makes the map
/// non-affine. Never throws for non-affine input: the reason is in the result.
/// requires: input_iters have integer dtypes and constant min/extent (throws UserError
/// naming the iterator otherwise).
IterMapResult detect_iter_map(const std::vector<ir::Expr>& bindings,
                              const std::vector<std::pair<ir::Var, ir::Range>>& input_iters,
                              const ir::Expr& predicate = {}, IterMapLevel level = IterMapLevel::Bijective);

/// The expression of one split / one structured binding, in canonical form (an identity
/// split is the bare variable; trivial floordiv/floormod are omitted).
ir::Expr iter_split_to_expr(const IterSplit& split, ir::DataType dtype);
ir::Expr iter_sum_to_expr(const IterSum& sum, ir::DataType dtype);

}  // namespace loom::arith
