// loom print / check / run / diff: the commands that read, show and execute kernels.
#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "commands.h"
#include "fmt/format.h"
#include "kernel_input.h"
#include "loom/config/component.h"
#include "loom/host/plugin_host.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/error.h"
#include "loom/ir/flops.h"
#include "loom/ir/printer.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/verify.h"
#include "loom/ir/visitor.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/printer.h"
#include "loom/workloads/zoo.h"

namespace loom::cli {

namespace {

std::string buffer_signature(const ir::Buffer& b) {
  std::string dims;
  for (const ir::Expr& e : b->shape) dims += (dims.empty() ? "" : ", ") + ir::to_string(e);
  return fmt::format("{} {}[{}]", b->name, b->dtype.to_string(), dims);
}

/// Param buffers that the function stores to, in parameter order.
std::vector<ir::Buffer> written_params(const ir::PrimFunc& func) {
  std::set<const ir::BufferNode*> stored;
  ir::post_order_visit(func->body, [&](const ir::Object* node) {
    if (node->kind() == ir::NodeKind::BufferStore)
      stored.insert(static_cast<const ir::BufferStoreNode*>(node)->buffer.get());
  });
  std::vector<ir::Buffer> out;
  for (const ir::Buffer& b : func->param_buffers()) {
    if (stored.count(b.get())) out.push_back(b);
  }
  return out;
}

void print_list() {
  for (const workloads::WorkloadInfo& w : workloads::workloads()) {
    std::string params;
    for (const workloads::WorkloadParam& p : w.params) params += fmt::format(" {}={}", p.name, p.default_value);
    std::cout << fmt::format("{:<14} {}\n{:<14} params:{}\n", w.name, w.description, "", params);
  }
}

std::map<std::string, int64_t> parse_overrides(const std::vector<std::string>& sets) {
  std::map<std::string, int64_t> out;
  for (const std::string& s : sets) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError(fmt::format("--set '{}': expected KEY=VALUE, e.g. --set M=512", s));
    std::string key = s.substr(0, eq), value = s.substr(eq + 1);
    try {
      size_t used = 0;
      int64_t v = std::stoll(value, &used);
      if (used != value.size()) throw std::invalid_argument(value);
      out[key] = v;
    } catch (const std::exception&) {
      throw UserError(fmt::format("--set {}: '{}' is not an integer", key, value));
    }
  }
  return out;
}

}  // namespace

