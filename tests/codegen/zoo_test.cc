// Every zoo workload, unscheduled and under random schedules, lowered (loom/lower/lower.h),
// compiled by the CPU code generator and run on random inputs against the interpreter.
#include "loom/workloads/zoo.h"

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
#include "loom/lower/lower.h"
#include "loom/plugin_ir.hpp"
#include "loom/script/script.h"

namespace loom::cpu {
namespace {

namespace pir = loom::plugin::ir;
using interp::NDArray;

// Runs `lowered` compiled and interpreted on the same random inputs; returns the kernel's
// IR, and an error message ("" when they agree).
std::string compare(const ir::PrimFunc& lowered, uint64_t seed, std::string* ir_text) {
  pir::Func h(host::detail::ir_func_new(lowered));
  Kernel kernel = compile(h.node());
  *ir_text = kernel.ir();
  std::vector<NDArray> expected = interp::run_random(lowered, seed);
  std::vector<NDArray> actual = interp::random_params(lowered, seed);
  std::vector<void*> args;
  for (NDArray& a : actual) args.push_back(a.data());
  kernel(args.data());
  for (size_t i = 0; i < actual.size(); ++i) {
    interp::CompareResult r = interp::allclose(actual[i], expected[i], 1e-4, 1e-5);
    if (!r) return "buffer " + std::to_string(i) + ": " + r.message;
  }
  return "";
}

TEST(CodegenZoo, EveryWorkloadLoweredAndRandomlyScheduledMatchesTheInterpreter) {
  plugin::set_host(host::host_api());
  const int seeds = 10;
  constexpr int kSteps = 6;
  sched::testing::Stats stats;
  int checked = 0, vector_code = 0;
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    ir::PrimFunc before = workloads::make_workload(info.name, sched::testing::small_shapes().at(info.name));
    for (int64_t seed = 0; seed <= seeds; ++seed) {
      SCOPED_TRACE("workload " + info.name + ", seed " + std::to_string(seed));
      sched::Schedule sch(before, seed, sched::DebugMode::Off);
      sched::RandomEngine rng(seed * 7919 + 17);
      if (seed > 0) {
        for (int step = 0; step < kSteps; ++step) sched::testing::random_step(sch, rng, stats);
      }
      ir::PrimFunc lowered = lower::lower(sch.mod().at(sch.default_func()));
      std::string ir_text, error;
      try {
        error = compare(lowered, static_cast<uint64_t>(seed) + 1, &ir_text);
      } catch (const std::exception& e) {
        error = std::string("failed: ") + e.what();
      }
      if (!error.empty()) {
        ADD_FAILURE() << error << "\n" << sch.trace().as_python() << script::print(lowered) << ir_text;
        return;
      }
      vector_code += ir_text.find(" x float>") != std::string::npos ? 1 : 0;
      ++checked;
    }
  }
  std::cout << "compiled and checked " << checked << " lowered functions, " << vector_code << " with vector code\n";
  EXPECT_EQ(checked, static_cast<int>(workloads::workloads().size()) * (seeds + 1));
}

TEST(CodegenZoo, VectorizedMatmulIsVectorCode) {
  plugin::set_host(host::host_api());
  ir::PrimFunc before = workloads::make_workload("gmm", {{"M", 32}, {"N", 64}, {"K", 16}});
  sched::Schedule sch(before, 1, sched::DebugMode::Off);
  ir::PrimFunc lowered;
  {
    auto block = sch.get_block("C");
    auto loops = sch.get_loops(block);
    ASSERT_EQ(loops.size(), 3u);
    sch.reorder({loops[0], loops[2], loops[1]});
    auto parts = sch.split(loops[1], std::vector<std::optional<int64_t>>{std::nullopt, 8});
    sch.vectorize(parts[1]);
    sch.parallel(loops[0]);
    sch.decompose_reduction(block, loops[2]);
    lowered = lower::lower(sch.mod().at(sch.default_func()));
  }
  std::string ir_text;
  std::string error = compare(lowered, 3, &ir_text);
  EXPECT_EQ(error, "") << script::print(lowered);
  EXPECT_NE(ir_text.find("load <8 x float>"), std::string::npos) << script::print(lowered) << ir_text;
  EXPECT_NE(ir_text.find("store <8 x float>"), std::string::npos) << ir_text;
}

}  // namespace
}  // namespace loom::cpu
