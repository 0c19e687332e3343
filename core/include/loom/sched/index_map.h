// Index maps (TVM's IndexMap): a function from the indices of one buffer layout to the
// indices of another, written as a Python lambda, `lambda i, j: (i // 16, j, i % 16)`.
// transform_layout uses one to rewrite a buffer's shape and every access to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loom/arith/analyzer.h"
#include "loom/ir/expr.h"
#include "loom/ir/stmt.h"

namespace loom::sched {

/// A map from `initial_indices` (variables) to `final_indices` (integer expressions of
/// those variables). Immutable; cheap to copy (the IR is shared).
class IndexMap {
 public:
  IndexMap() = default;
  /// requires: final indices use only the initial indices, all of one integer dtype.
  IndexMap(std::vector<ir::Var> initial_indices, std::vector<ir::Expr> final_indices);

  /// Parses a Python lambda: `lambda i, j: (i // 4, j, i % 4)`, or one result without a
  /// tuple (`lambda i: i % 8`). The body may use the parameters, integer literals, + - *,
  /// // and % (floor division / modulus, as Python's), unary minus, and the calls
  /// T.floordiv / T.floormod / T.min / T.max (also without the `T.` prefix). Variables
  /// take `dtype` (int32 by default, int64 for int64-shaped buffers).
  /// throws: UserError quoting the lambda and saying what is wrong (a syntax error, an
  /// unknown name, an unsupported operator, a repeated parameter, no parameters).
  static IndexMap parse(std::string_view text, ir::DataType dtype = ir::DataType::Int(32));

  const std::vector<ir::Var>& initial_indices() const { return initial_; }
  const std::vector<ir::Expr>& final_indices() const { return final_; }
  size_t input_ndim() const { return initial_.size(); }
  size_t output_ndim() const { return final_.size(); }

  /// The lambda in canonical Python form: `lambda i, j: (i // 4, j, i % 4)` (a single
  /// result is written without a tuple). parse(to_python()) gives an equal map.
  std::string to_python() const;

  /// The final indices at `indices` (one per initial index), simplified with `analyzer`
  /// (which may know the ranges of the variables in `indices`).
  /// requires: indices.size() == input_ndim().
  std::vector<ir::Expr> map_indices(const std::vector<ir::Expr>& indices, arith::Analyzer* analyzer = nullptr) const;

  /// A region covering the image of the region `ranges` (one Range per initial index): the
  /// interval hull of each final index (exact for a point region). A final index whose hull
  /// is unbounded covers [0, new_shape[k]) (requires new_shape then).
  std::vector<ir::Range> map_ranges(const std::vector<ir::Range>& ranges, arith::Analyzer* analyzer = nullptr,
                                    const std::vector<ir::Expr>& new_shape = {}) const;

  /// The shape of the transformed buffer: for each final index, one past its largest value
  /// when the initial indices range over [0, shape). throws: UserError when a final index is
  /// unbounded or can be negative there.
  std::vector<ir::Expr> map_shape(const std::vector<ir::Expr>& shape, arith::Analyzer* analyzer = nullptr) const;

  /// Whether the map is a bijection from [0, shape) onto [0, map_shape(shape)) (decided by
  /// detect_iter_map; requires a constant shape). On false, *why says which rule fails.
  bool is_bijective(const std::vector<ir::Expr>& shape, std::string* why = nullptr) const;

  /// The inverse map on [0, map_shape(shape)), when the map is bijective from [0, shape):
  /// its initial indices are new variables (one per final index, named "i0", "i1", ...).
  /// nullopt when the map is not bijective there (*why says why).
  std::optional<IndexMap> inverse(const std::vector<ir::Expr>& shape, std::string* why = nullptr) const;

 private:
  std::vector<ir::Var> initial_;
  std::vector<ir::Expr> final_;
};

}  // namespace loom::sched
