// Tests of the CPU runner plugin `loom.cpu` (plugins/runners/cpu/src/runner_plugin.cc)
// through the plugin host, as the tuner drives it: measuring zoo workloads unscheduled and
// scheduled, failures (crashes by a test hook and by a real out-of-bounds store, hangs,
// build failures) as failed results that never lose the other candidates' results,
// correctness checks against the interpreter and against the compiled unscheduled kernel,
// and config errors. Shapes are tiny and min_repeat_ms is 0, so the suite stays fast.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../common/random_schedule.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
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
ConfigEntry key(const std::string& name, int v) { return key(name, static_cast<int64_t>(v)); }
ConfigEntry key(const std::string& name, double v) { return ConfigEntry{name, {}, ConfigValue::floating(v)}; }
ConfigEntry key(const std::string& name, const char* v) { return ConfigEntry{name, {}, ConfigValue::string(v)}; }
ConfigEntry key(const std::string& name, bool v) { return ConfigEntry{name, {}, ConfigValue::boolean(v)}; }

/// The host with the loom.cpu plugin loaded (once per process).
PluginHost& plugins() {
  static PluginHost* host = [] {
    auto* h = new PluginHost;
    h->load(std::string(LOOM_BINARY_DIR) + "/plugins/lib/loom_cpu.so");
    return h;
  }();
  return *host;
}

/// A runner with fast defaults (2 samples, no minimum sample time) and `keys` on top.
std::shared_ptr<ComponentInstance> make_runner(std::vector<ConfigEntry> keys = {}) {
  std::vector<ConfigEntry> all = {key("repeat", 2), key("min_repeat_ms", 0.0), key("warmup", 0)};
  for (ConfigEntry& k : keys) {
    bool replaced = false;
    for (ConfigEntry& a : all) {
      if (a.key == k.key) {
        a = k;
        replaced = true;
      }
    }
    if (!replaced) all.push_back(k);
  }
  config::ComponentConfig cfg("[runner]", "loom.cpu", {}, all);
  return plugins().instantiate(LOOM_COMPONENT_RUNNER, cfg);
}

ir::PrimFunc gmm(int64_t m, int64_t n, int64_t k) {
  return workloads::make_workload("gmm", {{"M", m}, {"N", n}, {"K", k}});
}

/// `func` under another name (the fault hook picks kernels by name).
ir::PrimFunc renamed(const ir::PrimFunc& func, const std::string& name) {
  return ir::PrimFunc::make(name, func->params, func->buffer_map, func->body, func->attrs);
}

ir::PrimFunc scheduled(const ir::PrimFunc& func, const std::string& script) {
  sched::Schedule sch(func, 0, sched::DebugMode::Verify);
  sched::apply_schedule_script(sch, script, "schedule.py");
  return sch.mod().at(sch.default_func());
}

/// Tiles, parallelizes and vectorizes gmm's block C.
const char* const kGmmSchedule = R"(
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
i0, i1 = sch.split(i, factors=[None, 4])
j0, j1 = sch.split(j, factors=[None, 8])
sch.reorder(i0, j0, k, i1, j1)
sch.parallel(i0)
sch.vectorize(j1)
sch.unroll(i1)
)";

/// Stores far out of its buffer's bounds: a real segmentation fault when compiled.
const char* const kOutOfBounds = R"(
@T.prim_func
def oob(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32")):
    for i in range(16):
        with T.block("B"):
            vi = T.axis.spatial(16, i)
            B[vi * 100000000] = A[vi]
)";

MeasureCandidate candidate(ir::PrimFunc func, ir::PrimFunc reference = {}, std::string target = "") {
  MeasureCandidate c;
  c.func = std::move(func);
  c.reference = std::move(reference);
  c.target = std::move(target);
  return c;
}

void expect_ok(const db::MeasureResult& r, size_t samples) {
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.run_secs.size(), samples);
  for (double t : r.run_secs) EXPECT_GT(t, 0);
  EXPECT_GE(r.number, 1);
  EXPECT_GT(r.build_secs, 0);
  EXPECT_GT(r.measure_secs, 0);
}

void expect_failed(const db::MeasureResult& r, const std::string& kind, const std::vector<std::string>& fragments) {
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error_kind, kind) << r.error;
  EXPECT_TRUE(r.run_secs.empty());
  for (const std::string& f : fragments)
    EXPECT_NE(r.error.find(f), std::string::npos) << "'" << f << "' not in: " << r.error;
}

