// flatten_buffers: N-d buffers become 1-D buffers over the same storage.
#include "loom/lower/flatten_buffers.h"

#include <unordered_map>

#include "loom/arith/analyzer.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/mutator.h"

namespace loom::lower {
namespace {

ir::Expr product(const std::vector<ir::Expr>& shape) {
  ir::Expr p = ir::make_int(1);
  for (const ir::Expr& d : shape) p = p * d;
  return p;
}

class Flattener : public ir::IRMutator {
 public:
  /// Registers the flat counterpart of `buffer` spanning `elems` elements.
  ir::Buffer add(const ir::Buffer& buffer, const ir::Expr& elems) {
    ir::Buffer flat = ir::Buffer::make(buffer->name, buffer->dtype, {analyzer_.simplify(elems)}, {}, {}, buffer->scope);
    flat_[buffer.get()] = {buffer, flat};
    return flat;
  }

 protected:
  using ir::IRMutator::visit;
  ir::Stmt visit(const ir::BlockRealizeNode* op) override {
    LOOM_ICHECK(false, "flatten_buffers: block " + op->block->name + " is still there (run lower_blocks)");
    return ir::IRMutator::visit(op);
  }
  ir::Stmt visit(const ir::AllocateNode* op) override {
    const ir::Buffer& b = op->buffer;
    ir::Expr elems;
    if (b->ndim() == 0) {
      elems = ir::make_int(1);
    } else if (b->strides.empty()) {
      elems = product(b->shape);
    } else {
      elems = ir::make_int(1);
      for (size_t d = 0; d < b->ndim(); ++d) elems = elems + (b->shape[d] - 1) * b->strides[d];
    }
    if (b->elem_offset.defined()) elems = elems + b->elem_offset;
    ir::Buffer flat = add(b, elems);
    return ir::AllocateNode::make(flat, mutate(op->body));
  }
  ir::Expr visit(const ir::BufferLoadNode* op) override {
    ir::Expr mutated = ir::IRMutator::visit(op);
    const auto* load = mutated.as<ir::BufferLoadNode>();
    const Entry& e = entry(load->buffer);
    return ir::BufferLoadNode::make(e.flat, {flat_index(e.original, load->indices)});
  }
  ir::Stmt visit(const ir::BufferStoreNode* op) override {
    ir::Stmt mutated = ir::IRMutator::visit(op);
    const auto* store = mutated.as<ir::BufferStoreNode>();
    const Entry& e = entry(store->buffer);
    return ir::BufferStoreNode::make(e.flat, store->value, {flat_index(e.original, store->indices)});
  }

 private:
  struct Entry {
    ir::Buffer original;
    ir::Buffer flat;
  };
  const Entry& entry(const ir::Buffer& buffer) const {
    auto it = flat_.find(buffer.get());
    LOOM_ICHECK(it != flat_.end(), "flatten_buffers: buffer " + buffer->name + " is neither a parameter nor allocated");
    return it->second;
  }
  /// elem_offset + sum(index[d] * stride[d]), row-major strides when none are given.
  ir::Expr flat_index(const ir::Buffer& b, const std::vector<ir::Expr>& indices) {
    ir::Expr index;
    if (indices.empty()) {
      index = ir::make_int(0);
    } else if (b->strides.empty()) {
      index = indices[0];
      for (size_t d = 1; d < indices.size(); ++d) index = index * b->shape[d] + indices[d];
    } else {
      for (size_t d = 0; d < indices.size(); ++d) {
        ir::Expr term = indices[d] * b->strides[d];
        index = index.defined() ? index + term : term;
      }
    }
    if (b->elem_offset.defined()) index = index + b->elem_offset;
    return analyzer_.simplify(index);
  }

  arith::Analyzer analyzer_;
  std::unordered_map<const ir::BufferNode*, Entry> flat_;
};

}  // namespace

ir::PrimFunc flatten_buffers(const ir::PrimFunc& func) {
  Flattener flattener;
  std::vector<std::pair<ir::Var, ir::Buffer>> buffer_map;
  for (const auto& [param, buffer] : func->buffer_map) {
    buffer_map.emplace_back(param,
                            flattener.add(buffer, buffer->ndim() == 0 ? ir::make_int(1) : product(buffer->shape)));
  }
  ir::Stmt body = flattener.mutate(func->body);
  return ir::PrimFunc::make(func->name, func->params, std::move(buffer_map), body, func->attrs);
}

}  // namespace loom::lower
