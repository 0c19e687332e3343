// Internal: how the text form spells a range. The parser reads `begin:end`,
// `T.serial(begin, end)` and `(begin, end)` domains through range_from_begin_end; the
// printer picks an `end` that reads back to the same extent.
#pragma once

#include "loom/ir/expr.h"

namespace loom::script::detail {

/// The range [begin, end) as (min, extent): constants fold, `begin + x` gives extent x,
/// anything else is simplified end - begin. Throws UserError for non-integer bounds.
ir::Range range_from_begin_end(ir::Expr begin, ir::Expr end);

/// An `end` expression for `range` such that range_from_begin_end(range.min, end)
/// structurally equals `range`, preferring the simplified min + extent.
ir::Expr range_end_for_print(const ir::Range& range);

}  // namespace loom::script::detail
