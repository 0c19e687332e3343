// The zoo's convolution workloads: C1D, C2D, C3D, DEP, DIL, GRP, T2D and CBR, channels-last
// with HWIO weights as in Ansor's benchmarks. Each pads its input in a separate stage
// (topi-style) and reduces in the next one.
#include "builders.h"
#include "loom/ir/builder.h"
#include "loom/workloads/nn.h"
#include "loom/workloads/te.h"

namespace loom::workloads::detail {

namespace {

using ir::Expr;
using ir::Var;
using Idx = std::vector<Var>;

// e * c, without the multiplication when c is 1 (keeps the common case readable).
Expr scaled(const Expr& e, int64_t c) { return c == 1 ? e : e * ir::make_int(c); }

// A (grouped, dilated, strided) convolution over `rank` spatial dimensions.
struct ConvSpec {
  int64_t batch = 1;
  std::vector<int64_t> in_size;  // one per spatial dimension
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t dilation = 1;
  int64_t groups = 1;
  std::vector<std::string> dim_names;  // spatial dimension letters: {"h", "w"}
  std::string name;                    // the conv stage, e.g. "conv2d_nhwc"
};

struct ConvStages {
  Tensor data;
  Tensor weight;
  Tensor out;
};

// The output extent of one spatial dimension, checked to be positive.
int64_t conv_out_size(const Params& p, const std::string& dim, int64_t in, int64_t kernel, int64_t stride,
                      int64_t padding, int64_t dilation) {
  int64_t span = dilation * (kernel - 1) + 1;
  p.require(in + 2 * padding >= span, "the dilated kernel (" + std::to_string(span) + ") is larger than the padded " +
                                          dim + " extent (" + std::to_string(in + 2 * padding) + ")");
  return (in + 2 * padding - span) / stride + 1;
}

// Builds data (N, spatial..., CI), weight (K..., CI / groups, CO), the pad stage and the
// convolution: out[n, o..., co] = sum_{r..., rc} pad[n, o*stride + r*dilation..., ci] *
// weight[r..., rc, co] with ci = (co / (CO / groups)) * (CI / groups) + rc.
ConvStages conv_nd(const Params& p, const ConvSpec& s) {
  p.require(s.in_channels % s.groups == 0, "the input channels (" + std::to_string(s.in_channels) +
                                               ") must be divisible by groups (" + std::to_string(s.groups) + ")");
  p.require(s.out_channels % s.groups == 0, "the output channels (" + std::to_string(s.out_channels) +
                                                ") must be divisible by groups (" + std::to_string(s.groups) + ")");
  size_t rank = s.in_size.size();
  int64_t ci_per_group = s.in_channels / s.groups;
  int64_t co_per_group = s.out_channels / s.groups;

  std::vector<int64_t> data_shape = {s.batch};
  std::vector<int64_t> weight_shape;
  std::vector<int64_t> out_shape = {s.batch};
  std::vector<int64_t> pads = {0};
  for (size_t d = 0; d < rank; ++d) {
    data_shape.push_back(s.in_size[d]);
    weight_shape.push_back(s.kernel);
    out_shape.push_back(conv_out_size(p, s.dim_names[d], s.in_size[d], s.kernel, s.stride, s.padding, s.dilation));
    pads.push_back(s.padding);
  }
  data_shape.push_back(s.in_channels);
  weight_shape.push_back(ci_per_group);
  weight_shape.push_back(s.out_channels);
  out_shape.push_back(s.out_channels);
  pads.push_back(0);

  Tensor data = placeholder(data_shape, "data");
  Tensor weight = placeholder(weight_shape, "weight");
  Tensor padded = pad(data, pads, pads, 0.0, "pad_temp");

  std::vector<ir::IterVar> reduce;
  std::vector<std::string> axis_names = {"n"};
  for (size_t d = 0; d < rank; ++d) {
    reduce.push_back(reduce_axis(s.kernel, "r" + s.dim_names[d]));
    axis_names.push_back("o" + s.dim_names[d]);
  }
  reduce.push_back(reduce_axis(ci_per_group, "rc"));
  axis_names.push_back("co");

  Tensor out = compute(
      out_shape,
      [&](const Idx& i) -> ComputeBody {
        Expr rc = reduce[rank].var;
        Expr co = i[rank + 1];
        Expr ci = s.groups == 1 ? rc : scaled(ir::floordiv(co, ir::make_int(co_per_group)), ci_per_group) + rc;
        std::vector<Expr> in_index = {i[0]};
        std::vector<Expr> w_index;
        for (size_t d = 0; d < rank; ++d) {
          in_index.push_back(scaled(i[d + 1], s.stride) + scaled(reduce[d].var, s.dilation));
          w_index.push_back(reduce[d].var);
        }
        in_index.push_back(ci);
        w_index.push_back(rc);
        w_index.push_back(co);
        return sum(padded(in_index) * weight(w_index), reduce);
      },
      s.name, axis_names);
  return {data, weight, out};
}

ConvSpec conv2d_spec(const Params& p, int64_t dilation, int64_t groups, std::string name) {
  ConvSpec s;
  s.batch = p["N"];
  s.in_size = {p["H"], p["W"]};
  s.in_channels = p["CI"];
  s.out_channels = p["CO"];
  s.kernel = p["K"];
  s.stride = p["stride"];
  s.padding = p["padding"];
  s.dilation = dilation;
  s.groups = groups;
  s.dim_names = {"h", "w"};
  s.name = std::move(name);
  return s;
}

}  // namespace

ir::PrimFunc build_c1d(const Params& p) {
  ConvSpec s;
  s.batch = p["N"];
  s.in_size = {p["L"]};
  s.in_channels = p["CI"];
  s.out_channels = p["CO"];
  s.kernel = p["K"];
  s.stride = p["stride"];
  s.padding = p["padding"];
  s.dilation = p["dilation"];
  s.dim_names = {"l"};
  s.name = "conv1d_nwc";
  ConvStages c = conv_nd(p, s);
  return create_prim_func({c.data, c.weight, c.out}, "c1d");
}

ir::PrimFunc build_c2d(const Params& p) {
  ConvStages c = conv_nd(p, conv2d_spec(p, p["dilation"], 1, "conv2d_nhwc"));
  return create_prim_func({c.data, c.weight, c.out}, "c2d");
}

ir::PrimFunc build_dil(const Params& p) {
  ConvStages c = conv_nd(p, conv2d_spec(p, p["dilation"], 1, "conv2d_nhwc"));
  return create_prim_func({c.data, c.weight, c.out}, "dil");
}

ir::PrimFunc build_grp(const Params& p) {
  ConvStages c = conv_nd(p, conv2d_spec(p, p["dilation"], p["groups"], "group_conv2d_nhwc"));
  return create_prim_func({c.data, c.weight, c.out}, "grp");
}

ir::PrimFunc build_c3d(const Params& p) {
  ConvSpec s;
  s.batch = p["N"];
  s.in_size = {p["D"], p["H"], p["W"]};
  s.in_channels = p["CI"];
  s.out_channels = p["CO"];
  s.kernel = p["K"];
  s.stride = p["stride"];
  s.padding = p["padding"];
  s.dilation = p["dilation"];
  s.dim_names = {"d", "h", "w"};
  s.name = "conv3d_ndhwc";
  ConvStages c = conv_nd(p, s);
  return create_prim_func({c.data, c.weight, c.out}, "c3d");
}

ir::PrimFunc build_dep(const Params& p) {
  int64_t n = p["N"], h = p["H"], w = p["W"], ch = p["C"], k = p["K"];
  int64_t stride = p["stride"], padding = p["padding"];
  int64_t oh = conv_out_size(p, "h", h, k, stride, padding, 1);
  int64_t ow = conv_out_size(p, "w", w, k, stride, padding, 1);
  Tensor data = placeholder({n, h, w, ch}, "data");
  Tensor weight = placeholder({k, k, ch, 1}, "weight");
  Tensor padded = pad(data, {0, padding, padding, 0}, {0, padding, padding, 0}, 0.0, "pad_temp");
  ir::IterVar rh = reduce_axis(k, "rh");
  ir::IterVar rw = reduce_axis(k, "rw");
  Tensor out = compute({n, oh, ow, ch},
                       [&](const Idx& i) -> ComputeBody {
                         Expr x = padded(i[0], scaled(i[1], stride) + rh.var, scaled(i[2], stride) + rw.var, i[3]);
                         return sum(x * weight(rh.var, rw.var, i[3], 0), {rh, rw});
                       },
                       "depthwise_conv2d_nhwc", {"n", "oh", "ow", "c"});
  return create_prim_func({data, weight, out}, "dep");
}

ir::PrimFunc build_t2d(const Params& p) {
  int64_t n = p["N"], h = p["H"], w = p["W"], ci = p["CI"], co = p["CO"], k = p["K"];
  int64_t stride = p["stride"], padding = p["padding"];
  p.require(padding <= k - 1, "padding (" + std::to_string(padding) + ") must be at most K - 1 (" +
                                  std::to_string(k - 1) + ") for a transposed convolution");
  // out[n, y*s + kh - p, x*s + kw - p, co] += data[n, y, x, ci] * weight[kh, kw, ci, co],
  // computed as a direct convolution with the flipped kernel over the input dilated by the
  // stride and padded by K - 1 - p on each side.
  int64_t border = k - 1 - padding;
  int64_t oh = (h - 1) * stride - 2 * padding + k;
  int64_t ow = (w - 1) * stride - 2 * padding + k;
  int64_t dh = (h - 1) * stride + 1 + 2 * border;
  int64_t dw = (w - 1) * stride + 1 + 2 * border;
  Tensor data = placeholder({n, h, w, ci}, "data");
  Tensor weight = placeholder({k, k, ci, co}, "weight");
  std::vector<int64_t> in_size = {h, w};
  Tensor dilated = compute(
      {n, dh, dw, ci},
      [&](const Idx& i) -> ComputeBody {
        Expr inside;
        std::vector<Expr> src = {i[0]};
        for (size_t d = 0; d < 2; ++d) {
          Expr x = i[d + 1] - ir::make_int(border);
          std::vector<Expr> conds = {ir::make_int(border) <= i[d + 1],
                                     i[d + 1] < ir::make_int(border + (in_size[d] - 1) * stride + 1)};
          if (stride > 1) conds.push_back(ir::eq(ir::floormod(x, ir::make_int(stride)), 0));
          for (const Expr& cond : conds) inside = inside.defined() ? ir::logical_and(inside, cond) : cond;
          src.push_back(stride > 1 ? ir::floordiv(x, ir::make_int(stride)) : x);
        }
        src.push_back(i[3]);
        return ir::if_then_else(inside, data(src), ir::make_float(0.0));
      },
      "data_dilate_pad");
  ir::IterVar rh = reduce_axis(k, "rh");
  ir::IterVar rw = reduce_axis(k, "rw");
  ir::IterVar rc = reduce_axis(ci, "rc");
  Tensor out = compute({n, oh, ow, co},
                       [&](const Idx& i) -> ComputeBody {
                         Expr x = dilated(i[0], i[1] + rh.var, i[2] + rw.var, rc.var);
                         Expr wt = weight(ir::make_int(k - 1) - rh.var, ir::make_int(k - 1) - rw.var, rc.var, i[3]);
                         return sum(x * wt, {rh, rw, rc});
                       },
                       "conv2d_transpose_nhwc", {"n", "oh", "ow", "co"});
  return create_prim_func({data, weight, out}, "t2d");
}

ir::PrimFunc build_cbr(const Params& p) {
  ConvStages c = conv_nd(p, conv2d_spec(p, p["dilation"], 1, "conv2d_nhwc"));
  int64_t co = p["CO"];
  Tensor bias = placeholder({co}, "bias");
  Tensor scale = placeholder({co}, "bn_scale");
  Tensor shift = placeholder({co}, "bn_offset");
  const std::vector<int64_t>& shape = c.out.shape();
  std::vector<std::string> axes = {"n", "oh", "ow", "co"};
  auto elementwise = [&](const Tensor& in, const std::string& name, auto op) {
    return compute(
        shape, [&](const Idx& i) -> ComputeBody { return op(in(i[0], i[1], i[2], i[3]), i[3]); }, name, axes);
  };
  Tensor biased = elementwise(c.out, "bias_add", [&](const Expr& x, const Expr& ch) { return x + bias(ch); });
  Tensor scaled_out = elementwise(biased, "bn_mul", [&](const Expr& x, const Expr& ch) { return x * scale(ch); });
  Tensor shifted = elementwise(scaled_out, "bn_add", [&](const Expr& x, const Expr& ch) { return x + shift(ch); });
  Tensor relu =
      elementwise(shifted, "relu", [&](const Expr& x, const Expr&) { return ir::max(x, ir::make_float(0.0)); });
  return create_prim_func({c.data, c.weight, bias, scale, shift, relu}, "cbr");
}

}  // namespace loom::workloads::detail
