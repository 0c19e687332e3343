// loom-bench: times a zoo workload compiled by loom (optionally with a schedule script)
// against the same operator in oneDNN (and OpenBLAS sgemm for gmm), alternating the
// contenders round by round in one process, and prints median times, GFLOP/s and ratios.
//
// oneDNN baselines, one per zoo family: gmm, bmm, tbg with dnnl::matmul (tbg's transposes are
// strides on loom's buffers); c1d, c2d, c3d, dil, grp, dep with dnnl::convolution_forward and
// cbr with it plus bias, binary mul/add post-ops (bn_scale, bn_offset) and a relu post-op;
// t2d with dnnl::deconvolution_forward; nrm with dnnl::reduction (L2 norm); sfm with
// dnnl::softmax_forward on the last axis; gmm_bias_relu with dnnl::matmul, bias and a relu
// post-op. Data and outputs are used in loom's layouts
// without copies; weights are reordered once, outside timing, into the layout oneDNN picks
// for format_tag::any (the reorder time is printed on its own line).
//
//   loom-bench gmm --set M=1024 --set N=1024 --set K=1024 --schedule configs/schedules/gmm_1024.py --threads 2
//   loom-bench c2d --schedule configs/schedules/c2d.py --threads 1
//   loom-bench gmm --set M=512 --set N=512 --set K=512 --schedule tools/bench/gmm_vectorize_parallel.py --unscheduled
//
// With --unscheduled the workload compiled without a schedule runs beside the others (its
// output checked too), and a last column gives every contender's speed-up over it: what a
// schedule buys on this machine, as the code generator compiles both.
//
// Every round takes one sample of each contender (TimingOptions: min_repeat_ms per sample,
// the number of calls per sample fixed after a calibration), with a pause between them so
// one library's spinning threads do not steal the next one's cores. loom's output is
// checked against oneDNN's before timing.
#include <omp.h>
#include <tbb/global_control.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <dnnl.hpp>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fmt/format.h"
#include "loom/cpu/codegen.h"
#include "loom/cpu/timing.h"
#include "loom/host/host_api.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/error.h"
#include "loom/ir/flops.h"
#include "loom/lower/lower.h"
#include "loom/plugin_ir.hpp"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/printer.h"
#include "loom/workloads/zoo.h"

extern "C" void openblas_set_num_threads(int num_threads);
extern "C" void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a,
                            int lda, const float* b, int ldb, float beta, float* c, int ldc);

