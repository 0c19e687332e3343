// Tests of the CUDA code generator (plugins/runners/cuda, loom/cuda/codegen.h) and of NVRTC
// (loom/cuda/nvrtc.h), without a GPU: hand-written GPU-lowered kernels (TVMScript, as
// tests/interp/simt_test.cc writes them) checked in the interpreter's SIMT mode against the
// sequential interpreter or the expected values, their exact CUDA source, their CUBIN from
// NVRTC for sm_90 with ptxas' report, the report's parser on captured text, and the errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../core/src/host/ir_view.h"
#include "../common/expect_error.h"
#include "loom/cuda/codegen.h"
#include "loom/cuda/nvrtc.h"
#include "loom/host/host_api.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/interp/simt.h"
#include "loom/plugin_ir.hpp"
#include "loom/script/parser.h"

namespace loom::cuda {
namespace {

namespace pir = loom::plugin::ir;
using interp::NDArray;
using loom::testing::throws_with;
using ::testing::HasSubstr;

// `text` with its barriers made no-ops.
std::string without_barriers(std::string text) {
  const std::string sync = "T.evaluate(T.storage_sync())";
  for (size_t at = text.find(sync); at != std::string::npos; at = text.find(sync, at)) {
    text.replace(at, sync.size(), "T.evaluate(0)");
  }
  return text;
}

class CudaCodegen : public ::testing::Test {
 protected:
  void SetUp() override { plugin::set_host(host::host_api()); }

  static ir::PrimFunc parse(const std::string& text) { return script::parse_func(text, "cuda_codegen_test"); }

  static CudaSource emit(const ir::PrimFunc& f, const std::string& name) {
    pir::Func h(host::detail::ir_func_new(f));
    return emit_cuda(h, name);
  }

  static std::vector<interp::Arg> args_of(std::vector<NDArray>& arrays) {
    std::vector<interp::Arg> args;
    for (NDArray& a : arrays) args.emplace_back(&a);
    return args;
  }

  // Runs `f` in SIMT mode on random_params(seed) (no race allowed) and returns the arrays.
  static std::vector<NDArray> simt(const ir::PrimFunc& f, uint64_t seed) {
    std::vector<NDArray> arrays = interp::random_params(f, seed);
    interp::SimtOptions options;
    options.throw_on_race = false;
    const interp::SimtReport report = interp::run_simt(f, args_of(arrays), options);
    EXPECT_EQ(report.race_count, 0u) << (report.races.empty() ? "" : report.races[0].to_string());
    return arrays;
  }

  // simt() equals the sequential interpreter's run exactly: of `f` itself, or of
  // `sequential` (f's text without its barriers, which only the SIMT mode runs; the
  // sequential interpreter runs each thread loop to its end before the next).
  static void expect_simt_matches_sequential(const ir::PrimFunc& f, uint64_t seed = 3,
                                             const ir::PrimFunc& sequential = ir::PrimFunc()) {
    std::vector<NDArray> want = interp::run_random(sequential.defined() ? sequential : f, seed);
    std::vector<NDArray> got = simt(f, seed);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const interp::CompareResult r = interp::allclose(got[i], want[i], 0, 0);
      EXPECT_TRUE(r) << "buffer " << i << ": " << r.message;
    }
  }

  // The source compiled for sm_90; every kernel is in ptxas' report with registers.
  static CudaBinary compile(const CudaSource& source) {
    CudaBinary binary = compile_cuda(source.code, "sm_90");
    EXPECT_FALSE(binary.cubin.empty());
    EXPECT_EQ(binary.resources.size(), source.kernels.size()) << binary.log;
    for (const CudaKernelInfo& k : source.kernels) {
      const CudaResourceUsage& r = binary.resources_of(k.name);
      EXPECT_GT(r.registers, 0) << k.name << "\n" << binary.log;
      EXPECT_EQ(r.shared_bytes, k.shared_bytes) << k.name << "\n" << binary.log;
      EXPECT_EQ(r.spill_stores_bytes, 0) << k.name;
    }
    return binary;
  }
};

const char* const kElementwise = R"(
@T.prim_func
def scale(A: T.Buffer((1000,), "float32"), B: T.Buffer((1000,), "float32"), C: T.Buffer((100,), "float32")):
    for bx in T.thread_binding(8, thread="blockIdx.x"):
        for tx in T.thread_binding(128, thread="threadIdx.x"):
            if bx * 128 + tx < 1000:
                B[bx * 128 + tx] = A[bx * 128 + tx] * T.float32(2) + T.float32(0.5)
        for tx in T.thread_binding(100, thread="threadIdx.x"):
            if bx == 0:
                C[tx] = T.max(A[tx], T.float32(0)) + T.float32(tx // 8 - 3)
)";

const char* const kReversal = R"(
@T.prim_func
def reverse(A: T.Buffer((256,), "float32"), B: T.Buffer((256,), "float32")):
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        S = T.decl_buffer((64,), "float32", scope="shared")
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            S[tx] = A[bx * 64 + tx]
        T.evaluate(T.storage_sync())
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            B[bx * 64 + tx] = S[63 - tx]
)";

const char* const kWarpSum = R"(
@T.prim_func
def warp_sum(A: T.Buffer((64,), "int32"), B: T.Buffer((64,), "int32")):
    for tx in T.thread_binding(64, thread="threadIdx.x"):
        v = T.decl_buffer((1,), "int32", scope="local")
        v[0] = A[tx]
        v[0] = v[0] + T.warp_shuffle_down(v[0], 16, 32)
        v[0] = v[0] + T.warp_shuffle_down(v[0], 8, 32)
        v[0] = v[0] + T.warp_shuffle_down(v[0], 4, 32)
        v[0] = v[0] + T.warp_shuffle_down(v[0], 2, 32)
        v[0] = v[0] + T.warp_shuffle_down(v[0], 1, 32)
        B[tx] = T.warp_shuffle(v[0], 0, 32)
)";

