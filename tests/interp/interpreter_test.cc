// Tests of the interpreter's entry points: run_random / random_params / allocate_params,
// determinism, and that arrays are read and written in place.
#include <gtest/gtest.h>

#include <set>

#include "interp_test_util.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)

/// B[i] = A[i] + 1 over the first half of B only; the second half is never written.
PrimFunc half_writer() {
  Var i("i");
  Buffer a = make_buffer("A", DataType::Float(32), {8});
  Buffer b = make_buffer("B", DataType::Float(32), {8});
  return make_func("half", {a, b}, loop(i, 4, store(b, load(a, {i}) + ir::make_float(1.0), {i})));
}

TEST(Interpreter, AllocateParamsMakesZeroedArraysOfTheParameterShapes) {
  Buffer a = make_buffer("A", DataType::Float(16), {2, 3});
  Buffer b = make_buffer("B", DataType::Int(8), {5});
  PrimFunc f = make_func("f", {a, b}, store(b, ir::make_int(0, DataType::Int(8)), {0}));
  std::vector<NDArray> arrays = allocate_params(f);
  ASSERT_EQ(arrays.size(), 2u);
  EXPECT_EQ(arrays[0].dtype(), DataType::Float(16));
  EXPECT_EQ(arrays[0].shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(arrays[1].dtype(), DataType::Int(8));
  EXPECT_EQ(arrays[1].to_string(), "[0, 0, 0, 0, 0]");
}

TEST(Interpreter, RandomParamsFillsEveryBufferWithItsOwnStream) {
  std::vector<NDArray> arrays = random_params(half_writer(), 5);
  ASSERT_EQ(arrays.size(), 2u);
  NDArray a0(DataType::Float(32), {8});
  NDArray a1(DataType::Float(32), {8});
  a0.fill_random(param_seed(5, 0));
  a1.fill_random(param_seed(5, 1));
  EXPECT_TRUE(allclose(arrays[0], a0, 0, 0));
  EXPECT_TRUE(allclose(arrays[1], a1, 0, 0));
  EXPECT_FALSE(allclose(arrays[0], arrays[1], 0, 0));
  // Seeds of different parameters and different base seeds do not collide.
  std::set<uint64_t> seeds;
  for (uint64_t s = 0; s < 50; ++s) {
    for (size_t i = 0; i < 8; ++i) seeds.insert(param_seed(s, i));
  }
  EXPECT_EQ(seeds.size(), 400u);
}

TEST(Interpreter, RunRandomIsRandomParamsThenRun) {
  PrimFunc f = half_writer();
  std::vector<NDArray> before = random_params(f, 9);
  std::vector<NDArray> after = run_random(f, 9);
  for (int64_t i = 0; i < 8; ++i) {
    EXPECT_EQ(after[0].get_double(i), before[0].get_double(i));  // inputs untouched
    if (i < 4) {
      EXPECT_EQ(after[1].get_double(i), static_cast<double>(static_cast<float>(before[0].get_double(i)) + 1.0f));
    } else {
      EXPECT_EQ(after[1].get_double(i), before[1].get_double(i));  // unwritten: keeps its random value
    }
  }
}

TEST(Interpreter, RunRandomIsDeterministic) {
  PrimFunc f = half_writer();
  const auto a = run_random(f, 123);
  const auto b = run_random(f, 123);
  const auto c = run_random(f, 124);
  EXPECT_EQ(a[1].checksum().fnv1a, b[1].checksum().fnv1a);
  EXPECT_EQ(a[1].checksum().to_string(), b[1].checksum().to_string());
  EXPECT_NE(a[1].checksum().fnv1a, c[1].checksum().fnv1a);
}

TEST(Interpreter, RunWritesArgumentsInPlaceAndCanRepeat) {
  // B[0] = B[0] + A[0]: running twice accumulates twice.
  Buffer a = make_buffer("A", DataType::Int(32), {1});
  Buffer b = make_buffer("B", DataType::Int(32), {1});
  PrimFunc f = make_func("acc", {a, b}, store(b, load(b, {0}) + load(a, {0}), {0}));
  NDArray x = NDArray::from_ints(DataType::Int(32), {1}, {3});
  NDArray y = NDArray::from_ints(DataType::Int(32), {1}, {1});
  run(f, {x, y});
  run(f, {&x, &y});
  EXPECT_EQ(y.get_int(0), 7);
}

TEST(Interpreter, SameArrayMayBeBoundToTwoParameters) {
  // In-place: A and B alias one array.
  Var i("i");
  Buffer a = make_buffer("A", DataType::Int(32), {3});
  Buffer b = make_buffer("B", DataType::Int(32), {3});
  PrimFunc f = make_func("inplace", {a, b}, loop(i, 3, store(b, load(a, {i}) * 2, {i})));
  NDArray x = NDArray::from_ints(DataType::Int(32), {3}, {1, 2, 3});
  run(f, {x, x});
  EXPECT_EQ(x.to_string(), "[2, 4, 6]");
}

}  // namespace
}  // namespace loom::interp