namespace loom::bench {
namespace {

constexpr int kCblasRowMajor = 101;
constexpr int kCblasNoTrans = 111;

struct Options {
  std::string workload;
  std::vector<std::string> sets;
  std::string schedule;
  int threads = 0;
  int rounds = 10;
  double min_repeat_ms = 200;
  bool flush_cache = false;
  bool show_asm = false;
  bool show_lowered = false;
  bool unscheduled = false;
  std::string asm_out;
};

// A contender: a name and a function that runs the operator once.
struct Contender {
  std::string name;
  std::function<void()> run;
  int number = 1;
  std::vector<double> samples;
};

Contender contender(std::string name, std::function<void()> run) {
  Contender c;
  c.name = std::move(name);
  c.run = std::move(run);
  return c;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError(fmt::format("cannot read '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Float32 buffers: row-major, shapes as the workload's parameters.
struct Buffers {
  std::vector<interp::NDArray> arrays;
  std::vector<void*> args() {
    std::vector<void*> out;
    for (auto& a : arrays) out.push_back(a.data());
    return out;
  }
};

float* f32(interp::NDArray& a) { return reinterpret_cast<float*>(a.data()); }

// Compares the output of loom with a baseline's (max relative error over elements).
double max_rel_error(const interp::NDArray& got, const interp::NDArray& want) {
  const float* g = reinterpret_cast<const float*>(got.data());
  const float* w = reinterpret_cast<const float*>(want.data());
  double worst = 0;
  for (int64_t i = 0; i < got.size(); ++i) {
    double denom = std::max(1.0, std::abs(static_cast<double>(w[i])));
    worst = std::max(worst, std::abs(static_cast<double>(g[i]) - w[i]) / denom);
  }
  return worst;
}

struct Baselines {
  std::vector<Contender> contenders;
  // The expected output (filled by the first baseline's run) and loom's output index.
  std::function<void()> reference;
  interp::NDArray* reference_out = nullptr;
  // The largest accepted max relative error of loom's output.
  double tolerance = 1e-3;
};

// oneDNN's engine and stream live as long as the process.
dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

using dnnl::memory;

// The strides of a dense row-major array whose logical axes (oneDNN's order, sizes `dims`)
// are laid out in memory in `physical_order` (outermost first): how a loom buffer is seen
// as a oneDNN memory without a copy.
memory::dims physical_strides(const memory::dims& dims, const std::vector<int>& physical_order) {
  memory::dims strides(dims.size(), 0);
  memory::dim step = 1;
  for (auto it = physical_order.rbegin(); it != physical_order.rend(); ++it) {
    strides[static_cast<size_t>(*it)] = step;
    step *= dims[static_cast<size_t>(*it)];
  }
  return strides;
}

memory::desc f32_desc(const memory::dims& dims, const memory::dims& strides) {
  return memory::desc(dims, memory::data_type::f32, strides);
}

memory::desc f32_desc(const memory::dims& dims, memory::format_tag tag) {
  return memory::desc(dims, memory::data_type::f32, tag);
}

// A oneDNN memory over a loom buffer (no copy).
std::shared_ptr<memory> wrap(const memory::desc& md, interp::NDArray& array) {
  return std::make_shared<memory>(md, engine(), array.data());
}

// The contender that executes `prim` with `args` and waits.
Contender onednn_contender(std::shared_ptr<dnnl::primitive> prim, std::unordered_map<int, memory> args) {
  auto stream = std::make_shared<dnnl::stream>(engine());
  return contender("oneDNN", [=] {
    prim->execute(*stream, args);
    stream->wait();
  });
}

// Reorders the weights from loom's layout into the one the primitive chose (format_tag::any),
// once, outside timing; prints how long that took.
memory reorder_weights(const memory::desc& user_md, interp::NDArray& user, const memory::desc& chosen) {
  memory user_mem(user_md, engine(), user.data());
  memory out(chosen, engine());
  dnnl::stream stream(engine());
  auto start = std::chrono::steady_clock::now();
  dnnl::reorder(user_mem, out).execute(stream, user_mem, out);
  stream.wait();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  fmt::print("oneDNN weight reorder to its chosen layout: {:.3f} ms, once, outside timing\n", ms);
  return out;
}

void print_impl(const dnnl::primitive_desc_base& pd) { fmt::print("oneDNN implementation: {}\n", pd.impl_info_str()); }

Baselines gmm_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  const int64_t M = p.at("M"), N = p.at("N"), K = p.at("K");
  auto a_md = memory::desc({M, K}, memory::data_type::f32, memory::format_tag::ab);
  auto b_md = memory::desc({K, N}, memory::data_type::f32, memory::format_tag::ab);
  auto c_md = memory::desc({M, N}, memory::data_type::f32, memory::format_tag::ab);
  auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), engine());
  print_impl(pd);
  auto prim = std::make_shared<dnnl::matmul>(pd);
  auto a = std::make_shared<memory>(a_md, engine(), in.arrays[0].data());
  auto b = std::make_shared<memory>(b_md, engine(), in.arrays[1].data());
  auto c = std::make_shared<memory>(c_md, engine(), expected.data());
  auto stream = std::make_shared<dnnl::stream>(engine());
  Baselines out;
  out.contenders.push_back(contender("oneDNN", [=] {
    prim->execute(*stream, {{DNNL_ARG_SRC, *a}, {DNNL_ARG_WEIGHTS, *b}, {DNNL_ARG_DST, *c}});
    stream->wait();
  }));
  float* A = f32(in.arrays[0]);
  float* B = f32(in.arrays[1]);
  auto blas_c = std::make_shared<std::vector<float>>(static_cast<size_t>(M * N));
  out.contenders.push_back(contender("OpenBLAS", [=] {
    cblas_sgemm(kCblasRowMajor, kCblasNoTrans, kCblasNoTrans, static_cast<int>(M), static_cast<int>(N),
                static_cast<int>(K), 1.0f, A, static_cast<int>(K), B, static_cast<int>(N), 0.0f, blas_c->data(),
                static_cast<int>(N));
  }));
  return out;
}

// A batched matmul dst = src x weights over loom's buffers seen through strides.
Baselines matmul_baseline(const memory::desc& src_md, const memory::desc& wei_md, const memory::desc& dst_md,
                          Buffers& in, interp::NDArray& expected) {
  auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(src_md, wei_md, dst_md), engine());
  print_impl(pd);
  Baselines out;
  out.contenders.push_back(
      onednn_contender(std::make_shared<dnnl::matmul>(pd), {{DNNL_ARG_SRC, *wrap(src_md, in.arrays[0])},
                                                            {DNNL_ARG_WEIGHTS, *wrap(wei_md, in.arrays[1])},
                                                            {DNNL_ARG_DST, *wrap(dst_md, expected)}}));
  return out;
}

// bmm: A (B, M, K) x B (B, K, N) into C (B, M, N), all row-major.
Baselines bmm_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  const int64_t B = p.at("B"), M = p.at("M"), N = p.at("N"), K = p.at("K");
  return matmul_baseline(f32_desc({B, M, K}, memory::format_tag::abc), f32_desc({B, K, N}, memory::format_tag::abc),
                         f32_desc({B, M, N}, memory::format_tag::abc), in, expected);
}

