// Tests of the CPU runner's LLVM code generator (plugins/runners/cpu, loom/cpu/codegen.h):
// hand-written lowered functions (flat buffers, plain loops) parsed from TVMScript, compiled
// through the plugin IR views, JIT-run on random inputs and compared with the interpreter.
// Functions with vectorized loops go through lowering first (check_lowered): its
// vectorize_loops is the one vectorizer, and the code generator emits what it makes.
#include "loom/cpu/codegen.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "../../core/src/host/ir_view.h"
#include "loom/host/host_api.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/lower/lower.h"
#include "loom/plugin_ir.hpp"
#include "loom/script/script.h"

namespace loom::cpu {
namespace {

namespace pir = loom::plugin::ir;
using interp::NDArray;

class Codegen : public ::testing::Test {
 protected:
  void SetUp() override { plugin::set_host(host::host_api()); }

  static pir::Func handle(const ir::PrimFunc& f) { return pir::Func(host::detail::ir_func_new(f)); }

  // Compiles `script`, runs it on random_params(seed) and checks every buffer against the
  // interpreter's run. Returns the kernel (for its IR).
  static Kernel check(const std::string& script, uint64_t seed = 7, double rtol = 1e-5, double atol = 1e-6) {
    ir::PrimFunc f = script::parse_func(script);
    return check_func(f, seed, rtol, atol);
  }

  // check() of `script` lowered (lower::lower) before it is compiled; the interpreter runs
  // the function as written.
  static Kernel check_lowered(const std::string& script, uint64_t seed = 7, double rtol = 1e-5, double atol = 1e-6) {
    ir::PrimFunc f = script::parse_func(script);
    return check_func(f, seed, rtol, atol, lower::lower(f));
  }

  // Compiles `compiled` (by default `f` itself) and checks it against the interpreter's run of `f`.
  static Kernel check_func(const ir::PrimFunc& f, uint64_t seed = 7, double rtol = 1e-5, double atol = 1e-6,
                           const ir::PrimFunc& compiled = ir::PrimFunc()) {
    pir::Func h = handle(compiled.defined() ? compiled : f);
    Kernel kernel = compile(h.node());
    std::vector<NDArray> expected = interp::run_random(f, seed);
    std::vector<NDArray> actual = interp::random_params(f, seed);
    std::vector<void*> args;
    for (NDArray& a : actual) args.push_back(a.data());
    kernel(args.data());
    EXPECT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size() && i < expected.size(); ++i) {
      interp::CompareResult r = interp::allclose(actual[i], expected[i], rtol, atol);
      EXPECT_TRUE(r) << "buffer " << i << ": " << r.message << "\n" << kernel.ir();
    }
    return kernel;
  }

  static bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
  }
};

TEST_F(Codegen, VectorAdd) {
  Kernel k = check(R"(
@T.prim_func
def vadd(A: T.Buffer((1000,), "float32"), B: T.Buffer((1000,), "float32"), C: T.Buffer((1000,), "float32")):
    for i in range(1000):
        C[i] = A[i] + B[i]
)");
  EXPECT_EQ(k.name(), "vadd");
  EXPECT_TRUE(contains(k.ir(), "define void @vadd(ptr %args)"));
  EXPECT_TRUE(contains(k.ir(), "ptr noalias %A"));
}

TEST_F(Codegen, MatmulWithFlattenedIndices) {
  check(R"(
@T.prim_func
def mm(A: T.Buffer((2048,), "float32"), B: T.Buffer((2048,), "float32"), C: T.Buffer((1024,), "float32")):
    for i in range(32):
        for j in range(32):
            C[i * 32 + j] = T.float32(0)
            for k in range(64):
                C[i * 32 + j] = C[i * 32 + j] + A[i * 64 + k] * B[k * 32 + j]
)",
        3, 1e-4, 1e-5);
}

TEST_F(Codegen, ReductionWithInitGuard) {
  check(R"(
@T.prim_func
def rsum(A: T.Buffer((4096,), "float32"), C: T.Buffer((64,), "float32")):
    for i in range(64):
        for k in range(64):
            if k == 0:
                C[i] = T.float32(0)
            C[i] = C[i] + A[i * 64 + k]
)",
        5, 1e-4, 1e-5);
}

TEST_F(Codegen, MultiDimensionalBuffers) {
  check(R"(
@T.prim_func
def transpose(A: T.Buffer((16, 24), "float32"), B: T.Buffer((24, 16), "float32")):
    for i in range(16):
        for j in range(24):
            B[j, i] = A[i, j] * T.float32(2)
)");
}

