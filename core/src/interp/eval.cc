// Expression evaluation of the reference interpreter: one case per expression node kind,
// loads with bounds checks, and the lazy if_then_else with lane masks.
#include <sstream>

#include "loom/interp/error.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/printer.h"
#include "machine.h"

namespace loom::interp {

using ir::DataType;
using ir::Expr;
using ir::NodeKind;

namespace {

/// Sets the lane mask for the duration of a lazy branch and restores the old one.
class MaskGuard {
 public:
  MaskGuard(std::vector<char>* mask, std::vector<char> next) : mask_(mask), saved_(std::move(*mask)) {
    *mask_ = std::move(next);
  }
  ~MaskGuard() { *mask_ = std::move(saved_); }
  MaskGuard(const MaskGuard&) = delete;
  MaskGuard& operator=(const MaskGuard&) = delete;

 private:
  std::vector<char>* mask_;
  std::vector<char> saved_;
};

bool is_integer_division(NodeKind kind) {
  return kind == NodeKind::Div || kind == NodeKind::Mod || kind == NodeKind::FloorDiv || kind == NodeKind::FloorMod;
}

std::string index_to_string(const std::vector<int64_t>& index) {
  std::ostringstream os;
  for (size_t i = 0; i < index.size(); ++i) os << (i ? ", " : "") << index[i];
  return os.str();
}

}  // namespace

const Value* Machine::lookup_var(const ir::VarNode* var) const {
  auto it = vars_.find(var);
  return it == vars_.end() || !it->second.bound ? nullptr : &it->second.value;
}

std::string Machine::where() const {
  const std::string thread = hooks_ ? hooks_->thread_name() : std::string();
  if (blocks_.empty()) return ", in function \"" + func_name_ + "\"" + thread;
  return ", in block \"" + *blocks_.back() + "\" of function \"" + func_name_ + "\"" + thread;
}

bool Machine::lane_active(int lane, int lanes) const {
  if (mask_.empty()) return true;
  if (static_cast<int>(mask_.size()) == lanes) return mask_[static_cast<size_t>(lane)] != 0;
  // A scalar (or differently shaped) value inside a masked vector expression is needed
  // when any lane is.
  for (char m : mask_) {
    if (m) return true;
  }
  return false;
}

int64_t Machine::eval_int(const Expr& expr, const char* what) {
  const Value v = eval(expr);
  if (v.lanes() != 1 || !(v.dtype().is_integer() || v.dtype().is_bool())) {
    throw RuntimeError(std::string(what) + " must be a scalar integer, got " + v.dtype().to_string() + " `" +
                       ir::to_string(expr) + "`" + where());
  }
  const Scalar s = v.lane(0);
  return s.i;
}

const BufferView& Machine::view_of(const ir::Buffer& buffer) {
  auto it = buffers_.find(buffer.get());
  if (it == buffers_.end()) {
    throw RuntimeError("buffer \"" + buffer->name +
                       "\" is used where it is not defined (not a parameter, alloc_buffer, match_buffer or "
                       "Allocate in scope)" +
                       where());
  }
  return it->second;
}

int64_t Machine::element_offset(const BufferView& view, const std::vector<Value>& indices, int lane, bool is_store) {
  const size_t ndim = view.shape.size();
  int64_t offset = view.elem_offset;
  bool in_bounds = true;
  for (size_t d = 0; d < ndim; ++d) {
    const int64_t i = indices[d].lane(lane).i;
    if (i < 0 || i >= view.shape[d]) in_bounds = false;
    offset += i * view.strides[d];
  }
  if (!in_bounds || offset < 0 || offset >= view.storage_elems) {
    std::vector<int64_t> index(ndim);
    for (size_t d = 0; d < ndim; ++d) index[d] = indices[d].lane(lane).i;
    std::string msg = std::string(is_store ? "out-of-bounds store to " : "out-of-bounds load from ") + view.name + "[" +
                      index_to_string(index) + "]: shape is " + shape_to_string(view.shape);
    if (in_bounds) {
      msg += ", but element offset " + std::to_string(offset) + " is outside its storage of " +
             std::to_string(view.storage_elems) + " elements (check strides and elem_offset)";
    }
    throw RuntimeError(msg + where());
  }
  return offset;
}

Value Machine::eval_load(const ir::BufferLoadNode* op) {
  const BufferView& view = view_of(op->buffer);
  std::vector<Value> indices;
  indices.reserve(op->indices.size());
  for (const Expr& index : op->indices) indices.push_back(eval(index));
  if (indices.size() != view.shape.size()) {
    throw RuntimeError("load from " + view.name + " has " + std::to_string(indices.size()) +
                       " indices but the buffer has " + std::to_string(view.shape.size()) + " dimensions" + where());
  }
  const int lanes = op->dtype.lanes();
  const DataType elem = view.dtype.element_of();
  const int64_t bytes = elem.bytes();
  Value out(op->dtype);
  for (int l = 0; l < lanes; ++l) {
    if (!lane_active(l, lanes)) continue;
    const int64_t offset = element_offset(view, indices, l, /*is_store=*/false);
    if (view.shadow) hooks_->on_access(view, offset, /*is_store=*/false);
    out.lane_ref(l) = load_scalar(view.data + offset * bytes, elem);
  }
  return out;
}

Value Machine::eval_binary(const ir::ExprNode* op, const Expr& a_expr, const Expr& b_expr) {
  const Value a = eval(a_expr);
  const Value b = eval(b_expr);
  const NodeKind kind = op->kind();
  if (is_integer_division(kind) && !b.dtype().is_float()) {
    const int lanes = b.lanes() > a.lanes() ? b.lanes() : a.lanes();
    for (int l = 0; l < lanes; ++l) {
      if (b.lane(l).i == 0 && lane_active(l, lanes)) {
        throw RuntimeError("integer division by zero in `" + ir::to_string(Expr(ir::Ref<ir::ExprNode>(op))) + "` (" +
                           ir::node_kind_name(kind) + " of " + std::to_string(a.lane(l).i) + " by 0)" + where());
      }
    }
  }
  return binary_op(kind, a, b);
}

Value Machine::eval_if_then_else(const ir::CallNode* op) {
  const Value cond = eval(op->args[0]);
  if (cond.lanes() == 1) return eval(cond.lane(0).i != 0 ? op->args[1] : op->args[2]);
  // A vector condition: evaluate each branch only on the lanes that select it, so that a
  // guarded out-of-bounds load in the other lanes is never performed.
  const int lanes = cond.lanes();
  std::vector<char> then_mask(static_cast<size_t>(lanes));
  std::vector<char> else_mask(static_cast<size_t>(lanes));
  bool any_then = false;
  bool any_else = false;
  for (int l = 0; l < lanes; ++l) {
    const bool active = lane_active(l, lanes);
    const bool c = cond.lane(l).i != 0;
    then_mask[static_cast<size_t>(l)] = active && c;
    else_mask[static_cast<size_t>(l)] = active && !c;
    any_then = any_then || (active && c);
    any_else = any_else || (active && !c);
  }
  Value out(op->dtype);
  if (any_then) {
    MaskGuard guard(&mask_, then_mask);
    const Value t = eval(op->args[1]);
    for (int l = 0; l < lanes; ++l) {
      if (then_mask[static_cast<size_t>(l)]) out.lane_ref(l) = t.lane(l);
    }
  }
  if (any_else) {
    MaskGuard guard(&mask_, else_mask);
    const Value f = eval(op->args[2]);
    for (int l = 0; l < lanes; ++l) {
      if (else_mask[static_cast<size_t>(l)]) out.lane_ref(l) = f.lane(l);
    }
  }
  return out;
}

Value Machine::eval_call(const ir::CallNode* op) {
  if (op->op == ir::Intrinsic::if_then_else) return eval_if_then_else(op);
  if (ir::is_gpu_intrinsic(op->op)) {
    if (hooks_) {
      std::vector<Value> args;
      args.reserve(op->args.size());
      for (const Expr& arg : op->args) args.push_back(eval(arg));
      return hooks_->collective(op, args);
    }
    throw RuntimeError(std::string("T.") + ir::intrinsic_name(op->op) +
                       " is a collective operation of the threads of a GPU launch: the interpreter runs it only "
                       "in SIMT mode");
  }
  std::vector<Value> args;
  args.reserve(op->args.size());
  for (const Expr& arg : op->args) args.push_back(eval(arg));
  return math_op(op->op, op->dtype, args);
}

Value Machine::eval(const Expr& expr) {
  LOOM_ICHECK(expr.defined(), "evaluating a null expression");
  switch (expr->kind()) {
    case NodeKind::IntImm:
      return Value::from_int(expr.dtype(), expr.as<ir::IntImmNode>()->value);
    case NodeKind::FloatImm:
      return Value::from_float(expr.dtype(), expr.as<ir::FloatImmNode>()->value);
    case NodeKind::Var: {
      const auto* var = static_cast<const ir::VarNode*>(expr.get());
      auto it = vars_.find(var);
      if (it == vars_.end() || !it->second.bound) {
        throw RuntimeError("variable \"" + var->name +
                           "\" is used where it is not bound (not a parameter, loop, block iteration, let or "
                           "buffer-shape variable in scope)" +
                           where());
      }
      return it->second.value;
    }
    case NodeKind::BufferLoad:
      return eval_load(expr.as<ir::BufferLoadNode>());
    case NodeKind::Not:
      return logical_not(eval(expr.as<ir::NotNode>()->a));
    case NodeKind::Select: {
      const auto* op = expr.as<ir::SelectNode>();
      const Value c = eval(op->condition);
      const Value t = eval(op->true_value);
      const Value f = eval(op->false_value);
      Value out(op->dtype);
      for (int l = 0; l < op->dtype.lanes(); ++l) out.lane_ref(l) = c.lane(l).i != 0 ? t.lane(l) : f.lane(l);
      return out;
    }
    case NodeKind::Cast: {
      const auto* op = expr.as<ir::CastNode>();
      return cast_value(op->dtype, eval(op->value));
    }
    case NodeKind::Ramp: {
      const auto* op = expr.as<ir::RampNode>();
      const Value base = eval(op->base);
      const Value stride = eval(op->stride);
      const DataType elem = base.dtype();
      Value out(op->dtype);
      for (int l = 0; l < op->lanes; ++l) {
        const Value index = elem.is_float() ? Value::from_float(elem, l) : Value::from_int(elem, l);
        out.lane_ref(l) = binary_op(NodeKind::Add, base, binary_op(NodeKind::Mul, index, stride)).lane(0);
      }
      return out;
    }
    case NodeKind::Broadcast: {
      const auto* op = expr.as<ir::BroadcastNode>();
      const Value v = eval(op->value);
      Value out(op->dtype);
      for (int l = 0; l < op->lanes; ++l) out.lane_ref(l) = v.lane(0);
      return out;
    }
    case NodeKind::Call:
      return eval_call(expr.as<ir::CallNode>());
#define LOOM_X(T)                            \
  case NodeKind::T: {                        \
    const auto* op = expr.as<ir::T##Node>(); \
    return eval_binary(op, op->a, op->b);    \
  }
      LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
      LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
      LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
    default:
      break;
  }
  LOOM_ICHECK(false, std::string("not an expression kind: ") + ir::node_kind_name(expr->kind()));
  return Value();
}

}  // namespace loom::interp