TEST(CpuRunner, MeasuresAZooWorkload) {
  auto runner = make_runner({key("repeat", 3)});
  std::vector<db::MeasureResult> r = runner->measure({candidate(gmm(16, 16, 8))});
  ASSERT_EQ(r.size(), 1u);
  expect_ok(r[0], 3);
  EXPECT_GT(r[0].median_secs(), 0);
}

TEST(CpuRunner, MeasuresAScheduledWorkloadAndRaisesNumberToMinRepeat) {
  auto runner = make_runner({key("repeat", 4), key("min_repeat_ms", 2.0), key("check", "interpreter")});
  ir::PrimFunc f = gmm(32, 32, 16);
  std::vector<db::MeasureResult> r = runner->measure({candidate(scheduled(f, kGmmSchedule), f)});
  expect_ok(r[0], 4);
  // One sample lasts at least min_repeat_ms, so a microsecond kernel runs many times a sample
  // (how many depends on the machine's load: only that it was raised is certain).
  EXPECT_GT(r[0].number, 1);
}

TEST(CpuRunner, FaultsBetweenGoodCandidatesFailAloneAndNameTheSignal) {
  struct Case {
    const char* fault;
    const char* signal;
  };
  for (Case c : {Case{"segv", "SIGSEGV (segmentation fault)"}, Case{"abort", "SIGABRT (aborted)"},
                 Case{"fpe", "SIGFPE (floating point exception)"}}) {
    SCOPED_TRACE(c.fault);
    // The fault hook fires only in kernels named "bad".
    auto runner = make_runner({key("debug_fault", c.fault), key("debug_fault_func", "bad")});
    ir::PrimFunc bad = renamed(gmm(8, 8, 4), "bad");
    std::vector<db::MeasureResult> r =
        runner->measure({candidate(gmm(8, 8, 4)), candidate(bad), candidate(gmm(8, 16, 4))});
    ASSERT_EQ(r.size(), 3u);
    expect_ok(r[0], 2);
    expect_failed(r[1], "crash", {std::string("crashed: ") + c.signal + " while running bad"});
    // The worker was restarted for the third candidate.
    expect_ok(r[2], 2);
  }
}

TEST(CpuRunner, AHangTimesOutAndTheNextCandidateRuns) {
  auto runner = make_runner({key("debug_fault", "hang"), key("debug_fault_func", "bad"), key("timeout_s", 2.0)});
  ir::PrimFunc bad = renamed(gmm(8, 8, 4), "bad");
  std::vector<db::MeasureResult> r = runner->measure({candidate(bad), candidate(gmm(8, 8, 4))});
  expect_failed(r[0], "timeout", {"timed out after 2 s while running bad"});
  expect_ok(r[1], 2);
}

TEST(CpuRunner, AnOutOfBoundsStoreCrashesTheWorkerNotTheCaller) {
  auto runner = make_runner();
  ir::PrimFunc oob = script::parse_func(kOutOfBounds);
  std::vector<db::MeasureResult> r =
      runner->measure({candidate(gmm(8, 8, 4)), candidate(oob), candidate(gmm(8, 8, 4))});
  expect_ok(r[0], 2);
  expect_failed(r[1], "crash", {"crashed: SIGSEGV (segmentation fault) while running oob"});
  expect_ok(r[2], 2);
  // And again in a second call on the same runner.
  r = runner->measure({candidate(oob), candidate(gmm(4, 4, 4))});
  expect_failed(r[0], "crash", {"SIGSEGV"});
  expect_ok(r[1], 2);
}

TEST(CpuRunner, BuildFailuresAreResults) {
  auto runner = make_runner();
  ir::PrimFunc bound = scheduled(gmm(8, 8, 4), R"(
i, j, k = sch.get_loops("C")
sch.bind(i, "threadIdx.x")
)");
  std::vector<db::MeasureResult> r = runner->measure({candidate(bound), candidate(gmm(8, 8, 4), {}, "cuda -arch=sm_90"),
                                                      candidate(gmm(8, 8, 4), {}, "llvm -frob"),
                                                      candidate(gmm(8, 8, 4), {}, "llvm -mcpu=x86-64 -mattr=+sse2")});
  expect_failed(r[0], "build", {"build failed: ", "thread"});
  expect_failed(r[1], "build", {"build failed: target \"cuda -arch=sm_90\" is not a CPU (llvm) target"});
  expect_failed(r[2], "build", {"unknown option '-frob'"});
  expect_ok(r[3], 2);
}