const char* const kCopy4 = R"(
@T.prim_func
def copy4(A: T.Buffer((1024,), "float32"), B: T.Buffer((1024,), "float32"), C: T.Buffer((1026,), "float32")):
    for bx in T.thread_binding(2, thread="blockIdx.x"):
        for tx in T.thread_binding(128, thread="threadIdx.x"):
            B[T.Ramp(bx * 512 + tx * 4, 1, 4)] = A[T.Ramp(bx * 512 + tx * 4, 1, 4)]
            C[T.Ramp(bx * 512 + tx * 4 + 2, 1, 4)] = A[T.Ramp(bx * 512 + tx * 4, 1, 4)] + T.Broadcast(T.float32(1), 4)
)";

const char* const kHalf = R"(
@T.prim_func
def axpy_half(X: T.Buffer((256,), "float16"), Y: T.Buffer((256,), "float16"), Z: T.Buffer((256,), "float32")):
    for bx in T.thread_binding(2, thread="blockIdx.x"):
        for tx in T.thread_binding(128, thread="threadIdx.x"):
            Y[bx * 128 + tx] = X[bx * 128 + tx] * T.float16(0.333) + Y[bx * 128 + tx]
            Z[bx * 128 + tx] = T.Cast("float32", T.exp(X[bx * 128 + tx])) + T.Cast("float32", Y[bx * 128 + tx])
)";

const char* const kTwoKernels = R"(
@T.prim_func
def two(A: T.Buffer((128,), "float32"), B: T.Buffer((128,), "float32")):
    G = T.decl_buffer((128,), "float32", scope="global")
    for bx in T.thread_binding(2, thread="blockIdx.x"):
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            G[bx * 64 + tx] = A[bx * 64 + tx] * A[bx * 64 + tx]
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        for tx in T.thread_binding(32, thread="threadIdx.x"):
            B[bx * 32 + tx] = G[bx * 32 + tx] + G[127 - bx * 32 - tx]
)";

const char* const kMath = R"(
@T.prim_func
def math(A: T.Buffer((64,), "float32"), D: T.Buffer((64,), "float64"), H: T.Buffer((64,), "float16"), W: T.Buffer((64,), "bfloat16"), O: T.Buffer((64,), "float32"), P: T.Buffer((64,), "float64"), Q: T.Buffer((64,), "float16"), R: T.Buffer((64,), "bfloat16")):
    for tx in T.thread_binding(64, thread="threadIdx.x"):
        O[tx] = T.exp(A[tx]) + T.exp2(A[tx]) + T.exp10(A[tx]) + T.log(A[tx]) + T.log2(A[tx]) + T.log10(A[tx]) + T.log1p(A[tx]) + T.sqrt(A[tx]) + T.rsqrt(A[tx]) + T.sigmoid(A[tx]) + T.tanh(A[tx]) + T.sin(A[tx]) + T.cos(A[tx]) + T.tan(A[tx]) + T.atan(A[tx]) + T.erf(A[tx]) + T.abs(A[tx]) + T.floor(A[tx]) + T.ceil(A[tx]) + T.round(A[tx]) + T.trunc(A[tx]) + T.pow(A[tx], A[tx]) + T.fmod(A[tx], T.float32(3))
        P[tx] = T.exp(D[tx]) + T.sigmoid(D[tx]) + T.rsqrt(D[tx]) + T.round(D[tx]) + T.pow(D[tx], D[tx]) + T.erf(D[tx]) + D[tx] / T.float64(3)
        Q[tx] = T.exp(H[tx]) + T.sqrt(H[tx]) * H[tx] - T.tanh(H[tx]) / H[tx] + T.Cast("float16", D[tx]) + T.Cast("float16", W[tx])
        R[tx] = T.exp(W[tx]) + W[tx] * W[tx] + T.Cast("bfloat16", D[tx]) + T.Cast("bfloat16", H[tx]) + T.Cast("bfloat16", tx)
)";

const char* const kInts = R"(
@T.prim_func
def ints(A: T.Buffer((64,), "int32"), B: T.Buffer((64,), "int8"), C: T.Buffer((64,), "int64"), F: T.Buffer((64,), "float32"), U: T.Buffer((64,), "uint32"), M: T.Buffer((64,), "bool"), O: T.Buffer((64,), "int32"), P: T.Buffer((64,), "int8"), Q: T.Buffer((64,), "int64"), n: T.int32):
    for tx in T.thread_binding(64, thread="threadIdx.x"):
        O[tx] = A[tx] // (tx - 70) + A[tx] % (tx - 90) + T.truncdiv(A[tx], tx + 1) + T.truncmod(A[tx], 3) + T.floordiv(A[tx], 4) + T.floormod(A[tx], 4) + T.min(A[tx], n) + T.abs(A[tx]) + T.Cast("int32", F[tx]) + T.Cast("int32", M[tx]) + T.Select(M[tx], 1, 2) + T.if_then_else(tx < 63, A[T.min(tx + 1, 63)], 0)
        P[tx] = B[tx] * B[tx] + B[tx] // T.int8(3) - T.Cast("int8", F[tx]) + T.Cast("int8", A[tx])
        Q[tx] = C[tx] * T.int64(3) + T.Cast("int64", tx) // T.int64(2) + T.Cast("int64", F[tx]) + T.Cast("int64", U[tx] // T.uint32(3)) + T.Cast("int64", T.Cast("uint8", F[tx]))
        M[tx] = (A[tx] > 0 and not (F[tx] < T.float32(0))) or U[tx] == T.uint32(5)
)";

