// Entry points of the reference interpreter: binding arguments to parameters (with the
// argument checks), running the body, and the random-input conveniences.
#include "loom/interp/interpreter.h"

#include <limits>

#include "loom/ir/builder.h"
#include "loom/ir/printer.h"
#include "machine.h"

namespace loom::interp {

using ir::DataType;
using ir::Expr;

namespace {

std::string param_label(const ir::PrimFunc& func, size_t index) {
  return "argument " + std::to_string(index) + " (\"" + func->params[index].name() + "\") of function \"" + func->name +
         "\"";
}

std::string buffer_signature(const ir::Buffer& buffer) {
  std::string shape = "(";
  for (size_t d = 0; d < buffer->shape.size(); ++d) shape += (d ? ", " : "") + ir::to_string(buffer->shape[d]);
  if (buffer->shape.size() == 1) shape += ",";
  return shape + ") " + buffer->dtype.to_string();
}

/// A scalar argument converted to the parameter's dtype, or ArgumentError.
Value scalar_arg(const ir::PrimFunc& func, size_t index, const Arg& arg) {
  const DataType dtype = func->params[index].dtype();
  const std::string label = param_label(func, index);
  if (!dtype.is_scalar() || dtype.is_handle() || dtype.is_void()) {
    throw ArgumentError(label + " has dtype " + dtype.to_string() + ", which the interpreter cannot pass");
  }
  if (std::holds_alternative<NDArray*>(arg.value)) {
    throw ArgumentError(label + " is a scalar of dtype " + dtype.to_string() + ", but an array was passed");
  }
  if (const double* f = std::get_if<double>(&arg.value)) {
    if (!dtype.is_float()) {
      throw ArgumentError(label + " is a scalar of dtype " + dtype.to_string() + ", but the double " +
                          ir::float_literal(*f) + " was passed");
    }
    return Value::from_float(dtype, *f);
  }
  const int64_t v = std::get<int64_t>(arg.value);
  if (dtype.is_float()) return Value::from_float(dtype, static_cast<double>(v));
  const bool fits = dtype.is_bool() ? (v == 0 || v == 1)
                    : dtype.is_uint()
                        ? (v >= 0 && (dtype.bits() >= 64 || wrap_int(static_cast<uint64_t>(v), dtype) == v))
                        : wrap_int(static_cast<uint64_t>(v), dtype) == v;
  if (!fits) {
    throw ArgumentError(label + " is a scalar of dtype " + dtype.to_string() + ", but " + std::to_string(v) +
                        " is outside its range");
  }
  return Value::from_int(dtype, v);
}

}  // namespace

void bind_args(Machine* machine, const ir::PrimFunc& func, const std::vector<Arg>& args) {
  if (args.size() != func->params.size()) {
    std::string names;
    for (size_t i = 0; i < func->params.size(); ++i) names += (i ? ", " : "") + func->params[i].name();
    throw ArgumentError("function \"" + func->name + "\" takes " + std::to_string(func->params.size()) +
                        " arguments (" + names + "), got " + std::to_string(args.size()));
  }
  struct BufferArg {
    size_t index;
    ir::Buffer buffer;
    NDArray* array;
  };
  std::vector<BufferArg> buffer_args;
  for (size_t i = 0; i < args.size(); ++i) {
    const ir::Buffer buffer = func->buffer_of(func->params[i]);
    if (!buffer.defined()) {
      machine->define_var(func->params[i].get(), scalar_arg(func, i, args[i]));
      continue;
    }
    NDArray* const* array = std::get_if<NDArray*>(&args[i].value);
    const std::string label = param_label(func, i);
    if (!array || !*array) {
      throw ArgumentError(label + " is a buffer " + buffer_signature(buffer) + ", but " +
                          (array ? "a null array" : "a scalar") + " was passed");
    }
    const NDArray& a = **array;
    if (a.dtype() != buffer->dtype) {
      throw ArgumentError(label + " is a buffer " + buffer_signature(buffer) + ", but an array of dtype " +
                          a.dtype().to_string() + " was passed");
    }
    if (a.ndim() != buffer->shape.size()) {
      throw ArgumentError(label + " is a buffer " + buffer_signature(buffer) + ", but an array of shape " +
                          shape_to_string(a.shape()) + " was passed");
    }
    buffer_args.push_back({i, buffer, *array});
  }
  // Unbound bare variables take the argument's values.
  auto bind_if_free = [&](const Expr& expr, int64_t actual) {
    if (!expr.defined()) return;
    if (const auto* var = expr.as<ir::VarNode>(); var && !machine->lookup_var(var)) {
      machine->define_var(var, Value::from_int(var->dtype, actual));
    }
  };
  for (const BufferArg& b : buffer_args) {
    const std::vector<int64_t>& shape = b.array->shape();
    std::vector<int64_t> compact(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) compact[d - 1] = compact[d] * shape[d];
    for (size_t d = 0; d < shape.size(); ++d) bind_if_free(b.buffer->shape[d], shape[d]);
    for (size_t d = 0; d < b.buffer->strides.size(); ++d) bind_if_free(b.buffer->strides[d], compact[d]);
    bind_if_free(b.buffer->elem_offset, 0);
  }
  // Every dimension must now evaluate to the argument's extent.
  for (const BufferArg& b : buffer_args) {
    const std::vector<int64_t>& shape = b.array->shape();
    BufferView view;
    view.name = b.buffer->name;
    view.dtype = b.buffer->dtype;
    view.shape = shape;
    for (size_t d = 0; d < shape.size(); ++d) {
      int64_t declared = 0;
      try {
        declared = machine->eval_int(b.buffer->shape[d], "a buffer dimension");
      } catch (const RuntimeError& e) {
        throw ArgumentError(param_label(func, b.index) + ": cannot evaluate dimension " + std::to_string(d) + " `" +
                            ir::to_string(b.buffer->shape[d]) + "`: " + e.what());
      }
      if (declared != shape[d]) {
        throw ArgumentError(param_label(func, b.index) + " is a buffer " + buffer_signature(b.buffer) +
                            ", but an array of shape " + shape_to_string(shape) + " was passed (dimension " +
                            std::to_string(d) + " is " + std::to_string(shape[d]) + ", expected " +
                            std::to_string(declared) + ")");
      }
    }
    view.strides.assign(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) view.strides[d - 1] = view.strides[d] * shape[d];
    for (size_t d = 0; d < b.buffer->strides.size(); ++d) {
      view.strides[d] = machine->eval_int(b.buffer->strides[d], "a buffer stride");
    }
    view.elem_offset = b.buffer->elem_offset.defined() ? machine->eval_int(b.buffer->elem_offset, "an elem_offset") : 0;
    view.data = b.array->data();
    view.storage_elems = b.array->size();
    machine->define_buffer(b.buffer.get(), std::move(view));
  }
}

void run(const ir::PrimFunc& func, const std::vector<Arg>& args) {
  if (!func.defined()) throw ArgumentError("run: the function is null");
  Machine machine(func->name);
  bind_args(&machine, func, args);
  machine.exec(func->body);
}

std::vector<NDArray> allocate_params(const ir::PrimFunc& func) {
  if (!func.defined()) throw ArgumentError("allocate_params: the function is null");
  std::vector<NDArray> arrays;
  for (size_t i = 0; i < func->params.size(); ++i) {
    const ir::Buffer buffer = func->buffer_of(func->params[i]);
    if (!buffer.defined()) {
      throw ArgumentError(param_label(func, i) + " is a scalar of dtype " + func->params[i].dtype().to_string() +
                          ": random arguments can only be made for buffer parameters");
    }
    std::vector<int64_t> shape;
    for (size_t d = 0; d < buffer->shape.size(); ++d) {
      const std::optional<int64_t> extent = ir::as_const_int(buffer->shape[d]);
      if (!extent) {
        throw ArgumentError(param_label(func, i) + " is a buffer " + buffer_signature(buffer) + " whose dimension " +
                            std::to_string(d) + " is not a constant: pass arrays to run() instead");
      }
      shape.push_back(*extent);
    }
    arrays.emplace_back(buffer->dtype, std::move(shape));
  }
  return arrays;
}

uint64_t param_seed(uint64_t seed, size_t index) {
  // splitmix64's finalizer over the seed and the index, so neighbouring seeds and
  // parameters get unrelated streams.
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (static_cast<uint64_t>(index) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<NDArray> random_params(const ir::PrimFunc& func, uint64_t seed) {
  std::vector<NDArray> arrays = allocate_params(func);
  for (size_t i = 0; i < arrays.size(); ++i) arrays[i].fill_random(param_seed(seed, i));
  return arrays;
}

std::vector<NDArray> run_random(const ir::PrimFunc& func, uint64_t seed) {
  std::vector<NDArray> arrays = random_params(func, seed);
  std::vector<Arg> args;
  args.reserve(arrays.size());
  for (NDArray& a : arrays) args.emplace_back(&a);
  run(func, args);
  return arrays;
}

}  // namespace loom::interp