TEST(CpuRunner, InterpreterCheckPassesRandomSchedulesOfEveryZooWorkload) {
  auto runner = make_runner({key("check", "interpreter"), key("repeat", 1), key("seed", 5)});
  std::vector<MeasureCandidate> batch;
  sched::RandomEngine rng(20261124);
  sched::testing::Stats stats;
  for (const auto& [name, shape] : sched::testing::small_shapes()) {
    ir::PrimFunc f = workloads::make_workload(name, shape);
    for (int s = 0; s < 2; ++s) {
      sched::Schedule sch(f, rng.fork_seed());
      for (int step = 0; step < 6; ++step) sched::testing::random_step(sch, rng, stats);
      batch.push_back(candidate(sch.mod().at(sch.default_func()), f));
    }
  }
  std::vector<db::MeasureResult> r = runner->measure(batch);
  ASSERT_EQ(r.size(), batch.size());
  for (size_t k = 0; k < r.size(); ++k) EXPECT_TRUE(r[k].ok()) << batch[k].func->name << ": " << r[k].error;
}

/// gmm's signature, computing C = A * B + 1: a reference the real gmm must not match.
const char* const kWrongReference = R"(
@T.prim_func
def gmm_plus_one(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i, j, k in T.grid(16, 16, 8):
        with T.block("C"):
            v_i, v_j, v_k = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[v_i, v_j] = 1.0
            C[v_i, v_j] = C[v_i, v_j] + A[v_i, v_k] * B[v_k, v_j]
)";

TEST(CpuRunner, InterpreterCheckFailsAgainstAReferenceComputingSomethingElse) {
  auto runner = make_runner({key("check", "interpreter")});
  ir::PrimFunc f = gmm(16, 16, 8);
  std::vector<db::MeasureResult> r = runner->measure(
      {candidate(scheduled(f, kGmmSchedule), script::parse_func(kWrongReference)), candidate(f, f), candidate(f)});
  expect_failed(r[0], "wrong_result",
                {"wrong result: buffer C (float32[16, 16]) differs from the reference at C[0, 0]: got ",
                 "256 of 256 elements differ", "max abs error 1", "(rtol 0.001, atol 0.0001)"});
  expect_ok(r[1], 2);
  expect_ok(r[2], 2);  // no reference: not checked
}

TEST(CpuRunner, ReferenceWithOtherParametersCannotBeChecked) {
  auto runner = make_runner({key("check", "interpreter")});
  std::vector<db::MeasureResult> r = runner->measure({candidate(gmm(16, 16, 8), gmm(16, 16, 4))});
  expect_failed(r[0], "check",
                {"cannot check the result: parameter 0 is A float32[16, 4] in the reference but A "
                 "float32[16, 8] in the candidate"});
}

TEST(CpuRunner, CompiledCheckOnABiggerShape) {
  auto runner = make_runner({key("check", "compiled"), key("repeat", 1)});
  ir::PrimFunc f = gmm(128, 128, 128);
  ir::PrimFunc wrong = script::parse_func(R"(
@T.prim_func
def gmm_t(A: T.Buffer((128, 128), "float32"), B: T.Buffer((128, 128), "float32"), C: T.Buffer((128, 128), "float32")):
    for i, j, k in T.grid(128, 128, 128):
        with T.block("C"):
            v_i, v_j, v_k = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[v_i, v_j] = 0.0
            C[v_i, v_j] = C[v_i, v_j] + A[v_i, v_k] * B[v_j, v_k]
)");
  std::vector<db::MeasureResult> r =
      runner->measure({candidate(scheduled(f, kGmmSchedule), f), candidate(scheduled(f, kGmmSchedule), wrong)});
  expect_ok(r[0], 1);
  expect_failed(r[1], "wrong_result", {"wrong result: buffer C (float32[128, 128]) differs from the reference at C["});
}

TEST(CpuRunner, ThreadsAndTimingKeys) {
  auto runner = make_runner({key("threads", 1), key("number", 3), key("repeat", 5), key("cooldown_ms", 1.0),
                             key("flush_cache", true), key("warmup", 2), key("opt_level", 1)});
  ir::PrimFunc f = gmm(16, 16, 8);
  std::vector<db::MeasureResult> r = runner->measure({candidate(scheduled(f, kGmmSchedule))});
  expect_ok(r[0], 5);
  EXPECT_EQ(r[0].number, 3);
  // Five samples with a 1 ms cooldown before each.
  EXPECT_GE(r[0].measure_secs, 5e-3);
}

