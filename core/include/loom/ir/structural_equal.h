// Structural equality and hashing of IR, modulo the names of variables, buffers and
// blocks (like TVM's): two functions that differ only in names are equal. Loop extents,
// dtypes, loop kinds, predicates, regions, annotations, scopes and constants all count.
// Variables are matched by where they are defined (a loop var with a loop var at the same
// place), so `for i: A[i]` equals `for j: A[j]`. A strict mode also compares names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "loom/ir/function.h"

namespace loom::ir {

struct StructuralEqualOptions {
  /// Also compare the names of variables, buffers, blocks and functions.
  bool strict_names = false;
  /// Unify free variables (not defined in the compared trees) on first sight, instead of
  /// requiring the same object. Functions never have free variables: parameters define.
  bool map_free_vars = true;
};

/// The first difference found, as a path from the root and the two sides.
struct StructuralDiff {
  /// E.g. "block C / iter_var 2 / dom.extent".
  std::string path;
  std::string lhs;
  std::string rhs;
  /// "block C / iter_var 2 / dom.extent: 64 vs 128".
  std::string to_string() const;
};

/// nullopt when equal; otherwise the first difference.
std::optional<StructuralDiff> structural_diff(const PrimFunc& a, const PrimFunc& b,
                                              const StructuralEqualOptions& options = {});
std::optional<StructuralDiff> structural_diff(const IRModule& a, const IRModule& b,
                                              const StructuralEqualOptions& options = {});
std::optional<StructuralDiff> structural_diff(const Stmt& a, const Stmt& b,
                                              const StructuralEqualOptions& options = {});
std::optional<StructuralDiff> structural_diff(const Expr& a, const Expr& b,
                                              const StructuralEqualOptions& options = {});

template <typename T>
bool structural_equal(const T& a, const T& b, const StructuralEqualOptions& options = {}) {
  return !structural_diff(a, b, options).has_value();
}

/// A hash consistent with structural_equal under the same strict_names setting: equal trees
/// hash equal. Free variables hash by dtype only.
uint64_t structural_hash(const PrimFunc& func, bool strict_names = false);
uint64_t structural_hash(const Stmt& stmt, bool strict_names = false);
uint64_t structural_hash(const Expr& expr, bool strict_names = false);

}  // namespace loom::ir
