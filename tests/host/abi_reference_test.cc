// Tests of the ABI's reference-execution functions (loom_host_api: func_fill_random,
// func_interpret, func_flops, func_structural_hash) through plugin.hpp, as a runner calls
// them: the data, results, counts and hashes must be the core's (interp::random_params,
// interp::run, ir::estimate_flops, ir::structural_hash), and failures must say what failed.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "../../core/src/host/ir_view.h"
#include "loom/host/host_api.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/flops.h"
#include "loom/ir/structural_equal.h"
#include "loom/plugin.hpp"
#include "loom/sched/schedule.h"
#include "loom/script/script.h"
#include "loom/workloads/zoo.h"

namespace loom {
namespace {

namespace lp = loom::plugin;
using interp::NDArray;

class AbiReference : public ::testing::Test {
 protected:
  void SetUp() override { lp::set_host(host::host_api()); }
  void TearDown() override { lp::set_host(nullptr); }
  static lp::ir::Func handle(const ir::PrimFunc& f) { return lp::ir::Func(host::detail::ir_func_new(f)); }
  static std::vector<void*> pointers(std::vector<NDArray>& arrays) {
    std::vector<void*> out;
    for (NDArray& a : arrays) out.push_back(a.data());
    return out;
  }
  static bool same_bytes(const NDArray& a, const NDArray& b) {
    return a.nbytes() == b.nbytes() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.nbytes())) == 0;
  }
};

const char* const kSmall[] = {"gmm", "c2d", "dep", "sfm", "nrm", "gmm_bias_relu"};

ir::PrimFunc small(const std::string& name, std::map<std::string, int64_t> shape = {}) {
  if (shape.empty()) {
    if (name == "gmm") shape = {{"M", 6}, {"N", 8}, {"K", 4}};
    if (name == "c2d")
      shape = {{"N", 1}, {"H", 5}, {"W", 6}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}};
    if (name == "dep") shape = {{"N", 1}, {"H", 6}, {"W", 5}, {"C", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}};
    if (name == "sfm") shape = {{"M", 4}, {"N", 6}};
    if (name == "nrm") shape = {{"B", 2}, {"M", 4}, {"N", 6}};
    if (name == "gmm_bias_relu") shape = {{"M", 4}, {"N", 6}, {"K", 4}};
  }
  return workloads::make_workload(name, shape);
}

// A kernel with scalar parameters between and after its buffers.
const char* const kAxpy = R"(
@T.prim_func
def axpy(X: T.Buffer((16,), "float32"), a: T.float32, Y: T.Buffer((16,), "float32"), n: T.int32):
    for i in range(16):
        with T.block("Y"):
            vi = T.axis.spatial(16, i)
            if vi < n:
                Y[vi] = a * X[vi] + Y[vi]
)";

TEST_F(AbiReference, FillRandomGivesTheDataOfRandomParams) {
  for (const char* name : kSmall) {
    SCOPED_TRACE(name);
    ir::PrimFunc f = small(name);
    for (uint64_t seed : {0u, 1u, 77u}) {
      std::vector<NDArray> expected = interp::random_params(f, seed);
      std::vector<NDArray> actual = interp::allocate_params(f);
      std::vector<void*> args = pointers(actual);
      lp::fill_random(handle(f), seed, args.data());
      ASSERT_EQ(actual.size(), expected.size());
      for (size_t i = 0; i < actual.size(); ++i) EXPECT_TRUE(same_bytes(actual[i], expected[i])) << "buffer " << i;
    }
    // Another seed, other data.
    std::vector<NDArray> a = interp::random_params(f, 1), b = interp::allocate_params(f);
    std::vector<void*> args = pointers(b);
    lp::fill_random(handle(f), 2, args.data());
    EXPECT_FALSE(same_bytes(a[0], b[0]));
  }
}

TEST_F(AbiReference, FillRandomSkipsScalarsAndNumbersBuffersAmongBuffers) {
  ir::PrimFunc f = script::parse_func(kAxpy);
  NDArray x(ir::DataType::Float(32), {16}), y(ir::DataType::Float(32), {16});
  float a = 1234.5f;
  int32_t n = 7;
  std::vector<void*> args = {x.data(), &a, y.data(), &n};
  lp::fill_random(handle(f), 5, args.data());
  NDArray ex(ir::DataType::Float(32), {16}), ey(ir::DataType::Float(32), {16});
  ex.fill_random(interp::param_seed(5, 0));
  ey.fill_random(interp::param_seed(5, 1));
  EXPECT_TRUE(same_bytes(x, ex));
  EXPECT_TRUE(same_bytes(y, ey));
  EXPECT_EQ(a, 1234.5f);
  EXPECT_EQ(n, 7);
}