const char* const kTiled = R"(
@T.prim_func
def tiled(A: T.Buffer((256,), "float32"), B: T.Buffer((8,), "float32")):
    for bx in T.thread_binding(2, thread="blockIdx.x"):
        for ko in T.serial(2):
            S = T.decl_buffer((64,), "float32", scope="shared")
            for ty in T.thread_binding(4, thread="threadIdx.y"):
                for tx in T.thread_binding(16, thread="threadIdx.x"):
                    S[ty * 16 + tx] = A[bx * 128 + ko * 64 + ty * 16 + tx]
            T.evaluate(T.storage_sync())
            for ty in T.thread_binding(4, thread="threadIdx.y"):
                for tx in T.thread_binding(1, thread="threadIdx.x"):
                    for k in T.unroll(16):
                        B[bx * 4 + ty] = B[bx * 4 + ty] + S[ty * 16 + k]
)";

const char* const kPartialWarp = R"(
@T.prim_func
def partial(A: T.Buffer((48,), "float32"), B: T.Buffer((48,), "float32"), C: T.Buffer((40,), "float32")):
    for tx in T.thread_binding(48, thread="threadIdx.x"):
        B[tx] = T.warp_shuffle_down(A[tx], 1, 16)
    for tx in T.thread_binding(40, thread="threadIdx.x"):
        C[tx] = T.warp_shuffle(A[tx], 3, 8)
)";

// Emits `text` as `name`, checks its source against `golden` and compiles it.
#define EXPECT_GOLDEN(source, golden) EXPECT_EQ((source).code, std::string(golden)) << (source).code

TEST_F(CudaCodegen, ElementwiseWithGuardedThreadLoop) {
  ir::PrimFunc f = parse(kElementwise);
  expect_simt_matches_sequential(f);
  CudaSource s = emit(f, "elementwise");
  EXPECT_GOLDEN(s, R"cuda(// Generated by loom from function scale.

template <typename T> __device__ __forceinline__ T loom_min(T a, T b) { return a < b ? a : b; }
template <typename T> __device__ __forceinline__ T loom_max(T a, T b) { return a > b ? a : b; }

extern "C" __global__ void __launch_bounds__(128) elementwise_kernel0(const float* __restrict__ A, float* __restrict__ B, float* __restrict__ C) {
  const int bx = blockIdx.x;
  const int tx = threadIdx.x;
  if (((bx * 128) + tx) < 1000) {
    B[((bx * 128) + tx)] = ((A[((bx * 128) + tx)] * 2.0f) + 0.5f);
  }
  if (threadIdx.x < 100) {
    const int tx_1 = threadIdx.x;
    if (bx == 0) {
      C[tx_1] = (loom_max(A[tx_1], 0.0f) + (float)(((tx_1 / 8) - 3)));
    }
  }
}
)cuda");
  ASSERT_EQ(s.kernels.size(), 1u);
  const CudaKernelInfo& k = s.kernels[0];
  EXPECT_EQ(k.name, "elementwise_kernel0");
  EXPECT_EQ(k.grid[0], 8);
  EXPECT_EQ(k.grid[1], 1);
  EXPECT_EQ(k.block[0], 128);  // the larger of the threadIdx.x extents 128 and 100
  EXPECT_EQ(k.block[1], 1);
  ASSERT_EQ(k.args.size(), 3u);
  EXPECT_EQ(k.args[0].name, "A");
  EXPECT_EQ(k.args[0].kind, CudaKernelArg::Kind::kParam);
  EXPECT_EQ(k.args[0].index, 0u);
  EXPECT_TRUE(k.args[0].is_buffer);
  EXPECT_EQ(k.args[0].elements, 1000);
  EXPECT_EQ(k.args[0].dtype.to_string(), "float32");
  EXPECT_FALSE(k.args[0].written);
  EXPECT_TRUE(k.args[1].written);
  EXPECT_EQ(k.args[2].elements, 100);
  EXPECT_TRUE(s.globals.empty());
  compile(s);
}

TEST_F(CudaCodegen, SharedReversalWithBarrier) {
  ir::PrimFunc f = parse(kReversal);
  expect_simt_matches_sequential(f, 3, parse(without_barriers(kReversal)));
  CudaSource s = emit(f, "reversal");
  EXPECT_GOLDEN(s, R"cuda(// Generated by loom from function reverse.

extern "C" __global__ void __launch_bounds__(64) reversal_kernel0(const float* __restrict__ A, float* __restrict__ B) {
  const int bx = blockIdx.x;
  __shared__ __align__(16) float S[64];
  // S is written in full before it is read: not zeroed.
  const int tx = threadIdx.x;
  S[tx] = A[((bx * 64) + tx)];
  __syncthreads();
  const int tx_1 = threadIdx.x;
  B[((bx * 64) + tx_1)] = S[(63 - tx_1)];
}
)cuda");
  EXPECT_EQ(s.kernels[0].shared_bytes, 256);
  CudaBinary b = compile(s);
  EXPECT_EQ(b.resources_of("reversal_kernel0").shared_bytes, 256);
}

TEST_F(CudaCodegen, WarpShuffleReduction) {
  ir::PrimFunc f = parse(kWarpSum);
  std::vector<NDArray> got = simt(f, 5);
  for (int64_t t = 0; t < 64; ++t) {
    int64_t sum = 0;
    for (int64_t i = t / 32 * 32; i < t / 32 * 32 + 32; ++i) sum += got[0].get_int(i);
    EXPECT_EQ(got[1].get_int(t), static_cast<int32_t>(sum)) << "thread " << t;
  }
  CudaSource s = emit(f, "warp_sum");
  EXPECT_GOLDEN(s, R"cuda(// Generated by loom from function warp_sum.

extern "C" __global__ void __launch_bounds__(64) warp_sum_kernel0(const int* __restrict__ A, int* __restrict__ B) {
  const int tx = threadIdx.x;
  __align__(16) int v[1] = {};
  v[0] = A[tx];
  v[0] = (v[0] + __shfl_down_sync(0xffffffffu, v[0], 16, 32));
  v[0] = (v[0] + __shfl_down_sync(0xffffffffu, v[0], 8, 32));
  v[0] = (v[0] + __shfl_down_sync(0xffffffffu, v[0], 4, 32));
  v[0] = (v[0] + __shfl_down_sync(0xffffffffu, v[0], 2, 32));
  v[0] = (v[0] + __shfl_down_sync(0xffffffffu, v[0], 1, 32));
  B[tx] = __shfl_sync(0xffffffffu, v[0], 0, 32);
}
)cuda");
  compile(s);
}