/// The process ids of this process's loom-cpu-worker children (from /proc).
std::vector<pid_t> worker_children() {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "stat");
    std::string pid, comm, state;
    pid_t ppid = 0;
    if (!(in >> pid >> comm >> state >> ppid)) continue;
    if (ppid == ::getpid() && comm == "(loom-cpu-worker)") out.push_back(static_cast<pid_t>(std::stol(pid)));
  }
  return out;
}

TEST(CpuRunner, TheWorkerStartsLazilyIsReusedAndRestartedAfterACrash) {
  ASSERT_TRUE(worker_children().empty());
  {
    auto runner = make_runner();
    EXPECT_TRUE(worker_children().empty()) << "the worker starts with the first measurement";
    expect_ok(runner->measure({candidate(gmm(4, 4, 4)), candidate(gmm(8, 4, 4))})[0], 2);
    std::vector<pid_t> first = worker_children();
    ASSERT_EQ(first.size(), 1u);
    expect_ok(runner->measure({candidate(gmm(4, 8, 4))})[0], 2);
    EXPECT_EQ(worker_children(), first) << "one worker serves every call";
    std::vector<db::MeasureResult> r =
        runner->measure({candidate(script::parse_func(kOutOfBounds)), candidate(gmm(4, 4, 4))});
    expect_failed(r[0], "crash", {"SIGSEGV"});
    expect_ok(r[1], 2);
    std::vector<pid_t> second = worker_children();
    ASSERT_EQ(second.size(), 1u);
    EXPECT_NE(second, first) << "a new worker after the crash";
  }
  EXPECT_TRUE(worker_children().empty()) << "destroying the runner ends its worker";
}

template <typename E>
void expect_throw_with(const std::function<void()>& body, const std::vector<std::string>& fragments) {
  try {
    body();
    ADD_FAILURE() << "expected an exception";
  } catch (const E& e) {
    std::string what = e.what();
    for (const std::string& f : fragments)
      EXPECT_NE(what.find(f), std::string::npos) << "'" << f << "' not in: " << what;
  }
}

TEST(CpuRunner, ConfigErrorsAreReported) {
  expect_throw_with<config::ConfigError>([] { make_runner({key("numbr", 2)}); },
                                         {"[runner] loom.cpu: unknown key 'numbr'", "did you mean 'number'"});
  expect_throw_with<ComponentError>([] { make_runner({key("repeat", "three")}); },
                                    {"key 'repeat' must be an integer, got a string"});
  expect_throw_with<ComponentError>([] { make_runner({key("repeat", 0)}); },
                                    {"loom.cpu: repeat = 0 is out of range: must be >= 1"});
  expect_throw_with<ComponentError>([] { make_runner({key("timeout_s", 0.0)}); },
                                    {"timeout_s = 0 is out of range: must be > 0"});
  expect_throw_with<ComponentError>([] { make_runner({key("check", "oracle")}); },
                                    {"check = \"oracle\": must be \"none\", \"interpreter\" or \"compiled\""});
  expect_throw_with<ComponentError>([] { make_runner({key("debug_fault", "boom")}); }, {"debug_fault = \"boom\""});
  expect_throw_with<ComponentError>([] { make_runner({key("opt_level", 4)}); }, {"opt_level = 4 is out of range"});
  expect_throw_with<ComponentError>([] { make_runner({key("worker", "/nonexistent/loom-cpu-worker")}); },
                                    {"worker = \"/nonexistent/loom-cpu-worker\": no such executable"});
}

TEST(CpuRunner, AWorkerThatCannotRunIsAFailedResultToo) {
  // /bin/false exits at once: every candidate fails naming the exit, and the call returns.
  auto runner = make_runner({key("worker", "/bin/false")});
  std::vector<db::MeasureResult> r = runner->measure({candidate(gmm(4, 4, 4)), candidate(gmm(4, 4, 4))});
  expect_failed(r[0], "crash", {"crashed: the worker exited with status 1 while running gmm"});
  expect_failed(r[1], "crash", {"exited with status 1"});
}

}  // namespace
}  // namespace loom::host

