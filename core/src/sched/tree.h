// Internal: finding blocks and loops in a function and rewriting the path above them.
// Blocks are found by name (unique in a function), loops by their loop variable.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "loom/ir/function.h"

namespace loom::sched::detail {

/// The statements from the function body down to a node, inclusive; for a block, the path
/// ends with its BlockRealize then the Block.
struct StmtPath {
  std::vector<ir::Stmt> nodes;
  const ir::Stmt& target() const { return nodes.back(); }
};

std::optional<StmtPath> find_block(const ir::PrimFunc& func, const std::string& name);
std::optional<StmtPath> find_loop(const ir::PrimFunc& func, const ir::Var& loop_var);

/// The loops between the nearest enclosing block (exclusive) and the path's target,
/// outermost first.
std::vector<const ir::ForNode*> loops_above(const StmtPath& path);

/// The realize of the nearest block strictly above the target (the scope block); for the
/// root block, nullptr.
const ir::BlockRealizeNode* scope_realize(const StmtPath& path);

/// Replaces the statement `target` (by identity) with `replacement` in `root`; a null
/// replacement removes it, and loops left empty by the removal are removed too.
ir::Stmt replace_stmt(const ir::Stmt& root, const ir::StmtNode* target, const ir::Stmt& replacement);

/// The function with `target` replaced (see replace_stmt).
ir::PrimFunc replace_in_func(const ir::PrimFunc& func, const ir::StmtNode* target, const ir::Stmt& replacement);

/// Every block (realize) under `stmt`, not descending into blocks, in order.
std::vector<const ir::BlockRealizeNode*> child_block_realizes(const ir::Stmt& stmt);

/// Sets of variables / buffers by identity.
using VarSet = std::unordered_set<const ir::VarNode*>;
using BufferSet = std::set<const ir::BufferNode*>;

/// The variables an expression uses.
VarSet vars_in(const ir::Expr& e);
/// The buffers of a list of regions (a block's reads or writes).
BufferSet buffers_of(const std::vector<ir::BufferRegion>& regions);
/// Whether two buffer sets share a buffer.
bool intersects(const BufferSet& a, const BufferSet& b);

/// Replaces every access to buffer `from` by `to` under `stmt`: loads, stores, read/write
/// and match_buffer source regions, and, when `allocations` is set, block alloc_buffers.
ir::Stmt replace_buffer(const ir::Stmt& stmt, const ir::Buffer& from, const ir::Buffer& to, bool allocations);

/// Whether `scope` is a storage scope loom knows: global, shared, shared.dyn, local, warp,
/// wmma.matrix_a, wmma.matrix_b, wmma.accumulator.
bool is_known_storage_scope(const std::string& scope);

/// A block name not yet used in `func`, from `base` ("A_shared", "A_shared_1", ...).
std::string unique_block_name(const ir::PrimFunc& func, const std::string& base);

}  // namespace loom::sched::detail
