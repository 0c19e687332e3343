// Floating-point operation counts, for reporting GFLOP/s.
#pragma once

#include "loom/ir/function.h"

namespace loom::ir {

/// An estimate of the floating-point operations one call of `func` performs: every
/// arithmetic operation (+ - * / % min max) and math intrinsic call whose dtype is a float
/// type, in stored values, let values and conditions, counted once per lane per execution
/// (the product of the enclosing loops' extents). Block inits count as their statements do;
/// integer index arithmetic, loads, stores, casts and selects count nothing. A GMM
/// (C += A * B) counts 2 per (i, j, k). Returns 0 when a loop enclosing a counted
/// operation has a non-constant extent.
double estimate_flops(const PrimFunc& func);

}  // namespace loom::ir