TEST_F(Codegen, FloatIntrinsics) {
  const char* ops[] = {"exp", "exp2", "exp10", "log",  "log2", "log10", "log1p", "sqrt", "rsqrt", "sigmoid", "tanh",
                       "sin", "cos",  "tan",   "atan", "erf",  "abs",   "floor", "ceil", "round", "trunc"};
  for (const char* op : ops) {
    SCOPED_TRACE(op);
    check(std::string(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), B: T.Buffer((256,), "float32")):
    for i in range(256):
        B[i] = T.)") +
          op + R"((A[i] * T.float32(3))
)");
  }
  check(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), B: T.Buffer((256,), "float32"), C: T.Buffer((256,), "float32")):
    for i in range(256):
        C[i] = T.pow(T.abs(A[i]) + T.float32(0.5), B[i] * T.float32(4))
        B[i] = T.fmod(A[i] * T.float32(7), B[i])
)");
  check(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float64"), B: T.Buffer((256,), "float64")):
    for i in range(256):
        B[i] = T.exp(A[i]) + T.tanh(A[i]) + T.sqrt(T.abs(A[i])) + T.sigmoid(A[i])
)",
        7, 1e-12, 1e-12);
}

TEST_F(Codegen, IfSelectAndLazyIfThenElse) {
  check(R"(
@T.prim_func
def f(A: T.Buffer((128,), "float32"), B: T.Buffer((128,), "float32"), C: T.Buffer((128,), "float32")):
    for i in range(128):
        if A[i] > T.float32(0):
            B[i] = A[i]
        else:
            B[i] = T.Select(A[i] < T.float32(-0.5), T.float32(1), T.float32(2))
        C[i] = T.if_then_else(i < 127, A[i + 1], T.float32(-3)) + T.max(A[i], B[i]) - T.min(A[i], T.float32(0.25))
)");
}

TEST_F(Codegen, IntegerArithmeticMatchesTheInterpreter) {
  check(R"(
@T.prim_func
def f(A: T.Buffer((256,), "int32"), B: T.Buffer((256,), "int32"), C: T.Buffer((256,), "int32"), D: T.Buffer((256,), "int32"), E: T.Buffer((256,), "int8")):
    for i in range(256):
        C[i] = A[i] // (B[i] * 2 + 1) + T.truncdiv(A[i] * 5, B[i] * 2 + 1) * 100
        D[i] = A[i] % (B[i] * 2 + 1) + T.truncmod(A[i] * 5, B[i] * 2 + 1) * 100 + T.max(A[i], B[i]) * 10000
        E[i] = T.Cast("int8", A[i] * 37 + B[i] * 1000)
)");
  check(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), B: T.Buffer((256,), "int8"), C: T.Buffer((256,), "uint8"), D: T.Buffer((256,), "bool")):
    for i in range(256):
        B[i] = T.Cast("int8", A[i] * T.float32(300))
        C[i] = T.Cast("uint8", A[i] * T.float32(300))
        D[i] = A[i] > T.float32(0) and not (A[i] > T.float32(0.5))
)");
}

TEST_F(Codegen, Float16AndBfloat16) {
  check(R"(
@T.prim_func
def f(A: T.Buffer((512,), "float16"), B: T.Buffer((512,), "float16"), C: T.Buffer((512,), "float16"), D: T.Buffer((512,), "float32")):
    for i in range(512):
        C[i] = A[i] * B[i] + A[i] * T.float16(0.1)
        D[i] = T.Cast("float32", C[i]) + T.Cast("float32", T.exp(A[i]))
)",
        11, 0, 0);
  check(R"(
@T.prim_func
def f(A: T.Buffer((512,), "bfloat16"), B: T.Buffer((512,), "bfloat16"), C: T.Buffer((512,), "bfloat16"), D: T.Buffer((512,), "float32")):
    for i in range(512):
        C[i] = A[i] * B[i] + A[i]
        D[i] = T.Cast("float32", C[i]) * T.float32(3)
)",
        11, 0, 0);
}

TEST_F(Codegen, VectorizedLoopBecomesVectorCode) {
  Kernel k = check_lowered(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), B: T.Buffer((256,), "float32"), C: T.Buffer((256,), "float32"), S: T.Buffer((1,), "float32")):
    for i0 in range(32):
        for i1 in T.vectorized(8):
            C[i0 * 8 + i1] = A[i0 * 8 + i1] + B[i0 * 8 + i1] * T.float32(2) + S[0] + T.exp(A[i1])
)");
  EXPECT_TRUE(contains(k.ir(), "load <8 x float>")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "fadd contract <8 x float>")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "store <8 x float>")) << k.ir();
}