TEST_F(CudaCodegen, ShuffleInPartialWarpsHasTheMaskOfTheLanesThatReachIt) {
  ir::PrimFunc f = parse(kPartialWarp);
  std::vector<NDArray> got = simt(f, 2);
  for (int64_t t = 0; t < 48; ++t) EXPECT_EQ(got[1].get_double(t), got[0].get_double(t % 16 == 15 ? t : t + 1));
  for (int64_t t = 0; t < 40; ++t) EXPECT_EQ(got[2].get_double(t), got[0].get_double(t / 8 * 8 + 3));
  CudaSource s = emit(f, "partial");
  // 48 threads: the second warp has 16 lanes; the second kernel's 40 threads leave 8.
  EXPECT_THAT(s.code, HasSubstr("B[tx] = __shfl_down_sync(loom_warp_mask(48, 1, 1, 48, 1, 1), A[tx], 1, 16);"));
  EXPECT_THAT(s.code, HasSubstr("C[tx] = __shfl_sync(loom_warp_mask(40, 1, 1, 40, 1, 1), A[tx], 3, 8);"));
  EXPECT_THAT(s.code, HasSubstr("__device__ __forceinline__ unsigned loom_warp_mask("));
  compile(s);
}

TEST_F(CudaCodegen, AlignedFloat4CopyAndScalarizedUnalignedStore) {
  ir::PrimFunc f = parse(kCopy4);
  expect_simt_matches_sequential(f);
  CudaSource s = emit(f, "copy4");
  // B's store and A's loads start at multiples of 4: float4; C's starts at 4k + 2: per lane,
  // every lane's value computed before the first store.
  EXPECT_GOLDEN(s, R"cuda(// Generated by loom from function copy4.

extern "C" __global__ void __launch_bounds__(128) copy4_kernel0(const float* __restrict__ A, float* __restrict__ B, float* __restrict__ C) {
  const int bx = blockIdx.x;
  const int tx = threadIdx.x;
  *reinterpret_cast<float4*>(&B[((bx * 512) + (tx * 4))]) = *reinterpret_cast<const float4*>(&A[((bx * 512) + (tx * 4))]);
  const float4 A_vec = *reinterpret_cast<const float4*>(&A[((bx * 512) + (tx * 4))]);
  {
    const float C_v0 = (A_vec.x + 1.0f);
    const float C_v1 = (A_vec.y + 1.0f);
    const float C_v2 = (A_vec.z + 1.0f);
    const float C_v3 = (A_vec.w + 1.0f);
    const int C_i0 = (((bx * 512) + (tx * 4)) + 2);
    const int C_i1 = ((((bx * 512) + (tx * 4)) + 2) + 1);
    const int C_i2 = ((((bx * 512) + (tx * 4)) + 2) + 2);
    const int C_i3 = ((((bx * 512) + (tx * 4)) + 2) + 3);
    C[C_i0] = C_v0;
    C[C_i1] = C_v1;
    C[C_i2] = C_v2;
    C[C_i3] = C_v3;
  }
}
)cuda");
  compile(s);
}

TEST_F(CudaCodegen, VectorLoadsInsideIfThenElseAreNotHoisted) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def lazy(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32")):
    for tx in T.thread_binding(16, thread="threadIdx.x"):
        B[T.Ramp(tx * 4, 1, 4)] = T.if_then_else(tx < 15, A[T.Ramp(tx * 4 + 4, 1, 4)], T.Broadcast(T.float32(0), 4)) + T.Select(A[T.Ramp(tx * 4, 1, 4)] > T.Broadcast(T.float32(0), 4), A[T.Ramp(tx * 4, 1, 4)], T.Broadcast(T.float32(1), 4))
)");
  expect_simt_matches_sequential(f);
  CudaSource s = emit(f, "lazy");
  // The guarded load of the next four elements stays inside the ?: lane by lane; the
  // unconditional one is one float4 load before the statement, read lane by lane.
  EXPECT_THAT(s.code, HasSubstr("  const float4 A_vec = *reinterpret_cast<const float4*>(&A[(tx * 4)]);\n"
                                "  *reinterpret_cast<float4*>(&B[(tx * 4)]) = make_float4((((tx < 15) ? "
                                "A[((tx * 4) + 4)] : 0.0f) + ((A_vec.x > 0.0f) ? A_vec.x : 1.0f)), "));
  EXPECT_THAT(s.code,
              HasSubstr("(((tx < 15) ? A[(((tx * 4) + 4) + 3)] : 0.0f) + ((A_vec.w > 0.0f) ? A_vec.w : 1.0f)));"));
  compile(s);
}

TEST_F(CudaCodegen, Float16LoadsStoresAndArithmetic) {
  ir::PrimFunc f = parse(kHalf);
  expect_simt_matches_sequential(f);
  CudaSource s = emit(f, "half");
  EXPECT_GOLDEN(s, R"cuda(// Generated by loom from function axpy_half.
#include <cuda_fp16.h>

__device__ __forceinline__ float loom_round_f16(float x) { return __half2float(__float2half_rn(x)); }

extern "C" __global__ void __launch_bounds__(128) half_kernel0(const __half* __restrict__ X, __half* __restrict__ Y, float* __restrict__ Z) {
  const int bx = blockIdx.x;
  const int tx = threadIdx.x;
  Y[((bx * 128) + tx)] = __float2half_rn(loom_round_f16((loom_round_f16((__half2float(X[((bx * 128) + tx)]) * 0.3330078f)) + __half2float(Y[((bx * 128) + tx)]))));
  Z[((bx * 128) + tx)] = (loom_round_f16(expf(__half2float(X[((bx * 128) + tx)]))) + __half2float(Y[((bx * 128) + tx)]));
}
)cuda");
  compile(s);
}

