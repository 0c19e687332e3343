// Every zoo workload, on small shapes, run in the reference interpreter on random inputs
// and compared with a naive C++ implementation written here from the operator's definition.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <sstream>

#include "block_helpers.h"
#include "loom/workloads/zoo.h"

namespace loom::workloads {
namespace {

using testing::run_on_random;
using testing::values;
using Vec = std::vector<double>;
using Params = std::map<std::string, int64_t>;

constexpr uint64_t kSeed = 20240607;

// Runs the workload on random inputs; returns the inputs and the output (the last buffer).
struct Result {
  std::vector<Vec> inputs;
  interp::NDArray output;
};

Result run_workload(const std::string& name, const Params& params, uint64_t seed = kSeed) {
  ir::PrimFunc func = make_workload(name, params);
  std::vector<interp::NDArray> arrays = run_on_random(func, seed);
  Result r;
  for (size_t i = 0; i + 1 < arrays.size(); ++i) r.inputs.push_back(values(arrays[i]));
  r.output = arrays.back();
  return r;
}

void expect_matches(const Result& r, const Vec& expected, const std::string& what, uint64_t seed = kSeed) {
  interp::NDArray want = interp::NDArray::from_doubles(ir::DataType::Float(32), r.output.shape(), expected);
  interp::CompareResult cmp = interp::allclose(r.output, want, 1e-4, 1e-5);
  EXPECT_TRUE(cmp.ok) << what << " (seed " << seed << "): " << cmp.message;
}

// Row-major offset of a coordinate in a shape.
int64_t offset(const std::vector<int64_t>& shape, const std::vector<int64_t>& coord) {
  int64_t off = 0;
  for (size_t i = 0; i < shape.size(); ++i) off = off * shape[i] + coord[i];
  return off;
}

// Calls fn on every coordinate of `shape`, row-major.
void for_each_coord(const std::vector<int64_t>& shape, const std::function<void(const std::vector<int64_t>&)>& fn) {
  std::vector<int64_t> c(shape.size(), 0);
  for (int64_t e : shape) {
    if (e <= 0) return;
  }
  while (true) {
    fn(c);
    size_t d = shape.size();
    while (d > 0) {
      if (++c[d - 1] < shape[d - 1]) break;
      c[d - 1] = 0;
      --d;
    }
    if (d == 0) return;
  }
}

// A direct channels-last convolution: data (N, X..., CI), weight (K..., CI/g, CO).
Vec conv_reference(const Vec& data, const Vec& weight, int64_t n, const std::vector<int64_t>& in, int64_t ci,
                   int64_t co, int64_t k, int64_t stride, int64_t pad, int64_t dil, int64_t groups) {
  size_t rank = in.size();
  std::vector<int64_t> data_shape = {n}, w_shape, out_shape = {n}, kshape;
  for (size_t d = 0; d < rank; ++d) {
    data_shape.push_back(in[d]);
    out_shape.push_back((in[d] + 2 * pad - dil * (k - 1) - 1) / stride + 1);
    w_shape.push_back(k);
    kshape.push_back(k);
  }
  data_shape.push_back(ci);
  out_shape.push_back(co);
  w_shape.push_back(ci / groups);
  w_shape.push_back(co);
  Vec out;
  for_each_coord(out_shape, [&](const std::vector<int64_t>& o) {
    int64_t oc = o[rank + 1];
    int64_t group = oc / (co / groups);
    double acc = 0;
    for_each_coord(kshape, [&](const std::vector<int64_t>& r) {
      std::vector<int64_t> x = {o[0]};
      for (size_t d = 0; d < rank; ++d) {
        int64_t pos = o[d + 1] * stride + r[d] * dil - pad;
        if (pos < 0 || pos >= in[d]) return;
        x.push_back(pos);
      }
      x.push_back(0);
      std::vector<int64_t> w(r);
      w.push_back(0);
      w.push_back(oc);
      for (int64_t c = 0; c < ci / groups; ++c) {
        x.back() = group * (ci / groups) + c;
        w[rank] = c;
        acc += data[offset(data_shape, x)] * weight[offset(w_shape, w)];
      }
    });
    out.push_back(acc);
  });
  return out;
}

TEST(WorkloadNumeric, Gmm) {
  int64_t m = 7, n = 5, k = 9;
  Result r = run_workload("gmm", {{"M", m}, {"N", n}, {"K", k}});
  ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{m, n}));
  const Vec &a = r.inputs[0], &b = r.inputs[1];
  Vec c(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kk = 0; kk < k; ++kk) c[i * n + j] += a[i * k + kk] * b[kk * n + j];
  expect_matches(r, c, "gmm");
}

