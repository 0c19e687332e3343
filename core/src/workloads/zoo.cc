// The zoo registry: every workload's name, description and parameters, and the checks on
// user-given parameter values before a builder runs.
#include "loom/workloads/zoo.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "builders.h"
#include "loom/ir/error.h"

namespace loom::workloads {

namespace detail {

int64_t Params::operator[](const std::string& name) const {
  auto it = values_.find(name);
  LOOM_ICHECK(it != values_.end(), "workload " + workload_ + " has no parameter " + name);
  return it->second;
}

void Params::require(bool ok, const std::string& rule) const {
  if (!ok) throw UserError("workload " + workload_ + ": " + rule);
}

}  // namespace detail

namespace {

using Builder = ir::PrimFunc (*)(const detail::Params&);

struct Entry {
  WorkloadInfo info;
  Builder build;
};

WorkloadParam param(std::string name, int64_t value, std::string doc, int64_t min_value = 1) {
  return WorkloadParam{std::move(name), value, std::move(doc), min_value};
}

// The parameters shared by the 2-D convolutions.
std::vector<WorkloadParam> conv2d_params(int64_t n, int64_t h, int64_t w, int64_t ci, int64_t co, int64_t k,
                                         int64_t stride, int64_t padding) {
  return {param("N", n, "batch size"),
          param("H", h, "input height"),
          param("W", w, "input width"),
          param("CI", ci, "input channels"),
          param("CO", co, "output channels"),
          param("K", k, "kernel height and width"),
          param("stride", stride, "stride in both spatial dimensions"),
          param("padding", padding, "zero padding on every side of both spatial dimensions", 0)};
}

template <typename T>
std::vector<T> concat(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> e;
    e.push_back({{"gmm",
                  "General matrix multiply C[i, j] = sum_k A[i, k] * B[k, j]; A is (M, K), B is (K, N), C is (M, N). "
                  "One block.",
                  {param("M", 1024, "rows of A and C"), param("N", 1024, "columns of B and C"),
                   param("K", 1024, "the reduction length")}},
                 detail::build_gmm});
    e.push_back({{"bmm",
                  "Batch matrix multiply C[b, i, j] = sum_k A[b, i, k] * B[b, k, j]; A is (B, M, K), B is (B, K, N), "
                  "C is (B, M, N). One block.",
                  {param("B", 16, "batch size"), param("M", 128, "rows of A and C"),
                   param("N", 128, "columns of B and C"), param("K", 128, "the reduction length")}},
                 detail::build_bmm});
    e.push_back({{"c1d",
                  "1-D convolution, NWC layout: data (N, L, CI), weight (K, CI, CO) (WIO), output conv1d_nwc "
                  "(N, OL, CO); blocks pad_temp and conv1d_nwc.",
                  {param("N", 1, "batch size"), param("L", 256, "input length"), param("CI", 64, "input channels"),
                   param("CO", 128, "output channels"), param("K", 3, "kernel width"), param("stride", 2, "stride"),
                   param("padding", 1, "zero padding on each side", 0), param("dilation", 1, "kernel dilation")}},
                 detail::build_c1d});
    e.push_back({{"c2d",
                  "2-D convolution, NHWC layout: data (N, H, W, CI), weight (K, K, CI, CO) (HWIO), output "
                  "conv2d_nhwc (N, OH, OW, CO); blocks pad_temp and conv2d_nhwc.",
                  concat(conv2d_params(1, 224, 224, 3, 64, 7, 2, 3), {param("dilation", 1, "kernel dilation")})},
                 detail::build_c2d});
    e.push_back(
        {{"c3d",
          "3-D convolution, NDHWC layout: data (N, D, H, W, CI), weight (K, K, K, CI, CO) (DHWIO), output "
          "conv3d_ndhwc (N, OD, OH, OW, CO); blocks pad_temp and conv3d_ndhwc.",
          {param("N", 1, "batch size"), param("D", 16, "input depth"), param("H", 224, "input height"),
           param("W", 224, "input width"), param("CI", 3, "input channels"), param("CO", 64, "output channels"),
           param("K", 7, "kernel depth, height and width"), param("stride", 2, "stride in every spatial dimension"),
           param("padding", 3, "zero padding on every side of every spatial dimension", 0),
           param("dilation", 1, "kernel dilation")}},
         detail::build_c3d});
    e.push_back({{"dep",
                  "Depthwise 2-D convolution (channel multiplier 1), NHWC layout: data (N, H, W, C), weight "
                  "(K, K, C, 1) (HWOI), output depthwise_conv2d_nhwc (N, OH, OW, C); blocks pad_temp and "
                  "depthwise_conv2d_nhwc.",
                  {param("N", 1, "batch size"), param("H", 112, "input height"), param("W", 112, "input width"),
                   param("C", 32, "channels"), param("K", 3, "kernel height and width"),
                   param("stride", 1, "stride in both spatial dimensions"),
                   param("padding", 1, "zero padding on every side of both spatial dimensions", 0)}},
                 detail::build_dep});
    e.push_back({{"dil",
                  "Dilated 2-D convolution (the C2D shape with dilation 2), NHWC layout: data (N, H, W, CI), weight "
                  "(K, K, CI, CO) (HWIO), output conv2d_nhwc (N, OH, OW, CO); blocks pad_temp and conv2d_nhwc.",
                  concat(conv2d_params(1, 224, 224, 3, 64, 7, 2, 3), {param("dilation", 2, "kernel dilation")})},
                 detail::build_dil});
    e.push_back(
        {{"grp",
          "Group 2-D convolution, NHWC layout: data (N, H, W, CI), weight (K, K, CI / groups, CO) (HWIO), "
          "output group_conv2d_nhwc (N, OH, OW, CO), output channel co reading input group "
          "co / (CO / groups); blocks pad_temp and group_conv2d_nhwc.",
          concat(conv2d_params(1, 56, 56, 64, 128, 3, 2, 1),
                 {param("dilation", 1, "kernel dilation"), param("groups", 4, "channel groups (divides CI and CO)")})},
         detail::build_grp});
    e.push_back({{"t2d",
                  "Transposed 2-D convolution, NHWC layout: data (N, H, W, CI), weight (K, K, CI, CO) (HWIO), "
                  "output conv2d_transpose_nhwc (N, (H-1)*stride - 2*padding + K, ..., CO) with "
                  "out[n, y*stride + kh - padding, x*stride + kw - padding, co] += data[n, y, x, ci] * "
                  "weight[kh, kw, ci, co]; blocks data_dilate_pad (input dilated by the stride and padded) and "
                  "conv2d_transpose_nhwc (flipped kernel).",
                  conv2d_params(1, 4, 4, 512, 256, 4, 2, 1)},
                 detail::build_t2d});
    e.push_back({{"cbr",
                  "2-D convolution + bias + batch-norm scale and shift + relu as separate blocks (the C2D shape), "
                  "NHWC layout: data (N, H, W, CI), weight (K, K, CI, CO) (HWIO), bias, bn_scale, bn_offset (CO), "
                  "output relu (N, OH, OW, CO); blocks pad_temp, conv2d_nhwc, bias_add, bn_mul, bn_add, relu.",
                  concat(conv2d_params(1, 224, 224, 3, 64, 7, 2, 3), {param("dilation", 1, "kernel dilation")})},
                 detail::build_cbr});
    e.push_back({{"tbg",
                  "Transpose + batch matmul as in attention: query and key (B, S, H, D) are transposed to query_T "
                  "(B, H, S, D) and key_T (B, H, D, S) and multiplied into C (B, H, S, S); blocks query_T, key_T, C.",
                  {param("B", 1, "batch size"), param("S", 128, "sequence length"), param("H", 12, "heads"),
                   param("D", 64, "head dimension")}},
                 detail::build_tbg});
    e.push_back({{"nrm",
                  "Norm per batch: D[b] = sqrt(sum_{i, j} A[b, i, j]^2); A is (B, M, N), D is (B,); blocks C (sum "
                  "of squares) and D (sqrt).",
                  {param("B", 1, "batch size"), param("M", 256, "rows"), param("N", 256, "columns")}},
                 detail::build_nrm});
    e.push_back({{"sfm",
                  "Softmax over the last axis of A (M, N) into T_softmax_norm (M, N); blocks T_softmax_maxelem "
                  "(row max), T_softmax_exp, T_softmax_expsum (row sum), T_softmax_norm (divide).",
                  {param("M", 256, "rows"), param("N", 256, "columns (the softmax axis)")}},
                 detail::build_sfm});
    e.push_back({{"gmm_bias_relu",
                  "Matmul + bias + relu: matmul = A (M, K) x B (K, N), bias_add = matmul + bias[j] (bias is (N,)), "
                  "relu = max(bias_add, 0) (M, N); three blocks.",
                  {param("M", 1024, "rows of A and the output"), param("N", 1024, "columns of B and the output"),
                   param("K", 1024, "the reduction length")}},
                 detail::build_gmm_bias_relu});
    return e;
  }();
  return entries;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

const Entry& find_entry(std::string_view name) {
  std::string key = lower(name);
  for (const Entry& e : registry()) {
    if (e.info.name == key) return e;
  }
  std::string known;
  for (const Entry& e : registry()) known += (known.empty() ? "" : ", ") + e.info.name;
  throw UserError("unknown workload '" + std::string(name) + "'; the zoo has: " + known);
}

}  // namespace

const std::vector<WorkloadInfo>& workloads() {
  static const std::vector<WorkloadInfo> infos = [] {
    std::vector<WorkloadInfo> out;
    for (const Entry& e : registry()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

const WorkloadInfo& workload_info(std::string_view name) { return find_entry(name).info; }

ir::PrimFunc make_workload(std::string_view name, const std::map<std::string, int64_t>& overrides) {
  const Entry& entry = find_entry(name);
  const WorkloadInfo& info = entry.info;
  std::map<std::string, int64_t> values;
  for (const WorkloadParam& p : info.params) values[p.name] = p.default_value;
  for (const auto& entry : overrides) {
    // Named copies, not a structured binding: the lambda below captures the key.
    const std::string& key = entry.first;
    int64_t value = entry.second;
    auto it =
        std::find_if(info.params.begin(), info.params.end(), [&](const WorkloadParam& p) { return p.name == key; });
    if (it == info.params.end()) {
      std::string valid;
      for (const WorkloadParam& p : info.params) valid += (valid.empty() ? "" : ", ") + p.name;
      throw UserError("workload " + info.name + " has no parameter '" + key + "'; its parameters are: " + valid);
    }
    if (value < it->min_value) {
      throw UserError("workload " + info.name + ": parameter " + key + " = " + std::to_string(value) +
                      " is invalid; it must be at least " + std::to_string(it->min_value));
    }
    // Every shape parameter ends up as (or inside) an int32 extent.
    if (value > std::numeric_limits<int32_t>::max()) {
      throw UserError("workload " + info.name + ": parameter " + key + " = " + std::to_string(value) +
                      " is invalid; it must fit in int32");
    }
    values[key] = value;
  }
  return entry.build(detail::Params(info.name, std::move(values)));
}

}  // namespace loom::workloads
