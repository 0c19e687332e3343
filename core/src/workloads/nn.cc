// Shared neural-network stages (topi-like) for the workload zoo.
#include "loom/workloads/nn.h"

#include "loom/ir/error.h"

namespace loom::workloads {

namespace {

void add_condition(ir::Expr* all, const ir::Expr& cond) { *all = all->defined() ? ir::logical_and(*all, cond) : cond; }

}  // namespace

Tensor pad(const Tensor& data, const std::vector<int64_t>& before, const std::vector<int64_t>& after, double pad_value,
           std::string name) {
  if (before.size() != data.ndim() || after.size() != data.ndim()) {
    throw UserError("pad " + name + ": before and after need one entry per dimension of " + data.name() + " (" +
                    std::to_string(data.ndim()) + ")");
  }
  std::vector<int64_t> shape = data.shape();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (before[i] < 0 || after[i] < 0) {
      throw UserError("pad " + name + ": padding of dimension " + std::to_string(i) + " must not be negative");
    }
    shape[i] += before[i] + after[i];
  }
  return compute(
      shape,
      [&](const std::vector<ir::Var>& idx) -> ComputeBody {
        std::vector<ir::Expr> source;
        ir::Expr inside;
        for (size_t i = 0; i < idx.size(); ++i) {
          if (before[i] == 0 && after[i] == 0) {
            source.push_back(idx[i]);
            continue;
          }
          // Like topi: only the padded sides get a bound check.
          ir::Expr lo = ir::make_int(before[i]);
          if (before[i] > 0) add_condition(&inside, lo <= idx[i]);
          if (after[i] > 0) add_condition(&inside, idx[i] < ir::make_int(before[i] + data.shape()[i]));
          source.push_back(before[i] == 0 ? ir::Expr(idx[i]) : idx[i] - lo);
        }
        ir::Expr load = data(source);
        if (!inside.defined()) return load;
        return ir::if_then_else(inside, load, ir::make_const(data.dtype(), pad_value));
      },
      std::move(name));
}

}  // namespace loom::workloads
