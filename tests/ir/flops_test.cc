// Tests of ir::estimate_flops (loom/ir/flops.h): which operations count, how loops multiply
// them, vector lanes, block inits, and the unknown (symbolic) case.
#include "loom/ir/flops.h"

#include <gtest/gtest.h>

#include "loom/script/script.h"

namespace loom::ir {
namespace {

double flops_of(const std::string& text) { return estimate_flops(script::parse_func(text)); }

TEST(EstimateFlops, MatmulCountsTwoPerMultiplyAdd) {
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def mm(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 32), "float32"), C: T.Buffer((16, 32), "float32")):
    for i, j, k in T.grid(16, 32, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)"),
            2.0 * 16 * 32 * 8);
}

TEST(EstimateFlops, EveryFloatArithmeticOperationAndMathCallCountsOnce) {
  // + - * / min max exp sqrt: 8 per element; the comparison, the Select, the cast and the
  // if_then_else count nothing.
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def f(A: T.Buffer((100,), "float32"), B: T.Buffer((100,), "float32"), I: T.Buffer((100,), "int32")):
    for i in range(100):
        B[i] = T.max(T.min(A[i] + T.float32(1), A[i] - T.float32(2)) * A[i] / T.float32(3), T.exp(T.sqrt(A[i]))) + T.Select(A[i] < T.float32(0), T.Cast("float32", I[i]), T.if_then_else(i < 50, A[i], T.float32(0)))
)"),
            100.0 * 9);
}

TEST(EstimateFlops, IntegerAndIndexArithmeticCountNothing) {
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def f(A: T.Buffer((64,), "int32"), B: T.Buffer((64,), "float32")):
    for i in range(8):
        for j in range(8):
            A[i * 8 + j] = A[(i + 1) % 8 * 8 + j] * 3 + i // 2
            B[i * 8 + j] = B[j * 8 + i]
)"),
            0.0);
}

TEST(EstimateFlops, LoopsMultiplyFromTheirExtentAndNestedStatementsAdd) {
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float64"), B: T.Buffer((64,), "float16")):
    for i in range(4, 12):
        A[i] = A[i] * T.float64(2)
        for j in range(3):
            B[i * 3 + j] = B[i * 3 + j] + B[j]
    A[0] = A[1] + A[2]
)"),
            8.0 * (1 + 3) + 1);
}

TEST(EstimateFlops, LetValuesConditionsAndInitsCount) {
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def f(A: T.Buffer((10,), "float32"), B: T.Buffer((10,), "float32")):
    for i in range(10):
        with T.LetStmt(A[i] * T.float32(2)) as x:
            if x + T.float32(1) > T.float32(0):
                B[i] = x
)"),
            10.0 * 2);
  // The init's multiply counts once per execution of the block, like its body.
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def f(A: T.Buffer((4, 6), "float32"), C: T.Buffer((4,), "float32")):
    for i, k in T.grid(4, 6):
        with T.block("C"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                C[vi] = A[vi, 0] * T.float32(0.5)
            C[vi] = C[vi] + A[vi, vk]
)"),
            4.0 * 6 * 2);
}

TEST(EstimateFlops, VectorOperationsCountEachLane) {
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32")):
    for i in range(8):
        B[T.Ramp(i * 8, 1, 8)] = A[T.Ramp(i * 8, 1, 8)] * T.Broadcast(T.float32(2), 8) + A[T.Ramp(i * 8, 1, 8)]
)"),
            8.0 * 8 * 2);
}

TEST(EstimateFlops, ASymbolicExtentAroundCountedOperationsIsUnknown) {
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def f(a: T.handle, n: T.int32):
    A = T.match_buffer(a, (n,), "float32")
    for i in range(n):
        A[i] = A[i] * T.float32(2)
)"),
            0.0);
}

TEST(EstimateFlops, ASymbolicLoopWithoutFloatOperationsDoesNotHideTheRest) {
  // Documented: only a symbolic loop enclosing a counted operation makes the count unknown.
  EXPECT_EQ(flops_of(R"(
@T.prim_func
def f(A: T.Buffer((16,), "float32"), I: T.Buffer((16,), "int32"), n: T.int32):
    for i in range(n):
        I[i % 16] = i
    for i in range(16):
        A[i] = A[i] + T.float32(1)
)"),
            16.0);
}

}  // namespace
}  // namespace loom::ir