namespace loom::host {
namespace {

// ----- the target and the life cycle -----------------------------------------------------

Target request(const std::string& cpu, const std::string& features = "", int cores = 0) {
  Target t;
  t.kind = "llvm";
  t.cpu = cpu;
  t.features = features;
  t.num_cores = cores;
  return t;
}

TEST(CpuRunnerTarget, ResolvesTheHostCpuWithItsVectorsCachesAndCores) {
  auto runner = make_runner();
  Target t = runner->resolve_target(request("host"));
  EXPECT_EQ(t.kind, "llvm");
  EXPECT_FALSE(t.cpu.empty());
  EXPECT_NE(t.cpu, "host");
  EXPECT_NE(t.features.find("+sse2"), std::string::npos) << t.features;
  const bool avx512 = t.features.find("+avx512f") != std::string::npos;
  EXPECT_EQ(t.vector_bits, avx512 ? 512 : t.features.find("+avx,") != std::string::npos ? 256 : t.vector_bits);
  EXPECT_EQ(t.num_vector_registers, avx512 ? 32 : 16);
  EXPECT_GE(t.num_cores, 1);
  EXPECT_EQ(t.cache_line_bytes, 64);
  EXPECT_EQ(t.description, fmt::format("llvm -mcpu={} -num-cores={}", t.cpu, t.num_cores));
}

TEST(CpuRunnerTarget, AnAvx2RequestSaysSixteenRegistersOfEightFloats) {
  auto runner = make_runner();
  // What tuning for an AVX2 machine on an AVX-512 one asks for (issue: "whatever wins must
  // win on both ISAs"): the context must describe AVX2, not the machine.
  Target t = runner->resolve_target(request("haswell", "", 2));
  EXPECT_EQ(t.cpu, "haswell");
  EXPECT_EQ(t.vector_bits, 256);
  EXPECT_EQ(t.num_vector_registers, 16);
  EXPECT_EQ(t.num_cores, 2);
  EXPECT_EQ(t.features.find("avx512"), std::string::npos) << t.features;
  EXPECT_NE(t.features.find("+avx2"), std::string::npos) << t.features;
  EXPECT_EQ(t.l2_bytes, 0);  // another CPU's caches are not known
  Target off = runner->resolve_target(request("host", "-avx512f"));
  EXPECT_EQ(off.vector_bits, 256);
  EXPECT_EQ(off.num_vector_registers, 16);
  EXPECT_NE(off.description.find("-mattr=-avx512f"), std::string::npos) << off.description;
}

TEST(CpuRunnerTarget, UnknownCpusFeaturesAndKindsAreRefusedByName) {
  auto runner = make_runner();
  auto message = [&](const Target& t) {
    try {
      runner->resolve_target(t);
    } catch (const ComponentError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_THAT(message(request("zen99")), ::testing::HasSubstr("does not know the CPU 'zen99'"));
  EXPECT_THAT(message(request("host", "+avx9000")), ::testing::HasSubstr("does not know the CPU feature 'avx9000'"));
  Target cuda;
  cuda.kind = "cuda";
  cuda.arch = "sm_90";
  EXPECT_THAT(message(cuda), ::testing::HasSubstr("not for \"cuda\""));
}

TEST(CpuRunnerTarget, InitializeRefusesATargetThisMachineCannotRun) {
  auto runner = make_runner();
  Target host = runner->resolve_target(request("host"));
  // A feature this machine lacks: pick one of LLVM's x86 features the host has off.
  const char* candidates[] = {"avx512fp16", "amx-tile", "avx512f", "avx2"};
  std::string missing;
  for (const char* f : candidates) {
    if (host.features.find(std::string("+") + f) == std::string::npos) {
      missing = f;
      break;
    }
  }
  if (missing.empty()) GTEST_SKIP() << "this machine has every candidate feature";
  TuningContext context;
  context.target = request("host", "+" + missing);
  context.target.description = "llvm -mattr=+" + missing;
  try {
    runner->initialize(context);
    ADD_FAILURE() << "initialize accepted a target with +" << missing;
  } catch (const ComponentError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("lacks " + missing));
  }
}

TEST(CpuRunnerTarget, AnInitializedRunnerBuildsForTheContextsCpu) {
  auto runner = make_runner({key("check", "interpreter")});
  TuningContext context;
  context.target = runner->resolve_target(request("haswell", "", 1));
  runner->initialize(context);
  ir::PrimFunc f = gmm(16, 16, 8);
  std::vector<db::MeasureResult> r = runner->measure({{f, "", f}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].ok()) << r[0].error;
}

}  // namespace
}  // namespace loom::host