// tbg: C[b, h, i, j] = sum_d query[b, i, h, d] * key[b, j, h, d]: the transposes of query
// (B, S, H, D) to (B, H, S, D) and of key to (B, H, D, S) are strides on loom's buffers.
Baselines tbg_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  const int64_t B = p.at("B"), S = p.at("S"), H = p.at("H"), D = p.at("D");
  memory::dims q_dims = {B, H, S, D};
  memory::dims k_dims = {B, H, D, S};
  return matmul_baseline(f32_desc(q_dims, physical_strides(q_dims, {0, 2, 1, 3})),
                         f32_desc(k_dims, physical_strides(k_dims, {0, 3, 1, 2})),
                         f32_desc({B, H, S, S}, memory::format_tag::abcd), in, expected);
}

// gmm_bias_relu: relu(A (M, K) x B (K, N) + bias[j]): matmul with a (1, N) bias and a relu
// post-op.
Baselines gmm_bias_relu_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  const int64_t M = p.at("M"), N = p.at("N"), K = p.at("K");
  auto a_md = f32_desc({M, K}, memory::format_tag::ab);
  auto b_md = f32_desc({K, N}, memory::format_tag::ab);
  auto bias_md = f32_desc({1, N}, memory::format_tag::ab);
  auto c_md = f32_desc({M, N}, memory::format_tag::ab);
  dnnl::post_ops ops;
  ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, bias_md, c_md), attr, engine());
  print_impl(pd);
  Baselines out;
  out.contenders.push_back(
      onednn_contender(std::make_shared<dnnl::matmul>(pd), {{DNNL_ARG_SRC, *wrap(a_md, in.arrays[0])},
                                                            {DNNL_ARG_WEIGHTS, *wrap(b_md, in.arrays[1])},
                                                            {DNNL_ARG_BIAS, *wrap(bias_md, in.arrays[2])},
                                                            {DNNL_ARG_DST, *wrap(c_md, expected)}}));
  return out;
}

// A channels-last convolution in oneDNN's terms: logical dims (N, C, spatial...) for data
// and (G, O/G, I/G, spatial...) or (O, I, spatial...) for weights.
struct ConvGeometry {
  memory::dims src, wei, dst;
  memory::dims strides, dilates, padding;
  bool grouped = false;
};

memory::format_tag channels_last(size_t rank) {
  switch (rank) {
    case 1:
      return memory::format_tag::nwc;
    case 2:
      return memory::format_tag::nhwc;
    default:
      return memory::format_tag::ndhwc;
  }
}

// loom's weight layout (spatial..., I/G, O with o = g * O/G + o') as strides over oneDNN's
// logical weight dims.
memory::desc loom_weights(const ConvGeometry& g) {
  size_t rank = g.strides.size();
  std::vector<int> order;
  size_t first_spatial = g.grouped ? 3 : 2;
  for (size_t d = 0; d < rank; ++d) order.push_back(static_cast<int>(first_spatial + d));
  if (g.grouped) {
    order.insert(order.end(), {2, 0, 1});
  } else {
    order.insert(order.end(), {1, 0});
  }
  return f32_desc(g.wei, physical_strides(g.wei, order));
}