TEST(WorkloadNumeric, Bmm) {
  int64_t bs = 3, m = 4, n = 5, k = 6;
  Result r = run_workload("bmm", {{"B", bs}, {"M", m}, {"N", n}, {"K", k}});
  ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{bs, m, n}));
  const Vec &a = r.inputs[0], &b = r.inputs[1];
  Vec c(bs * m * n, 0.0);
  for (int64_t t = 0; t < bs; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t kk = 0; kk < k; ++kk) c[(t * m + i) * n + j] += a[(t * m + i) * k + kk] * b[(t * k + kk) * n + j];
  expect_matches(r, c, "bmm");
}

TEST(WorkloadNumeric, Conv1d) {
  for (auto [stride, pad, dil] : {std::tuple{2, 1, 1}, std::tuple{1, 2, 2}, std::tuple{3, 0, 1}}) {
    Params p = {{"N", 2}, {"L", 11},          {"CI", 3},        {"CO", 4},
                {"K", 3}, {"stride", stride}, {"padding", pad}, {"dilation", dil}};
    Result r = run_workload("c1d", p);
    Vec want = conv_reference(r.inputs[0], r.inputs[1], 2, {11}, 3, 4, 3, stride, pad, dil, 1);
    expect_matches(r, want, "c1d stride " + std::to_string(stride) + " pad " + std::to_string(pad));
  }
}

TEST(WorkloadNumeric, Conv2d) {
  Params p = {{"N", 2}, {"H", 9}, {"W", 8}, {"CI", 3}, {"CO", 4}, {"K", 3}, {"stride", 2}, {"padding", 1}};
  Result r = run_workload("c2d", p);
  ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{2, 5, 4, 4}));
  expect_matches(r, conv_reference(r.inputs[0], r.inputs[1], 2, {9, 8}, 3, 4, 3, 2, 1, 1, 1), "c2d");
}

TEST(WorkloadNumeric, Conv3d) {
  Params p = {{"N", 1}, {"D", 5}, {"H", 6}, {"W", 5}, {"CI", 2}, {"CO", 3}, {"K", 3}, {"stride", 2}, {"padding", 1}};
  Result r = run_workload("c3d", p);
  ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{1, 3, 3, 3, 3}));
  expect_matches(r, conv_reference(r.inputs[0], r.inputs[1], 1, {5, 6, 5}, 2, 3, 3, 2, 1, 1, 1), "c3d");
}

TEST(WorkloadNumeric, Depthwise) {
  int64_t h = 7, w = 6, c = 4, k = 3, s = 2, p = 1;
  Result r = run_workload("dep", {{"H", h}, {"W", w}, {"C", c}, {"K", k}, {"stride", s}, {"padding", p}});
  int64_t oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
  ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{1, oh, ow, c}));
  const Vec &data = r.inputs[0], &weight = r.inputs[1];
  Vec want;
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x = 0; x < ow; ++x)
      for (int64_t ch = 0; ch < c; ++ch) {
        double acc = 0;
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            int64_t iy = y * s + ky - p, ix = x * s + kx - p;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            acc += data[(iy * w + ix) * c + ch] * weight[(ky * k + kx) * c + ch];
          }
        want.push_back(acc);
      }
  expect_matches(r, want, "dep");
}

