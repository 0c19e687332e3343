// Shared helpers of the conformance suite: every plugin of the build's plugin folder loaded
// into one host, its components enumerated by kind (the suite's test parameters, so a new
// plugin or component is covered without touching the suite), component tables written as
// a run config's TOML, instances made and initialized with the test context, small zoo
// workloads, and what a check compares (traces, modules, outcomes).
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "../common/random_schedule.h"
#include "../common/tuning_context.h"
#include "loom/config/component.h"
#include "loom/config/run_config.h"
#include "loom/host/plugin_host.h"
#include "loom/host/target.h"
#include "loom/sched/schedule.h"
#include "loom/sched/trace.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
#include "loom/tune/space.h"
#include "loom/workloads/zoo.h"
#include "nlohmann/json.hpp"

namespace loom::conformance {

/// One registered component: the suite's test parameter.
struct Component {
  loom_component_kind kind{};
  std::string name;
};

inline void PrintTo(const Component& c, std::ostream* os) { *os << host::component_kind_name(c.kind) << " " << c.name; }

/// The test name of a component: its name with every character other than a letter or a
/// digit made '_' ("loom.auto_inline" -> "loom_auto_inline").
inline std::string test_name(const Component& c) {
  std::string out = c.name;
  for (char& ch : out) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return out;
}
/// As test_name, prefixed with the kind ("schedule_rule_loom_auto_inline"), for the suites
/// over every kind.
inline std::string kind_and_name(const ::testing::TestParamInfo<Component>& info) {
  return std::string(host::component_kind_name(info.param.kind)) + "_" + test_name(info.param);
}
inline std::string name_only(const ::testing::TestParamInfo<Component>& info) { return test_name(info.param); }

/// The shared libraries of the build's plugin folder that export the loom entry symbol (the
/// folder also holds the CPU runner's worker executable).
inline std::vector<std::filesystem::path> plugin_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(LOOM_BUILD_PLUGIN_DIR)) {
    if (!e.is_regular_file() || e.path().extension() != ".so") continue;
    void* lib = ::dlopen(e.path().c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (lib == nullptr) continue;
    bool plugin = ::dlsym(lib, LOOM_PLUGIN_ENTRY_SYMBOL) != nullptr;
    ::dlclose(lib);
    if (plugin) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// What loading the plugin folder gave: the host, and one message per plugin that failed.
struct Loaded {
  host::PluginHost host;
  std::vector<std::string> problems;
};

/// The host with every plugin of the build's plugin folder loaded (once per process; a
/// plugin that fails to load is a problem the Plugins test reports, not a crash here).
inline Loaded& loaded() {
  static Loaded* l = [] {
    auto* out = new Loaded;
    for (const auto& f : plugin_files()) {
      try {
        out->host.load(f);
      } catch (const std::exception& e) {
        out->problems.push_back(e.what());
      }
    }
    return out;
  }();
  return *l;
}
inline host::PluginHost& plugins() { return loaded().host; }

/// Every registered component of `kind`, in registration order.
inline std::vector<Component> components_of(loom_component_kind kind) {
  std::vector<Component> out;
  for (const host::ComponentEntry& e : plugins().components()) {
    if (e.kind == kind) out.push_back({e.kind, e.name});
  }
  return out;
}
/// Every registered component of the five kinds the suite knows.
inline std::vector<Component> all_components() {
  std::vector<Component> out;
  for (loom_component_kind kind : {LOOM_COMPONENT_SCHEDULE_RULE, LOOM_COMPONENT_MUTATOR, LOOM_COMPONENT_POSTPROC,
                                   LOOM_COMPONENT_COST_MODEL, LOOM_COMPONENT_RUNNER}) {
    for (Component& c : components_of(kind)) out.push_back(std::move(c));
  }
  return out;
}

/// The file name the suite's component tables claim to come from.
inline constexpr const char* kConfigFile = "conformance.toml";
/// The line of a table's first body line (see table()).
inline constexpr int kFirstBodyLine = 5;

/// The component's table as a run config holds it, parsed from TOML: the file starts
///
///     1 [workload]
///     2 zoo = "gmm"
///     3 [[rule]]           (the kind's section)
///     4 name = "NAME"
///     5 body[0]
///     ...
///
/// (a mutator's required probability comes after the body).
inline config::ComponentConfig table(const Component& c, const std::vector<std::string>& body = {}) {
  std::string section;
  switch (c.kind) {
    case LOOM_COMPONENT_SCHEDULE_RULE:
      section = "[[rule]]";
      break;
    case LOOM_COMPONENT_MUTATOR:
      section = "[[mutator]]";
      break;
    case LOOM_COMPONENT_POSTPROC:
      section = "[[postproc]]";
      break;
    case LOOM_COMPONENT_COST_MODEL:
      section = "[cost_model]";
      break;
    case LOOM_COMPONENT_RUNNER:
      section = "[runner]";
      break;
    default:
      throw std::logic_error("the conformance suite knows no section for " + c.name);
  }
  std::string text = "[workload]\nzoo = \"gmm\"\n" + section + "\nname = \"" + c.name + "\"\n";
  for (const std::string& line : body) text += line + "\n";
  if (c.kind == LOOM_COMPONENT_MUTATOR) text += "probability = 1.0\n";
  config::RunConfig run = config::parse_config(text, kConfigFile);
  switch (c.kind) {
    case LOOM_COMPONENT_SCHEDULE_RULE:
      return run.rules.at(0);
    case LOOM_COMPONENT_MUTATOR:
      return run.mutators.at(0).component;
    case LOOM_COMPONENT_POSTPROC:
      return run.postprocs.at(0);
    case LOOM_COMPONENT_COST_MODEL:
      return run.cost_model;
    default:
      return run.runner;
  }
}

/// Components made for GPU targets, which refuse to run without a GPU's limits: they go
/// through the suite with the test cuda target.
inline bool is_gpu_component(const std::string& name) {
  return name == "loom.rewrite_unbound_block" || name == "loom.verify_gpu_code" || name == "loom.cuda" ||
         name == "loom.cross_thread_reduction" || name == "loom.auto_bind" ||
         name == "loom.rewrite_cooperative_fetch" || name == "loom.mutate_thread_binding";
}

/// The tuning context of the suite: the test CPU target (the test cuda target with `gpu`; a
/// runner's resolved by `runner` when given), the workload `workload` (may be undefined)
/// and seed 7.
inline host::TuningContext context_for(const ir::PrimFunc& workload = {},
                                       const host::ComponentInstance* runner = nullptr, bool gpu = false) {
  host::TuningContext context = gpu ? testing::cuda_test_context() : testing::test_context();
  if (runner != nullptr) context.target = runner->resolve_target(context.target);
  context.workload = workload;
  context.task_name = workload.defined() ? workload->name : "";
  context.seed = 7;
  return context;
}

/// A created and initialized instance of `c` from `cfg` (its default table when absent).
inline std::shared_ptr<host::ComponentInstance> make(const Component& c, const ir::PrimFunc& workload = {},
                                                     const std::optional<config::ComponentConfig>& cfg = {}) {
  std::shared_ptr<host::ComponentInstance> instance = plugins().instantiate(c.kind, cfg ? *cfg : table(c));
  instance->initialize(
      context_for(workload, c.kind == LOOM_COMPONENT_RUNNER ? instance.get() : nullptr, is_gpu_component(c.name)));
  return instance;
}

/// A small zoo workload (the shapes the random-schedule tests use).
inline ir::PrimFunc workload(const std::string& name) {
  return workloads::make_workload(name, sched::testing::small_shapes().at(name));
}
/// A function whose loop extent (and buffer shape) is a parameter: what constant-shape
/// postprocessors and runners refuse.
inline ir::PrimFunc symbolic_function() {
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
/// The workloads the schedule-level checks run on: one block (gmm), a padded convolution
/// (c2d), chained reductions (sfm) and an epilogue (gmm_bias_relu).
inline std::vector<ir::PrimFunc> workloads_for_schedules() {
  return {workload("gmm"), workload("c2d"), workload("sfm"), workload("gmm_bias_relu")};
}

/// The schedule's state that a failed call must leave alone: its trace (JSON, decisions
/// included) and its module (printed).
struct ScheduleState {
  std::string trace;
  std::string mod;
  explicit ScheduleState(const sched::Schedule& sch)
      : trace(sch.trace().to_json().dump()), mod(script::print(sch.mod())) {}
  bool operator==(const ScheduleState&) const = default;
};

/// A trace with its decisions, comparable and printable.
inline std::string fingerprint(const sched::Trace& trace) { return trace.as_python() + trace.to_json().dump(); }

/// The design space of `func` that post-order-apply makes with `rule` alone, as the traces
/// of its schedules.
inline std::vector<std::string> design_space(const std::shared_ptr<host::ComponentInstance>& rule,
                                             const ir::PrimFunc& func, int64_t seed) {
  tune::Rule r{rule->name(), [rule](const sched::Schedule& sch, const sched::BlockRV& block) {
                 return rule->apply_rule(sch, block);
               }};
  std::vector<std::string> out;
  for (const sched::Schedule& s : tune::PostOrderApply({r}).generate(func, seed)) out.push_back(fingerprint(s.trace()));
  return out;
}

/// Points of the default CPU design space of `func` (config::default_rules("llvm"), the
/// rules of this folder's plugins): every space trace resampled with each seed of `seeds`
/// (draws a later primitive refuses are skipped).
inline std::vector<sched::Schedule> space_points(const ir::PrimFunc& func, const std::vector<int64_t>& seeds,
                                                 bool gpu = false) {
  std::vector<tune::Rule> rules;
  for (const std::string& name : config::default_rules(gpu ? "cuda" : "llvm")) {
    std::shared_ptr<host::ComponentInstance> rule =
        plugins().instantiate(LOOM_COMPONENT_SCHEDULE_RULE, table({LOOM_COMPONENT_SCHEDULE_RULE, name}));
    rule->initialize(context_for(func, nullptr, gpu || is_gpu_component(name)));
    rules.push_back(tune::Rule{name, [rule](const sched::Schedule& sch, const sched::BlockRV& block) {
                                 return rule->apply_rule(sch, block);
                               }});
  }
  std::vector<sched::Schedule> out;
  for (const sched::Schedule& s : tune::PostOrderApply(rules).generate(func, 3)) {
    for (int64_t seed : seeds) {
      try {
        out.push_back(tune::sample_from_trace(func, s.trace(), seed));
      } catch (const UserError&) {
        // A sampled tiling a later primitive refuses: not a point of the space.
      }
    }
  }
  return out;
}

}  // namespace loom::conformance