// The geometry of the zoo's conv_nd (c1d, c2d, c3d, dil, grp, cbr): `spatial` names the
// input extents' parameters.
ConvGeometry conv_geometry(const std::map<std::string, int64_t>& p, const std::vector<std::string>& spatial,
                           int64_t groups) {
  const int64_t N = p.at("N"), CI = p.at("CI"), CO = p.at("CO"), K = p.at("K");
  const int64_t S = p.at("stride"), P = p.at("padding"), D = p.at("dilation");
  ConvGeometry g;
  g.src = {N, CI};
  g.dst = {N, CO};
  g.grouped = groups > 1;
  g.wei = g.grouped ? memory::dims{groups, CO / groups, CI / groups} : memory::dims{CO, CI};
  for (const std::string& name : spatial) {
    const int64_t extent = p.at(name);
    g.src.push_back(extent);
    g.dst.push_back((extent + 2 * P - D * (K - 1) - 1) / S + 1);
    g.wei.push_back(K);
    g.strides.push_back(S);
    g.dilates.push_back(D - 1);
    g.padding.push_back(P);
  }
  return g;
}

// dst = conv(src, weights) (+ bias, then `attr`'s post-ops, whose extra inputs are `extra`),
// data and output in loom's channels-last buffers, weights in oneDNN's chosen layout.
Baselines conv_baseline(const ConvGeometry& g, Buffers& in, interp::NDArray& expected,
                        const dnnl::primitive_attr& attr = {}, interp::NDArray* bias = nullptr,
                        std::unordered_map<int, memory> extra = {}) {
  memory::format_tag tag = channels_last(g.strides.size());
  auto src_md = f32_desc(g.src, tag);
  auto dst_md = f32_desc(g.dst, tag);
  auto any_wei = memory::desc(g.wei, memory::data_type::f32, memory::format_tag::any);
  auto kind = dnnl::prop_kind::forward_inference;
  auto alg = dnnl::algorithm::convolution_direct;
  auto desc =
      bias ? dnnl::convolution_forward::desc(kind, alg, src_md, any_wei, f32_desc({g.dst[1]}, memory::format_tag::a),
                                             dst_md, g.strides, g.dilates, g.padding, g.padding)
           : dnnl::convolution_forward::desc(kind, alg, src_md, any_wei, dst_md, g.strides, g.dilates, g.padding,
                                             g.padding);
  auto pd = dnnl::convolution_forward::primitive_desc(desc, attr, engine());
  print_impl(pd);
  memory wei = reorder_weights(loom_weights(g), in.arrays[1], pd.weights_desc());
  std::unordered_map<int, memory> args = std::move(extra);
  args[DNNL_ARG_SRC] = *wrap(src_md, in.arrays[0]);
  args[DNNL_ARG_WEIGHTS] = wei;
  args[DNNL_ARG_DST] = *wrap(dst_md, expected);
  if (bias) args[DNNL_ARG_BIAS] = *wrap(f32_desc({g.dst[1]}, memory::format_tag::a), *bias);
  Baselines out;
  out.contenders.push_back(onednn_contender(std::make_shared<dnnl::convolution_forward>(pd), std::move(args)));
  return out;
}

Baselines c1d_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  return conv_baseline(conv_geometry(p, {"L"}, 1), in, expected);
}

Baselines c2d_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  return conv_baseline(conv_geometry(p, {"H", "W"}, 1), in, expected);
}

Baselines c3d_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  return conv_baseline(conv_geometry(p, {"D", "H", "W"}, 1), in, expected);
}

Baselines grp_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  return conv_baseline(conv_geometry(p, {"H", "W"}, p.at("groups")), in, expected);
}

// dep: weight (K, K, C, 1), i.e. C groups of one input and one output channel, no dilation.
Baselines dep_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  std::map<std::string, int64_t> q = p;
  q["CI"] = q["CO"] = p.at("C");
  q["dilation"] = 1;
  ConvGeometry g = conv_geometry(q, {"H", "W"}, p.at("C"));
  g.grouped = true;
  return conv_baseline(g, in, expected);
}

