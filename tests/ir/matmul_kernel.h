// A parameterized matmul kernel built directly with the IR constructors, for the tests that
// need a realistic function (structural equality, traversal): a root block holding the loop
// nest i, j, k over a reduction block "C" with init, reads and writes.
#pragma once

#include <optional>
#include <string>

#include "loom/ir/ir.h"

namespace loom::ir::testing {

/// Everything a test may vary in the matmul kernel. The defaults give
///   C[i, j] = sum_k A[i, k] * B[k, j]   over 128 x 128 x 128, float32.
struct MatmulSpec {
  // Names (ignored by structural equality unless strict_names).
  std::string func_name = "main";
  std::string a_handle = "a", b_handle = "b", c_handle = "c";
  std::string a_name = "A", b_name = "B", c_name = "C";
  std::string i_name = "i", j_name = "j", k_name = "k";
  std::string vi_name = "vi", vj_name = "vj", vk_name = "vk";
  std::string block_name = "C";
  // Structure.
  int64_t m = 128, n = 128, k = 128;
  DataType dtype = DataType::Float(32);
  /// Extent of loop i when it differs from m (the buffers keep m).
  std::optional<int64_t> i_extent;
  ForKind i_kind = ForKind::Serial;
  std::string i_thread_tag;
  /// When set, the block runs only where i < *predicate_bound.
  std::optional<int64_t> predicate_bound;
  Annotations block_annotations;
  Annotations i_annotations;
  IterType vk_type = IterType::CommReduce;
  std::string c_scope = "global";
  /// Extent of the k dimension of A's read region (1 is the exact region).
  int64_t a_read_k_extent = 1;
  /// Swap the index order of the load from B (B[vj, vk] instead of B[vk, vj]).
  bool transpose_b_load = false;
};

/// Builds the kernel described by `spec`.
inline PrimFunc make_matmul(const MatmulSpec& spec = {}) {
  Var a_param(spec.a_handle, DataType::Handle());
  Var b_param(spec.b_handle, DataType::Handle());
  Var c_param(spec.c_handle, DataType::Handle());
  Buffer A = Buffer::make(spec.a_name, spec.dtype, {make_int(spec.m), make_int(spec.k)});
  Buffer B = Buffer::make(spec.b_name, spec.dtype, {make_int(spec.k), make_int(spec.n)});
  Buffer C = Buffer::make(spec.c_name, spec.dtype, {make_int(spec.m), make_int(spec.n)}, {}, {}, spec.c_scope);

  Var i(spec.i_name), j(spec.j_name), k(spec.k_name);
  Var vi(spec.vi_name), vj(spec.vj_name), vk(spec.vk_name);
  std::vector<IterVar> iter_vars = {
      {vi, Range::from_min_extent(0, make_int(spec.m)), IterType::DataPar},
      {vj, Range::from_min_extent(0, make_int(spec.n)), IterType::DataPar},
      {vk, Range::from_min_extent(0, make_int(spec.k)), spec.vk_type},
  };
  Expr b_load = spec.transpose_b_load ? BufferLoadNode::make(B, {vj, vk}) : BufferLoadNode::make(B, {vk, vj});
  Stmt init = BufferStoreNode::make(C, make_const(spec.dtype, 0.0), {vi, vj});
  Stmt update = BufferStoreNode::make(C, BufferLoadNode::make(C, {vi, vj}) + BufferLoadNode::make(A, {vi, vk}) * b_load,
                                      {vi, vj});
  std::vector<BufferRegion> reads = {
      {A, {Range::from_min_extent(vi, 1), Range::from_min_extent(vk, make_int(spec.a_read_k_extent))}},
      {B, {Range::from_min_extent(vk, 1), Range::from_min_extent(vj, 1)}},
  };
  std::vector<BufferRegion> writes = {{C, {Range::from_min_extent(vi, 1), Range::from_min_extent(vj, 1)}}};
  Block block = Block::make(spec.block_name, iter_vars, reads, writes, update, init, {}, {}, spec.block_annotations);
  Expr predicate = spec.predicate_bound ? (i < make_int(*spec.predicate_bound)) : Expr();
  Stmt realize = BlockRealizeNode::make({i, j, k}, predicate, block);

  Stmt loop_k = ForNode::make(k, 0, make_int(spec.k), ForKind::Serial, realize);
  Stmt loop_j = ForNode::make(j, 0, make_int(spec.n), ForKind::Serial, loop_k);
  Stmt loop_i = ForNode::make(i, 0, make_int(spec.i_extent.value_or(spec.m)), spec.i_kind, loop_j, spec.i_thread_tag,
                              spec.i_annotations);

  Block root = Block::make("root", {}, {}, {}, loop_i);
  Stmt body = BlockRealizeNode::make({}, Expr(), root);
  return PrimFunc::make(spec.func_name, {a_param, b_param, c_param}, {{a_param, A}, {b_param, B}, {c_param, C}}, body);
}

}  // namespace loom::ir::testing
