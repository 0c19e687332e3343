// The TE builder: tensors, compute stages, reductions and their lowering to a PrimFunc
// with one block per stage (see te.h).
#include "loom/workloads/te.h"

#include <limits>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "loom/ir/error.h"
#include "loom/ir/mutator.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"

namespace loom::workloads {

namespace {

using ir::Buffer;
using ir::DataType;
using ir::Expr;
using ir::IterVar;
using ir::Range;
using ir::Stmt;
using ir::Var;

// The tensors loaded while a compute function runs, innermost compute last. Tensor loads
// record themselves here so that a stage knows its inputs without a global registry.
thread_local std::vector<std::vector<Tensor>*> g_recorders;

class RecordScope {
 public:
  explicit RecordScope(std::vector<Tensor>* sink) { g_recorders.push_back(sink); }
  ~RecordScope() { g_recorders.pop_back(); }
  RecordScope(const RecordScope&) = delete;
  RecordScope& operator=(const RecordScope&) = delete;
};

std::string shape_string(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << (shape.size() == 1 ? ",)" : ")");
  return os.str();
}

std::vector<Expr> shape_exprs(const std::vector<int64_t>& shape, const std::string& what) {
  std::vector<Expr> out;
  out.reserve(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 1 || shape[i] > std::numeric_limits<int32_t>::max()) {
      throw UserError(what + " has shape " + shape_string(shape) + ": extent " + std::to_string(shape[i]) +
                      " of dimension " + std::to_string(i) + " must be in [1, 2^31 - 1]");
    }
    out.push_back(ir::make_int(shape[i]));
  }
  return out;
}

void check_name(const std::string& name, const std::string& what) {
  if (name.empty()) throw UserError(what + " needs a non-empty name");
}

Reduction make_reduction(ReduceKind kind, const char* op, Expr source, std::vector<IterVar> axes) {
  if (!source.defined()) throw UserError(std::string(op) + ": the reduced expression is null");
  if (axes.empty()) throw UserError(std::string(op) + ": a reduction needs at least one reduce_axis");
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i].type != ir::IterType::CommReduce) {
      throw UserError(std::string(op) + ": axis " + axes[i].var.name() +
                      " is not a reduction axis (make it with reduce_axis)");
    }
    for (size_t j = 0; j < i; ++j) {
      if (axes[j].var.same_as(axes[i].var)) {
        throw UserError(std::string(op) + ": reduction axis " + axes[i].var.name() + " is listed twice");
      }
    }
  }
  return Reduction{kind, std::move(source), std::move(axes)};
}

// Checks that `value` only uses the allowed variables and only loads the buffers of
// `inputs`; throws UserError naming the stage otherwise.
void check_stage_value(const std::string& stage, const Expr& value, const std::vector<Var>& allowed,
                       const std::vector<Tensor>& inputs) {
  std::unordered_set<const ir::Object*> vars;
  for (const Var& v : allowed) vars.insert(v.get());
  std::unordered_set<const ir::Object*> buffers;
  for (const Tensor& t : inputs) buffers.insert(t.buffer().get());
  ir::post_order_visit(value, [&](const ir::Object* node) {
    if (node->kind() == ir::NodeKind::Var) {
      if (!vars.count(node)) {
        throw UserError("compute " + stage + ": its value uses variable " +
                        static_cast<const ir::VarNode*>(node)->name +
                        ", which is neither an index of the stage nor one of its reduction axes");
      }
    } else if (node->kind() == ir::NodeKind::BufferLoad) {
      const auto* load = static_cast<const ir::BufferLoadNode*>(node);
      if (!buffers.count(load->buffer.get())) {
        throw UserError("compute " + stage + ": its value loads buffer " + load->buffer->name +
                        " directly; load tensors through Tensor::operator()");
      }
    }
  });
}

// Collects the loads of an expression per buffer, in order of first access.
class LoadCollector : public ir::IRVisitor {
 public:
  struct Access {
    Buffer buffer;
    std::vector<std::vector<Expr>> points;
  };
  std::vector<Access> accesses;

 protected:
  void visit(const ir::BufferLoadNode* op) override {
    Access* entry = nullptr;
    for (Access& a : accesses) {
      if (a.buffer.same_as(op->buffer)) entry = &a;
    }
    if (!entry) {
      accesses.push_back({op->buffer, {}});
      entry = &accesses.back();
    }
    entry->points.push_back(op->indices);
    ir::IRVisitor::visit(op);
  }
};