// cbr: relu((conv + bias) * bn_scale + bn_offset), per output channel: the bias is the
// convolution's, the scale and shift binary post-ops, the relu an eltwise post-op.
Baselines cbr_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  ConvGeometry g = conv_geometry(p, {"H", "W"}, 1);
  auto per_channel = f32_desc({1, g.dst[1], 1, 1}, memory::format_tag::abcd);
  dnnl::post_ops ops;
  ops.append_binary(dnnl::algorithm::binary_mul, per_channel);
  ops.append_binary(dnnl::algorithm::binary_add, per_channel);
  ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  std::unordered_map<int, memory> extra = {
      {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, *wrap(per_channel, in.arrays[3])},
      {DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, *wrap(per_channel, in.arrays[4])}};
  return conv_baseline(g, in, expected, attr, &in.arrays[2], std::move(extra));
}

// t2d: out[n, y*s + kh - p, x*s + kw - p, co] += data[n, y, x, ci] * weight[kh, kw, ci, co],
// which is oneDNN's deconvolution with (O, I, KH, KW) weights (no flip).
Baselines t2d_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  const int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), CI = p.at("CI"), CO = p.at("CO"), K = p.at("K");
  const int64_t S = p.at("stride"), P = p.at("padding");
  const int64_t OH = (H - 1) * S - 2 * P + K, OW = (W - 1) * S - 2 * P + K;
  auto src_md = f32_desc({N, CI, H, W}, memory::format_tag::nhwc);
  auto dst_md = f32_desc({N, CO, OH, OW}, memory::format_tag::nhwc);
  auto any_wei = memory::desc({CO, CI, K, K}, memory::data_type::f32, memory::format_tag::any);
  auto desc =
      dnnl::deconvolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
                                        src_md, any_wei, dst_md, {S, S}, {P, P}, {P, P});
  auto pd = dnnl::deconvolution_forward::primitive_desc(desc, engine());
  print_impl(pd);
  memory wei = reorder_weights(f32_desc({CO, CI, K, K}, memory::format_tag::hwio), in.arrays[1], pd.weights_desc());
  Baselines out;
  out.contenders.push_back(onednn_contender(
      std::make_shared<dnnl::deconvolution_forward>(pd),
      {{DNNL_ARG_SRC, *wrap(src_md, in.arrays[0])}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, *wrap(dst_md, expected)}}));
  return out;
}

// nrm: D[b] = sqrt(sum_{i, j} A[b, i, j]^2), oneDNN's L2 norm reduction (p = 2, eps = 0)
// over the last two axes.
Baselines nrm_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  const int64_t B = p.at("B"), M = p.at("M"), N = p.at("N");
  auto src_md = f32_desc({B, M, N}, memory::format_tag::abc);
  auto dst_md = f32_desc({B, 1, 1}, memory::format_tag::abc);
  auto pd = dnnl::reduction::primitive_desc(
      dnnl::reduction::desc(dnnl::algorithm::reduction_norm_lp_sum, src_md, dst_md, 2.0f, 0.0f), engine());
  print_impl(pd);
  Baselines out;
  out.contenders.push_back(
      onednn_contender(std::make_shared<dnnl::reduction>(pd),
                       {{DNNL_ARG_SRC, *wrap(src_md, in.arrays[0])}, {DNNL_ARG_DST, *wrap(dst_md, expected)}}));
  return out;
}

// sfm: softmax over axis 1 of A (M, N).
Baselines sfm_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  const int64_t M = p.at("M"), N = p.at("N");
  auto md = f32_desc({M, N}, memory::format_tag::ab);
  auto pd = dnnl::softmax_forward::primitive_desc(
      dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, md, 1), engine());
  print_impl(pd);
  Baselines out;
  out.contenders.push_back(
      onednn_contender(std::make_shared<dnnl::softmax_forward>(pd),
                       {{DNNL_ARG_SRC, *wrap(md, in.arrays[0])}, {DNNL_ARG_DST, *wrap(md, expected)}}));
  // Outputs are probabilities (at most 1): the check is in absolute terms, tighter.
  out.tolerance = 1e-5;
  return out;
}

