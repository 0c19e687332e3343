// The plugin `loom.cpu`: the CPU runner component `loom.cpu`. measure():
//   1. builds every candidate in parallel on oneTBB: lowered through the host
//      (plugin::lower), compiled to an object file by the LLVM code generator
//      (loom/cpu/codegen.h) for the target's CPU; a failure is that candidate's result
//      "build failed: <reason>";
//   2. when correctness is checked, computes each distinct reference function's outputs on
//      the seed's inputs once (loom/runner/reference.h): in the interpreter
//      (check = "interpreter") or compiled unscheduled and run in the worker ("compiled");
//   3. runs and times the candidates one at a time in the worker process
//      (loom/runner/worker_client.h, worker_protocol.h) on inputs drawn from the seed
//      (loom/runner/arguments.h); a crash, a
//      timeout or a wrong output is that candidate's failed result, the worker is restarted
//      when it died, and the call goes on with the next candidate.
// Config keys: configs/example.toml, [runner].
#include <tbb/parallel_for.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "export.h"
#include "fmt/format.h"
#include "loom/cpu/codegen.h"
#include "loom/cpu/compiled_reference.h"
#include "loom/cpu/cpu_target.h"
#include "loom/plugin.hpp"
#include "loom/runner/arguments.h"
#include "loom/runner/measure_options.h"
#include "loom/runner/reference.h"
#include "loom/runner/worker_client.h"
#include "worker_protocol.h"

namespace loom::cpu {
namespace {

namespace lp = loom::plugin;
namespace pir = loom::plugin::ir;
using Clock = std::chrono::steady_clock;

constexpr const char* kName = "loom.cpu";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// ----- configuration -----------------------------------------------------------------

struct RunnerOptions {
  runner::MeasureOptions measure;
  int threads = 0;
  CodegenOptions codegen;
  std::string worker;
};

RunnerOptions read_options(const lp::Config& c) {
  runner::OptionReader reader(c, kName);
  RunnerOptions o;
  runner::MeasureOptions defaults;
  defaults.timing.min_repeat_ms = 100;
  o.measure = reader.measure_options(defaults);
  o.threads = static_cast<int>(reader.int_at_least("threads", 0, 0));
  o.codegen.cpu = c.get_string("cpu", "");
  if (o.codegen.cpu == "host") o.codegen.cpu.clear();
  o.codegen.features = c.get_string("features", "");
  int64_t opt = c.get_int("opt_level", 3);
  if (opt < 0 || opt > 3) reader.fail(fmt::format("opt_level = {} is out of range: must be 0..3", opt));
  o.codegen.opt_level = static_cast<int>(opt);
  o.worker = reader.worker("worker", "loom-cpu-worker", reinterpret_cast<const void*>(&read_options));
  return o;
}

/// The codegen options of a target description "llvm -mcpu=NAME -mattr=+a,-b" over the
/// config's defaults. Throws std::runtime_error for another target kind or an unknown option.
CodegenOptions target_options(const std::string& target, const CodegenOptions& defaults) {
  CodegenOptions o = defaults;
  std::istringstream in(target);
  std::string word;
  bool first = true;
  while (in >> word) {
    if (first) {
      first = false;
      if (word != "llvm") throw std::runtime_error(fmt::format("target \"{}\" is not a CPU (llvm) target", target));
      continue;
    }
    if (word.starts_with("-mcpu=")) {
      o.cpu = word.substr(6);
      if (o.cpu == "host") o.cpu.clear();
    } else if (word.starts_with("-mattr=")) {
      o.features = word.substr(7);
    } else if (word.starts_with("-num-cores=")) {
      // The arena size is the runner's `threads`; accepted for TVM-style target strings.
    } else {
      throw std::runtime_error(fmt::format("target \"{}\": unknown option '{}'", target, word));
    }
  }
  return o;
}

/// One candidate between the build and the run.
struct Build {
  std::string name;
  std::vector<runner::ArgInfo> args;
  std::optional<ObjectCode> code;
  std::string error;  // "build failed: ..." when code is empty
  double build_s = 0;
  runner::CheckPlan check;
};

class CpuRunner : public lp::Runner {
 public:
  explicit CpuRunner(const lp::Config& config)
      : options_(read_options(config)),
        configured_cpu_(options_.codegen.cpu),
        configured_features_(options_.codegen.features),
        client_(options_.worker, {"--threads", std::to_string(options_.threads)}) {}