void add_print_command(CLI::App& app, ExitCode& exit_code) {
  auto* cmd = app.add_subcommand("print", "Print a zoo workload as TVMScript (--list shows the zoo).");
  struct Options {
    std::string workload;
    std::vector<std::string> sets;
    bool list = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("workload", opts->workload, "Workload name, e.g. gmm, c2d, sfm");
  cmd->add_option("--set", opts->sets, "Override a shape parameter: --set M=512 (repeatable)")->type_name("K=V");
  cmd->add_flag("--list", opts->list, "List the workloads with their parameters and defaults");
  cmd->callback([opts, &exit_code] {
    if (opts->list) {
      print_list();
      return;
    }
    if (opts->workload.empty()) throw UserError("loom print: name a workload (loom print --list shows them)");
    ir::PrimFunc func = workloads::make_workload(opts->workload, parse_overrides(opts->sets));
    std::cout << script::print(func);
    exit_code.value = 0;
  });
}

void add_check_command(CLI::App& app, ExitCode& exit_code) {
  auto* cmd = app.add_subcommand("check", "Parse and validate a kernel file and print a one-line summary.");
  auto file = std::make_shared<std::string>();
  auto reprint = std::make_shared<bool>(false);
  cmd->add_option("file", *file, "Kernel file (TVMScript), or - for standard input")->required();
  cmd->add_flag("--print", *reprint, "Print the parsed kernel back as TVMScript instead of the summary");
  cmd->callback([file, reprint, &exit_code] {
    ir::IRModule mod = load_module(*file);
    for (const auto& [name, func] : mod.functions()) ir::check_well_formed(func);
    if (*reprint) {
      std::cout << (mod.size() == 1 ? script::print(mod.functions().begin()->second) : script::print(mod));
      exit_code.value = 0;
      return;
    }
    std::vector<std::string> parts;
    for (const auto& [name, func] : mod.functions()) {
      int blocks = 0, loops = 0;
      ir::post_order_visit(func->body, [&](const ir::Object* node) {
        if (node->kind() == ir::NodeKind::Block) ++blocks;
        if (node->kind() == ir::NodeKind::For) ++loops;
      });
      std::string params;
      for (const ir::Var& p : func->params) {
        ir::Buffer b = func->buffer_of(p);
        params +=
            (params.empty() ? "" : ", ") + (b.defined() ? buffer_signature(b) : p.name() + " " + p.dtype().to_string());
      }
      parts.push_back(fmt::format("{}({}): {} blocks, {} loops", name, params, blocks, loops));
    }
    std::string joined;
    for (const std::string& p : parts) joined += (joined.empty() ? "" : "; ") + p;
    std::cout << fmt::format("{}: ok, {} function{}: {}\n", *file == "-" ? "<stdin>" : *file, mod.size(),
                             mod.size() == 1 ? "" : "s", joined);
    exit_code.value = 0;
  });
}

namespace {

/// Options of `loom run`.
struct RunOptions {
  std::string file;
  std::string schedule;
  uint64_t seed = 0;
  std::string func;
  std::string target = "interp";
  // --target cpu: the runner's keys.
  int64_t number = 1;
  int64_t repeat = 3;
  double min_repeat_ms = 100;
  bool flush_cache = false;
  std::string check = "none";
  int64_t threads = 0;
  double timeout_s = 10;
};

/// Seconds as a short human figure: "12.3 ms", "45.6 us", "1.25 s".
std::string time_text(double s) {
  if (s >= 1) return fmt::format("{:.4g} s", s);
  if (s >= 1e-3) return fmt::format("{:.4g} ms", s * 1e3);
  return fmt::format("{:.4g} us", s * 1e6);
}

/// The kernel of `loom run`: the file's function, scheduled by the schedule script if given.
ir::PrimFunc run_kernel(const RunOptions& o, ir::PrimFunc* unscheduled) {
  ir::PrimFunc func = select_function(load_module(o.file), o.func);
  *unscheduled = func;
  if (o.schedule.empty()) return func;
  if (o.file == "-" && o.schedule == "-") throw UserError("loom run: the kernel and the schedule cannot both be '-'");
  sched::Schedule sch(func, static_cast<int64_t>(o.seed), sched::DebugMode::Verify);
  sched::apply_schedule_script(sch, read_text(o.schedule), o.schedule == "-" ? "<stdin>" : o.schedule);
  return sch.mod().at(sch.default_func());
}

/// --target cpu: measures the kernel with the loom.cpu runner plugin; exit 1 when the
/// measurement fails.
int run_on_cpu(const RunOptions& o) {
  ir::PrimFunc unscheduled;
  ir::PrimFunc func = run_kernel(o, &unscheduled);
  host::PluginHost plugins;
  std::vector<std::string> problems = plugins.load_search_path();
  if (plugins.find(LOOM_COMPONENT_RUNNER, "loom.cpu") == nullptr) {
    std::string why;
    for (const std::string& p : problems) why += "\n  " + p;
    throw UserError(
        fmt::format("loom run --target cpu: the runner plugin loom.cpu is not loaded (searched the plugin "
                    "path; set LOOM_PLUGIN_PATH to the folder holding loom_cpu.so){}",
                    why));
  }
  std::vector<config::ConfigEntry> keys = {
      {"number", {}, config::ConfigValue::integer(o.number)},
      {"repeat", {}, config::ConfigValue::integer(o.repeat)},
      {"min_repeat_ms", {}, config::ConfigValue::floating(o.min_repeat_ms)},
      {"flush_cache", {}, config::ConfigValue::boolean(o.flush_cache)},
      {"check", {}, config::ConfigValue::string(o.check)},
      {"threads", {}, config::ConfigValue::integer(o.threads)},
      {"timeout_s", {}, config::ConfigValue::floating(o.timeout_s)},
      {"seed", {}, config::ConfigValue::integer(static_cast<int64_t>(o.seed))},
  };
  config::ComponentConfig cfg("loom run --target cpu", "loom.cpu", {}, keys);
  auto runner = plugins.instantiate(LOOM_COMPONENT_RUNNER, cfg);
  host::MeasureCandidate candidate;
  candidate.func = func;
  candidate.reference = unscheduled;
  std::vector<db::MeasureResult> records = runner->measure({candidate});
  const db::MeasureResult& r = records.at(0);
  if (!r.ok()) {
    std::cout << "measurement failed: " << r.error << "\n";
    return 1;
  }
  double median = r.median_secs();
  double min = *std::min_element(r.run_secs.begin(), r.run_secs.end());
  double max = *std::max_element(r.run_secs.begin(), r.run_secs.end());
  double flops = ir::estimate_flops(unscheduled);
  std::string rate = flops > 0 && median > 0
                         ? fmt::format(", {:.4g} GFLOP/s ({:.3g} flop)", flops / median * 1e-9, flops)
                         : std::string();
  std::cout << fmt::format("cpu: {} median of {} (min {}, max {}){}\n", time_text(median), r.run_secs.size(),
                           time_text(min), time_text(max), rate);
  std::string samples;
  for (double t : r.run_secs) samples += fmt::format(" {:.6g}", t * 1e3);
  std::cout << fmt::format("samples (ms per call, {} call{} each):{}\n", r.number, r.number == 1 ? "" : "s", samples);
  if (o.check != "none") std::cout << fmt::format("check ({}): outputs match the unscheduled kernel\n", o.check);
  std::cout << fmt::format("build {:.3g} s, run {:.3g} s\n", r.build_secs, r.measure_secs);
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, ExitCode& exit_code) {
  auto* cmd = app.add_subcommand("run",
                                 "Run a kernel (optionally scheduled by a schedule script): in the reference "
                                 "interpreter on random inputs, printing a checksum of each output (--target interp, "
                                 "the default), or compiled and timed by the loom.cpu runner plugin (--target cpu).");
  auto opts = std::make_shared<RunOptions>();
  cmd->add_option("file", opts->file, "Kernel file (TVMScript), or - for standard input")->required();
  cmd->add_option("schedule", opts->schedule, "Schedule script (.py) to apply first");
  cmd->add_option("--seed", opts->seed, "Seed of the random inputs")->capture_default_str();
  cmd->add_option("--func", opts->func, "Function to run when the module has several");
  cmd->add_option("--target", opts->target, "interp (the reference interpreter) or cpu (compiled and timed)")
      ->check(CLI::IsMember({"interp", "cpu"}))
      ->capture_default_str();
  cmd->add_option("--number", opts->number, "cpu: calls per sample (raised to reach --min-repeat-ms)")
      ->capture_default_str();
  cmd->add_option("--repeat", opts->repeat, "cpu: samples")->capture_default_str();
  cmd->add_option("--min-repeat-ms", opts->min_repeat_ms, "cpu: the least duration of one sample")
      ->capture_default_str();
  cmd->add_flag("--flush-cache", opts->flush_cache, "cpu: evict the caches before each sample");
  cmd->add_option("--check", opts->check,
                  "cpu: compare the outputs with the unscheduled kernel's: none, interpreter or compiled")
      ->check(CLI::IsMember({"none", "interpreter", "compiled"}))
      ->capture_default_str();
  cmd->add_option("--threads", opts->threads, "cpu: threads for parallel loops (0: all cores)")->capture_default_str();
  cmd->add_option("--timeout", opts->timeout_s, "cpu: seconds before a run is killed")->capture_default_str();
  cmd->callback([cmd, opts, &exit_code] {
    if (opts->target == "cpu") {
      exit_code.value = run_on_cpu(*opts);
      return;
    }
    for (const char* name :
         {"--number", "--repeat", "--min-repeat-ms", "--flush-cache", "--check", "--threads", "--timeout"}) {
      if (cmd->count(name) > 0) throw UserError(fmt::format("loom run: {} applies to --target cpu only", name));
    }
    ir::PrimFunc unscheduled;
    ir::PrimFunc func = run_kernel(*opts, &unscheduled);
    std::vector<interp::NDArray> arrays = interp::run_random(func, opts->seed);
    std::vector<ir::Buffer> params = func->param_buffers();
    std::vector<ir::Buffer> outputs = written_params(func);
    for (size_t i = 0; i < params.size() && i < arrays.size(); ++i) {
      bool is_output = false;
      for (const ir::Buffer& o : outputs) is_output = is_output || o.same_as(params[i]);
      if (!is_output) continue;
      std::cout << fmt::format("{}: {}\n", buffer_signature(params[i]), arrays[i].checksum().to_string());
    }
    exit_code.value = 0;
  });
}

void add_diff_command(CLI::App& app, ExitCode& exit_code) {
  auto* cmd = app.add_subcommand("diff",
                                 "Compare two kernel files structurally (names ignored unless "
                                 "--strict-names); exit 0 when equal, else print the first difference "
                                 "and exit 1.");
  struct Options {
    std::string a, b;
    bool strict = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("a", opts->a, "First kernel file")->required();
  cmd->add_option("b", opts->b, "Second kernel file")->required();
  cmd->add_flag("--strict-names", opts->strict, "Also compare the names of variables, buffers and blocks");
  cmd->callback([opts, &exit_code] {
    ir::IRModule a = load_module(opts->a), b = load_module(opts->b);
    ir::StructuralEqualOptions options;
    options.strict_names = opts->strict;
    std::optional<ir::StructuralDiff> diff;
    if (a.size() == 1 && b.size() == 1) {
      diff = ir::structural_diff(a.functions().begin()->second, b.functions().begin()->second, options);
    } else {
      diff = ir::structural_diff(a, b, options);
    }
    if (diff) {
      std::cout << "differ at " << diff->to_string() << "\n";
      exit_code.value = 1;
    } else {
      std::cout << "equal\n";
      exit_code.value = 0;
    }
  });
}

}  // namespace loom::cli
