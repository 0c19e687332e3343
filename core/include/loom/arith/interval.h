// Interval (integer set) analysis: the set of values an expression takes when some of its
// variables range over intervals, unions and intersections of such sets, and the region of
// a buffer touched by a loop nest.
#pragma once

#include <unordered_map>
#include <vector>

#include "loom/arith/analyzer.h"
#include "loom/ir/expr.h"

namespace loom::arith {

/// The integer interval [min, max], both ends inclusive. The ends are expressions (they may
/// mention variables that are not relaxed); a null end means unbounded on that side.
struct Interval {
  ir::Expr min;
  ir::Expr max;

  /// (-inf, +inf).
  static Interval everything() { return {}; }
  /// [value, value].
  static Interval single_point(const ir::Expr& value) { return {value, value}; }
  /// [range.min, range.min + range.extent - 1] (simplified).
  static Interval from_range(const ir::Range& range, Analyzer* analyzer = nullptr);

  bool has_lower_bound() const { return min.defined(); }
  bool has_upper_bound() const { return max.defined(); }
  bool is_bounded() const { return min.defined() && max.defined(); }
  bool is_everything() const { return !min.defined() && !max.defined(); }
  /// True when both ends are the same expression (structurally identical).
  bool is_single_point() const;
};

/// Variables relaxed over intervals (by identity).
using VarIntervalMap = std::unordered_map<ir::Var, Interval, ir::RefHash, ir::RefEqual>;

/// A sound interval of the integer expression `e` when every variable of `dom` ranges over
/// its interval and the other variables stay fixed (they may appear in the result's ends).
/// Every value of `e` at points of the domain lies in the result. The ends are simplified
/// with `analyzer` (which may know other variables' ranges); a local analyzer is used when
/// it is null. Non-integer expressions give everything unless they mention no relaxed
/// variable.
Interval eval_interval(const ir::Expr& e, const VarIntervalMap& dom, Analyzer* analyzer = nullptr);

/// The smallest interval holding both (a hull; symbolic ends use min/max when the
/// analyzer cannot order them).
Interval interval_union(const Interval& a, const Interval& b, Analyzer* analyzer = nullptr);
/// The intersection of both (symbolic ends use max/min when the analyzer cannot order
/// them). It may be empty (min > max).
Interval interval_intersect(const Interval& a, const Interval& b, Analyzer* analyzer = nullptr);

/// [interval.min, interval.max] as a Range (extent simplified). An unbounded end is replaced
/// by the bound of `fallback` (e.g. the buffer dimension [0, shape)); requires: the
/// interval is bounded or a fallback is given.
ir::Range interval_to_range(const Interval& interval, const ir::Range* fallback = nullptr,
                            Analyzer* analyzer = nullptr);

/// The region of a buffer touched by indices `indices` when the variables of `relaxed`
/// range over their intervals: one Range per index. An index whose interval is unbounded
/// covers the whole dimension [0, shape[d]) (requires shape to have one entry per index in
/// that case; throws InternalError otherwise).
std::vector<ir::Range> relax_region(const std::vector<ir::Expr>& indices, const VarIntervalMap& relaxed,
                                    const std::vector<ir::Expr>& shape = {}, Analyzer* analyzer = nullptr);

}  // namespace loom::arith
