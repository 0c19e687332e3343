// Construction of expression nodes and buffers, with the invariant checks of `make`.
#include "loom/ir/expr.h"

#include <atomic>
#include <cmath>
#include <limits>

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/ir/printer.h"

namespace loom::ir {

namespace {

[[noreturn]] void fail(const std::string& msg) { throw UserError(msg); }

void check_defined(const Expr& e, const char* what) {
  if (!e.defined()) fail(fmt::format("{}: operand is undefined", what));
}

/// Whether `value` is representable in the integer dtype `t`.
bool fits(DataType t, int64_t value) {
  if (t.is_bool()) return value == 0 || value == 1;
  if (t.bits() >= 64) return true;  // int64, or uint64 holding the bit pattern
  if (t.is_int()) {
    int64_t lo = -(int64_t{1} << (t.bits() - 1));
    int64_t hi = (int64_t{1} << (t.bits() - 1)) - 1;
    return value >= lo && value <= hi;
  }
  return value >= 0 && value < (int64_t{1} << t.bits());
}

}  // namespace

Expr::Expr(int32_t value) : Expr(IntImmNode::make(DataType::Int(32), value)) {}

uint64_t VarNode::next_serial() {
  static std::atomic<uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

Var::Var(std::string name, DataType dtype) : Var(new VarNode(std::move(name), dtype)) {}

Buffer Buffer::make(std::string name, DataType dtype, std::vector<Expr> shape, std::vector<Expr> strides,
                    Expr elem_offset, std::string scope) {
  if (dtype.is_void() || dtype.is_handle())
    fail(fmt::format("buffer {}: invalid element dtype {}", name, dtype.to_string()));
  for (size_t i = 0; i < shape.size(); ++i) {
    if (!shape[i].defined() || !shape[i].dtype().is_integer() || !shape[i].dtype().is_scalar())
      fail(fmt::format("buffer {}: shape[{}] must be an integer expression", name, i));
    if (auto c = shape[i].as<IntImmNode>(); c && c->value < 0)
      fail(fmt::format("buffer {}: shape[{}] is negative ({})", name, i, c->value));
  }
  if (!strides.empty() && strides.size() != shape.size())
    fail(fmt::format("buffer {}: {} strides given for {} dimensions", name, strides.size(), shape.size()));
  for (size_t i = 0; i < strides.size(); ++i) {
    if (!strides[i].defined() || !strides[i].dtype().is_integer())
      fail(fmt::format("buffer {}: strides[{}] must be an integer expression", name, i));
  }
  if (elem_offset.defined() && !elem_offset.dtype().is_integer())
    fail(fmt::format("buffer {}: elem_offset must be an integer expression", name));
  if (scope.empty()) scope = "global";
  return Buffer(new BufferNode(std::move(name), dtype, std::move(shape), std::move(strides), std::move(elem_offset),
                               std::move(scope)));
}

Buffer Buffer::with_name(std::string name) const {
  const BufferNode* n = get();
  return make(std::move(name), n->dtype, n->shape, n->strides, n->elem_offset, n->scope);
}
Buffer Buffer::with_scope(std::string scope) const {
  const BufferNode* n = get();
  return make(n->name, n->dtype, n->shape, n->strides, n->elem_offset, std::move(scope));
}
Buffer Buffer::with_shape(std::vector<Expr> shape) const {
  const BufferNode* n = get();
  return make(n->name, n->dtype, std::move(shape), n->strides, n->elem_offset, n->scope);
}

Expr IntImmNode::make(DataType dtype, int64_t value) {
  if (!(dtype.is_integer() || dtype.is_bool()) || !dtype.is_scalar())
    fail(fmt::format("integer constant {} cannot have dtype {}", value, dtype.to_string()));
  if (!fits(dtype, value)) fail(fmt::format("integer constant {} does not fit in {}", value, dtype.to_string()));
  return Expr(Ref<ExprNode>(new IntImmNode(dtype, value)));
}

Expr FloatImmNode::make(DataType dtype, double value) {
  if (!dtype.is_float() || !dtype.is_scalar())
    fail(fmt::format("float constant {} cannot have dtype {}", value, dtype.to_string()));
  // The largest finite value of each narrow float type; a finite constant beyond it would
  // silently become infinity.
  double limit = dtype.is_bfloat16()  ? 3.3895313892515355e38
                 : dtype.bits() == 16 ? 65504.0
                 : dtype.bits() == 32 ? static_cast<double>(std::numeric_limits<float>::max())
                                      : std::numeric_limits<double>::infinity();
  if (std::isfinite(value) && std::fabs(value) > limit)
    fail(fmt::format("float constant {} does not fit in {}", value, dtype.to_string()));
  return Expr(Ref<ExprNode>(new FloatImmNode(dtype, value)));
}

Expr BufferLoadNode::make(Buffer buffer, std::vector<Expr> indices) {
  if (!buffer.defined()) fail("buffer load: the buffer is undefined");
  if (indices.size() != buffer->ndim())
    fail(fmt::format("load from {}: {} indices for a {}-dimensional buffer", buffer->name, indices.size(),
                     buffer->ndim()));
  int lanes = 1;
  for (size_t i = 0; i < indices.size(); ++i) {
    check_defined(indices[i], "buffer load index");
    if (!indices[i].dtype().is_integer())
      fail(fmt::format("load from {}: index {} has dtype {}, expected an integer", buffer->name, i,
                       indices[i].dtype().to_string()));
    if (indices[i].dtype().lanes() > 1) {
      if (lanes > 1 && lanes != indices[i].dtype().lanes())
        fail(fmt::format("load from {}: vector indices of different lanes", buffer->name));
      lanes = indices[i].dtype().lanes();
    }
  }
  DataType dtype = buffer->dtype.with_lanes(buffer->dtype.lanes() * lanes);
  return Expr(Ref<ExprNode>(new BufferLoadNode(dtype, std::move(buffer), std::move(indices))));
}

template <NodeKind K>
Expr BinaryNode<K>::make(Expr a, Expr b) {
  const char* name = node_kind_name(K);
  check_defined(a, name);
  check_defined(b, name);
  if (a.dtype() != b.dtype())
    fail(fmt::format("{}: operands have different dtypes: {} ({}) and {} ({})", name, to_string(a),
                     a.dtype().to_string(), to_string(b), b.dtype().to_string()));
  DataType t = a.dtype();
  if (t.is_handle() || t.is_void()) fail(fmt::format("{}: operands of dtype {} are not values", name, t.to_string()));
  DataType result = t;
  switch (K) {
    case NodeKind::EQ:
    case NodeKind::NE:
    case NodeKind::LT:
    case NodeKind::LE:
    case NodeKind::GT:
    case NodeKind::GE:
      result = DataType::Bool(t.lanes());
      break;
    case NodeKind::And:
    case NodeKind::Or:
      if (!t.is_bool()) fail(fmt::format("{}: operands must be bool, got {}", name, t.to_string()));
      break;
    case NodeKind::FloorDiv:
    case NodeKind::FloorMod:
      if (!t.is_integer()) fail(fmt::format("{}: operands must be integers, got {}", name, t.to_string()));
      break;
    default:
      if (t.is_bool()) fail(fmt::format("{}: arithmetic on bool operands", name));
      break;
  }
  return Expr(Ref<ExprNode>(new BinaryNode<K>(result, std::move(a), std::move(b))));
}

#define LOOM_X(T) template class BinaryNode<NodeKind::T>;
LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X

Expr NotNode::make(Expr a) {
  check_defined(a, "Not");
  if (!a.dtype().is_bool()) fail(fmt::format("not: operand must be bool, got {}", a.dtype().to_string()));
  return Expr(Ref<ExprNode>(new NotNode(std::move(a))));
}

Expr SelectNode::make(Expr condition, Expr true_value, Expr false_value) {
  check_defined(condition, "Select");
  check_defined(true_value, "Select");
  check_defined(false_value, "Select");
  if (!condition.dtype().is_bool())
    fail(fmt::format("Select: condition must be bool, got {}", condition.dtype().to_string()));
  if (true_value.dtype() != false_value.dtype())
    fail(fmt::format("Select: branches have different dtypes {} and {}", true_value.dtype().to_string(),
                     false_value.dtype().to_string()));
  if (condition.dtype().lanes() != 1 && condition.dtype().lanes() != true_value.dtype().lanes())
    fail("Select: condition lanes do not match the value lanes");
  return Expr(Ref<ExprNode>(new SelectNode(std::move(condition), std::move(true_value), std::move(false_value))));
}

Expr CastNode::make(DataType dtype, Expr value) {
  check_defined(value, "Cast");
  if (dtype.is_handle() || dtype.is_void() || value.dtype().is_handle())
    fail(fmt::format("cannot cast {} to {}", value.dtype().to_string(), dtype.to_string()));
  if (dtype.lanes() != value.dtype().lanes())
    fail(fmt::format("Cast: lanes differ ({} to {})", value.dtype().to_string(), dtype.to_string()));
  return Expr(Ref<ExprNode>(new CastNode(dtype, std::move(value))));
}

Expr RampNode::make(Expr base, Expr stride, int lanes) {
  check_defined(base, "Ramp");
  check_defined(stride, "Ramp");
  if (lanes < 2) fail(fmt::format("Ramp: lanes must be at least 2, got {}", lanes));
  if (!base.dtype().is_integer() || !base.dtype().is_scalar() || base.dtype() != stride.dtype())
    fail("Ramp: base and stride must be scalar integers of one dtype");
  return Expr(Ref<ExprNode>(new RampNode(std::move(base), std::move(stride), lanes)));
}

Expr BroadcastNode::make(Expr value, int lanes) {
  check_defined(value, "Broadcast");
  if (lanes < 2) fail(fmt::format("Broadcast: lanes must be at least 2, got {}", lanes));
  if (!value.dtype().is_scalar()) fail("Broadcast: the value must be a scalar");
  return Expr(Ref<ExprNode>(new BroadcastNode(std::move(value), lanes)));
}

const char* intrinsic_name(Intrinsic op) {
  switch (op) {
#define LOOM_X(name, arity) \
  case Intrinsic::name:     \
    return #name;
    LOOM_FOR_EACH_INTRINSIC(LOOM_X)
#undef LOOM_X
  }
  return "?";
}

int intrinsic_arity(Intrinsic op) {
  switch (op) {
#define LOOM_X(name, arity) \
  case Intrinsic::name:     \
    return arity;
    LOOM_FOR_EACH_INTRINSIC(LOOM_X)
#undef LOOM_X
  }
  return 0;
}

std::optional<Intrinsic> intrinsic_from_name(std::string_view name) {
#define LOOM_X(n, arity) \
  if (name == #n) return Intrinsic::n;
  LOOM_FOR_EACH_INTRINSIC(LOOM_X)
#undef LOOM_X
  return std::nullopt;
}

bool is_gpu_intrinsic(Intrinsic op) {
  return op == Intrinsic::storage_sync || op == Intrinsic::warp_shuffle || op == Intrinsic::warp_shuffle_down;
}

Expr CallNode::make(Intrinsic op, std::vector<Expr> args) {
  const char* name = intrinsic_name(op);
  if (static_cast<int>(args.size()) != intrinsic_arity(op))
    fail(fmt::format("T.{} takes {} argument(s), got {}", name, intrinsic_arity(op), args.size()));
  for (const Expr& a : args) check_defined(a, name);
  if (op == Intrinsic::storage_sync) return Expr(Ref<ExprNode>(new CallNode(DataType::Int(32), op, {})));
  if (op == Intrinsic::warp_shuffle || op == Intrinsic::warp_shuffle_down) {
    const DataType t = args[0].dtype();
    if (!t.is_scalar() || !(t.is_float() || t.is_integer() || t.is_bool()))
      fail(fmt::format("T.{}: the value must be a numeric scalar, got {}", name, t.to_string()));
    for (size_t i = 1; i < 3; ++i) {
      if (args[i].dtype() != DataType::Int(32))
        fail(fmt::format("T.{}: argument {} must be int32, got {}", name, i + 1, args[i].dtype().to_string()));
    }
    return Expr(Ref<ExprNode>(new CallNode(t, op, std::move(args))));
  }
  if (op == Intrinsic::if_then_else) {
    if (!args[0].dtype().is_bool())
      fail(fmt::format("T.if_then_else: condition must be bool, got {}", args[0].dtype().to_string()));
    if (args[1].dtype() != args[2].dtype())
      fail(fmt::format("T.if_then_else: branches have different dtypes {} and {}", args[1].dtype().to_string(),
                       args[2].dtype().to_string()));
    DataType t = args[1].dtype();
    return Expr(Ref<ExprNode>(new CallNode(t, op, std::move(args))));
  }
  DataType t = args[0].dtype();
  for (const Expr& a : args) {
    if (a.dtype() != t)
      fail(fmt::format("T.{}: arguments have different dtypes {} and {}", name, t.to_string(), a.dtype().to_string()));
  }
  bool int_ok = op == Intrinsic::abs;
  if (!(t.is_float() || (int_ok && t.is_integer())))
    fail(fmt::format("T.{}: argument must be a float{}, got {}", name, int_ok ? " or an integer" : "", t.to_string()));
  return Expr(Ref<ExprNode>(new CallNode(t, op, std::move(args))));
}

}  // namespace loom::ir