// The code generator has no vectorizer of its own: a vectorized loop that reaches it (from a
// function not lowered, or lowered without vectorize_loops) is a serial loop, correct and
// scalar in the IR as generated; lowering makes the same loop vector code.
TEST_F(Codegen, VectorizedLoopNotLoweredIsASerialLoop) {
  const char* text = R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32")):
    for i0 in range(8):
        for i1 in T.vectorized(8):
            B[i0 * 8 + i1] = A[i0 * 8 + i1] * T.float32(3)
)";
  Kernel serial = check(text);
  EXPECT_TRUE(contains(serial.ir(), "i1.header:")) << serial.ir();
  EXPECT_FALSE(contains(serial.ir(), "x float>")) << serial.ir();
  EXPECT_FALSE(contains(serial.ir(), "!llvm.loop")) << serial.ir();
  Kernel vector = check_lowered(text);
  EXPECT_FALSE(contains(vector.ir(), "i1.header:")) << vector.ir();
  EXPECT_TRUE(contains(vector.ir(), "store <8 x float>")) << vector.ir();
}

TEST_F(Codegen, VectorizedLoopWithStridedLoadsGathers) {
  Kernel k = check_lowered(R"(
@T.prim_func
def f(A: T.Buffer((64, 16), "float32"), B: T.Buffer((16, 64), "float32")):
    for i in range(64):
        for j in T.vectorized(16):
            B[j, i] = B[j, i] * A[i, j]
)");
  // The store is strided: the loop stays scalar.
  EXPECT_FALSE(contains(k.ir(), "<16 x float>")) << k.ir();
  Kernel t = check_lowered(R"(
@T.prim_func
def f(A: T.Buffer((16, 64), "float32"), B: T.Buffer((64, 16), "float32")):
    for i in range(64):
        for j in T.vectorized(16):
            B[i, j] = A[j, i]
)");
  EXPECT_TRUE(contains(t.ir(), "store <16 x float>")) << t.ir();
}

TEST_F(Codegen, VectorizedLoopWithADependenceStaysScalar) {
  Kernel k = check_lowered(R"(
@T.prim_func
def f(A: T.Buffer((65,), "float32"), C: T.Buffer((8,), "float32")):
    for i in T.vectorized(64):
        A[i + 1] = A[i] + T.float32(1)
    for i in T.vectorized(8):
        C[0] = C[0] + A[i]
)");
  EXPECT_FALSE(contains(k.ir(), "<64 x float>")) << k.ir();
  EXPECT_FALSE(contains(k.ir(), "<8 x float>")) << k.ir();
}

TEST_F(Codegen, VectorizedFloat16AndInt) {
  Kernel k = check_lowered(R"(
@T.prim_func
def f(A: T.Buffer((128,), "float16"), B: T.Buffer((128,), "int32"), C: T.Buffer((128,), "float16")):
    for i0 in range(8):
        for i1 in T.vectorized(16):
            C[i0 * 16 + i1] = A[i0 * 16 + i1] * T.Cast("float16", B[i0 * 16 + i1] // 3) + T.float16(1)
)",
                           3, 0, 0);
  EXPECT_TRUE(contains(k.ir(), "load <16 x half>")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "load <16 x i32>")) << k.ir();
}

TEST_F(Codegen, RampAndBroadcastExpressions) {
  Kernel k = check(R"(
@T.prim_func
def f(A: T.Buffer((128,), "float32"), B: T.Buffer((128,), "float32"), C: T.Buffer((128,), "float32")):
    for i in range(16):
        C[T.Ramp(i * 8, 1, 8)] = A[T.Ramp(i * 8, 1, 8)] * T.Broadcast(T.float32(2), 8) + B[T.Ramp(i, 16, 8)]
)");
  EXPECT_TRUE(contains(k.ir(), "load <8 x float>")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "fmul contract <8 x float>")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "store <8 x float>")) << k.ir();
}