TEST(WorkloadNumeric, Dilated) {
  Params p = {{"H", 10}, {"W", 9}, {"CI", 2}, {"CO", 3}, {"K", 3}, {"stride", 1}, {"padding", 2}};
  Result r = run_workload("dil", p);  // default dilation 2
  ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{1, 10, 9, 3}));
  expect_matches(r, conv_reference(r.inputs[0], r.inputs[1], 1, {10, 9}, 2, 3, 3, 1, 2, 2, 1), "dil");
}

TEST(WorkloadNumeric, Group) {
  Params p = {{"H", 7}, {"W", 6}, {"CI", 4}, {"CO", 6}, {"K", 3}, {"stride", 2}, {"padding", 1}, {"groups", 2}};
  Result r = run_workload("grp", p);
  expect_matches(r, conv_reference(r.inputs[0], r.inputs[1], 1, {7, 6}, 4, 6, 3, 2, 1, 1, 2), "grp");
}

TEST(WorkloadNumeric, TransposedConv2d) {
  for (auto [k, s, p] : {std::tuple{4, 2, 1}, std::tuple{3, 1, 0}, std::tuple{3, 3, 2}, std::tuple{2, 2, 0}}) {
    int64_t n = 1, h = 3, w = 4, ci = 3, co = 2;
    Params params = {{"N", n}, {"H", h}, {"W", w}, {"CI", ci}, {"CO", co}, {"K", k}, {"stride", s}, {"padding", p}};
    Result r = run_workload("t2d", params);
    int64_t oh = (h - 1) * s - 2 * p + k, ow = (w - 1) * s - 2 * p + k;
    ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{n, oh, ow, co}));
    // Scatter form: every input pixel adds its kernel-weighted contribution.
    const Vec &data = r.inputs[0], &weight = r.inputs[1];
    Vec want(oh * ow * co, 0.0);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            int64_t oy = y * s + ky - p, ox = x * s + kx - p;
            if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
            for (int64_t c = 0; c < ci; ++c)
              for (int64_t o = 0; o < co; ++o)
                want[(oy * ow + ox) * co + o] += data[(y * w + x) * ci + c] * weight[((ky * k + kx) * ci + c) * co + o];
          }
    expect_matches(r, want,
                   "t2d K " + std::to_string(k) + " stride " + std::to_string(s) + " pad " + std::to_string(p));
  }
}

TEST(WorkloadNumeric, ConvBiasRelu) {
  int64_t h = 6, w = 5, ci = 2, co = 3;
  Params p = {{"H", h}, {"W", w}, {"CI", ci}, {"CO", co}, {"K", 3}, {"stride", 1}, {"padding", 1}};
  Result r = run_workload("cbr", p);
  ASSERT_EQ(r.inputs.size(), 5u);
  const Vec &bias = r.inputs[2], &scale = r.inputs[3], &shift = r.inputs[4];
  Vec conv = conv_reference(r.inputs[0], r.inputs[1], 1, {h, w}, ci, co, 3, 1, 1, 1, 1);
  Vec want(conv.size());
  int positives = 0;
  for (size_t i = 0; i < conv.size(); ++i) {
    size_t c = i % co;
    want[i] = std::max((conv[i] + bias[c]) * scale[c] + shift[c], 0.0);
    positives += want[i] > 0;
  }
  // Random inputs give both signs, so the relu is really exercised.
  EXPECT_GT(positives, 0);
  EXPECT_LT(positives, static_cast<int>(want.size()));
  expect_matches(r, want, "cbr");
}

