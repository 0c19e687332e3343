// Expressions of loom IR and the buffers they read.
//
// Semantics (the reference interpreter implements exactly this):
// - Every expression has a DataType. Binary operands have equal dtypes (the builder in
//   builder.h inserts the casts TVMScript users expect; `make` checks).
// - Integer arithmetic wraps in two's complement at the dtype's width.
// - Div on floats is IEEE division; on integers it truncates toward zero (C semantics).
//   Mod on integers is the matching truncated remainder (sign of the dividend); on floats
//   it is fmod. FloorDiv rounds toward negative infinity; FloorMod is a - b * floordiv(a, b)
//   and so has the sign of the divisor. Integer division or modulus by zero is an error.
// - Min, Max, comparisons and Select evaluate all operands. `if_then_else` (a Call) is the
//   only lazy expression: it evaluates just the chosen branch, so it may guard a load that
//   would be out of bounds.
// - Comparisons and logical operators produce `bool` with the lanes of their operands.
// - Cast float -> int truncates toward zero; a value out of the target range saturates.
//   Cast int -> narrower int wraps. float16 / bfloat16 round to nearest even.
// - Ramp(base, stride, lanes) is the vector base + i * stride, i = 0 .. lanes-1;
//   Broadcast(value, lanes) repeats a scalar. A BufferLoad whose last index is a Ramp loads a
//   vector.
// - A Var is identified by its object, not its name: two variables may share a name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "loom/ir/dtype.h"
#include "loom/ir/node.h"

namespace loom::ir {

class ExprNode;
class VarNode;
class BufferNode;

/// A handle to an immutable expression node (null when absent).
class Expr : public Ref<ExprNode> {
 public:
  using Ref<ExprNode>::Ref;
  Expr() = default;
  Expr(const Ref<ExprNode>& ref) : Ref<ExprNode>(ref) {}  // NOLINT
  /// An int32 constant.
  Expr(int32_t value);  // NOLINT(google-explicit-constructor)
  /// Every other arithmetic type is refused rather than silently converted to int32 (a
  /// `2.5` would become `2`): use make_const / make_float / make_int with an explicit dtype.
  template <typename T>
  requires(std::is_arithmetic_v<T> && !std::is_same_v<T, int32_t>) Expr(T value)
  = delete;  // NOLINT(google-explicit-constructor)
  DataType dtype() const;
};

class ExprNode : public Object {
 public:
  ExprNode(NodeKind kind, DataType dtype) : Object(kind), dtype(dtype) {}
  const DataType dtype;
};

inline DataType Expr::dtype() const { return get()->dtype; }

/// A scalar variable: a loop variable, a block iteration variable, a let-bound value or a
/// function parameter (dtype handle for a buffer parameter).
class VarNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Var;
  VarNode(std::string name, DataType dtype) : ExprNode(kKind, dtype), name(std::move(name)), serial(next_serial()) {}
  const std::string name;
  /// Creation order of variables in this process (a strictly increasing counter): a
  /// deterministic tie-break between variables of the same name, where a pointer
  /// comparison would depend on the allocator.
  const uint64_t serial;

 private:
  static uint64_t next_serial();
};

class Var : public Expr {
 public:
  Var() = default;
  explicit Var(const VarNode* node) : Expr(Ref<ExprNode>(node)) {}
  /// A new variable. Each call makes a distinct variable, even with the same name.
  Var(std::string name, DataType dtype = DataType::Int(32));
  const VarNode* get() const { return static_cast<const VarNode*>(Expr::get()); }
  const VarNode* operator->() const { return get(); }
  const std::string& name() const { return get()->name; }
};

/// [min, min + extent).
struct Range {
  Expr min;
  Expr extent;
  static Range from_min_extent(Expr min, Expr extent) { return {std::move(min), std::move(extent)}; }
};

/// A multi-dimensional array: name, element dtype, shape, optional strides (empty means
/// compact row-major), element offset (null means 0) and storage scope ("global",
/// "shared", "local", ...). Identified by its object, not its name.
class BufferNode : public Object {
 public:
  static constexpr NodeKind kKind = NodeKind::Buffer;
  BufferNode(std::string name, DataType dtype, std::vector<Expr> shape, std::vector<Expr> strides, Expr elem_offset,
             std::string scope)
      : Object(kKind),
        name(std::move(name)),
        dtype(dtype),
        shape(std::move(shape)),
        strides(std::move(strides)),
        elem_offset(std::move(elem_offset)),
        scope(std::move(scope)) {}
  const std::string name;
  const DataType dtype;
  const std::vector<Expr> shape;
  const std::vector<Expr> strides;
  const Expr elem_offset;
  const std::string scope;