TEST_F(Codegen, LetAllocateAndLoopKinds) {
  Kernel k = check(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), C: T.Buffer((256,), "float32")):
    for i in T.parallel(16):
        X = T.decl_buffer((16,), "float32", scope="local")
        for j in T.unroll(16):
            with T.LetStmt(i * 16 + j) as idx:
                X[j] = A[idx] * T.float32(3) + X[j]
        for j in range(16):
            C[i * 16 + j] = X[15 - j]
)");
  EXPECT_TRUE(contains(k.ir(), "llvm.loop.unroll.full")) << k.ir();
  // A large allocation goes to the heap.
  check(R"(
@T.prim_func
def f(A: T.Buffer((65536,), "float32"), C: T.Buffer((65536,), "float32")):
    X = T.decl_buffer((65536,), "float32")
    for i in range(65536):
        X[65535 - i] = A[i]
    for i in range(65536):
        C[i] = X[i] + T.float32(1)
)");
}

TEST_F(Codegen, ScalarParameters) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), C: T.Buffer((64,), "float32"), n: T.int32, alpha: T.float32):
    for i in range(n):
        C[i] = A[i] * alpha
)");
  pir::Func h = handle(f);
  Kernel k = compile(h.node());
  NDArray a(ir::DataType::Float(32), {64}), c(ir::DataType::Float(32), {64}), c2(ir::DataType::Float(32), {64});
  a.fill_random(1);
  interp::run(f, {a, c, 40, 1.5});
  int32_t n = 40;
  float alpha = 1.5f;
  void* args[] = {a.data(), c2.data(), &n, &alpha};
  k(args);
  interp::CompareResult r = interp::allclose(c2, c, 0, 0);
  EXPECT_TRUE(r) << r.message;
}

TEST_F(Codegen, ParallelLoopsCallTheRuntime) {
  Kernel k = check(R"(
@T.prim_func
def f(A: T.Buffer((4096,), "float32"), B: T.Buffer((4096,), "float32"), C: T.Buffer((64,), "float32")):
    with T.LetStmt(3) as s:
        for i in T.parallel(64):
            for j in T.parallel(8):
                for k in T.vectorized(8):
                    B[i * 64 + j * 8 + k] = A[i * 64 + j * 8 + k] * T.Cast("float32", s) + T.float32(1)
            for j in range(64):
                if j == 0:
                    C[i] = T.float32(0)
                C[i] = C[i] + T.exp(A[i * 64 + j])
)",
                   5, 1e-5, 1e-5);
  EXPECT_TRUE(contains(k.ir(), "call void @loom_parallel_for(i64")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "define internal void @f.par.0(i64 %0, i64 %1, ptr %2)")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "@f.par.1.body")) << k.ir();  // the nested parallel loop
  // The outer body's closure: the buffers and the let's variable (the constant 3), in the
  // order of first use.
  EXPECT_TRUE(contains(k.ir(),
                       "define internal void @f.par.0.body(i64 %0, i64 %1, ptr noalias %B, ptr noalias %A, "
                       "i32 %2, ptr noalias %C)"))
      << k.ir();
  // Scalar parameters and an empty range.
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def g(A: T.Buffer((1000,), "float32"), C: T.Buffer((1000,), "float32"), n: T.int32, alpha: T.float32):
    for i in T.parallel(n):
        C[i] = A[i] * alpha + T.Cast("float32", i)
)");
  pir::Func h = handle(f);
  Kernel g = compile(h.node());
  for (int32_t n : {0, 1, 999, 1000}) {
    NDArray a(ir::DataType::Float(32), {1000}), c(ir::DataType::Float(32), {1000}), c2(ir::DataType::Float(32), {1000});
    a.fill_random(2);
    interp::run(f, {a, c, n, 0.25});
    float alpha = 0.25f;
    void* args[] = {a.data(), c2.data(), &n, &alpha};
    g(args);
    interp::CompareResult r = interp::allclose(c2, c, 0, 0);
    EXPECT_TRUE(r) << "n = " << n << ": " << r.message;
  }
}

TEST_F(Codegen, IntegerDivisionEdgeCases) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def f(A: T.Buffer((6,), "int32"), B: T.Buffer((6,), "int32"), C: T.Buffer((24,), "int32")):
    for i in range(6):
        C[i] = T.truncdiv(A[i], B[i])
        C[i + 6] = T.truncmod(A[i], B[i])
        C[i + 12] = A[i] // B[i]
        C[i + 18] = A[i] % B[i]
)");
  pir::Func h = handle(f);
  Kernel k = compile(h.node());
  const ir::DataType i32 = ir::DataType::Int(32);
  NDArray a = NDArray::from_ints(i32, {6}, {INT32_MIN, 7, -7, 7, -7, INT32_MIN});
  NDArray b = NDArray::from_ints(i32, {6}, {-1, 2, 2, -2, -2, 3});
  NDArray c(i32, {24}), c2(i32, {24});
  interp::run(f, {a, b, c});
  void* args[] = {a.data(), b.data(), c2.data()};
  k(args);
  EXPECT_EQ(c2.to_string(), c.to_string());
  // Division by zero gives 0 (the interpreter throws).
  NDArray z = NDArray::from_ints(i32, {6}, {0, 0, 0, 0, 0, 0});
  void* zargs[] = {a.data(), z.data(), c2.data()};
  k(zargs);
  for (int64_t i = 0; i < 24; ++i) EXPECT_EQ(c2.get_int(i), 0) << i;
}

