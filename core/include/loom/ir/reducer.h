// Recognizing a commutative reduction update: W[i] = W[i] op value, op in + * max min.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "loom/ir/stmt.h"

namespace loom::ir {

/// A recognized reduction update W[indices] = combine(W[indices], rhs), with the combiner's
/// identity (0 for +, 1 for *, the dtype's lowest value for max, its highest for min).
struct Reducer {
  NodeKind combiner = NodeKind::Add;  ///< Add, Mul, Max or Min.
  Buffer buffer;
  std::vector<Expr> indices;
  Expr rhs;
  Expr identity;

  /// combiner(a, b).
  Expr combine(const Expr& a, const Expr& b) const;
};

/// `store` as a reduction update; nullopt with *why set ("the update is not +, *, max or min
/// of the output element and a value", ...) when it is not one. The output element may be
/// either operand; rhs must not read the output buffer.
std::optional<Reducer> match_reduction_update(const BufferStoreNode* store, std::string* why);

}  // namespace loom::ir
