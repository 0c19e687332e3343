// The ABI's lowering (loom/lower/lower.h) and reference execution (the interpreter, the
// core's random data, FLOP estimates, structural hashes) for runners.
#include <cstring>

#include "abi.h"
#include "loom/interp/interpreter.h"
#include "loom/ir/flops.h"
#include "loom/ir/structural_equal.h"
#include "loom/lower/lower.h"

namespace loom::host::detail {
namespace {

// One NDArray per buffer parameter of `func` (zeroed, the buffer's constant shape), in
// parameter order; nullopt entries for scalar parameters.
std::vector<std::optional<interp::NDArray>> param_arrays(const ir::PrimFunc& func, const char* what) {
  std::vector<std::optional<interp::NDArray>> arrays;
  for (const ir::Var& param : func->params) {
    ir::Buffer buffer = func->buffer_of(param);
    if (!buffer.defined()) {
      arrays.emplace_back();
      continue;
    }
    std::vector<int64_t> shape;
    for (const ir::Expr& dim : buffer->shape) {
      const auto* imm = dim.as<ir::IntImmNode>();
      if (imm == nullptr) {
        throw interp::ArgumentError(std::string(what) + ": buffer parameter " + buffer->name +
                                    " has a symbolic shape; only constant shapes are supported");
      }
      shape.push_back(imm->value);
    }
    arrays.emplace_back(interp::NDArray(buffer->dtype, shape));
  }
  return arrays;
}

}  // namespace

loom_status func_lower(const loom_func* func, loom_func** out, loom_error* error) {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    if (func == nullptr || out == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "func_lower_new: null argument");
    *out = new loom_func{lower::lower(func->func)};
    return LOOM_OK;
  });
}

loom_status func_lower_opts(const loom_func* func, const loom_lower_options* options, loom_func** out,
                            loom_error* error) {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    if (func == nullptr || options == nullptr || out == nullptr)
      return fail(error, LOOM_ERROR_ARGUMENT, "func_lower_opts_new: null argument");
    // Fields an older caller did not send keep their defaults (every pass on).
    loom_lower_options o{};
    o.struct_size = LOOM_LOWER_OPTIONS_STRUCT_SIZE;
    o.pipeline = LOOM_LOWER_PIPELINE_CPU;
    o.unroll = o.vectorize = o.verify = 1;
    copy_known_fields(&o, *options);
    if (o.pipeline != LOOM_LOWER_PIPELINE_CPU && o.pipeline != LOOM_LOWER_PIPELINE_GPU)
      return fail(error, LOOM_ERROR_ARGUMENT,
                  "func_lower_opts_new: unknown pipeline " + std::to_string(o.pipeline) + " (0: cpu, 1: gpu)");
    lower::LowerOptions lo;
    lo.unroll = o.unroll != 0;
    lo.vectorize = o.vectorize != 0;
    lo.verify = o.verify != 0;
    *out = new loom_func{o.pipeline == LOOM_LOWER_PIPELINE_GPU ? lower::lower_gpu(func->func, lo)
                                                               : lower::lower(func->func, lo)};
    return LOOM_OK;
  });
}

loom_status func_fill_random(const loom_func* func, uint64_t seed, void* const* args, loom_error* error) {
  return guarded(error, [&] {
    if (func == nullptr || args == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "func_fill_random: null argument");
    auto arrays = param_arrays(func->func, "func_fill_random");
    size_t buffer_index = 0;
    for (size_t i = 0; i < arrays.size(); ++i) {
      if (!arrays[i]) continue;
      if (args[i] == nullptr) {
        return fail(error, LOOM_ERROR_ARGUMENT, "func_fill_random: no storage for parameter " + std::to_string(i));
      }
      arrays[i]->fill_random(interp::param_seed(seed, buffer_index++));
      std::memcpy(args[i], arrays[i]->data(), static_cast<size_t>(arrays[i]->nbytes()));
    }
    return LOOM_OK;
  });
}

loom_status func_interpret(const loom_func* func, void* const* args, loom_error* error) {
  return guarded(error, [&] {
    if (func == nullptr || args == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "func_interpret: null argument");
    const ir::PrimFunc& f = func->func;
    auto arrays = param_arrays(f, "func_interpret");
    std::vector<interp::Arg> run_args;
    for (size_t i = 0; i < arrays.size(); ++i) {
      if (args[i] == nullptr) {
        return fail(error, LOOM_ERROR_ARGUMENT, "func_interpret: no value for parameter " + std::to_string(i));
      }
      if (arrays[i]) {
        std::memcpy(arrays[i]->data(), args[i], static_cast<size_t>(arrays[i]->nbytes()));
        run_args.emplace_back(&*arrays[i]);
        continue;
      }
      // A scalar: read its value in its dtype's storage through a one-element array.
      ir::DataType t = f->params[i]->dtype;
      interp::NDArray scalar(t, {});
      std::memcpy(scalar.data(), args[i], static_cast<size_t>(scalar.nbytes()));
      if (t.is_float()) {
        run_args.emplace_back(scalar.get_double(0));
      } else {
        run_args.emplace_back(scalar.get_int(0));
      }
    }
    try {
      interp::run(f, run_args);
    } catch (const loom::UserError& e) {
      return fail(error, LOOM_ERROR_ARGUMENT, std::string("func_interpret: ") + e.what());
    }
    for (size_t i = 0; i < arrays.size(); ++i) {
      if (arrays[i]) std::memcpy(args[i], arrays[i]->data(), static_cast<size_t>(arrays[i]->nbytes()));
    }
    return LOOM_OK;
  });
}

double func_flops(const loom_func* func) { return func == nullptr ? 0.0 : ir::estimate_flops(func->func); }

uint64_t func_structural_hash(const loom_func* func) { return func == nullptr ? 0 : ir::structural_hash(func->func); }

}  // namespace loom::host::detail