TEST(WorkloadNumeric, TransposeBatchMatmul) {
  int64_t b = 2, s = 5, h = 3, d = 4;
  Result r = run_workload("tbg", {{"B", b}, {"S", s}, {"H", h}, {"D", d}});
  ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{b, h, s, s}));
  const Vec &q = r.inputs[0], &key = r.inputs[1];
  auto at = [&](const Vec& t, int64_t bb, int64_t ss, int64_t hh, int64_t dd) {
    return t[((bb * s + ss) * h + hh) * d + dd];
  };
  Vec want;
  for (int64_t bb = 0; bb < b; ++bb)
    for (int64_t hh = 0; hh < h; ++hh)
      for (int64_t i = 0; i < s; ++i)
        for (int64_t j = 0; j < s; ++j) {
          double acc = 0;
          for (int64_t dd = 0; dd < d; ++dd) acc += at(q, bb, i, hh, dd) * at(key, bb, j, hh, dd);
          want.push_back(acc);
        }
  expect_matches(r, want, "tbg");
}

TEST(WorkloadNumeric, Norm) {
  int64_t b = 2, m = 5, n = 6;
  Result r = run_workload("nrm", {{"B", b}, {"M", m}, {"N", n}});
  ASSERT_EQ(r.output.shape(), (std::vector<int64_t>{b}));
  Vec want(b, 0.0);
  for (int64_t i = 0; i < b * m * n; ++i) want[i / (m * n)] += r.inputs[0][i] * r.inputs[0][i];
  for (double& v : want) v = std::sqrt(v);
  expect_matches(r, want, "nrm");
}

TEST(WorkloadNumeric, Softmax) {
  int64_t m = 4, n = 7;
  Result r = run_workload("sfm", {{"M", m}, {"N", n}});
  const Vec& a = r.inputs[0];
  Vec want(m * n);
  for (int64_t i = 0; i < m; ++i) {
    double mx = *std::max_element(a.begin() + i * n, a.begin() + (i + 1) * n);
    double total = 0;
    for (int64_t j = 0; j < n; ++j) total += std::exp(a[i * n + j] - mx);
    for (int64_t j = 0; j < n; ++j) want[i * n + j] = std::exp(a[i * n + j] - mx) / total;
  }
  expect_matches(r, want, "sfm");
  // Rows sum to one.
  for (int64_t i = 0; i < m; ++i) {
    double row = 0;
    for (int64_t j = 0; j < n; ++j) row += r.output.get_double(i * n + j);
    EXPECT_NEAR(row, 1.0, 1e-5);
  }
}

TEST(WorkloadNumeric, SoftmaxOfLargeValuesStaysFinite) {
  // The max-subtraction stage keeps exp from overflowing: feed values near 100.
  ir::PrimFunc func = make_workload("sfm", {{"M", 2}, {"N", 3}});
  std::vector<interp::NDArray> arrays = interp::allocate_params(func);
  for (int64_t i = 0; i < 6; ++i) arrays[0].set_double(i, 100.0 + static_cast<double>(i));
  interp::run(func, {&arrays[0], &arrays[1]});
  double e0 = std::exp(-2.0), e1 = std::exp(-1.0);
  EXPECT_NEAR(arrays[1].get_double(2), 1.0 / (1.0 + e0 + e1), 1e-5);
  EXPECT_NEAR(arrays[1].get_double(0), e0 / (1.0 + e0 + e1), 1e-5);
}

TEST(WorkloadNumeric, GmmBiasRelu) {
  int64_t m = 6, n = 5, k = 4;
  Result r = run_workload("gmm_bias_relu", {{"M", m}, {"N", n}, {"K", k}});
  const Vec &a = r.inputs[0], &b = r.inputs[1], &bias = r.inputs[2];
  Vec want(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t kk = 0; kk < k; ++kk) acc += a[i * k + kk] * b[kk * n + j];
      want[i * n + j] = std::max(acc + bias[j], 0.0);
    }
  expect_matches(r, want, "gmm_bias_relu");
}