// The recorded tensors in the order the value first loads them (the order of the
// expression tree, not the order C++ happened to evaluate the operands in); tensors loaded
// while building but not used by the value are dropped.
std::vector<Tensor> inputs_in_access_order(const Expr& value, const std::vector<Tensor>& recorded) {
  LoadCollector collector;
  collector.visit_expr(value);
  std::vector<Tensor> ordered;
  for (const auto& access : collector.accesses) {
    for (const Tensor& t : recorded) {
      if (t.buffer().same_as(access.buffer)) ordered.push_back(t);
    }
  }
  return ordered;
}

bool same_index(const Expr& a, const Expr& b) {
  ir::StructuralEqualOptions options;
  options.map_free_vars = false;
  options.strict_names = true;
  return ir::structural_equal(a, b, options);
}

// The read regions of a stage value: per buffer, the accessed point when every access
// agrees on a dimension; otherwise that dimension's whole extent (a covering region).
std::vector<ir::BufferRegion> read_regions(const Expr& value) {
  LoadCollector collector;
  collector.visit_expr(value);
  std::vector<ir::BufferRegion> regions;
  for (const auto& access : collector.accesses) {
    ir::BufferRegion region{access.buffer, {}};
    for (size_t d = 0; d < access.buffer->ndim(); ++d) {
      const Expr& first = access.points.front()[d];
      bool agree = true;
      for (const auto& point : access.points) agree = agree && same_index(point[d], first);
      if (agree) {
        region.region.push_back(Range::from_min_extent(first, ir::make_int(1, first.dtype())));
      } else {
        region.region.push_back(Range::from_min_extent(ir::make_int(0), access.buffer->shape[d]));
      }
    }
    regions.push_back(std::move(region));
  }
  return regions;
}

ir::BufferRegion point_region(const Buffer& buffer, const std::vector<Expr>& point) {
  ir::BufferRegion region{buffer, {}};
  for (const Expr& e : point) region.region.push_back(Range::from_min_extent(e, ir::make_int(1, e.dtype())));
  return region;
}

Expr reduce_identity(ReduceKind kind, DataType dtype) {
  switch (kind) {
    case ReduceKind::Sum:
      return dtype.is_float() ? ir::make_const(dtype, 0.0) : ir::make_const(dtype, int64_t{0});
    case ReduceKind::Max:
      return ir::min_value(dtype);
    case ReduceKind::Min:
      return ir::max_value(dtype);
  }
  LOOM_ICHECK(false, "unknown reduce kind");
  return {};
}

Expr reduce_combine(ReduceKind kind, const Expr& acc, const Expr& value) {
  switch (kind) {
    case ReduceKind::Sum:
      return acc + value;
    case ReduceKind::Max:
      return ir::max(acc, value);
    case ReduceKind::Min:
      return ir::min(acc, value);
  }
  LOOM_ICHECK(false, "unknown reduce kind");
  return {};
}

// The loop nest and block of one compute stage.
Stmt lower_stage(const TensorNode& stage) {
  // 1) Fresh loop and block variables for every spatial then reduction axis.
  const Reduction* reduction = std::get_if<Reduction>(&stage.body);
  std::vector<IterVar> axes = stage.axes;
  if (reduction) axes.insert(axes.end(), reduction->axes.begin(), reduction->axes.end());
  std::vector<Var> loop_vars;
  std::vector<IterVar> iter_vars;
  std::unordered_map<Var, Expr, ir::RefHash, ir::RefEqual> to_block_var;
  for (const IterVar& axis : axes) {
    Var loop_var(axis.var.name(), axis.var.dtype());
    Var block_var("v_" + axis.var.name(), axis.var.dtype());
    loop_vars.push_back(loop_var);
    iter_vars.push_back(IterVar{block_var, axis.dom, axis.type});
    to_block_var.emplace(axis.var, block_var);
  }
  std::vector<Expr> out_point;
  for (size_t i = 0; i < stage.axes.size(); ++i) out_point.push_back(iter_vars[i].var);

  // 2) The value in terms of block variables, its reads, and the store (with init).
  Expr value = ir::substitute(reduction ? reduction->source : std::get<Expr>(stage.body), to_block_var);
  std::vector<ir::BufferRegion> reads = read_regions(value);
  std::vector<ir::BufferRegion> writes = {point_region(stage.buffer, out_point)};
  Stmt init;
  Stmt body;
  if (reduction) {
    init = ir::BufferStoreNode::make(stage.buffer, reduce_identity(reduction->kind, stage.dtype), out_point);
    Expr acc = ir::BufferLoadNode::make(stage.buffer, out_point);
    body = ir::BufferStoreNode::make(stage.buffer, reduce_combine(reduction->kind, acc, value), out_point);
  } else {
    body = ir::BufferStoreNode::make(stage.buffer, value, out_point);
  }
  ir::Block block = ir::Block::make(stage.name, iter_vars, std::move(reads), std::move(writes), body, init);
  std::vector<Expr> bindings(loop_vars.begin(), loop_vars.end());
  Stmt stmt = ir::BlockRealizeNode::make(std::move(bindings), ir::make_bool(true), block);

  // 3) One serial loop per axis, outermost first.
  for (size_t i = axes.size(); i-- > 0;) {
    stmt = ir::ForNode::make(loop_vars[i], axes[i].dom.min, axes[i].dom.extent, ir::ForKind::Serial, stmt);
  }
  return stmt;
}

