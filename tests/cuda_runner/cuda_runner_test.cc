// Tests of the CUDA runner plugin (loom.cuda), through the plugin host as loom.cpu's are: the
// "no CUDA device" path (this machine's own — no libcuda.so.1 — and LOOM_CUDA_DRIVER naming a
// missing or a wrong library), the target's resolution, the refusal before launch of kernels
// over the device's per-block limits, and the export (.cu, .cubin, .h). The tests named
// Device* measure on a GPU and are skipped without one (tools/device/cuda_check.sh runs them).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../common/tuning_context.h"
#include "loom/config/component.h"
#include "loom/config/value.h"
#include "loom/host/plugin_host.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"

namespace loom::host {
namespace {

using config::ConfigEntry;
using config::ConfigValue;

ConfigEntry key(const std::string& name, int64_t v) { return ConfigEntry{name, {}, ConfigValue::integer(v)}; }
ConfigEntry key(const std::string& name, double v) { return ConfigEntry{name, {}, ConfigValue::floating(v)}; }
ConfigEntry key(const std::string& name, const char* v) { return ConfigEntry{name, {}, ConfigValue::string(v)}; }

PluginHost& plugins() {
  static PluginHost* host = [] {
    auto* h = new PluginHost;
    h->load(std::string(LOOM_BINARY_DIR) + "/plugins/lib/loom_cuda.so");
    return h;
  }();
  return *host;
}

/// A loom.cuda runner with fast timing defaults and `keys` on top.
std::shared_ptr<ComponentInstance> make_runner(std::vector<ConfigEntry> keys = {}) {
  std::vector<ConfigEntry> all = {key("repeat", int64_t{2}), key("min_repeat_ms", 0.0), key("warmup", int64_t{1})};
  all.insert(all.end(), keys.begin(), keys.end());
  return plugins().instantiate(LOOM_COMPONENT_RUNNER, config::ComponentConfig("[runner]", "loom.cuda", {}, all));
}

/// The environment variable `name` set to `value` while this lives.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

Target cuda_target(const std::string& arch) {
  Target t;
  t.kind = "cuda";
  t.arch = arch;
  return t;
}

/// Whether a CUDA device answers (arch "auto" resolves only then).
bool has_device() {
  try {
    make_runner()->resolve_target(cuda_target("auto"));
    return true;
  } catch (const ComponentError&) {
    return false;
  }
}

ir::PrimFunc gmm(int64_t n) { return workloads::make_workload("gmm", {{"M", n}, {"N", n}, {"K", n}}); }

ir::PrimFunc scheduled(const ir::PrimFunc& func, const std::string& script) {
  sched::Schedule sch(func, 0, sched::DebugMode::Verify);
  sched::apply_schedule_script(sch, script, "schedule.py");
  return sch.mod().at(sch.default_func());
}

/// gmm 64x64x64 on 16 blocks of 256 threads, one output element per thread.
const char* const kBound = R"(
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
i0, i1 = sch.split(i, factors=[None, 8])
j0, j1 = sch.split(j, factors=[None, 32])
sch.reorder(i0, j0, i1, j1, k)
f = sch.fuse(i0, j0)
sch.bind(f, "blockIdx.x")
t = sch.fuse(i1, j1)
sch.bind(t, "threadIdx.x")
)";

/// As kBound, with A's rows of each block staged in shared memory (8 x 64 floats: 2 KiB).
const char* const kShared = R"(
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
i0, i1 = sch.split(i, factors=[None, 8])
j0, j1 = sch.split(j, factors=[None, 32])
sch.reorder(i0, j0, i1, j1, k)
f = sch.fuse(i0, j0)
sch.bind(f, "blockIdx.x")
t = sch.fuse(i1, j1)
sch.bind(t, "threadIdx.x")
a = sch.cache_read(b0, 0, "shared")
sch.compute_at(a, f)
)";

/// Stores far out of its buffer's bounds on the device: a faulting kernel.
const char* const kOutOfBounds = R"(
@T.prim_func
def oob(A: T.Buffer((256,), "float32"), B: T.Buffer((256,), "float32")):
    for i in T.thread_binding(256, thread="threadIdx.x"):
        with T.block("B"):
            vi = T.axis.spatial(256, i)
            B[vi * 100000000] = A[vi]
)";

