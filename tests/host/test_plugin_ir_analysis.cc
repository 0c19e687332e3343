// Tests of the analyses that loom/plugin_ir.hpp offers plugins over the IR views:
// float16_bits_to_float against the core's conversion for every bit pattern, and
// free_vars_and_buffers (what an outlined body must be passed) on lowered and block-level IR.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../../core/src/host/ir_view.h"
#include "loom/host/host_api.h"
#include "loom/interp/float16.h"
#include "loom/plugin_ir.hpp"
#include "loom/script/script.h"

namespace {

namespace pir = loom::plugin::ir;

class PluginIrAnalysis : public ::testing::Test {
 protected:
  void SetUp() override { loom::plugin::set_host(loom::host::host_api()); }
  void TearDown() override { loom::plugin::set_host(nullptr); }
  static pir::Func handle(const std::string& script) {
    return pir::Func(loom::host::detail::ir_func_new(loom::script::parse_func(script)));
  }
};

// The names of the variables and buffers free_vars_and_buffers(n) gives, in its order.
std::vector<std::string> free_names(const pir::Node& n) {
  std::vector<std::string> names;
  for (const pir::Node& x : pir::free_vars_and_buffers(n)) {
    names.emplace_back(x.kind() == LOOM_NODE_VAR ? pir::Var(x).name() : pir::Buffer(x).name());
  }
  return names;
}

// The first For in `n`, depth first (the parser may wrap a function with blocks in a root block).
pir::For first_loop(const pir::Node& n) {
  if (n.is_null()) return pir::For();
  if (auto loop = n.as<pir::For>()) return *loop;
  for (std::string_view name : n.field_names()) {
    pir::Field f = n.field(name);
    if (f.is_node()) {
      if (pir::For loop = first_loop(f.node())) return loop;
    } else if (f.is_list()) {
      for (size_t k = 0; k < f.size(); ++k) {
        if (f.item(k).is_node()) {
          if (pir::For loop = first_loop(f.item(k).node())) return loop;
        }
      }
    }
  }
  return pir::For();
}

TEST_F(PluginIrAnalysis, Float16BitsToFloatIsTheCoresConversionForEveryPattern) {
  int nans = 0;
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    const float mine = pir::float16_bits_to_float(static_cast<uint16_t>(bits));
    const float core = loom::interp::float16_bits_to_float(static_cast<uint16_t>(bits));
    if (std::isnan(core)) {
      EXPECT_TRUE(std::isnan(mine)) << "pattern " << bits;
      ++nans;
      continue;
    }
    uint32_t a = 0, b = 0;
    std::memcpy(&a, &mine, 4);
    std::memcpy(&b, &core, 4);
    ASSERT_EQ(a, b) << "pattern " << bits << ": " << mine << " vs " << core;
  }
  EXPECT_EQ(nans, 2 * 1023);  // exponent 31 with a nonzero mantissa, both signs
  EXPECT_EQ(pir::float16_bits_to_float(0x3C00), 1.0f);
  EXPECT_EQ(pir::float16_bits_to_float(0xC000), -2.0f);
  EXPECT_EQ(pir::float16_bits_to_float(0x0001), std::ldexp(1.0f, -24));  // the least subnormal
  EXPECT_EQ(pir::float16_bits_to_float(0x7C00), INFINITY);
  EXPECT_TRUE(std::signbit(pir::float16_bits_to_float(0x8000)));  // -0
}

TEST_F(PluginIrAnalysis, FreeVarsAndBuffersOfALoopBodyLeaveOutWhatItDefines) {
  pir::Func f = handle(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32"), n: T.int32, alpha: T.float32):
    for i in T.parallel(8):
        X = T.decl_buffer((8,), "float32")
        for j in range(8):
            with T.LetStmt(i * 8 + j) as idx:
                X[j] = A[idx] * alpha
        for j in range(n):
            B[i * 8 + j] = X[j]
)");
  pir::For loop = first_loop(f.node().body());
  // The loop variable is free in the body (the loop defines it); j, idx and X are defined
  // inside; every other name once, in the order of first use.
  EXPECT_EQ(free_names(loop.body()), (std::vector<std::string>{"i", "A", "alpha", "n", "B"}));
  // The loop itself defines i.
  EXPECT_EQ(free_names(loop), (std::vector<std::string>{"A", "alpha", "n", "B"}));
  // An expression.
  pir::SeqStmt seq(pir::Allocate(loop.body()).body());
  pir::For second(seq.seq()[1]);
  EXPECT_EQ(free_names(second.extent()), (std::vector<std::string>{"n"}));
}

TEST_F(PluginIrAnalysis, FreeVarsAndBuffersEnterBuffersAndBlocks) {
  pir::Func f = handle(R"(
@T.prim_func
def g(a: T.handle, b: T.handle, n: T.int32, m: T.int32):
    A = T.match_buffer(a, (n,), "float32")
    B = T.match_buffer(b, (n,), "float32")
    for i in range(m):
        with T.block("B"):
            vi = T.axis.spatial(n, i)
            T.reads(A[vi])
            T.writes(B[vi])
            Y = T.alloc_buffer((1,), "float32")
            Y[0] = A[vi]
            B[vi] = Y[0]
)");
  pir::For loop = first_loop(f.node().body());
  std::vector<std::string> names = free_names(loop.body());
  // A symbolic shape's variable comes with its buffer; the block's iteration variable and
  // its allocation are its own.
  auto has = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  EXPECT_TRUE(has("A") && has("B") && has("n") && has("i")) << ::testing::PrintToString(names);
  EXPECT_FALSE(has("vi") || has("Y") || has("m")) << ::testing::PrintToString(names);
  EXPECT_EQ(names.size(), 4u) << ::testing::PrintToString(names);
}

}  // namespace