int run(const Options& o) {
  std::map<std::string, int64_t> overrides;
  for (const std::string& s : o.sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) throw UserError(fmt::format("--set takes K=V, not '{}'", s));
    overrides[s.substr(0, eq)] = std::stoll(s.substr(eq + 1));
  }
  ir::PrimFunc func = workloads::make_workload(o.workload, overrides);
  std::map<std::string, int64_t> params;
  for (const auto& param : workloads::workload_info(o.workload).params) {
    params[param.name] = overrides.count(param.name) ? overrides[param.name] : param.default_value;
  }
  const double flops = ir::estimate_flops(func);

  // loom's kernel, and the unscheduled one for --unscheduled.
  ir::PrimFunc scheduled = func;
  if (!o.schedule.empty()) {
    sched::Schedule sch(func, 0, sched::DebugMode::Off);
    sched::apply_schedule_script(sch, read_file(o.schedule), o.schedule);
    scheduled = sch.mod().at(sch.default_func());
  }
  plugin::set_host(host::host_api());
  ir::PrimFunc lowered_func = lower::lower(scheduled);
  if (o.show_lowered) std::cout << script::print(lowered_func);
  plugin::ir::Func lowered(host::func_handle(lowered_func));
  cpu::CodegenOptions copts;
  copts.emit_assembly = o.show_asm || !o.asm_out.empty();
  cpu::ObjectCode code = cpu::compile_object(lowered.node(), copts);
  if (!o.asm_out.empty()) {
    std::ofstream(o.asm_out) << code.assembly;
  }
  cpu::Kernel kernel = cpu::load_object(code);
  std::optional<cpu::Kernel> unscheduled_kernel;
  if (o.unscheduled) {
    plugin::ir::Func plain(host::func_handle(lower::lower(func)));
    unscheduled_kernel.emplace(cpu::compile(plain.node()));
  }

  tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism,
                                  o.threads > 0 ? static_cast<size_t>(o.threads) : std::thread::hardware_concurrency());
  if (o.threads > 0) {
    omp_set_num_threads(o.threads);
    openblas_set_num_threads(o.threads);
  }

  // Inputs: random data; the output starts zeroed.
  Buffers loom_bufs;
  for (const ir::Var& param : func->params) {
    ir::Buffer b = func->buffer_of(param);
    std::vector<int64_t> shape;
    for (const auto& d : b->shape) shape.push_back(d.as<ir::IntImmNode>()->value);
    loom_bufs.arrays.emplace_back(b->dtype, shape);
  }
  for (size_t i = 0; i + 1 < loom_bufs.arrays.size(); ++i) loom_bufs.arrays[i].fill_random(17 + i);
  interp::NDArray expected = loom_bufs.arrays.back();

  using Factory = Baselines (*)(const std::map<std::string, int64_t>&, Buffers&, interp::NDArray&);
  static const std::map<std::string, Factory> factories = {
      {"gmm", gmm_baselines}, {"bmm", bmm_baselines},
      {"tbg", tbg_baselines}, {"c1d", c1d_baselines},
      {"c2d", c2d_baselines}, {"c3d", c3d_baselines},
      {"dil", c2d_baselines}, {"grp", grp_baselines},
      {"dep", dep_baselines}, {"t2d", t2d_baselines},
      {"cbr", cbr_baselines}, {"nrm", nrm_baselines},
      {"sfm", sfm_baselines}, {"gmm_bias_relu", gmm_bias_relu_baselines}};
  const std::string family = workloads::workload_info(o.workload).name;
  auto factory = factories.find(family);
  if (factory == factories.end()) {
    std::string known;
    for (const auto& [name, f] : factories) known += (known.empty() ? "" : ", ") + name;
    throw UserError(fmt::format("loom-bench has no baseline for '{}'; it has: {}", o.workload, known));
  }
  Baselines baselines = factory->second(params, loom_bufs, expected);

  auto args = std::make_shared<std::vector<void*>>(loom_bufs.args());
  std::vector<Contender> all;
  all.push_back(contender("loom", [&kernel, args] { kernel(args->data()); }));
  for (auto& c : baselines.contenders) all.push_back(std::move(c));
  // The unscheduled kernel writes its own output (same inputs).
  Buffers plain_bufs = loom_bufs;
  auto plain_args = std::make_shared<std::vector<void*>>(plain_bufs.args());
  if (unscheduled_kernel) {
    all.push_back(
        contender("unscheduled", [&unscheduled_kernel, plain_args] { (*unscheduled_kernel)(plain_args->data()); }));
  }

  // Correctness: loom (and the unscheduled kernel) against oneDNN.
  all[0].run();
  all[1].run();
  double err = max_rel_error(loom_bufs.arrays.back(), expected);
  if (unscheduled_kernel) {
    all.back().run();
    err = std::max(err, max_rel_error(plain_bufs.arrays.back(), expected));
  }
  fmt::print("{} {}: {:.3g} GFLOP per call, {} thread(s), schedule {}\n", o.workload, fmt::join(o.sets, " "),
             flops * 1e-9, o.threads > 0 ? o.threads : int(std::thread::hardware_concurrency()),
             o.schedule.empty() ? "(none)" : o.schedule);
  fmt::print("loom compiled for {} by LLVM\n", code.cpu);
  const bool mismatch = !(err <= baselines.tolerance);
  fmt::print("check: loom vs oneDNN max relative error {:.2e} (tolerance {:.0e}){}\n", err, baselines.tolerance,
             mismatch ? "  *** MISMATCH: loom's output differs from oneDNN's ***" : "");
  if (o.show_asm) std::cout << code.assembly;

  // Calibrate the number of calls per sample, then alternate.
  cpu::TimingOptions calib;
  calib.repeat = 1;
  calib.min_repeat_ms = o.min_repeat_ms;
  for (auto& c : all) c.number = cpu::time_function(c.run, calib).number;
  cpu::TimingOptions sample;
  sample.warmup = 0;
  sample.repeat = 1;
  sample.flush_cache = o.flush_cache;
  for (int r = 0; r < o.rounds; ++r) {
    for (auto& c : all) {
      sample.number = c.number;
      c.samples.push_back(cpu::time_function(c.run, sample).samples_s[0]);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const double base = cpu::median(all[1].samples);
  const double plain = unscheduled_kernel ? cpu::median(all.back().samples) : 0;
  fmt::print("{:<12} {:>12} {:>12} {:>12} {:>10} {:>14}{}\n", "", "median ms", "min ms", "max ms", "GFLOP/s",
             "vs oneDNN", unscheduled_kernel ? fmt::format(" {:>16}", "vs unscheduled") : "");
  for (auto& c : all) {
    double med = cpu::median(c.samples);
    fmt::print("{:<12} {:>12.3f} {:>12.3f} {:>12.3f} {:>10.1f} {:>13.1f}%{}\n", c.name, med * 1e3,
               *std::min_element(c.samples.begin(), c.samples.end()) * 1e3,
               *std::max_element(c.samples.begin(), c.samples.end()) * 1e3, flops / med * 1e-9, 100 * base / med,
               unscheduled_kernel ? fmt::format(" {:>15.1f}x", plain / med) : "");
  }
  fmt::print("({} rounds, alternating; each sample ≥ {} ms)\n", o.rounds, o.min_repeat_ms);
  if (mismatch) {
    fmt::print(stderr, "loom-bench: MISMATCH: loom's output differs from oneDNN's (max relative error {:.2e})\n", err);
  }
  return mismatch ? 2 : 0;
}

}  // namespace
}  // namespace loom::bench

