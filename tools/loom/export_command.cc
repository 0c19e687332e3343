// loom export: a kernel (optionally scheduled) compiled by a runner plugin (its export entry,
// through the plugin host), for programs that use the kernel without loom: loom.cpu writes a
// relocatable object file NAME.o and a C header NAME.h (--target llvm); loom.cuda writes the
// CUDA C++ NAME.cu, its CUBIN NAME.cubin and a C header NAME.h with each kernel's launch
// dimensions and arguments (--target cuda), and prints ptxas' registers / shared memory.
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "commands.h"
#include "fmt/format.h"
#include "kernel_input.h"
#include "loom/host/plugin_host.h"
#include "loom/ir/error.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/workloads/zoo.h"

namespace loom::cli {

namespace {

struct ExportOptions {
  std::string kernel;
  std::string schedule;
  std::string out;
  std::string symbol;
  std::string func;
  std::string cpu;
  std::string features;
  std::string target = "llvm";
  std::string arch;
  std::vector<std::string> sets;
  int64_t seed = 0;
};

/// The kernel to export: the file `kernel` ("-" for standard input), or, when there is no such
/// file, the zoo workload of that name with the --set shape overrides.
ir::PrimFunc load_kernel(const ExportOptions& o) {
  if (o.kernel == "-" || std::filesystem::exists(o.kernel)) {
    if (!o.sets.empty()) throw UserError("loom export: --set applies to zoo workloads, not to kernel files");
    return select_function(load_module(o.kernel), o.func);
  }
  bool is_workload = false;
  for (const workloads::WorkloadInfo& w : workloads::workloads()) is_workload = is_workload || w.name == o.kernel;
  if (!is_workload) {
    throw UserError(fmt::format(
        "loom export: '{}' is neither a kernel file nor a zoo workload (`loom print --list` shows the zoo)", o.kernel));
  }
  std::map<std::string, int64_t> overrides;
  for (const std::string& set : o.sets) {
    const size_t eq = set.find('=');
    int64_t value = 0;
    const char* end = set.data() + set.size();
    if (eq == std::string::npos || eq == 0 || std::from_chars(set.data() + eq + 1, end, value).ptr != end ||
        eq + 1 == set.size()) {
      throw UserError(fmt::format("loom export: --set '{}': expected KEY=INTEGER, e.g. --set M=512", set));
    }
    overrides[set.substr(0, eq)] = value;
  }
  return workloads::make_workload(o.kernel, overrides);
}

void run_export(const ExportOptions& o) {
  if (o.kernel == "-" && o.schedule == "-")
    throw UserError("loom export: the kernel and the schedule cannot both be '-'");
  std::filesystem::path out(o.out);
  ir::PrimFunc func = load_kernel(o);
  if (!o.schedule.empty()) {
    sched::Schedule sch(func, o.seed, sched::DebugMode::Verify);
    sched::apply_schedule_script(sch, read_text(o.schedule), o.schedule == "-" ? "<stdin>" : o.schedule);
    func = sch.mod().at(sch.default_func());
  }
  const bool cuda = o.target == "cuda";
  if (cuda && (!o.cpu.empty() || !o.features.empty()))
    throw UserError("loom export: --cpu and --features apply to --target llvm, not cuda (use --arch)");
  if (!cuda && !o.arch.empty()) throw UserError("loom export: --arch applies to --target cuda, not llvm");
  // The target's runner plugin compiles and writes the files, as it builds candidates for
  // `loom tune`.
  host::PluginHost plugins;
  for (const std::string& problem : plugins.load_search_path()) std::cerr << "loom: warning: " << problem << "\n";
  std::shared_ptr<host::ComponentInstance> runner = plugins.instantiate(
      LOOM_COMPONENT_RUNNER,
      config::ComponentConfig("[runner]", cuda ? "loom.cuda" : "loom.cpu", config::SourcePos{}, {}));
  host::Target target;
  target.kind = o.target;
  if (cuda) {
    target.arch = o.arch.empty() ? "sm_90" : o.arch;
  } else {
    target.cpu = o.cpu.empty() ? "host" : o.cpu;
    target.features = o.features;
  }
  host::ComponentInstance::ExportRequest request;
  request.name = out.filename().string();
  request.symbol = o.symbol;
  request.directory = out.parent_path().string();
  request.origin = fmt::format("`loom export {}{}`", o.kernel, o.schedule.empty() ? "" : " " + o.schedule);
  request.target = &target;
  host::ComponentInstance::ExportResult result;
  try {
    result = runner->export_func(func, request);
  } catch (const host::ComponentError& e) {
    throw UserError(fmt::format("loom export: {}", e.what()));
  }
  const std::vector<std::string>& files = result.files;
  std::string listed;
  for (size_t i = 0; i < files.size(); ++i) listed += (i == 0 ? "" : i + 1 == files.size() ? " and " : ", ") + files[i];
  fmt::print("wrote {}\n", listed);
  for (const std::string& note : result.notes) fmt::print("{}\n", note);
}

}  // namespace

void add_export_command(CLI::App& app, ExitCode& exit_code) {
  auto opts = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand(
      "export",
      "Compile a kernel (scheduled by a schedule script when one is given) for programs that use it without loom: "
      "for the CPU (--target llvm) an object file NAME.o and a C header NAME.h declaring `void NAME(float* A, ...)`; "
      "for an NVIDIA GPU (--target cuda; the schedule binds the kernel to threads, or it runs on one) the CUDA C++ "
      "NAME.cu, its "
      "CUBIN NAME.cubin and a C header NAME.h with each kernel's launch dimensions and arguments, printing the "
      "registers and shared memory ptxas reports. No GPU is needed.");
  cmd->add_option("kernel", opts->kernel,
                  "Kernel file (TVMScript), - for standard input, or a zoo workload name (e.g. gmm)")
      ->required();
  cmd->add_option("--set", opts->sets, "Shape parameter of a zoo workload: --set M=512 (repeatable)")->type_name("K=V");
  cmd->add_option("schedule", opts->schedule, "Schedule script (.py) to apply first");
  cmd->add_option("-o,--output", opts->out,
                  "Output name: writes NAME.o (llvm) or NAME.cu and NAME.cubin (cuda), and NAME.h; the symbol is "
                  "NAME's file name")
      ->required()
      ->type_name("NAME");
  cmd->add_option("--symbol", opts->symbol, "The kernel's C symbol instead of NAME's file name");
  cmd->add_option("--func", opts->func, "Function to export when the kernel module has several");
  cmd->add_option("--target", opts->target, "llvm (the CPU, loom.cpu) or cuda (an NVIDIA GPU, loom.cuda)")
      ->check(CLI::IsMember({"llvm", "cuda"}))
      ->capture_default_str();
  cmd->add_option("--arch", opts->arch, "With --target cuda: the compute capability, e.g. sm_80; sm_90 by default");
  cmd->add_option("--cpu", opts->cpu, "Target CPU (LLVM name, e.g. znver3, x86-64-v3); the host's by default");
  cmd->add_option("--features", opts->features, "Target features (\"+avx2,+fma,-avx512f\"); the CPU's by default");
  cmd->add_option("--seed", opts->seed, "Seed of sampling instructions in the schedule that carry no decision=")
      ->capture_default_str();
  cmd->callback([opts, &exit_code] {
    run_export(*opts);
    exit_code.value = 0;
  });
}

}  // namespace loom::cli
