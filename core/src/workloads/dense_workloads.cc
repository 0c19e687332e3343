// The zoo's matrix and normalization workloads: GMM, BMM, TBG, NRM, SFM and the fused
// matmul + bias + relu, written with the TE builder the way Ansor's benchmarks define them.
#include "builders.h"
#include "loom/ir/builder.h"
#include "loom/workloads/te.h"

namespace loom::workloads::detail {

namespace {

using ir::Expr;
using ir::Var;
using Idx = std::vector<Var>;

// C[i, j] = sum_k A[i, k] * B[k, j].
Tensor matmul(const Tensor& a, const Tensor& b, const std::string& name) {
  int64_t m = a.shape()[0];
  int64_t k = a.shape()[1];
  int64_t n = b.shape()[1];
  ir::IterVar rk = reduce_axis(k, "k");
  return compute({m, n}, [&](const Idx& i) -> ComputeBody { return sum(a(i[0], rk.var) * b(rk.var, i[1]), {rk}); },
                 name, {"i", "j"});
}

}  // namespace

ir::PrimFunc build_gmm(const Params& p) {
  Tensor a = placeholder({p["M"], p["K"]}, "A");
  Tensor b = placeholder({p["K"], p["N"]}, "B");
  Tensor c = matmul(a, b, "C");
  return create_prim_func({a, b, c}, "gmm");
}

ir::PrimFunc build_bmm(const Params& p) {
  int64_t batch = p["B"];
  Tensor a = placeholder({batch, p["M"], p["K"]}, "A");
  Tensor b = placeholder({batch, p["K"], p["N"]}, "B");
  ir::IterVar rk = reduce_axis(p["K"], "k");
  Tensor c =
      compute({batch, p["M"], p["N"]},
              [&](const Idx& i) -> ComputeBody { return sum(a(i[0], i[1], rk.var) * b(i[0], rk.var, i[2]), {rk}); },
              "C", {"b", "i", "j"});
  return create_prim_func({a, b, c}, "bmm");
}

ir::PrimFunc build_tbg(const Params& p) {
  int64_t batch = p["B"], seq = p["S"], heads = p["H"], dim = p["D"];
  Tensor query = placeholder({batch, seq, heads, dim}, "query");
  Tensor key = placeholder({batch, seq, heads, dim}, "key");
  Tensor query_t =
      compute({batch, heads, seq, dim}, [&](const Idx& i) -> ComputeBody { return query(i[0], i[2], i[1], i[3]); },
              "query_T", {"b", "h", "s", "d"});
  Tensor key_t =
      compute({batch, heads, dim, seq}, [&](const Idx& i) -> ComputeBody { return key(i[0], i[3], i[1], i[2]); },
              "key_T", {"b", "h", "d", "s"});
  ir::IterVar rk = reduce_axis(dim, "k");
  Tensor out = compute({batch, heads, seq, seq},
                       [&](const Idx& i) -> ComputeBody {
                         return sum(query_t(i[0], i[1], i[2], rk.var) * key_t(i[0], i[1], rk.var, i[3]), {rk});
                       },
                       "C", {"b", "h", "i", "j"});
  return create_prim_func({query, key, out}, "tbg");
}

ir::PrimFunc build_nrm(const Params& p) {
  int64_t batch = p["B"], m = p["M"], n = p["N"];
  Tensor a = placeholder({batch, m, n}, "A");
  ir::IterVar ri = reduce_axis(m, "i");
  ir::IterVar rj = reduce_axis(n, "j");
  Tensor squares = compute({batch},
                           [&](const Idx& b) -> ComputeBody {
                             Expr x = a(b[0], ri.var, rj.var);
                             return sum(x * x, {ri, rj});
                           },
                           "C", {"b"});
  Tensor norm = compute(
      {batch}, [&](const Idx& b) -> ComputeBody { return ir::call(ir::Intrinsic::sqrt, {squares(b[0])}); }, "D", {"b"});
  return create_prim_func({a, norm}, "nrm");
}

ir::PrimFunc build_sfm(const Params& p) {
  int64_t m = p["M"], n = p["N"];
  Tensor a = placeholder({m, n}, "A");
  ir::IterVar rmax = reduce_axis(n, "k");
  Tensor maxelem = compute({m}, [&](const Idx& i) -> ComputeBody { return max_reduce(a(i[0], rmax.var), {rmax}); },
                           "T_softmax_maxelem", {"i"});
  Tensor exp = compute(
      {m, n},
      [&](const Idx& i) -> ComputeBody { return ir::call(ir::Intrinsic::exp, {a(i[0], i[1]) - maxelem(i[0])}); },
      "T_softmax_exp", {"i", "j"});
  ir::IterVar rsum = reduce_axis(n, "k");
  Tensor expsum = compute({m}, [&](const Idx& i) -> ComputeBody { return sum(exp(i[0], rsum.var), {rsum}); },
                          "T_softmax_expsum", {"i"});
  Tensor norm = compute({m, n}, [&](const Idx& i) -> ComputeBody { return exp(i[0], i[1]) / expsum(i[0]); },
                        "T_softmax_norm", {"i", "j"});
  return create_prim_func({a, norm}, "sfm");
}

ir::PrimFunc build_gmm_bias_relu(const Params& p) {
  int64_t m = p["M"], n = p["N"], k = p["K"];
  Tensor a = placeholder({m, k}, "A");
  Tensor b = placeholder({k, n}, "B");
  Tensor bias = placeholder({n}, "bias");
  Tensor c = matmul(a, b, "matmul");
  Tensor biased =
      compute({m, n}, [&](const Idx& i) -> ComputeBody { return c(i[0], i[1]) + bias(i[1]); }, "bias_add", {"i", "j"});
  Tensor relu =
      compute({m, n}, [&](const Idx& i) -> ComputeBody { return ir::max(biased(i[0], i[1]), ir::make_float(0.0)); },
              "relu", {"i", "j"});
  return create_prim_func({a, b, bias, relu}, "gmm_bias_relu");
}

}  // namespace loom::workloads::detail
