// The code generator on every form that lowering's vectorize_loops and unroll_loops emit
// (loom/lower/vectorize_loops.h, unroll_loops.h): unit-stride Ramp loads and stores, strided
// gathers, Broadcasts of invariant loads, lane-wise Select / Cast / comparisons / intrinsics
// / integer division, uniform `if`s around vector stores, the serial fallbacks, unrolled
// copies; then random schedules of every zoo workload with their innermost loops vectorized
// and the next unrolled. Each compiled function runs against the interpreter.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "../../core/src/host/ir_view.h"
#include "../common/random_schedule.h"
#include "loom/cpu/codegen.h"
#include "loom/host/host_api.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/visitor.h"
#include "loom/lower/lower.h"
#include "loom/plugin_ir.hpp"
#include "loom/script/script.h"
#include "loom/workloads/zoo.h"

namespace loom::cpu {
namespace {

namespace pir = loom::plugin::ir;
using interp::NDArray;

bool has_kind(const ir::PrimFunc& f, ir::NodeKind kind) {
  bool found = false;
  ir::post_order_visit(f->body, [&](const ir::Object* n) { found = found || n->kind() == kind; });
  return found;
}

/// Lowers `original`, compiles it, runs both the kernel and the interpreter (on the original)
/// on random inputs; returns the lowered function and the kernel's IR. Fails the test on a
/// difference.
struct Checked {
  ir::PrimFunc lowered;
  std::string ir;
};
Checked check(const ir::PrimFunc& original, uint64_t seed = 3) {
  Checked out;
  out.lowered = lower::lower(original);
  pir::Func h(host::detail::ir_func_new(out.lowered));
  Kernel kernel = compile(h.node());
  out.ir = kernel.ir();
  std::vector<NDArray> expected = interp::run_random(original, seed);
  std::vector<NDArray> actual = interp::random_params(original, seed);
  std::vector<void*> args;
  for (NDArray& a : actual) args.push_back(a.data());
  kernel(args.data());
  for (size_t i = 0; i < actual.size(); ++i) {
    interp::CompareResult r = interp::allclose(actual[i], expected[i], 1e-4, 1e-5);
    EXPECT_TRUE(r) << "buffer " << i << ": " << r.message << "\n" << script::print(out.lowered) << out.ir;
  }
  return out;
}

class LoweredVector : public ::testing::Test {
 protected:
  void SetUp() override { plugin::set_host(host::host_api()); }
};

TEST_F(LoweredVector, UnitStrideRampsAreVectorLoadsAndStores) {
  Checked c = check(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32"), B: T.Buffer((64,), "float32"), C: T.Buffer((64,), "float32")):
    for i in range(8):
        for j in T.vectorized(8):
            C[i * 8 + j] = A[i * 8 + j] + B[i * 8 + j]
)"));
  EXPECT_TRUE(has_kind(c.lowered, ir::NodeKind::Ramp));
  EXPECT_NE(c.ir.find("load <8 x float>"), std::string::npos) << c.ir;
  EXPECT_NE(c.ir.find("store <8 x float>"), std::string::npos) << c.ir;
}

TEST_F(LoweredVector, GathersBroadcastsAndLaneWiseOperations) {
  Checked c = check(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32"), B: T.Buffer((8,), "float32"), I: T.Buffer((64,), "int32"), C: T.Buffer((64,), "float32"), D: T.Buffer((64,), "int32")):
    for i in range(8):
        for j in T.vectorized(8):
            C[i * 8 + j] = T.Select(A[j * 8 + i] < B[i], T.exp(A[i * 8 + j]), T.Cast("float32", I[i * 8 + j] % 5 + j)) + T.max(B[i], T.sqrt(T.abs(A[i * 8 + j])))
        for j in T.vectorized(8):
            D[i * 8 + j] = T.floordiv(I[i * 8 + j], 3) - T.floormod(I[i * 8 + j] + j, 4) * T.Cast("int32", A[i * 8 + j] > T.float32(0))
)"));
  EXPECT_TRUE(has_kind(c.lowered, ir::NodeKind::Broadcast));
  EXPECT_NE(c.ir.find("<8 x float>"), std::string::npos) << c.ir;
  EXPECT_NE(c.ir.find("<8 x i32>"), std::string::npos) << c.ir;
}

TEST_F(LoweredVector, UniformIfsAroundVectorStoresAndSerialFallbacks) {
  Checked c = check(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((128,), "float32"), B: T.Buffer((128,), "float32"), C: T.Buffer((32,), "float32"), E: T.Buffer((33,), "float32")):
    for k in range(4):
        for j in T.vectorized(32):
            if k == 0:
                C[j] = T.float32(0)
            C[j] = C[j] + A[k * 32 + j] * B[j * 4 + k]
    for j in T.vectorized(32):
        E[j + 1] = E[j] * T.float32(0.5) + C[j]
    for j in T.vectorized(16):
        E[j] = T.if_then_else(j < 12, E[j + 4], T.float32(0))
)"));
  EXPECT_TRUE(has_kind(c.lowered, ir::NodeKind::Ramp));
}

TEST_F(LoweredVector, UnrolledCopiesWithVectorBodies) {
  Checked c = check(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 32), "float32"), B: T.Buffer((32, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i in range(16):
        for k in T.unroll(32):
            for j in T.vectorized(16):
                with T.block("C"):
                    vi, vj, vk = T.axis.remap("SSR", [i, j, k])
                    with T.init():
                        C[vi, vj] = T.float32(0)
                    C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)"));
  // Lowering unrolled k (no loop left for LLVM's unroller) and vectorized each copy's j.
  int loops = 0;
  ir::post_order_visit(c.lowered->body, [&](const ir::Object* n) { loops += n->kind() == ir::NodeKind::For ? 1 : 0; });
  EXPECT_EQ(loops, 1) << script::print(c.lowered);
  EXPECT_EQ(c.ir.find("llvm.loop.unroll.full"), std::string::npos) << c.ir;
  EXPECT_NE(c.ir.find("<16 x float>"), std::string::npos) << c.ir;
}

TEST_F(LoweredVector, RandomSchedulesWithVectorizedInnermostLoopsMatchTheInterpreter) {
  constexpr int kSeeds = 6, kSteps = 4;
  sched::testing::Stats stats;
  int checked = 0, vector_code = 0;
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    ir::PrimFunc before = workloads::make_workload(info.name, sched::testing::small_shapes().at(info.name));
    for (int64_t seed = 0; seed < kSeeds; ++seed) {
      SCOPED_TRACE("workload " + info.name + ", seed " + std::to_string(seed));
      sched::Schedule sch(before, seed, sched::DebugMode::Off);
      sched::RandomEngine rng(seed * 6133 + 5);
      for (int step = 0; step < kSteps; ++step) sched::testing::random_step(sch, rng, stats);
      for (const sched::BlockRV& block : sch.get_child_blocks(sch.get_block("root"))) {
        std::vector<sched::LoopRV> loops = sch.get_loops(block);
        try {
          if (!loops.empty()) sched::call_primitive(sch, "vectorize", {{sched::Value(loops.back())}, {}});
          if (loops.size() >= 2) sched::call_primitive(sch, "unroll", {{sched::Value(loops[loops.size() - 2])}, {}});
        } catch (const UserError&) {
        }
      }
      ir::PrimFunc scheduled = sch.mod().at(sch.default_func());
      Checked c;
      try {
        c = check(scheduled, static_cast<uint64_t>(seed) + 1);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "failed: " << e.what() << "\n" << sch.trace().as_python();
        return;
      }
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "failing schedule:\n" << sch.trace().as_python();
        return;
      }
      vector_code += has_kind(c.lowered, ir::NodeKind::Ramp) && c.ir.find(" x float>") != std::string::npos ? 1 : 0;
      ++checked;
    }
  }
  std::cout << "compiled and checked " << checked << " functions, " << vector_code
            << " with Ramp statements compiled to vector code\n";
  EXPECT_GT(vector_code, checked / 4);
}

}  // namespace
}  // namespace loom::cpu