TEST_F(Codegen, VectorizedLoopWithGathersUniformBranchesAndLets) {
  Kernel k = check_lowered(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((512,), "float32"), C: T.Buffer((512,), "float32")):
    for i0 in range(64):
        for k in range(2):
            for i1 in T.vectorized(8):
                with T.LetStmt(i0 * 8) as base:
                    if k == 0:
                        C[base + i1] = T.float32(0)
                    C[base + i1] = C[base + i1] + A[i1 // 2] * A[(i1 * i1) % 7] + T.Select(B[base + i1] > A[i0], B[base + i1], A[i0])
)");
  EXPECT_TRUE(contains(k.ir(), "store <8 x float>")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "fmul contract <8 x float>")) << k.ir();
}

#if defined(__x86_64__)
TEST_F(Codegen, GenericX86WithoutF16cUsesLibraryConversions) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float16"), B: T.Buffer((256,), "float64"), C: T.Buffer((256,), "float16")):
    for i in T.vectorized(256):
        C[i] = A[i] * T.float16(3) + T.Cast("float16", B[i])
)");
  pir::Func h = handle(f);
  CodegenOptions options;
  options.cpu = "x86-64";
  options.features = "+sse2,-f16c,-avx";
  Kernel k = compile(h.node(), options);
  EXPECT_EQ(k.cpu(), "x86-64");
  std::vector<NDArray> expected = interp::run_random(f, 4);
  std::vector<NDArray> actual = interp::random_params(f, 4);
  void* args[] = {actual[0].data(), actual[1].data(), actual[2].data()};
  k(args);
  interp::CompareResult r = interp::allclose(actual[2], expected[2], 0, 0);
  EXPECT_TRUE(r) << r.message;
}
#endif

TEST_F(Codegen, VectorizedBoolUintAndInt64) {
  Kernel k = check_lowered(R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), M: T.Buffer((256,), "bool"), U: T.Buffer((256,), "uint8"), L: T.Buffer((256,), "int64")):
    for i0 in range(T.int64(16)):
        for i1 in T.vectorized(T.int64(16)):
            M[i0 * T.int64(16) + i1] = A[i0 * T.int64(16) + i1] > T.float32(0) or M[i0 * T.int64(16) + i1]
            U[i0 * T.int64(16) + i1] = U[i0 * T.int64(16) + i1] * T.uint8(17) + T.Cast("uint8", i1)
            L[i0 * T.int64(16) + i1] = T.Cast("int64", U[i0 * T.int64(16) + i1]) * (i0 - T.int64(8)) // T.int64(3)
)");
  EXPECT_TRUE(contains(k.ir(), "<16 x i1>")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "store <16 x i8>")) << k.ir();
  EXPECT_TRUE(contains(k.ir(), "store <16 x i64>")) << k.ir();
}

TEST_F(Codegen, CompilesConcurrently) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def f(A: T.Buffer((1024,), "float32"), B: T.Buffer((1024,), "float32")):
    for i0 in T.parallel(64):
        for i1 in T.vectorized(16):
            B[i0 * 16 + i1] = T.tanh(A[i0 * 16 + i1]) * T.float32(2)
)");
  std::vector<NDArray> expected = interp::run_random(f, 9);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        pir::Func h = handle(f);
        for (int round = 0; round < 3; ++round) {
          Kernel k = compile(h.node());
          std::vector<NDArray> actual = interp::random_params(f, 9);
          void* args[] = {actual[0].data(), actual[1].data()};
          k(args);
          interp::CompareResult r = interp::allclose(actual[1], expected[1], 0, 0);
          if (!r) errors[t] = r.message;
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
}

