// The interpreter on kernels written in TVMScript (the fixture files and small inline
// kernels), checked against naive C++ implementations.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "interp_test_util.h"
#include "loom/script/parser.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)

PrimFunc parse_fixture(const std::string& name) {
  const std::string path = std::string(LOOM_TEST_DATA_DIR) + "/" + name;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return script::parse_func(text.str(), path);
}

TEST(ScriptKernels, PaddedConv2dMatchesNaiveLoops) {
  PrimFunc f = parse_fixture("conv2d_pad.py");
  const uint64_t seed = 17;
  std::vector<NDArray> arrays = run_random(f, seed);
  const NDArray& a = arrays[0];
  const NDArray& w = arrays[1];
  NDArray want(DataType::Float(32), {1, 16, 16, 16});
  for (int64_t h = 0; h < 16; ++h) {
    for (int64_t x = 0; x < 16; ++x) {
      for (int64_t co = 0; co < 16; ++co) {
        float acc = 0;
        for (int64_t rh = 0; rh < 3; ++rh) {
          for (int64_t rw = 0; rw < 3; ++rw) {
            for (int64_t ci = 0; ci < 8; ++ci) {
              const int64_t ih = h + rh - 1, iw = x + rw - 1;
              const float v = (ih >= 0 && ih < 16 && iw >= 0 && iw < 16)
                                  ? static_cast<float>(a.get_double(a.flat_index({0, ih, iw, ci})))
                                  : 0.0f;
              acc += v * static_cast<float>(w.get_double(w.flat_index({rh, rw, ci, co})));
            }
          }
        }
        want.set_double(want.flat_index({0, h, x, co}), acc);
      }
    }
  }
  CompareResult r = allclose(arrays[2], want, 1e-5, 1e-5);
  EXPECT_TRUE(r) << r.message << " seed=" << seed;
}

TEST(ScriptKernels, SoftmaxMatchesNaiveLoops) {
  PrimFunc f = parse_fixture("softmax.py");
  const uint64_t seed = 3;
  std::vector<NDArray> arrays = run_random(f, seed);
  const NDArray& a = arrays[0];
  NDArray want(DataType::Float(32), {64, 32});
  for (int64_t i = 0; i < 64; ++i) {
    double mx = -INFINITY, sum = 0;
    for (int64_t k = 0; k < 32; ++k) mx = std::max(mx, a.get_double(i * 32 + k));
    for (int64_t k = 0; k < 32; ++k) sum += std::exp(a.get_double(i * 32 + k) - mx);
    for (int64_t k = 0; k < 32; ++k) want.set_double(i * 32 + k, std::exp(a.get_double(i * 32 + k) - mx) / sum);
  }
  CompareResult r = allclose(arrays[1], want, 1e-5, 1e-6);
  EXPECT_TRUE(r) << r.message << " seed=" << seed;
}

TEST(ScriptKernels, LoopKindsPredicatesAndIfStatements) {
  PrimFunc f = parse_fixture("loop_kinds.py");
  std::vector<NDArray> before = random_params(f, 8);
  std::vector<NDArray> after = run_random(f, 8);
  EXPECT_TRUE(allclose(after[1], before[0], 0, 0));  // B = A through four loop kinds
  for (int64_t j = 0; j < 64; ++j) EXPECT_EQ(after[2].get_double(j), j < 32 ? 0.0 : 1.0) << j;
}

TEST(ScriptKernels, OutOfBoundsStoreMessage) {
  PrimFunc f = script::parse_func(R"(
@T.prim_func
def bad(C: T.Buffer((128, 128), "float32")):
    for i in range(130):
        with T.block("C"):
            vi = T.axis.spatial(130, i)
            C[vi, 3] = T.float32(1)
)");
  NDArray c(DataType::Float(32), {128, 128});
  EXPECT_EQ(error_of<RuntimeError>([&] { run(f, {c}); }),
            "out-of-bounds store to C[128, 3]: shape is (128, 128), in block \"C\" of function \"bad\"");
}

TEST(ScriptKernels, Float16AccumulationRoundsEveryStep) {
  // Summing 4096 ones in float16 stops at 2048: 2048 + 1 rounds back to 2048.
  PrimFunc f = script::parse_func(R"(
@T.prim_func
def total(A: T.Buffer((4096,), "float16"), S: T.Buffer((1,), "float16")):
    for k in range(4096):
        with T.block("sum"):
            vk = T.axis.reduce(4096, k)
            with T.init():
                S[0] = T.float16(0)
            S[0] = S[0] + A[vk]
)");
  NDArray a(DataType::Float(16), {4096});
  for (int64_t i = 0; i < 4096; ++i) a.set_double(i, 1.0);
  NDArray s(DataType::Float(16), {1});
  run(f, {a, s});
  EXPECT_EQ(s.get_double(0), 2048.0);
}

TEST(ScriptKernels, Int8ArithmeticWraps) {
  PrimFunc f = script::parse_func(R"(
@T.prim_func
def wrap(A: T.Buffer((4,), "int8"), B: T.Buffer((4,), "int8")):
    for i in range(4):
        with T.block("B"):
            vi = T.axis.spatial(4, i)
            B[vi] = A[vi] * T.int8(2) + T.int8(1)
)");
  NDArray a = NDArray::from_ints(DataType::Int(8), {4}, {100, -100, 63, 64});
  NDArray b(DataType::Int(8), {4});
  run(f, {a, b});
  EXPECT_EQ(b.to_string(), "[-55, 57, 127, -127]");
}

}  // namespace
}  // namespace loom::interp