void post_dfs(const Tensor& t, std::unordered_set<const TensorNode*>* seen, std::vector<Tensor>* order) {
  if (!seen->insert(t.get()).second) return;
  for (const Tensor& input : t.get()->inputs) post_dfs(input, seen, order);
  order->push_back(t);
}

}  // namespace

const std::string& Tensor::name() const { return node_->name; }
const std::vector<int64_t>& Tensor::shape() const { return node_->shape; }
DataType Tensor::dtype() const { return node_->dtype; }
const Buffer& Tensor::buffer() const { return node_->buffer; }
bool Tensor::is_placeholder() const { return std::holds_alternative<std::monostate>(node_->body); }

Expr Tensor::operator()(std::vector<Expr> indices) const {
  if (!node_) throw UserError("cannot index an undefined tensor");
  if (indices.size() != ndim()) {
    throw UserError("tensor " + name() + " of shape " + shape_string(shape()) + " is indexed with " +
                    std::to_string(indices.size()) + " indices; it needs " + std::to_string(ndim()));
  }
  for (size_t i = 0; i < indices.size(); ++i) {
    if (!indices[i].defined() || !indices[i].dtype().is_integer() || !indices[i].dtype().is_scalar()) {
      throw UserError("tensor " + name() + ": index " + std::to_string(i) + " must be a scalar integer expression");
    }
  }
  if (!g_recorders.empty()) {
    std::vector<Tensor>& sink = *g_recorders.back();
    bool known = false;
    for (const Tensor& t : sink) known = known || t.same_as(*this);
    if (!known) sink.push_back(*this);
  }
  return ir::BufferLoadNode::make(buffer(), std::move(indices));
}

Tensor placeholder(const std::vector<int64_t>& shape, DataType dtype, std::string name) {
  check_name(name, "placeholder");
  auto node = std::make_shared<TensorNode>();
  node->buffer = Buffer::make(name, dtype, shape_exprs(shape, "placeholder " + name));
  node->name = std::move(name);
  node->shape = shape;
  node->dtype = dtype;
  return Tensor(std::move(node));
}

IterVar reduce_axis(int64_t extent, std::string name) {
  if (extent < 1 || extent > std::numeric_limits<int32_t>::max()) {
    throw UserError("reduce_axis " + name + ": extent " + std::to_string(extent) + " must be in [1, 2^31 - 1]");
  }
  return reduce_axis(Range::from_min_extent(ir::make_int(0), ir::make_int(extent)), std::move(name));
}

IterVar reduce_axis(const Range& dom, std::string name) {
  check_name(name, "reduce_axis");
  auto min = ir::as_const_int(dom.min);
  auto extent = ir::as_const_int(dom.extent);
  if (!min || !extent || *extent < 1) {
    throw UserError("reduce_axis " + name + ": the range must be integer constants with a positive extent");
  }
  DataType dtype = dom.min.dtype();
  return IterVar{Var(std::move(name), dtype), dom, ir::IterType::CommReduce};
}

Reduction sum(Expr source, std::vector<IterVar> axes) {
  return make_reduction(ReduceKind::Sum, "sum", std::move(source), std::move(axes));
}
Reduction max_reduce(Expr source, std::vector<IterVar> axes) {
  return make_reduction(ReduceKind::Max, "max_reduce", std::move(source), std::move(axes));
}
Reduction min_reduce(Expr source, std::vector<IterVar> axes) {
  return make_reduction(ReduceKind::Min, "min_reduce", std::move(source), std::move(axes));
}