TEST_F(Codegen, RejectsBlocks) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def f(A: T.Buffer((8,), "float32"), B: T.Buffer((8,), "float32")):
    for i in range(8):
        with T.block("B"):
            vi = T.axis.spatial(8, i)
            B[vi] = A[vi]
)");
  pir::Func h = handle(f);
  try {
    compile(h.node());
    FAIL() << "expected CodegenError";
  } catch (const CodegenError& e) {
    EXPECT_TRUE(contains(e.what(), "not lowered")) << e.what();
  }
}

TEST_F(Codegen, EmitLlvmIrIsVerifiedText) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def g(A: T.Buffer((8,), "float32")):
    for i in range(8):
        A[i] = A[i] + T.float32(1)
)");
  pir::Func h = handle(f);
  std::string text = emit_llvm_ir(h.node());
  EXPECT_TRUE(contains(text, "define void @g(ptr %args)")) << text;
  EXPECT_TRUE(contains(text, "define internal void @g.body(ptr noalias %A)")) << text;
}

// Multiply-adds are contracted into FMAs by default (as C compilers and TVM do); with
// fp_contract off the IR carries no `contract` flag and results equal the interpreter's
// roundings exactly.
TEST_F(Codegen, FpContractionIsAnOption) {
  const char* text = R"(
@T.prim_func
def fma(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32"), C: T.Buffer((64,), "float32")):
    for i in range(64):
        C[i] = C[i] + A[i] * B[i]
)";
  ir::PrimFunc f = script::parse_func(text);
  pir::Func h = handle(f);
  CodegenOptions exact;
  exact.fp_contract = false;
  EXPECT_TRUE(contains(emit_llvm_ir(h.node()), "fmul contract float"));
  std::string ir = emit_llvm_ir(h.node(), exact);
  EXPECT_FALSE(contains(ir, "contract")) << ir;
  Kernel k = compile(h.node(), exact);
  std::vector<NDArray> expected = interp::run_random(f, 3);
  std::vector<NDArray> actual = interp::random_params(f, 3);
  std::vector<void*> args;
  for (NDArray& a : actual) args.push_back(a.data());
  k(args.data());
  EXPECT_TRUE(interp::allclose(actual[2], expected[2], 0, 0));
}

// compile_object gives a relocatable ELF object; load_object links it in a fresh JIT and
// the result computes what compile's does. With typed_entry the object exports NAME as the
// typed function and NAME_packed as the packed one.
TEST_F(Codegen, ObjectCodeLoadsAndExportsTypedAndPackedEntries) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def axpy(A: T.Buffer((1000,), "float32"), B: T.Buffer((1000,), "float32"), n: T.int32):
    for i in T.parallel(1000):
        B[i] = B[i] + A[i] * T.Cast("float32", n)
)");
  pir::Func h = handle(f);
  CodegenOptions options;
  options.typed_entry = true;
  options.emit_assembly = true;
  ObjectCode code = compile_object(h.node(), options);
  ASSERT_GE(code.object.size(), 4u);
  EXPECT_EQ(code.object.substr(0, 4),
            "\x7f"
            "ELF");
  EXPECT_EQ(code.name, "axpy");
  EXPECT_EQ(code.packed_name, "axpy_packed");
  EXPECT_TRUE(code.uses_parallel_runtime);
  EXPECT_TRUE(contains(code.assembly, "axpy_packed:")) << code.assembly;
  EXPECT_TRUE(contains(code.assembly, ".globl\taxpy\n")) << code.assembly;
  EXPECT_TRUE(contains(code.ir, "define void @axpy(ptr noalias %A, ptr noalias %B, i32 %n)")) << code.ir;
  Kernel k = load_object(code);
  EXPECT_EQ(k.name(), "axpy_packed");
  std::vector<NDArray> arrays(2, NDArray(ir::DataType::Float(32), {1000}));
  arrays[0].fill_random(5);
  arrays[1].fill_random(6);
  NDArray expected_b = arrays[1];
  int32_t n = 3;
  std::vector<interp::Arg> run_args{arrays[0], expected_b, int64_t{n}};
  interp::run(f, run_args);
  std::vector<void*> args{arrays[0].data(), arrays[1].data(), &n};
  k(args.data());
  EXPECT_TRUE(interp::allclose(arrays[1], expected_b, 1e-6, 1e-6));
  // Without typed_entry the packed entry is NAME and the typed function is internal.
  ObjectCode plain = compile_object(h.node());
  EXPECT_EQ(plain.packed_name, "axpy");
  EXPECT_TRUE(contains(plain.ir, "define internal void @axpy.body(")) << plain.ir;
}

}  // namespace
}  // namespace loom::cpu