TEST_F(CudaCodegen, TwoKernelsWithAGlobalScratchAllocation) {
  ir::PrimFunc f = parse(kTwoKernels);
  expect_simt_matches_sequential(f);
  CudaSource s = emit(f, "two");
  EXPECT_GOLDEN(s, R"cuda(// Generated by loom from function two.

extern "C" __global__ void __launch_bounds__(64) two_kernel0(const float* __restrict__ A, float* __restrict__ G) {
  const int bx = blockIdx.x;
  const int tx = threadIdx.x;
  G[((bx * 64) + tx)] = (A[((bx * 64) + tx)] * A[((bx * 64) + tx)]);
}

extern "C" __global__ void __launch_bounds__(32) two_kernel1(float* __restrict__ B, const float* __restrict__ G) {
  const int bx = blockIdx.x;
  const int tx = threadIdx.x;
  B[((bx * 32) + tx)] = (G[((bx * 32) + tx)] + G[((127 - (bx * 32)) - tx)]);
}
)cuda");
  ASSERT_EQ(s.globals.size(), 1u);
  EXPECT_EQ(s.globals[0].name, "G");
  EXPECT_EQ(s.globals[0].elements, 128);
  EXPECT_EQ(s.globals[0].dtype.to_string(), "float32");
  ASSERT_EQ(s.kernels.size(), 2u);
  EXPECT_EQ(s.kernels[0].grid[0], 2);
  EXPECT_EQ(s.kernels[0].block[0], 64);
  EXPECT_EQ(s.kernels[1].grid[0], 4);
  EXPECT_EQ(s.kernels[1].block[0], 32);
  const std::vector<CudaKernelArg>& args = s.kernels[1].args;
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0].kind, CudaKernelArg::Kind::kParam);
  EXPECT_EQ(args[0].index, 1u);  // B; A is not used by this kernel
  EXPECT_EQ(args[1].kind, CudaKernelArg::Kind::kGlobal);
  EXPECT_EQ(args[1].index, 0u);
  EXPECT_FALSE(args[1].written);
  EXPECT_TRUE(s.kernels[0].args[1].written);
  compile(s);
}

TEST_F(CudaCodegen, SharedMemoryInALoopWaitsForThePreviousIterationsReaders) {
  ir::PrimFunc f = parse(kTiled);
  expect_simt_matches_sequential(f, 3, parse(without_barriers(kTiled)));
  CudaSource s = emit(f, "tiled");
  EXPECT_EQ(s.kernels[0].block[0], 16);
  EXPECT_EQ(s.kernels[0].block[1], 4);
  // Fully written by the (ty, tx) fetch before it is read: a barrier, no zeroing.
  EXPECT_THAT(s.code, HasSubstr("    __shared__ __align__(16) float S[64];\n"
                                "    __syncthreads();\n"
                                "    // S is written in full before it is read: not zeroed.\n"
                                "    const int ty = threadIdx.y;\n"));
  // The guarded loop of extent 1 does not use its variable, which is then not declared.
  EXPECT_THAT(s.code,
              HasSubstr("    if (threadIdx.x < 1) {\n      #pragma unroll\n      for (int k = 0; k < 16; ++k) {\n"));
  CudaBinary b = compile(s);
  EXPECT_EQ(b.log.find("warning"), std::string::npos) << b.log;
}

TEST_F(CudaCodegen, VectorFetchUnderNestedAllocationsCoversSharedMemory) {
  const std::string text = R"(
@T.prim_func
def fetch(A: T.Buffer((128,), "float32"), B: T.Buffer((64,), "float32")):
    for bx in T.thread_binding(2, thread="blockIdx.x"):
        S = T.decl_buffer((64,), "float32", scope="shared")
        R = T.decl_buffer((16,), "float32", scope="shared")
        for tx in T.thread_binding(16, thread="threadIdx.x"):
            S[T.Ramp(tx * 4, 1, 4)] = A[T.Ramp(bx * 64 + tx * 4, 1, 4)]
        T.evaluate(T.storage_sync())
        for tx in T.thread_binding(16, thread="threadIdx.x"):
            R[tx] = S[tx * 4] + S[tx * 4 + 3]
        T.evaluate(T.storage_sync())
        for tx in T.thread_binding(16, thread="threadIdx.x"):
            B[bx * 16 + tx] = R[15 - tx]
)";
  ir::PrimFunc f = parse(text);
  expect_simt_matches_sequential(f, 3, parse(without_barriers(text)));
  CudaSource s = emit(f, "fetch");
  EXPECT_THAT(s.code, HasSubstr("  // S is written in full before it is read: not zeroed.\n"));
  EXPECT_THAT(s.code, HasSubstr("  // R is written in full before it is read: not zeroed.\n"));
  EXPECT_THAT(s.code, HasSubstr("*reinterpret_cast<float4*>(&S[(tx * 4)]) = *reinterpret_cast<const float4*>(&A[((bx * "
                                "64) + (tx * 4))]);"));
  EXPECT_EQ(s.kernels[0].shared_bytes, 320);
  compile(s);
}