int main(int argc, char** argv) {
  loom::bench::Options o;
  CLI::App app("loom-bench: loom's kernel vs oneDNN (and OpenBLAS for gmm), measured side by side");
  app.add_option("workload", o.workload,
                 "Zoo workload: gmm, bmm, tbg, c1d, c2d, c3d, dil, grp, dep, t2d, cbr, nrm, sfm or gmm_bias_relu")
      ->required();
  app.add_option("--set", o.sets, "Shape parameter K=V (repeatable), as `loom print`");
  app.add_option("--schedule", o.schedule, "Schedule script applied to loom's kernel");
  app.add_option("--threads", o.threads, "Threads for every contender (0: all cores)")->capture_default_str();
  app.add_option("--rounds", o.rounds, "Alternating rounds (one sample of each contender per round)")
      ->capture_default_str();
  app.add_option("--min-repeat-ms", o.min_repeat_ms, "Minimum duration of one sample")->capture_default_str();
  app.add_flag("--flush-cache", o.flush_cache, "Flush the caches before each sample");
  app.add_flag("--asm", o.show_asm, "Print loom's assembly");
  app.add_flag("--lowered", o.show_lowered, "Print loom's lowered kernel (TVMScript)");
  app.add_option("--asm-out", o.asm_out, "Write loom's assembly to this file");
  app.add_flag("--unscheduled", o.unscheduled, "Also time the workload compiled without a schedule, side by side");
  CLI11_PARSE(app, argc, argv);
  try {
    return loom::bench::run(o);
  } catch (const std::exception& e) {
    std::cerr << "loom-bench: error: " << e.what() << "\n";
    return 1;
  }
}