  /// The run's target: what the runner builds for unless its own cpu / features keys say
  /// otherwise (or a candidate's target string does). Refused when the machine cannot run
  /// code for it.
  void initialize(const lp::TuningContext& context) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!context.target.kind.empty() && context.target.kind != "llvm")
      throw lp::Error(fmt::format("{} builds for CPUs (kind \"llvm\"), not for \"{}\"", kName, context.target.kind),
                      LOOM_ERROR_UNSUPPORTED);
    if (configured_cpu_.empty() && !context.target.cpu.empty() && context.target.cpu != "host")
      options_.codegen.cpu = context.target.cpu;
    if (configured_features_.empty() && !context.target.features.empty())
      options_.codegen.features = context.target.features;
    CpuTarget target = resolve_cpu_target(options_.codegen.cpu, options_.codegen.features, context.target.num_cores);
    std::string why = check_runs_here(target);
    if (!why.empty())
      throw lp::Error(fmt::format("{} cannot measure for the target '{}': {}", kName, context.target.description, why),
                      LOOM_ERROR_UNSUPPORTED);
  }

  lp::Target resolve_target(const lp::Target& requested) override {
    if (!requested.kind.empty() && requested.kind != "llvm")
      throw lp::Error(fmt::format("{} builds for CPUs (kind \"llvm\"), not for \"{}\"", kName, requested.kind),
                      LOOM_ERROR_UNSUPPORTED);
    CpuTarget t;
    try {
      t = resolve_cpu_target(requested.cpu, requested.features, requested.num_cores);
    } catch (const std::runtime_error& e) {
      throw lp::Error(fmt::format("{}: {}", kName, e.what()), LOOM_ERROR_CONFIG);
    }
    std::string why = check_runs_here(t);
    if (!why.empty()) throw lp::Error(fmt::format("{} cannot measure here: {}", kName, why), LOOM_ERROR_UNSUPPORTED);
    lp::Target out = std::move(t);
    // What a record says it was fitted to: the CPU by name, the requested feature toggles,
    // the cores.
    out.description = fmt::format("llvm -mcpu={}{} -num-cores={}", out.cpu,
                                  requested.features.empty() ? "" : " -mattr=" + requested.features, out.num_cores);
    return out;
  }

  lp::ExportResult export_func(const lp::ExportRequest& request) override {
    CodegenOptions codegen = options_.codegen;
    if (request.target) {
      if (!request.target->kind.empty() && request.target->kind != "llvm")
        throw lp::Error(fmt::format("{} exports for CPUs (kind \"llvm\"), not for \"{}\"", kName, request.target->kind),
                        LOOM_ERROR_UNSUPPORTED);
      codegen.cpu = request.target->cpu == "host" ? "" : request.target->cpu;
      codegen.features = request.target->features;
    }
    try {
      return export_object(request.func, request.name, request.symbol, request.directory, request.origin, codegen);
    } catch (const CodegenError& e) {
      throw lp::Error(fmt::format("cannot compile {}: {}", request.func.node().name(), e.what()), LOOM_ERROR);
    }
  }