TEST_F(CudaCodegen, SharedMemoryReadBeforeItIsWrittenInFullIsZeroed) {
  for (const char* first : {"S[tx] = A[tx]", "S[tx] = S[tx] + A[tx]", "S[tx * 2] = A[tx]"}) {
    SCOPED_TRACE(first);
    // Half of S written (tx < 32 of 64), S read by its own first write, only the even
    // elements written: each reads some of the zeros.
    std::string text = R"(
@T.prim_func
def z(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32")):
    for bx in T.thread_binding(1, thread="blockIdx.x"):
        S = T.decl_buffer((64,), "float32", scope="shared")
        for tx in T.thread_binding(EXTENT, thread="threadIdx.x"):
            FIRST
        T.evaluate(T.storage_sync())
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            B[tx] = S[63 - tx]
)";
    text.replace(text.find("FIRST"), 5, first);
    text.replace(text.find("EXTENT"), 6, std::string(first) == "S[tx] = S[tx] + A[tx]" ? "64" : "32");
    ir::PrimFunc f = parse(text);
    expect_simt_matches_sequential(f, 3, parse(without_barriers(text)));
    CudaSource s = emit(f, "z");
    EXPECT_THAT(s.code, HasSubstr("  __shared__ __align__(16) float S[64];\n"
                                  "  for (int S_zero = (int)(threadIdx.x); S_zero < 64; S_zero += 64) S[S_zero] = 0;\n"
                                  "  __syncthreads();\n"));
    compile(s);
  }
}

TEST_F(CudaCodegen, IntegerDivisionCastsAndLogicMatchTheInterpreter) {
  ir::PrimFunc f = parse(kInts);
  {
    // Random buffers (from the function without its scalar parameter) and n = 5, run both ways.
    std::string twin = kInts;
    twin.replace(twin.find(", n: T.int32"), 12, "");
    twin.replace(twin.find("T.min(A[tx], n)"), 15, "T.min(A[tx], 5)");
    std::vector<NDArray> want = interp::random_params(parse(twin), 4);
    std::vector<NDArray> got = want;
    std::vector<interp::Arg> want_args = args_of(want), got_args = args_of(got);
    want_args.emplace_back(int64_t{5});
    got_args.emplace_back(int64_t{5});
    interp::run(f, want_args);
    EXPECT_EQ(interp::run_simt(f, got_args).race_count, 0u);
    for (size_t i = 0; i < got.size(); ++i) {
      const interp::CompareResult r = interp::allclose(got[i], want[i], 0, 0);
      EXPECT_TRUE(r) << "buffer " << i << ": " << r.message;
    }
  }
  CudaSource s = emit(f, "ints");
  // Floor division by a possibly negative value goes through the helpers, by a positive
  // constant of a value of unknown sign too; the int8 arithmetic wraps through unsigned.
  EXPECT_THAT(s.code, HasSubstr("loom_floordiv(A[tx], (tx - 70))"));
  EXPECT_THAT(s.code, HasSubstr("loom_floormod(A[tx], (tx - 90))"));
  EXPECT_THAT(s.code, HasSubstr("loom_div(A[tx], (tx + 1))"));
  EXPECT_THAT(s.code, HasSubstr("(A[tx] % 3)"));
  EXPECT_THAT(s.code, HasSubstr("loom_floordiv(A[tx], 4)"));
  EXPECT_THAT(s.code, HasSubstr("((long long)(tx) / 2LL)"));  // non-negative: plain C
  EXPECT_THAT(s.code, HasSubstr("(int)loom_f2s((double)(F[tx]), 32)"));
  EXPECT_THAT(s.code, HasSubstr("((signed char)((unsigned int)B[tx] * (unsigned int)B[tx]))"));
  EXPECT_THAT(s.code, HasSubstr("(unsigned char)loom_f2u((double)(F[tx]), 8)"));
  EXPECT_THAT(s.code, HasSubstr("M[tx] = (((A[tx] > 0) && (!(F[tx] < 0.0f))) || (U[tx] == 5u));"));
  EXPECT_THAT(s.code, HasSubstr("bool* __restrict__ M, int* __restrict__ O, signed char* __restrict__ P, "
                                "long long* __restrict__ Q, const int n)"));
  const CudaKernelArg& n = s.kernels[0].args.back();
  EXPECT_EQ(n.name, "n");
  EXPECT_FALSE(n.is_buffer);
  EXPECT_EQ(n.index, 9u);
  EXPECT_EQ(n.dtype.to_string(), "int32");
  compile(s);
}

TEST_F(CudaCodegen, MathIntrinsicsInEveryFloatType) {
  expect_simt_matches_sequential(parse(kMath));
  CudaSource s = emit(parse(kMath), "math");
  for (const char* call : {"expf(A[tx])",
                           "exp2f(A[tx])",
                           "exp10f(A[tx])",
                           "logf(A[tx])",
                           "log1pf(A[tx])",
                           "(1.0f / sqrtf(A[tx]))",
                           "(1.0f / (1.0f + expf(-(A[tx]))))",
                           "tanhf(A[tx])",
                           "erff(A[tx])",
                           "fabsf(A[tx])",
                           "rintf(A[tx])",
                           "truncf(A[tx])",
                           "powf(A[tx], A[tx])",
                           "fmodf(A[tx], 3.0f)",
                           "exp(D[tx])",
                           "rint(D[tx])",
                           "pow(D[tx], D[tx])",
                           "loom_round_f16(expf(__half2float(H[tx])))",
                           "__half2float(__double2half(D[tx]))",
                           "loom_round_f16(__bfloat162float(W[tx]))",
                           "__bfloat162float(__double2bfloat16(D[tx]))",
                           "__bfloat162float(__double2bfloat16((double)(tx)))",
                           "Q[tx] = __float2half_rn(",
                           "R[tx] = __float2bfloat16_rn(",
                           "#include <cuda_fp16.h>\n#include <cuda_bf16.h>\n"}) {
    EXPECT_THAT(s.code, HasSubstr(call));
  }
  CudaBinary b = compile(s);
  // pow's slow path keeps a stack frame in the kernel.
  EXPECT_GT(b.resources_of("math_kernel0").local_bytes, 0);
}