TEST(WorkloadNumeric, SeveralSeedsForEveryConvolution) {
  // A second and third seed for the index-heavy workloads, so a lucky cancellation on one
  // input cannot hide an indexing bug.
  for (uint64_t seed : {1u, 77u}) {
    Params p = {{"H", 5}, {"W", 7}, {"CI", 4}, {"CO", 4}, {"K", 3}, {"stride", 2}, {"padding", 1}, {"groups", 4}};
    Result r = run_workload("grp", p, seed);
    expect_matches(r, conv_reference(r.inputs[0], r.inputs[1], 1, {5, 7}, 4, 4, 3, 2, 1, 1, 4), "grp depthwise-like",
                   seed);
    Params c = {{"H", 6}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 2}, {"stride", 1}, {"padding", 0}, {"dilation", 3}};
    Result rc = run_workload("c2d", c, seed);
    expect_matches(rc, conv_reference(rc.inputs[0], rc.inputs[1], 1, {6, 4}, 2, 2, 2, 1, 0, 3, 1), "c2d dilation 3",
                   seed);
  }
}

TEST(WorkloadNumeric, RandomConvolutionShapes) {
  // Random valid (shape, kernel, stride, padding, dilation, groups) combinations of the
  // grouped 2-D convolution and the transposed convolution against the references.
  constexpr uint32_t kShapeSeed = 1234;
  std::mt19937 rng(kShapeSeed);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (int trial = 0; trial < 25; ++trial) {
    int64_t groups = pick(1, 3), k = pick(1, 3), dil = pick(1, 2), stride = pick(1, 3), pad = pick(0, 2);
    int64_t ci = groups * pick(1, 2), co = groups * pick(1, 2);
    int64_t span = dil * (k - 1) + 1;
    int64_t h = std::max<int64_t>(pick(1, 7), span - 2 * pad), w = std::max<int64_t>(pick(1, 7), span - 2 * pad);
    Params p = {{"N", 1}, {"H", h},           {"W", w},         {"CI", ci},        {"CO", co},
                {"K", k}, {"stride", stride}, {"padding", pad}, {"dilation", dil}, {"groups", groups}};
    std::ostringstream what;
    what << "trial " << trial << " (shape seed " << kShapeSeed << "): grp";
    for (const auto& [key, value] : p) what << " " << key << "=" << value;
    Result r = run_workload("grp", p, kSeed + trial);
    expect_matches(r, conv_reference(r.inputs[0], r.inputs[1], 1, {h, w}, ci, co, k, stride, pad, dil, groups),
                   what.str(), kSeed + trial);
  }
  for (int trial = 0; trial < 15; ++trial) {
    int64_t k = pick(1, 4), stride = pick(1, 3), pad = pick(0, k - 1), h = pick(1, 4), w = pick(1, 4);
    Params p = {{"N", 1}, {"H", h}, {"W", w}, {"CI", 2}, {"CO", 2}, {"K", k}, {"stride", stride}, {"padding", pad}};
    int64_t oh = (h - 1) * stride - 2 * pad + k, ow = (w - 1) * stride - 2 * pad + k;
    if (oh < 1 || ow < 1) continue;
    Result r = run_workload("t2d", p, kSeed + trial);
    const Vec &data = r.inputs[0], &weight = r.inputs[1];
    Vec want(oh * ow * 2, 0.0);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            int64_t oy = y * stride + ky - pad, ox = x * stride + kx - pad;
            if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
            for (int64_t c = 0; c < 2; ++c)
              for (int64_t o = 0; o < 2; ++o)
                want[(oy * ow + ox) * 2 + o] += data[(y * w + x) * 2 + c] * weight[((ky * k + kx) * 2 + c) * 2 + o];
          }
    std::ostringstream what;
    what << "trial " << trial << " (shape seed " << kShapeSeed << "): t2d";
    for (const auto& [key, value] : p) what << " " << key << "=" << value;
    expect_matches(r, want, what.str(), kSeed + trial);
  }
}

}  // namespace
}  // namespace loom::workloads