MeasureCandidate candidate(ir::PrimFunc func, ir::PrimFunc reference = {}) {
  MeasureCandidate c;
  c.func = std::move(func);
  c.reference = std::move(reference);
  return c;
}

ir::PrimFunc symbolic() {
  return script::parse_func(R"(
@T.prim_func
def scale(a: T.handle, n: T.int32):
    A = T.match_buffer(a, (n,), "float32")
    for i in range(n):
        with T.block("A"):
            vi = T.axis.spatial(n, i)
            A[vi] = A[vi] * T.float32(2)
)");
}

void expect_failed(const db::MeasureResult& r, const std::string& kind, const std::vector<std::string>& fragments) {
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error_kind, kind) << r.error;
  EXPECT_TRUE(r.run_secs.empty());
  for (const std::string& f : fragments)
    EXPECT_NE(r.error.find(f), std::string::npos) << "'" << f << "' not in: " << r.error;
}

/// Every built candidate fails with `no_device`; the unbuildable one with its build error.
void expect_no_device(ComponentInstance& runner, const std::string& no_device) {
  ir::PrimFunc g = gmm(64);
  std::vector<MeasureCandidate> cands = {candidate(scheduled(g, kBound), g), candidate(symbolic()),
                                         candidate(scheduled(g, kBound))};
  std::vector<db::MeasureResult> r = runner.measure(cands);
  ASSERT_EQ(r.size(), 3u);
  expect_failed(r[0], "run", {no_device});
  EXPECT_EQ(r[0].error.rfind("no CUDA device: ", 0), 0u) << r[0].error;
  expect_failed(r[1], "build", {"build failed:"});
  expect_failed(r[2], "run", {no_device});
  EXPECT_GT(r[0].build_secs, 0);
}

TEST(CudaRunner, WithoutLibcudaEveryCandidateFailsSayingNoCudaDevice) {
  if (has_device()) GTEST_SKIP() << "this machine has a CUDA driver and device";
  void* lib = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (lib != nullptr) {
    ::dlclose(lib);
    GTEST_SKIP() << "libcuda.so.1 is installed (without a device)";
  }
  std::shared_ptr<ComponentInstance> runner = make_runner();
  runner->initialize(testing::cuda_test_context());
  expect_no_device(*runner, "no CUDA device: libcuda.so.1 not found (dlopen: libcuda.so.1: cannot open shared object");
}

