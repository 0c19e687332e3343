// Every zoo workload, bound by loom.rewrite_unbound_block for a cuda target, lowered by the
// GPU pipeline, emitted as CUDA C++ and compiled by NVRTC for sm_90: each kernel compiles
// and has a ptxas report, and the lowered function computes in the interpreter's SIMT mode
// what the workload computes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../core/src/host/ir_view.h"
#include "../common/random_schedule.h"
#include "../common/tuning_context.h"
#include "../lower/lower_test_util.h"
#include "loom/config/component.h"
#include "loom/cuda/codegen.h"
#include "loom/cuda/nvrtc.h"
#include "loom/host/host_api.h"
#include "loom/host/plugin_host.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/simt.h"
#include "loom/lower/lower.h"
#include "loom/plugin_ir.hpp"
#include "loom/sched/schedule.h"
#include "loom/script/printer.h"
#include "loom/workloads/zoo.h"

namespace loom::cuda {
namespace {

/// `sch` with every block bound to GPU threads by the built-in postprocessor.
bool bind_unbound(sched::Schedule& sch) {
  static host::PluginHost* plugins = [] {
    auto* h = new host::PluginHost();
    h->load(std::string(LOOM_BINARY_DIR) + "/plugins/lib/loom_postprocs.so");
    return h;
  }();
  auto postproc = plugins->instantiate(LOOM_COMPONENT_POSTPROC,
                                       config::ComponentConfig("[[postproc]]", "loom.rewrite_unbound_block",
                                                               config::SourcePos{"cuda_zoo.toml", 1, 1}, {}));
  postproc->initialize(testing::cuda_test_context());
  sch.enter_postproc();
  return postproc->apply_postproc(sch);
}

TEST(CudaZoo, EveryWorkloadBoundCompilesForSm90AndRunsInSimtMode) {
  plugin::set_host(host::host_api());
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    SCOPED_TRACE("workload " + info.name);
    ir::PrimFunc before = workloads::make_workload(info.name, sched::testing::small_shapes().at(info.name));
    sched::Schedule sch(before);
    ASSERT_TRUE(bind_unbound(sch));
    ir::PrimFunc lowered = lower::lower_gpu(sch.mod().at(sch.default_func()));
    // SIMT mode against the sequential run of the workload (same flat bytes), no race.
    EXPECT_EQ(lower::testing::simt_mismatch(before, lowered, 4), "");
    // CUDA C++ and a CUBIN with a resource report per kernel.
    plugin::ir::Func view(host::detail::ir_func_new(lowered));
    CudaSource source = emit_cuda(view, info.name);
    CudaBinary binary = compile_cuda(source.code, "sm_90");
    EXPECT_FALSE(binary.cubin.empty());
    ASSERT_FALSE(source.kernels.empty());
    for (const CudaKernelInfo& kernel : source.kernels) {
      const CudaResourceUsage& usage = binary.resources_of(kernel.name);
      EXPECT_GT(usage.registers, 0) << kernel.name << "\n" << binary.log;
      EXPECT_EQ(usage.spill_stores_bytes, 0) << kernel.name;
    }
  }
}

}  // namespace
}  // namespace loom::cuda