TEST_F(AbiReference, FillRandomWithoutStorageForABufferIsAnError) {
  ir::PrimFunc f = small("gmm");
  std::vector<NDArray> arrays = interp::allocate_params(f);
  std::vector<void*> args = {arrays[0].data(), nullptr, arrays[2].data()};
  try {
    lp::fill_random(handle(f), 1, args.data());
    ADD_FAILURE() << "no error";
  } catch (const lp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no storage for parameter 1"), std::string::npos) << e.what();
  }
}

TEST_F(AbiReference, InterpretComputesWhatTheInterpreterComputes) {
  for (const char* name : kSmall) {
    SCOPED_TRACE(name);
    ir::PrimFunc f = small(name);
    std::vector<NDArray> expected = interp::run_random(f, 3);
    std::vector<NDArray> actual = interp::random_params(f, 3);
    std::vector<void*> args = pointers(actual);
    lp::interpret(handle(f), args.data());
    for (size_t i = 0; i < actual.size(); ++i) EXPECT_TRUE(same_bytes(actual[i], expected[i])) << "buffer " << i;
    // The outputs changed: the call did run.
    std::vector<NDArray> inputs = interp::random_params(f, 3);
    bool changed = false;
    for (size_t i = 0; i < actual.size(); ++i) changed = changed || !same_bytes(actual[i], inputs[i]);
    EXPECT_TRUE(changed);
  }
  // A scheduled and a lowered function too.
  ir::PrimFunc f = small("gmm");
  sched::Schedule sch(f);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.reorder({loops[2], loops[0]});
  ir::PrimFunc scheduled = sch.mod().at(sch.default_func());
  std::vector<NDArray> expected = interp::run_random(f, 9);
  std::vector<NDArray> actual = interp::random_params(f, 9);
  std::vector<void*> args = pointers(actual);
  lp::interpret(lp::lower(handle(scheduled)), args.data());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_TRUE(interp::allclose(actual[i], expected[i], 1e-5, 1e-6));
}

TEST_F(AbiReference, InterpretPassesScalarsByTheirStorage) {
  ir::PrimFunc f = script::parse_func(kAxpy);
  NDArray x = NDArray::from_doubles(ir::DataType::Float(32), {16}, std::vector<double>(16, 2.0));
  NDArray y = NDArray::from_doubles(ir::DataType::Float(32), {16}, std::vector<double>(16, 1.0));
  NDArray ex = x, ey = y;
  float a = 0.5f;
  int32_t n = 10;
  std::vector<void*> args = {x.data(), &a, y.data(), &n};
  lp::interpret(handle(f), args.data());
  interp::run(f, {interp::Arg(ex), interp::Arg(0.5), interp::Arg(ey), interp::Arg(10)});
  EXPECT_TRUE(same_bytes(y, ey));
  EXPECT_EQ(y.get_double(9), 2.0);  // 0.5 * 2 + 1
  EXPECT_EQ(y.get_double(10), 1.0);
}

TEST_F(AbiReference, InterpretReportsAnOutOfBoundsAccessAndLeavesTheArgumentsAlone) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def shift(A: T.Buffer((8,), "float32"), B: T.Buffer((8,), "float32")):
    for i in range(8):
        B[i] = A[i + 1]
)");
  std::vector<NDArray> arrays = interp::random_params(f, 1);
  std::vector<NDArray> before = arrays;
  std::vector<void*> args = pointers(arrays);
  try {
    lp::interpret(handle(f), args.data());
    ADD_FAILURE() << "no error";
  } catch (const lp::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("func_interpret"), std::string::npos) << message;
    EXPECT_NE(message.find("out-of-bounds load from A[8]"), std::string::npos) << message;
  }
  EXPECT_TRUE(same_bytes(arrays[1], before[1]));
  // The same through the C table: a status and a message.
  const loom_host_api* api = host::host_api();
  loom_error* error = api->error_new();
  lp::ir::Func h = handle(f);
  EXPECT_NE(api->func_interpret(h.get(), args.data(), error), LOOM_OK);
  loom_str m = api->error_message(error);
  EXPECT_NE(std::string(m.data, m.size).find("out-of-bounds"), std::string::npos);
  api->error_free(error);
}