  size_t ndim() const { return shape.size(); }
};

class Buffer : public Ref<BufferNode> {
 public:
  using Ref<BufferNode>::Ref;
  Buffer() = default;
  Buffer(const Ref<BufferNode>& ref) : Ref<BufferNode>(ref) {}  // NOLINT
  /// Makes a buffer; checks that the shape and strides are integer expressions and that
  /// strides, when given, have one entry per dimension.
  static Buffer make(std::string name, DataType dtype, std::vector<Expr> shape, std::vector<Expr> strides = {},
                     Expr elem_offset = {}, std::string scope = "global");
  /// The same buffer description with another name / scope / shape (a new object).
  Buffer with_name(std::string name) const;
  Buffer with_scope(std::string scope) const;
  Buffer with_shape(std::vector<Expr> shape) const;
};

// ---------------------------------------------------------------------------------------
// Expression nodes.

/// An integer or bool constant. The value fits the dtype.
class IntImmNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::IntImm;
  IntImmNode(DataType dtype, int64_t value) : ExprNode(kKind, dtype), value(value) {}
  const int64_t value;
  static Expr make(DataType dtype, int64_t value);
};

/// A floating-point constant.
class FloatImmNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::FloatImm;
  FloatImmNode(DataType dtype, double value) : ExprNode(kKind, dtype), value(value) {}
  const double value;
  static Expr make(DataType dtype, double value);
};

/// buffer[indices...]; one index per buffer dimension.
class BufferLoadNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::BufferLoad;
  BufferLoadNode(DataType dtype, Buffer buffer, std::vector<Expr> indices)
      : ExprNode(kKind, dtype), buffer(std::move(buffer)), indices(std::move(indices)) {}
  const Buffer buffer;
  const std::vector<Expr> indices;
  static Expr make(Buffer buffer, std::vector<Expr> indices);
};

/// The binary arithmetic nodes (Add ... Max), comparisons (EQ ... GE) and logical And/Or
/// share one shape: two operands of equal dtype.
template <NodeKind K>
class BinaryNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = K;
  BinaryNode(DataType dtype, Expr a, Expr b) : ExprNode(kKind, dtype), a(std::move(a)), b(std::move(b)) {}
  const Expr a;
  const Expr b;
  /// Requires a.dtype() == b.dtype(); logical ops require bool operands.
  static Expr make(Expr a, Expr b);
};

#define LOOM_X(T) using T##Node = BinaryNode<NodeKind::T>;
LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X

/// Logical negation of a bool.
class NotNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Not;
  explicit NotNode(Expr a) : ExprNode(kKind, a.dtype()), a(std::move(a)) {}
  const Expr a;
  static Expr make(Expr a);
};

/// condition ? true_value : false_value, evaluating all three.
class SelectNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Select;
  SelectNode(Expr condition, Expr true_value, Expr false_value)
      : ExprNode(kKind, true_value.dtype()),
        condition(std::move(condition)),
        true_value(std::move(true_value)),
        false_value(std::move(false_value)) {}
  const Expr condition;
  const Expr true_value;
  const Expr false_value;
  static Expr make(Expr condition, Expr true_value, Expr false_value);
};

/// Conversion of value to dtype (same lanes).
class CastNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Cast;
  CastNode(DataType dtype, Expr value) : ExprNode(kKind, dtype), value(std::move(value)) {}
  const Expr value;
  static Expr make(DataType dtype, Expr value);
};

/// The vector [base, base + stride, ..., base + (lanes-1) * stride].
class RampNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Ramp;
  RampNode(Expr base, Expr stride, int lanes)
      : ExprNode(kKind, base.dtype().with_lanes(lanes)),
        base(std::move(base)),
        stride(std::move(stride)),
        lanes(lanes) {}
  const Expr base;
  const Expr stride;
  const int lanes;
  static Expr make(Expr base, Expr stride, int lanes);
};

/// A scalar repeated `lanes` times.
class BroadcastNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Broadcast;
  BroadcastNode(Expr value, int lanes)
      : ExprNode(kKind, value.dtype().with_lanes(lanes)), value(std::move(value)), lanes(lanes) {}
  const Expr value;
  const int lanes;
  static Expr make(Expr value, int lanes);
};