TEST_F(CudaCodegen, NamesAreValidUniqueIdentifiers) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def names(A: T.Buffer((8,), "float32")):
    for tx in T.thread_binding(2, thread="threadIdx.x"):
        for exp in T.serial(2):
            for loom_x in T.serial(2):
                A[tx * 4 + exp * 2 + loom_x] = T.exp(T.float32(exp))
)");
  CudaSource s = emit(f, "my-func.v2");
  EXPECT_EQ(s.kernels[0].name, "my_func_v2_kernel0");
  EXPECT_THAT(s.code, HasSubstr("for (int exp_ = 0; exp_ < 2; ++exp_) {"));
  EXPECT_THAT(s.code, HasSubstr("for (int loom_x_ = 0; loom_x_ < 2; ++loom_x_) {"));
  EXPECT_THAT(s.code, HasSubstr("A[(((tx * 4) + (exp_ * 2)) + loom_x_)] = expf((float)(exp_));"));
  compile(s);
}

// ---------------------------------------------------------------------------------------
// The ptxas report's parser, on text NVRTC printed (CUDA 13.0).

TEST(PtxasReport, EntriesWithStackFramesAndADeviceFunction) {
  const std::string log = R"log(ptxas info    : 24 bytes gmem
ptxas info    : Compiling entry function 'math_kernel0' for 'sm_90'
ptxas info    : Function properties for math_kernel0
ptxas         .     32 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 30 registers, used 0 barriers, 32 bytes cumulative stack size
ptxas info    : Compile time = 210.194 ms
ptxas info    : Function properties for __internal_accurate_pow
ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
)log";
  std::vector<CudaResourceUsage> r = parse_ptxas_report(log);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kernel, "math_kernel0");
  EXPECT_EQ(r[0].registers, 30);
  // __internal_accurate_pow's own (empty) frame, reported after, is not the kernel's.
  EXPECT_EQ(r[0].local_bytes, 32);
  EXPECT_EQ(r[0].spill_stores_bytes, 0);
  EXPECT_EQ(r[0].shared_bytes, 0);
}

TEST(PtxasReport, TwoKernelsInReportOrderAndSharedMemory) {
  std::vector<CudaResourceUsage> r = parse_ptxas_report(R"log(ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'two_kernel1' for 'sm_90'
ptxas info    : Function properties for two_kernel1
ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 12 registers, used 0 barriers
ptxas info    : Compile time = 4.531 ms
ptxas info    : Compiling entry function 'two_kernel0' for 'sm_90'
ptxas info    : Function properties for two_kernel0
ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 10 registers, used 0 barriers
ptxas info    : Compile time = 1.218 ms
)log");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kernel, "two_kernel1");
  EXPECT_EQ(r[0].registers, 12);
  EXPECT_EQ(r[1].kernel, "two_kernel0");
  EXPECT_EQ(r[1].registers, 10);
  r = parse_ptxas_report(R"log(ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'reversal_kernel0' for 'sm_90'
ptxas info    : Function properties for reversal_kernel0
ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 12 registers, used 1 barriers, 256 bytes smem
ptxas info    : Compile time = 21.842 ms
)log");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].shared_bytes, 256);
}

TEST(PtxasReport, Spills) {
  const std::string log = R"(ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'spill' for 'sm_90'
ptxas info    : Function properties for spill
ptxas         .     416 bytes stack frame, 812 bytes spill stores, 824 bytes spill loads
ptxas info    : Used 32 registers, used 0 barriers, 416 bytes cumulative stack size
ptxas info    : Compile time = 72.584 ms
)";
  std::vector<CudaResourceUsage> r = parse_ptxas_report(log);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].registers, 32);
  EXPECT_EQ(r[0].local_bytes, 416);
  EXPECT_EQ(r[0].spill_stores_bytes, 812);
  EXPECT_EQ(r[0].spill_loads_bytes, 824);
}

TEST(PtxasReport, ConstantBanksOfOlderToolkits) {
  // Before CUDA 13, ptxas listed the constant banks on the "Used" line.
  std::vector<CudaResourceUsage> r = parse_ptxas_report(
      "ptxas info    : Compiling entry function 'k' for 'sm_80'\n"
      "ptxas info    : Function properties for k\n"
      "    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
      "ptxas info    : Used 10 registers, 1024 bytes smem, 368 bytes cmem[0], 8 bytes cmem[2]\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].registers, 10);
  EXPECT_EQ(r[0].shared_bytes, 1024);
  EXPECT_EQ(r[0].constant_bytes, 376);
}

TEST(PtxasReport, SpillingKernelCompiledByNvrtc) {
  CudaBinary b = compile_cuda(R"(
extern "C" __global__ void __launch_bounds__(1024, 2) spill(const float* __restrict__ a, float* __restrict__ b, int n) {
  float acc[96];
  #pragma unroll
  for (int i = 0; i < 96; ++i) acc[i] = a[threadIdx.x * 96 + i];
  for (int k = 0; k < n; ++k) {
    #pragma unroll
    for (int i = 0; i < 96; ++i) acc[i] = acc[i] * acc[(i + 7) % 96] + a[k * 96 + i];
  }
  #pragma unroll
  for (int i = 0; i < 96; ++i) b[threadIdx.x * 96 + i] = acc[i];
}
)");
  const CudaResourceUsage& r = b.resources_of("spill");
  EXPECT_LE(r.registers, 32);
  EXPECT_GT(r.spill_stores_bytes, 0);
  EXPECT_GT(r.spill_loads_bytes, 0);
  EXPECT_EQ(b.arch, "sm_90");
}

// ---------------------------------------------------------------------------------------
// Errors.

TEST_F(CudaCodegen, UnsupportedConstructsAreNamed) {
  auto emit_text = [](const std::string& text) { return [text] { emit(parse(text), "bad"); }; };
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((8,), "float32")):
    for i in T.parallel(8):
        A[i] = T.float32(1)
)"),
                                            "kernel bad_kernel0: loop i is parallel, which has no meaning inside a "
                                            "CUDA kernel"));
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((8,), "float32")):
    for v in T.thread_binding(2, thread="vthread.x"):
        for tx in T.thread_binding(4, thread="threadIdx.x"):
            A[v * 4 + tx] = T.float32(1)
)"),
                                            "kernel bad_kernel0: loop v is bound to vthread.x, which the CUDA "
                                            "generator does not handle"));
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((8,), "float32")):
    for i in range(8):
        with T.block("B"):
            vi = T.axis.spatial(8, i)
            A[vi] = T.float32(1)
)"),
                                            "is not lowered: it has a block"));
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((8, 8), "float32")):
    for tx in T.thread_binding(8, thread="threadIdx.x"):
        A[tx, 0] = T.float32(1)
)"),
                                            "kernel bad_kernel0: buffer A is accessed with 2 indices (the function is "
                                            "not flattened)"));
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((2048,), "float32")):
    for tx in T.thread_binding(2048, thread="threadIdx.x"):
        A[tx] = T.float32(1)
)"),
                                            "kernel bad_kernel0 has 2048 threads per block (threadIdx extents 2048 x 1 "
                                            "x 1); CUDA allows at most 1024"));
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32")):
    S = T.decl_buffer((64,), "float32", scope="shared")
    for tx in T.thread_binding(64, thread="threadIdx.x"):
        A[tx] = S[tx]
)"),
                                            "allocation S of scope \"shared\" outside every kernel"));
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32")):
    for bx in T.thread_binding(1, thread="blockIdx.x"):
        S = T.decl_buffer((8192,), "float32", scope="shared")
        S2 = T.decl_buffer((4097,), "float32", scope="shared")
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            A[tx] = S[tx] + S2[tx]
)"),
                                            "kernel bad_kernel0: shared allocation S2 brings the kernel's shared "
                                            "memory to 49156 bytes; static __shared__ arrays are limited to 49152 "
                                            "bytes per block"));
}