TEST_F(AbiReference, InterpretAndFillRandomRefuseSymbolicShapes) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def scale(a: T.handle, n: T.int32):
    A = T.match_buffer(a, (n,), "float32")
    for i in range(n):
        A[i] = A[i] * T.float32(2)
)");
  float storage[4] = {1, 2, 3, 4};
  int32_t n = 4;
  std::vector<void*> args = {storage, &n};
  for (int which = 0; which < 2; ++which) {
    try {
      if (which == 0) lp::interpret(handle(f), args.data());
      if (which == 1) lp::fill_random(handle(f), 1, args.data());
      ADD_FAILURE() << "no error";
    } catch (const lp::Error& e) {
      EXPECT_NE(std::string(e.what()).find("buffer parameter A has a symbolic shape"), std::string::npos) << e.what();
    }
  }
}

TEST_F(AbiReference, FlopsOfGmmConvAndSymbolicKernels) {
  ir::PrimFunc gmm = small("gmm", {{"M", 64}, {"N", 48}, {"K", 32}});
  EXPECT_EQ(lp::flops(handle(gmm)), 2.0 * 64 * 48 * 32);
  // c2d: 2 per multiply-add of each output (N, OH, OW, CO) over (KH, KW, CI); the padding
  // stage is a copy. 7x9 input, 3x3 kernel, stride 2, padding 1: a 4x5 output.
  ir::PrimFunc c2d =
      small("c2d", {{"N", 2}, {"H", 7}, {"W", 9}, {"CI", 3}, {"CO", 8}, {"K", 3}, {"stride", 2}, {"padding", 1}});
  EXPECT_EQ(lp::flops(handle(c2d)), 2.0 * 2 * 4 * 5 * 8 * 3 * 3 * 3);
  EXPECT_EQ(lp::flops(handle(c2d)), ir::estimate_flops(c2d));
  // Lowering and scheduling keep the count (vectorized lanes count each).
  sched::Schedule sch(gmm);
  auto loops = sch.get_loops(sch.get_block("C"));
  auto j = sch.split(loops[1], std::vector<std::optional<int64_t>>{std::nullopt, 8});
  sch.reorder({j[0], loops[2], j[1]});
  sch.vectorize(j[1]);
  EXPECT_EQ(lp::flops(lp::lower(handle(sch.mod().at(sch.default_func())))), 2.0 * 64 * 48 * 32);
  ir::PrimFunc symbolic = script::parse_func(R"(
@T.prim_func
def scale(a: T.handle, n: T.int32):
    A = T.match_buffer(a, (n,), "float32")
    for i in range(n):
        A[i] = A[i] * T.float32(2)
)");
  EXPECT_EQ(lp::flops(handle(symbolic)), 0.0);
}

TEST_F(AbiReference, StructuralHashIsEqualForEqualFunctionsOnly) {
  ir::PrimFunc a = small("gmm"), b = small("gmm");
  EXPECT_FALSE(a.same_as(b));
  EXPECT_EQ(lp::structural_hash(handle(a)), lp::structural_hash(handle(b)));
  // Printed and parsed back: equal.
  ir::PrimFunc reparsed = script::parse_func(script::print(a));
  EXPECT_EQ(lp::structural_hash(handle(reparsed)), lp::structural_hash(handle(a)));
  // Another shape, another workload, a scheduled version: different.
  EXPECT_NE(lp::structural_hash(handle(small("gmm", {{"M", 6}, {"N", 8}, {"K", 8}}))), lp::structural_hash(handle(a)));
  EXPECT_NE(lp::structural_hash(handle(small("gmm_bias_relu"))), lp::structural_hash(handle(a)));
  sched::Schedule sch(a);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 2});
  EXPECT_NE(lp::structural_hash(handle(sch.mod().at(sch.default_func()))), lp::structural_hash(handle(a)));
  // Agrees with the core's hash.
  EXPECT_EQ(lp::structural_hash(handle(a)), ir::structural_hash(a));
}

}  // namespace
}  // namespace loom