TEST(CudaRunner, ADriverPathThatDoesNotExistIsNoCudaDevice) {
  ScopedEnv env("LOOM_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  std::shared_ptr<ComponentInstance> runner = make_runner();
  expect_no_device(*runner, "no CUDA device: /nonexistent/libcuda.so.1 not found (dlopen: ");
  // A clone (re-created by the host) says the same.
  expect_no_device(*runner->clone(), "no CUDA device: /nonexistent/libcuda.so.1 not found");
}

TEST(CudaRunner, ALibraryThatIsNotADriverIsNoCudaDevice) {
  ScopedEnv env("LOOM_CUDA_DRIVER", "libm.so.6");
  std::shared_ptr<ComponentInstance> runner = make_runner();
  expect_no_device(*runner, "no CUDA device: libm.so.6 has no cuGetProcAddress_v2");
}

TEST(CudaRunnerTarget, AnExplicitArchResolvesWithoutADeviceAndAutoIsRefusedWithoutOne) {
  ScopedEnv env("LOOM_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  std::shared_ptr<ComponentInstance> runner = make_runner();
  Target t = runner->resolve_target(cuda_target("sm_80"));
  EXPECT_EQ(t.kind, "cuda");
  EXPECT_EQ(t.arch, "sm_80");
  EXPECT_EQ(t.description, "cuda -arch=sm_80");
  EXPECT_EQ(t.max_threads_per_block, 1024);
  EXPECT_EQ(t.max_shared_memory_per_block, 48 * 1024);
  EXPECT_EQ(t.warp_size, 32);
  try {
    runner->resolve_target(cuda_target("auto"));
    ADD_FAILURE() << "arch auto resolved without a device";
  } catch (const ComponentError& e) {
    EXPECT_NE(std::string(e.what()).find("arch \"auto\" asks the device, but there is none: no CUDA device: "
                                         "/nonexistent/libcuda.so.1 not found"),
              std::string::npos)
        << e.what();
  }
  Target cpu;
  cpu.kind = "llvm";
  try {
    runner->resolve_target(cpu);
    ADD_FAILURE() << "a CPU target resolved";
  } catch (const ComponentError& e) {
    EXPECT_NE(std::string(e.what()).find("loom.cuda builds for CUDA GPUs (kind \"cuda\"), not for \"llvm\""),
              std::string::npos)
        << e.what();
  }
}

TEST(CudaRunner, AKernelOverTheRegistersPerBlockIsRefusedBeforeLaunch) {
  // 256 threads of at least 2 registers need more than 256 registers per block.
  std::shared_ptr<ComponentInstance> runner = make_runner({key("max_registers_per_block", int64_t{256})});
  runner->initialize(testing::cuda_test_context());
  ir::PrimFunc g = gmm(64);
  std::vector<db::MeasureResult> r = runner->measure({candidate(scheduled(g, kBound), g)});
  ASSERT_EQ(r.size(), 1u);
  expect_failed(r[0], "build",
                {"refused before launch: kernel gmm_kernel0: ", " registers x 256 threads = ",
                 " registers per block, more than the device's 256",
                 "(ptxas: gmm_kernel0: grid (16, 1, 1), block "
                 "(256, 1, 1), "});
}

TEST(CudaRunner, AKernelOverTheSharedMemoryPerBlockIsRefusedBeforeLaunch) {
  std::shared_ptr<ComponentInstance> runner = make_runner({key("max_shared_memory_per_block", int64_t{1024})});
  runner->initialize(testing::cuda_test_context());
  ir::PrimFunc g = gmm(64);
  std::vector<db::MeasureResult> r = runner->measure({candidate(scheduled(g, kShared), g)});
  ASSERT_EQ(r.size(), 1u);
  expect_failed(r[0], "build",
                {"refused before launch: kernel gmm_kernel0: 2048 bytes of shared memory per block, more than the "
                 "device's 1024",
                 "2048 bytes shared"});
  // Within the limit, the same kernel gets past the check (and, without a device, fails there).
  std::shared_ptr<ComponentInstance> roomy = make_runner({key("max_shared_memory_per_block", int64_t{4096})});
  roomy->initialize(testing::cuda_test_context());
  db::MeasureResult ok = roomy->measure({candidate(scheduled(g, kShared), g)}).at(0);
  if (!has_device()) expect_failed(ok, "run", {"no CUDA device: "});
}

// ----- export ----------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CudaExport, WritesTheSourceTheCubinAndAHeaderWithEachKernelsLaunch) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("loom_cuda_export_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::shared_ptr<ComponentInstance> runner = make_runner();
  Target target = cuda_target("sm_90");
  ComponentInstance::ExportRequest request;
  request.name = "mm";
  request.symbol = "my_gmm";
  request.directory = dir.string();
  request.origin = "the test";
  request.target = &target;
  ComponentInstance::ExportResult result = runner->export_func(scheduled(gmm(64), kShared), request);
  ASSERT_EQ(result.files.size(), 3u);
  EXPECT_EQ(result.files[0], (dir / "mm.cu").string());
  EXPECT_EQ(result.files[1], (dir / "mm.cubin").string());
  EXPECT_EQ(result.files[2], (dir / "mm.h").string());
  std::string cu = read_file(dir / "mm.cu"), cubin = read_file(dir / "mm.cubin"), h = read_file(dir / "mm.h");
  EXPECT_NE(cu.find("extern \"C\" __global__"), std::string::npos);
  EXPECT_NE(cu.find("my_gmm_kernel0("), std::string::npos);
  // An ELF image (CUBINs are 64-bit ELF files of machine EM_CUDA = 190).
  ASSERT_GT(cubin.size(), 64u);
  EXPECT_EQ(cubin.substr(0, 4),
            "\x7f"
            "ELF");
  EXPECT_EQ(static_cast<unsigned char>(cubin[4]), 2u);  // ELFCLASS64
  EXPECT_EQ(static_cast<unsigned char>(cubin[18]) | (static_cast<unsigned char>(cubin[19]) << 8), 190);
  // The header: the launch of each kernel, as macros and as the table, and its arguments.
  EXPECT_NE(h.find("#define MY_GMM_NUM_KERNELS 1"), std::string::npos) << h;
  EXPECT_NE(h.find("#define MY_GMM_KERNEL0_GRID_X 16"), std::string::npos) << h;
  EXPECT_NE(h.find("#define MY_GMM_KERNEL0_BLOCK_X 256"), std::string::npos) << h;
  EXPECT_NE(h.find("{\"my_gmm_kernel0\", {16, 1, 1}, {256, 1, 1}, 2048, "), std::string::npos) << h;
  EXPECT_NE(h.find("float32* C (parameter 2, device pointer to 4096 elements, written)"), std::string::npos) << h;
  EXPECT_NE(h.find("float32* A (parameter 0, device pointer to 4096 elements, read only)"), std::string::npos) << h;
  EXPECT_NE(h.find("for sm_90"), std::string::npos) << h;
  // The header is valid C.
  std::string cmd = "cc -std=c99 -Wall -Werror -fsyntax-only -x c " + (dir / "mm.h").string() + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // One note per kernel with ptxas' resources.
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_NE(result.notes[0].find("my_gmm_kernel0: grid (16, 1, 1), block (256, 1, 1), "), std::string::npos);
  EXPECT_NE(result.notes[0].find(" registers, 2048 bytes shared, "), std::string::npos) << result.notes[0];
  EXPECT_NE(result.notes[0].find("spills 0 bytes stored / 0 bytes loaded"), std::string::npos) << result.notes[0];
  std::filesystem::remove_all(dir);
}

TEST(CudaExport, ASymbolThatIsNotACIdentifierIsRefused) {
  std::shared_ptr<ComponentInstance> runner = make_runner();
  ComponentInstance::ExportRequest request;
  request.name = "mm";
  request.symbol = "9lives";
  request.directory = std::filesystem::temp_directory_path().string();
  try {
    runner->export_func(scheduled(gmm(64), kBound), request);
    ADD_FAILURE() << "exported";
  } catch (const ComponentError& e) {
    EXPECT_NE(std::string(e.what()).find("'9lives' is not a C identifier"), std::string::npos) << e.what();
  }
}

// ----- on a device (skipped without one) -------------------------------------------------

TEST(CudaRunner, DeviceMeasuresABoundGmmThatMatchesTheInterpreter) {
  if (!has_device()) GTEST_SKIP() << "no CUDA device";
  std::shared_ptr<ComponentInstance> runner = make_runner({key("check", "interpreter")});
  ComponentInstance& r = *runner;
  TuningContext context = testing::cuda_test_context();
  context.target = r.resolve_target(cuda_target("auto"));
  r.initialize(context);
  ir::PrimFunc g = gmm(64);
  std::vector<db::MeasureResult> out =
      r.measure({candidate(scheduled(g, kBound), g), candidate(scheduled(g, kShared), g)});
  for (const db::MeasureResult& m : out) {
    EXPECT_TRUE(m.ok()) << m.error_kind << ": " << m.error;
    EXPECT_EQ(m.run_secs.size(), 2u);
    for (double t : m.run_secs) EXPECT_GT(t, 0);
  }
}

TEST(CudaRunner, DeviceAFaultingKernelFailsAloneAndTheWorkerRestarts) {
  if (!has_device()) GTEST_SKIP() << "no CUDA device";
  std::shared_ptr<ComponentInstance> runner = make_runner();
  TuningContext context = testing::cuda_test_context();
  context.target = runner->resolve_target(cuda_target("auto"));
  runner->initialize(context);
  ir::PrimFunc g = gmm(64);
  std::vector<db::MeasureResult> out = runner->measure(
      {candidate(scheduled(g, kBound)), candidate(script::parse_func(kOutOfBounds)), candidate(scheduled(g, kBound))});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].ok()) << out[0].error;
  expect_failed(out[1], "crash", {"crashed: ", "while running oob"});
  EXPECT_TRUE(out[2].ok()) << out[2].error;
}

}  // namespace
}  // namespace loom::host
