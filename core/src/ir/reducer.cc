// Reduction updates.
#include "loom/ir/reducer.h"

#include "loom/ir/builder.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"

namespace loom::ir {
namespace {

bool is_load_of(const Expr& e, const Buffer& buffer, const std::vector<Expr>& indices) {
  const auto* load = e.as<BufferLoadNode>();
  if (!load || !load->buffer.same_as(buffer) || load->indices.size() != indices.size()) return false;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (!structural_equal(load->indices[i], indices[i], {false, false})) return false;
  }
  return true;
}

bool reads_buffer(const Expr& e, const Buffer& buffer) {
  bool found = false;
  post_order_visit(e, [&](const Object* n) {
    if (n->kind() == NodeKind::BufferLoad && static_cast<const BufferLoadNode*>(n)->buffer.same_as(buffer))
      found = true;
  });
  return found;
}

}  // namespace

Expr Reducer::combine(const Expr& a, const Expr& b) const {
  switch (combiner) {
    case NodeKind::Add:
      return AddNode::make(a, b);
    case NodeKind::Mul:
      return MulNode::make(a, b);
    case NodeKind::Max:
      return MaxNode::make(a, b);
    default:
      return MinNode::make(a, b);
  }
}

std::optional<Reducer> match_reduction_update(const BufferStoreNode* store, std::string* why) {
  Reducer r{NodeKind::Add, store->buffer, store->indices, Expr(), Expr()};
  const Expr& v = store->value;
  Expr a, c;
  if (const auto* n = v.as<AddNode>())
    a = n->a, c = n->b, r.combiner = NodeKind::Add;
  else if (const auto* n = v.as<MulNode>())
    a = n->a, c = n->b, r.combiner = NodeKind::Mul;
  else if (const auto* n = v.as<MaxNode>())
    a = n->a, c = n->b, r.combiner = NodeKind::Max;
  else if (const auto* n = v.as<MinNode>())
    a = n->a, c = n->b, r.combiner = NodeKind::Min;
  else {
    *why = "the update is not +, *, max or min of the output element and a value";
    return std::nullopt;
  }
  if (is_load_of(a, r.buffer, r.indices)) {
    r.rhs = c;
  } else if (is_load_of(c, r.buffer, r.indices)) {
    r.rhs = a;
  } else {
    *why = "the update does not combine the output element with a value";
    return std::nullopt;
  }
  if (reads_buffer(r.rhs, r.buffer)) {
    *why = "the combined value reads the output buffer";
    return std::nullopt;
  }
  const DataType t = r.buffer->dtype;
  switch (r.combiner) {
    case NodeKind::Add:
      r.identity = make_const(t, int64_t{0});
      break;
    case NodeKind::Mul:
      r.identity = make_const(t, int64_t{1});
      break;
    case NodeKind::Max:
      r.identity = min_value(t);
      break;
    default:
      r.identity = max_value(t);
      break;
  }
  return r;
}

}  // namespace loom::ir