Tensor compute(const std::vector<int64_t>& shape, const ComputeFn& fn, std::string name,
               std::vector<std::string> axis_names) {
  check_name(name, "compute");
  if (!axis_names.empty() && axis_names.size() != shape.size()) {
    throw UserError("compute " + name + ": " + std::to_string(axis_names.size()) + " axis names given for " +
                    std::to_string(shape.size()) + " dimensions");
  }
  auto node = std::make_shared<TensorNode>();
  std::vector<Expr> extents = shape_exprs(shape, "compute " + name);
  std::vector<Var> indices;
  for (size_t i = 0; i < shape.size(); ++i) {
    std::string axis_name = axis_names.empty() ? "i" + std::to_string(i) : axis_names[i];
    check_name(axis_name, "axis " + std::to_string(i) + " of compute " + name);
    Var var(axis_name, DataType::Int(32));
    indices.push_back(var);
    node->axes.push_back(IterVar{var, Range::from_min_extent(ir::make_int(0), extents[i]), ir::IterType::DataPar});
  }

  ComputeBody body = [&] {
    RecordScope scope(&node->inputs);
    return fn(indices);
  }();

  std::vector<Var> allowed = indices;
  Expr value;
  if (const Reduction* reduction = body.as_reduction()) {
    for (const IterVar& axis : reduction->axes) allowed.push_back(axis.var);
    value = reduction->source;
    node->body = *reduction;
  } else {
    value = *body.as_expr();
    if (!value.defined()) throw UserError("compute " + name + ": the compute function returned a null expression");
    node->body = value;
  }
  if (!value.dtype().is_scalar()) throw UserError("compute " + name + ": the value must be a scalar");
  check_stage_value(name, value, allowed, node->inputs);
  node->inputs = inputs_in_access_order(value, node->inputs);

  node->dtype = value.dtype();
  node->buffer = Buffer::make(name, node->dtype, extents);
  node->name = std::move(name);
  node->shape = shape;
  return Tensor(std::move(node));
}

ir::PrimFunc create_prim_func(const std::vector<Tensor>& args, std::string name) {
  check_name(name, "create_prim_func");
  // 1) Stages in dependency order (post-order DFS from the arguments, in argument order).
  std::unordered_set<const TensorNode*> seen;
  std::vector<Tensor> order;
  for (const Tensor& arg : args) {
    if (!arg.defined()) throw UserError("create_prim_func " + name + ": an argument tensor is undefined");
    post_dfs(arg, &seen, &order);
  }

  // 2) Check the arguments and names.
  std::unordered_set<const TensorNode*> arg_set;
  for (const Tensor& arg : args) {
    if (!arg_set.insert(arg.get()).second) {
      throw UserError("create_prim_func " + name + ": tensor " + arg.name() + " is passed twice as an argument");
    }
  }
  std::set<std::string> names;
  for (const Tensor& t : order) {
    if (!names.insert(t.name()).second) {
      throw UserError("create_prim_func " + name + ": two tensors are named " + t.name() +
                      "; tensor names must be unique");
    }
    if (t.is_placeholder() && !arg_set.count(t.get())) {
      throw UserError("create_prim_func " + name + ": placeholder " + t.name() +
                      " is used but is not an argument of the function");
    }
  }

  // 3) Parameters, intermediate buffers and one loop nest per compute stage.
  std::vector<Var> params;
  std::vector<std::pair<Var, Buffer>> buffer_map;
  for (const Tensor& arg : args) {
    Var param(arg.name(), DataType::Handle());
    params.push_back(param);
    buffer_map.emplace_back(param, arg.buffer());
  }
  std::vector<Buffer> intermediates;
  std::vector<Stmt> stages;
  for (const Tensor& t : order) {
    if (t.is_placeholder()) continue;
    if (!arg_set.count(t.get())) intermediates.push_back(t.buffer());
    stages.push_back(lower_stage(*t.get()));
  }
  if (stages.empty()) throw UserError("create_prim_func " + name + ": there is no compute stage to run");
  ir::Block root =
      ir::Block::make("root", {}, {}, {}, ir::SeqStmtNode::make(std::move(stages)), {}, std::move(intermediates));
  Stmt body = ir::BlockRealizeNode::make({}, ir::make_bool(true), root);
  return ir::PrimFunc::make(std::move(name), std::move(params), std::move(buffer_map), body);
}

}  // namespace loom::workloads