// The fixed set of intrinsics: X(name, arity). Math functions take and return floats of
// one dtype (abs also accepts integers); if_then_else(cond, a, b) is the lazy select.
// The GPU intrinsics are collective operations of the threads of one launch (they only
// have a meaning inside threadIdx-bound loops, in the interpreter's SIMT mode or on a GPU):
//   storage_sync()                      a barrier of the thread block for shared memory
//                                       (CUDA __syncthreads); int32, used as a statement;
//   warp_shuffle(value, lane, width)    `value` as held by lane `lane` of this thread's
//                                       group of `width` consecutive lanes (__shfl_sync);
//   warp_shuffle_down(value, delta, width)  `value` as held by the lane `delta` above this
//                                       one in its group of `width`, or this thread's own
//                                       value past the group's end (__shfl_down_sync).
// value is a scalar of any numeric dtype and the result has its dtype; lane, delta and
// width are int32, width a power of two up to the warp size.
#define LOOM_FOR_EACH_INTRINSIC(X)                                                                                 \
  X(exp, 1)                                                                                                        \
  X(exp2, 1)                                                                                                       \
  X(exp10, 1)                                                                                                      \
  X(log, 1)                                                                                                        \
  X(log2, 1) X(log10, 1) X(log1p, 1) X(sqrt, 1) X(rsqrt, 1) X(sigmoid, 1) X(tanh, 1) X(sin, 1) X(cos, 1) X(tan, 1) \
      X(atan, 1) X(erf, 1) X(abs, 1) X(floor, 1) X(ceil, 1) X(round, 1) X(trunc, 1) X(pow, 2) X(fmod, 2)           \
          X(if_then_else, 3) X(storage_sync, 0) X(warp_shuffle, 3) X(warp_shuffle_down, 3)

enum class Intrinsic : uint8_t {
#define LOOM_X(name, arity) name,
  LOOM_FOR_EACH_INTRINSIC(LOOM_X)
#undef LOOM_X
};
/// The TVMScript name ("exp" is written T.exp).
const char* intrinsic_name(Intrinsic op);
int intrinsic_arity(Intrinsic op);
/// nullopt when `name` is not an intrinsic.
std::optional<Intrinsic> intrinsic_from_name(std::string_view name);
/// storage_sync, warp_shuffle, warp_shuffle_down: the collective GPU intrinsics (above).
bool is_gpu_intrinsic(Intrinsic op);

/// A call of an intrinsic.
class CallNode : public ExprNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Call;
  CallNode(DataType dtype, Intrinsic op, std::vector<Expr> args)
      : ExprNode(kKind, dtype), op(op), args(std::move(args)) {}
  const Intrinsic op;
  const std::vector<Expr> args;
  /// Checks the arity and operand dtypes; the result dtype is that of the (value) operands.
  static Expr make(Intrinsic op, std::vector<Expr> args);
};

// ---------------------------------------------------------------------------------------
// Annotations: string-keyed values attached to loops, blocks and functions.

/// An annotation value: an integer, a float, a string, an expression or a list of values.
struct AnnValue {
  std::variant<int64_t, double, std::string, Expr, std::vector<AnnValue>> value;

  AnnValue() : value(int64_t{0}) {}
  AnnValue(int64_t v) : value(v) {}                           // NOLINT
  AnnValue(int v) : value(int64_t{v}) {}                      // NOLINT
  AnnValue(double v) : value(v) {}                            // NOLINT
  AnnValue(std::string v) : value(std::move(v)) {}            // NOLINT
  AnnValue(const char* v) : value(std::string(v)) {}          // NOLINT
  AnnValue(Expr v) : value(std::move(v)) {}                   // NOLINT
  AnnValue(std::vector<AnnValue> v) : value(std::move(v)) {}  // NOLINT

  const int64_t* as_int() const { return std::get_if<int64_t>(&value); }
  const double* as_float() const { return std::get_if<double>(&value); }
  const std::string* as_string() const { return std::get_if<std::string>(&value); }
  const Expr* as_expr() const { return std::get_if<Expr>(&value); }
  const std::vector<AnnValue>* as_list() const { return std::get_if<std::vector<AnnValue>>(&value); }
};

/// Ordered by key, so printing and hashing are deterministic.
using Annotations = std::map<std::string, AnnValue>;

}  // namespace loom::ir
