// Test helpers for the workloads suite: finding the blocks and loops of a function and
// running a function in the reference interpreter on random inputs.
#pragma once

#include <string>
#include <vector>

#include "loom/interp/interpreter.h"
#include "loom/ir/function.h"
#include "loom/ir/visitor.h"

namespace loom::workloads::testing {

/// The blocks of `func` in execution order, the root block excluded.
inline std::vector<const ir::BlockNode*> stage_blocks(const ir::PrimFunc& func) {
  std::vector<const ir::BlockNode*> blocks;
  ir::post_order_visit(func->body, [&](const ir::Object* node) {
    if (node->kind() == ir::NodeKind::Block) blocks.push_back(static_cast<const ir::BlockNode*>(node));
  });
  if (!blocks.empty()) blocks.pop_back();  // post-order: the root block comes last
  return blocks;
}

/// The root block of a function built by create_prim_func.
inline const ir::BlockNode* root_block(const ir::PrimFunc& func) {
  const auto* realize = func->body.as<ir::BlockRealizeNode>();
  return realize ? realize->block.get() : nullptr;
}

/// "SSR" for iter vars spatial, spatial, reduce.
inline std::string iter_types(const ir::BlockNode* block) {
  std::string out;
  for (const ir::IterVar& iv : block->iter_vars) {
    out += iv.type == ir::IterType::DataPar ? 'S' : iv.type == ir::IterType::CommReduce ? 'R' : '?';
  }
  return out;
}

/// Constant extents of a buffer's shape.
inline std::vector<int64_t> const_shape(const ir::Buffer& buffer) {
  std::vector<int64_t> out;
  for (const ir::Expr& e : buffer->shape) {
    const auto* imm = e.as<ir::IntImmNode>();
    out.push_back(imm ? imm->value : -1);
  }
  return out;
}

/// Random arrays for every parameter (seeded), then the function run on them; returns the
/// arrays after the run (inputs unchanged, outputs computed).
inline std::vector<interp::NDArray> run_on_random(const ir::PrimFunc& func, uint64_t seed) {
  std::vector<interp::NDArray> arrays = interp::random_params(func, seed);
  std::vector<interp::Arg> args;
  for (interp::NDArray& a : arrays) args.emplace_back(&a);
  interp::run(func, args);
  return arrays;
}

/// All elements as doubles, row-major.
inline std::vector<double> values(const interp::NDArray& a) {
  std::vector<double> out(static_cast<size_t>(a.size()));
  for (int64_t i = 0; i < a.size(); ++i) out[static_cast<size_t>(i)] = a.get_double(i);
  return out;
}

}  // namespace loom::workloads::testing
