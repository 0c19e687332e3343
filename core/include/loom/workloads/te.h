// A tensor-expression (TE) builder in the style of TVM's te.placeholder / te.compute /
// te.sum and create_prim_func: describe each stage of an operator as a function of its
// output indices, then turn the stage graph into a PrimFunc with one block per stage.
//
// The generated function has the shape TVM's create_prim_func gives:
//   - a root block ("root", no iteration variables) whose alloc_buffers are the
//     intermediate stages (compute tensors that are not function arguments);
//   - for each compute stage, in dependency order, a nest of serial loops (one per spatial
//     axis, then one per reduction axis, named after the axes: i0, i1, ... by default),
//     around a block named after the stage whose iteration variables are "v_<axis>",
//     T.axis.spatial for the output axes and T.axis.reduce for the reduction axes, each
//     bound to its loop variable;
//   - explicit reads (every buffer the stage's expression loads, as the accessed point in
//     terms of the block variables, in order of first access; where loads of one buffer
//     disagree on a dimension, that dimension is covered whole) and writes (the output
//     point). As in TVM, a reduction's own output is not listed among its reads;
//   - for a reduction, an init statement storing the identity (0 for sum, the lowest value
//     of the dtype for max, the highest for min) and a body `out[v] = combine(out[v], src)`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "loom/ir/builder.h"
#include "loom/ir/function.h"

namespace loom::workloads {

class TensorNode;

/// A tensor of the TE graph: a placeholder (a function input) or the output of a compute
/// stage. A cheap shared handle; two handles are the same tensor when they share the node.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<const TensorNode> node) : node_(std::move(node)) {}

  /// The tensor's name (also its buffer's and, for a compute stage, its block's name).
  const std::string& name() const;
  /// The constant extents of its dimensions.
  const std::vector<int64_t>& shape() const;
  /// The number of dimensions (0 for a scalar stage).
  size_t ndim() const { return shape().size(); }
  /// The element type (a compute stage takes its value's dtype).
  ir::DataType dtype() const;
  /// The buffer that holds the tensor in the generated function.
  const ir::Buffer& buffer() const;
  /// True for te.placeholder tensors, false for compute stages.
  bool is_placeholder() const;
  /// The node behind the handle (null for a default-constructed Tensor).
  const TensorNode* get() const { return node_.get(); }
  /// False for a default-constructed Tensor; every other accessor requires true.
  bool defined() const { return node_ != nullptr; }
  /// Identity: the same tensor, not merely an equal one.
  bool same_as(const Tensor& other) const { return node_ == other.node_; }

  /// A load of the element at `indices` (one integer expression per dimension), to be used
  /// inside the function given to compute().
  /// Throws UserError when the number of indices is not ndim() or an index is not an integer.
  ir::Expr operator()(std::vector<ir::Expr> indices) const;
  /// The same, with the indices as separate arguments: `A(i, k)`.
  template <typename... Args>
  requires(sizeof...(Args) != 1 || (!std::is_same_v<std::decay_t<Args>, std::vector<ir::Expr>> && ...)) ir::Expr
  operator()(Args&&... indices) const {
    return (*this)(std::vector<ir::Expr>{ir::Expr(std::forward<Args>(indices))...});
  }

 private:
  std::shared_ptr<const TensorNode> node_;
};

/// The commutative combiners a reduction may use.
enum class ReduceKind : uint8_t { Sum, Max, Min };

/// A reduction of `source` over `axes` with a combiner: the value of a compute stage whose
/// body is a reduction. Build it with sum(), max_reduce() or min_reduce().
struct Reduction {
  ReduceKind kind = ReduceKind::Sum;
  ir::Expr source;
  std::vector<ir::IterVar> axes;
};

/// What a compute function returns: a plain expression or a reduction (a reduction is only
/// allowed at the top of a stage, as in TVM).
class ComputeBody {
 public:
  /// A plain element value.
  ComputeBody(ir::Expr value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// A reduction (the stage gets reduction axes and an init).
  ComputeBody(Reduction reduction) : value_(std::move(reduction)) {}  // NOLINT
  /// The plain value, or null when this is a reduction.
  const ir::Expr* as_expr() const { return std::get_if<ir::Expr>(&value_); }
  /// The reduction, or null when this is a plain value.
  const Reduction* as_reduction() const { return std::get_if<Reduction>(&value_); }

 private:
  std::variant<ir::Expr, Reduction> value_;
};

/// The node behind a Tensor. Fields are fixed at creation.
class TensorNode {
 public:
  std::string name;
  std::vector<int64_t> shape;
  ir::DataType dtype;
  ir::Buffer buffer;
  /// Compute stages only: one spatial axis per output dimension (var, [0, extent)).
  std::vector<ir::IterVar> axes;
  /// Compute stages only: the value, in terms of the axis variables (and reduction axes).
  std::variant<std::monostate, ir::Expr, Reduction> body;
  /// Compute stages only: the tensors the body reads, in order of first access.
  std::vector<Tensor> inputs;
};

/// A function input of the given shape and dtype.
/// Requires: every extent is in [1, 2^31 - 1]; `name` is not empty. Throws UserError otherwise.
Tensor placeholder(const std::vector<int64_t>& shape, ir::DataType dtype, std::string name);
/// A float32 function input.
inline Tensor placeholder(const std::vector<int64_t>& shape, std::string name) {
  return placeholder(shape, ir::DataType::Float(32), std::move(name));
}

/// A reduction axis over [0, extent) / over `dom`, with a loop and block variable named
/// after `name`. Throws UserError when the extent is not positive or the range is not a
/// pair of integer constants.
ir::IterVar reduce_axis(int64_t extent, std::string name);
ir::IterVar reduce_axis(const ir::Range& dom, std::string name);

/// The sum / maximum / minimum of `source` over `axes` (te.sum, te.max, te.min).
/// Throws UserError when `axes` is empty or an axis is not a reduction axis.
Reduction sum(ir::Expr source, std::vector<ir::IterVar> axes);
Reduction max_reduce(ir::Expr source, std::vector<ir::IterVar> axes);
Reduction min_reduce(ir::Expr source, std::vector<ir::IterVar> axes);

/// The function a compute stage is defined by: given one index variable per output
/// dimension, the value of the element.
using ComputeFn = std::function<ComputeBody(const std::vector<ir::Var>& indices)>;

/// A compute stage `name` of the given shape whose element at `indices` is fn(indices).
/// `axis_names` names the spatial axes (default i0, i1, ...); loops take these names and
/// block variables "v_" + the name. The stage's dtype is that of the value.
/// Requires: 1) extents in [1, 2^31 - 1]; 2) the value only loads tensors (through
/// Tensor::operator()) and only uses the index variables and, for a reduction, its own axes.
/// Throws UserError naming the stage when a requirement fails.
Tensor compute(const std::vector<int64_t>& shape, const ComputeFn& fn, std::string name,
               std::vector<std::string> axis_names = {});

/// The PrimFunc computing `args` (inputs and outputs, in parameter order) from each other:
/// one parameter buffer per argument, intermediate stages allocated in the root block, one
/// block per compute stage in dependency order (see the file comment).
/// Requires: 1) every placeholder reached from an argument is itself an argument;
/// 2) arguments are distinct; 3) tensor names are unique.
/// Throws UserError naming the offending tensor otherwise.
ir::PrimFunc create_prim_func(const std::vector<Tensor>& args, std::string name = "main");

}  // namespace loom::workloads
