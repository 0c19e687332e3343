// loom apply / replay: schedule a kernel with a schedule script or a trace in JSON and print
// the scheduled kernel as TVMScript.
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.h"
#include "fmt/format.h"
#include "kernel_input.h"
#include "loom/ir/error.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/sched/trace.h"
#include "loom/script/printer.h"
#include "nlohmann/json.hpp"

namespace loom::cli {

namespace {

/// Writes `text` to `path`; throws UserError when the file cannot be written.
void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw UserError(fmt::format("cannot write '{}': the directory does not exist or is not writable", path));
  out << text;
  out.close();
  if (!out) throw UserError(fmt::format("cannot write '{}'", path));
}

/// Prints the scheduled function to `out_path`, or to standard output when it is empty.
void emit_kernel(const sched::Schedule& sch, const std::string& out_path) {
  std::string text = script::print(sch.mod().at(sch.default_func()));
  if (out_path.empty()) {
    std::cout << text;
  } else {
    write_text(out_path, text);
  }
}

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

/// Options shared by apply and replay.
struct ScheduleOptions {
  std::string kernel;
  std::string input;  // the schedule script or the trace JSON
  std::string out;
  std::string trace_out;
  std::string func;
  int64_t seed = 0;
};

void add_common_options(CLI::App* cmd, ScheduleOptions& opts, const char* input_name, const char* input_help) {
  cmd->add_option("kernel", opts.kernel, "Kernel file (TVMScript), or - for standard input")->required();
  cmd->add_option(input_name, opts.input, input_help)->required();
  cmd->add_option("-o,--output", opts.out, "Write the scheduled kernel here instead of standard output")
      ->type_name("OUT.py");
  cmd->add_option("--func", opts.func, "Function to schedule when the kernel module has several");
}

}  // namespace

void add_schedule_commands(CLI::App& app, ExitCode& exit_code) {
  auto apply_opts = std::make_shared<ScheduleOptions>();
  auto* apply = app.add_subcommand(
      "apply",
      "Apply a schedule script (Python calls on sch, as TVM's schedule API or a printed trace: "
      "`i, j, k = sch.get_loops(\"C\")`, `sch.split(i, factors=[None, 16])`, ...) to a kernel and print the scheduled "
      "kernel as TVMScript. Errors name the script line, the primitive and why it failed.");
  add_common_options(apply, *apply_opts, "schedule", "Schedule script (.py)");
  apply->add_option("--trace", apply_opts->trace_out, "Also write the recorded trace as JSON (TVM's shape) here")
      ->type_name("OUT.json");
  apply->add_option("--seed", apply_opts->seed, "Seed of sampling instructions that carry no decision=")
      ->capture_default_str();
  apply->callback([apply_opts, &exit_code] {
    const ScheduleOptions& o = *apply_opts;
    if (o.kernel == "-" && o.input == "-")
      throw UserError("loom apply: the kernel and the schedule cannot both be '-'");
    ir::PrimFunc func = select_function(load_module(o.kernel), o.func);
    sched::Schedule sch(func, o.seed, sched::DebugMode::Verify);
    try {
      sched::apply_schedule_script(sch, read_text(o.input), display_name(o.input));
    } catch (const sched::ScheduleScriptError& e) {
      // The function where the primitive refused, with what its error names marked.
      std::string marked = e.marked_function();
      if (!marked.empty()) std::cerr << "the function when the call failed:\n" << marked;
      throw;
    }
    if (!o.trace_out.empty()) write_text(o.trace_out, sch.trace().to_json().dump() + "\n");
    emit_kernel(sch, o.out);
    exit_code.value = 0;
  });

  auto replay_opts = std::make_shared<ScheduleOptions>();
  auto* replay = app.add_subcommand("replay",
                                    "Replay a trace in JSON (as written by `loom apply --trace`, in TVM's shape "
                                    "[[[kind, inputs, attrs, outputs], ...], [[index, decision], ...]]) on a kernel "
                                    "and print the scheduled kernel as TVMScript.");
  add_common_options(replay, *replay_opts, "trace", "Trace file (.json)");
  replay->callback([replay_opts, &exit_code] {
    const ScheduleOptions& o = *replay_opts;
    if (o.kernel == "-" && o.input == "-") throw UserError("loom replay: the kernel and the trace cannot both be '-'");
    ir::PrimFunc func = select_function(load_module(o.kernel), o.func);
    const std::string where = display_name(o.input);
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(read_text(o.input));
    } catch (const nlohmann::json::parse_error& e) {
      throw UserError(fmt::format("{}: not valid JSON: {}", where, e.what()));
    }
    sched::Trace trace;
    try {
      trace = sched::Trace::from_json(json);
    } catch (const UserError& e) {
      throw UserError(fmt::format("{}: {}", where, e.what()));
    }
    sched::Schedule sch(func, 0, sched::DebugMode::Verify);
    try {
      trace.apply_to(sch);
    } catch (const UserError& e) {
      // Each replayed instruction records one, so the failing one is the next index.
      size_t index = sch.trace().size();
      std::string kind = index < trace.size() ? trace.instructions()[index].kind->name : "?";
      throw UserError(fmt::format("{}: instruction {} ({}) failed on replay: {}", where, index, kind, e.what()));
    }
    emit_kernel(sch, o.out);
    exit_code.value = 0;
  });
}

}  // namespace loom::cli