  std::vector<lp::MeasureResult> measure(const std::vector<lp::MeasureInput>& inputs) override {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = inputs.size();
    std::vector<Build> builds(n);
    // 1. Build every candidate in parallel.
    tbb::parallel_for(size_t{0}, n, [&](size_t k) { build(inputs[k], builds[k]); });
    // 2. The outputs of every reference not cached yet.
    compute_references(builds);
    // 3. Run and time one candidate at a time in the worker.
    std::vector<lp::MeasureResult> results;
    results.reserve(n);
    for (size_t k = 0; k < n; ++k) results.push_back(run(inputs[k], builds[k]));
    return results;
  }

 private:
  void build(const lp::MeasureInput& input, Build& b) const {
    auto start = Clock::now();
    try {
      pir::PrimFunc func = input.func.node();
      b.name = std::string(func.name());
      b.args = runner::arg_layout(func);
      CodegenOptions codegen = target_options(input.target, options_.codegen);
      pir::Func lowered = lp::lower(input.func);
      b.code = compile_object(lowered.node(), codegen);
    } catch (const std::exception& e) {
      b.error = fmt::format("build failed: {}", e.what());
    }
    b.build_s = seconds_since(start);
    if (b.code) b.check = runner::plan_check(input, b.args, options_.measure.check);
  }

  void compute_references(const std::vector<Build>& builds) {
    std::vector<const runner::CheckPlan*> plans;
    for (const Build& b : builds) plans.push_back(&b.check);
    references_.update(plans, options_.measure, [this](const pir::Func& ref) {
      return compile_reference(ref, options_.codegen, client_, options_.measure.timeout_s);
    });
  }

  worker::RunRequest request(const ObjectCode& code, std::vector<std::string> args, uint32_t flags) const {
    worker::RunRequest q;
    q.object = code.object;
    q.name = code.name;
    q.packed_name = code.packed_name;
    q.flags = flags;
    q.set_timing(options_.measure.timing);
    q.debug_fault = options_.measure.fault_for(code.name);
    q.args = std::move(args);
    return q;
  }

  lp::MeasureResult run(const lp::MeasureInput& input, Build& b) {
    if (!b.code) {
      lp::MeasureResult r = lp::MeasureResult::failure("build", b.error);
      r.build_s = b.build_s;
      return r;
    }
    if (!b.check.error.empty()) return lp::MeasureResult::failure("check", b.check.error);
    auto start = Clock::now();
    lp::MeasureResult r;
    r.build_s = b.build_s;
    std::shared_ptr<const runner::ReferenceOutputs> expected;
    if (b.check.reference != nullptr) {
      expected = references_.at(b.check, options_.measure.seed);
      if (!expected->error.empty()) {
        r = lp::MeasureResult::failure("check", "cannot check the result: " + expected->error);
        r.build_s = b.build_s;
        return r;
      }
    }
    std::vector<std::string> args;
    try {
      args = runner::make_inputs(input.func, b.args, options_.measure.seed);
    } catch (const std::exception& e) {
      return lp::MeasureResult::failure("run", fmt::format("cannot make the inputs: {}", e.what()));
    }
    uint32_t flags = worker::kTime | (expected ? worker::kReturnOutputs : 0u);
    runner::Outcome o = client_.call(request(*b.code, std::move(args), flags).encode(), options_.measure.timeout_s);
    r = runner::outcome_result(std::move(o), b.name, expected.get(), b.args, options_.measure);
    r.build_s = b.build_s;
    r.run_s = seconds_since(start);
    return r;
  }

  RunnerOptions options_;
  /// The runner table's own cpu / features keys (empty: the target's).
  std::string configured_cpu_, configured_features_;
  runner::WorkerClient client_;
  runner::ReferenceCache references_;
  std::mutex mutex_;
};

}  // namespace
}  // namespace loom::cpu

LOOM_DEFINE_PLUGIN("loom.cpu", "1.0") {
  registry.add_runner<loom::cpu::CpuRunner>(
      "loom.cpu", "1.0",
      "Builds candidates with the LLVM code generator and times them in a worker process (crash- and hang-safe), "
      "optionally checking their outputs");
}