TEST_F(CudaCodegen, BarriersAndShufflesWhereNotEveryThreadArrivesAreRefused) {
  auto emit_text = [](const std::string& text) { return [text] { emit(parse(text), "bad"); }; };
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32")):
    for bx in T.thread_binding(1, thread="blockIdx.x"):
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            A[tx] = T.float32(1)
        for tx in T.thread_binding(32, thread="threadIdx.x"):
            T.evaluate(T.storage_sync())
)"),
                                            "kernel bad_kernel0: T.storage_sync() inside a guarded thread loop or a "
                                            "thread-dependent branch"));
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32"), B: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(32, thread="threadIdx.x"):
        if A[tx] > T.float32(0):
            B[tx] = T.warp_shuffle_down(A[tx], 1, 32)
)"),
                                            "kernel bad_kernel0: T.warp_shuffle_down under a branch or in a loop that "
                                            "depends on the thread or on loaded data"));
  EXPECT_TRUE(throws_with<CudaCodegenError>(emit_text(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(32, thread="threadIdx.x"):
        S = T.decl_buffer((32,), "float32", scope="shared")
        S[tx] = T.float32(1)
        A[tx] = S[31 - tx]
)"),
                                            "kernel bad_kernel0: shared allocation S inside a thread-dependent branch "
                                            "or a guarded thread loop"));
}

TEST(Nvrtc, CompileErrorHasTheLogAndTheLine) {
  const std::string source = "extern \"C\" __global__ void k(float* a) {\n  a[0] = undefined_name;\n}\n";
  try {
    compile_cuda(source);
    FAIL() << "no error";
  } catch (const CudaCompileError& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, HasSubstr("NVRTC could not compile the CUDA source for sm_90"));
    EXPECT_THAT(message, HasSubstr("identifier \"undefined_name\" is undefined"));
    EXPECT_THAT(message, HasSubstr("line 2:   a[0] = undefined_name;"));
    EXPECT_THAT(e.log(), HasSubstr("loom_kernel.cu(2): error"));
  }
}

TEST(Nvrtc, ArchitectureAutoAndBadNamesAreRefused) {
  EXPECT_TRUE(throws_with<std::invalid_argument>([] { compile_cuda("", "auto"); },
                                                 "arch \"auto\" names the device's own architecture, which the CUDA "
                                                 "runner resolves before compiling"));
  EXPECT_TRUE(throws_with<std::invalid_argument>([] { compile_cuda("", "gfx90a"); },
                                                 "arch \"gfx90a\" is not a GPU architecture such as sm_90"));
}

TEST(Nvrtc, OtherArchitectures) {
  const std::string source = "extern \"C\" __global__ void k(float* a) { a[threadIdx.x] = 1.0f; }\n";
  CudaBinary b = compile_cuda(source, "sm_80");
  EXPECT_EQ(b.arch, "sm_80");
  EXPECT_THAT(b.log, HasSubstr("Compiling entry function 'k' for 'sm_80'"));
  EXPECT_EQ(b.resources_of("k").kernel, "k");
  EXPECT_TRUE(throws_with<std::out_of_range>([&] { b.resources_of("other"); }, "the ptxas report has no kernel other"));
}

TEST(Nvrtc, CudaHomeOverridesTheToolkit) {
  const std::string configured = cuda_toolkit_dir();
  const char* old_home = std::getenv("CUDA_HOME");
  const std::string saved = old_home == nullptr ? "" : old_home;
  EXPECT_EQ(compile_cuda("#include <cuda_fp16.h>\n").arch, "sm_90");
  ASSERT_EQ(::setenv("CUDA_HOME", "/nonexistent/cuda", 1), 0);
  EXPECT_EQ(cuda_toolkit_dir(), "/nonexistent/cuda");
  // The headers are looked for there now.
  EXPECT_TRUE(throws_with<CudaCompileError>([] { compile_cuda("#include <cuda_fp16.h>\n"); }, "cuda_fp16.h"));
  if (old_home == nullptr) {
    ::unsetenv("CUDA_HOME");
  } else {
    ::setenv("CUDA_HOME", saved.c_str(), 1);
  }
  EXPECT_EQ(cuda_toolkit_dir(), configured);
}

}  // namespace
}  // namespace loom::cuda
