// loom sample: candidates drawn from a run config's design space, postprocessed, not
// measured; each written as a schedule script, and with --compile built for the target.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "fmt/format.h"
#include "loom/config/run_config.h"
#include "loom/ir/error.h"
#include "loom/session/session.h"

namespace loom::cli {
namespace {

struct SampleOptions {
  std::string config;
  int64_t count = 10;
  std::string out;
  bool compile = false;
};

int run_sample(const SampleOptions& o) {
  config::RunConfig cfg = config::load_config(o.config);
  for (const std::string& note : cfg.notes) std::cerr << "loom: note: " << note << "\n";
  std::string dir = o.out;
  if (dir.empty() && o.compile) dir = "loom-sample";
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw UserError(fmt::format("loom sample: cannot create {}: {}", dir, ec.message()));
  }
  session::SampleOptions options;
  options.count = o.count;
  if (o.compile) options.compile_directory = dir;
  session::SampleReport report = session::sample_space(cfg, options);
  std::cout << fmt::format("target: {}\n", report.target);
  for (size_t t = 0; t < report.tasks.size(); ++t)
    std::cout << fmt::format("workload {}: {}\n", report.tasks[t], report.spaces[t]);
  int failed = 0;
  for (const session::SampledCandidate& c : report.candidates) {
    const std::string name = fmt::format("task{}_{}", c.task, c.index);
    std::cout << fmt::format("candidate {} ({}, #{})", name, report.tasks[c.task], c.index);
    if (!dir.empty()) {
      const std::string path = (std::filesystem::path(dir) / (name + ".py")).string();
      std::ofstream f(path);
      f << "# drawn by `loom sample " << o.config << "` from " << report.spaces[c.task] << " of "
        << report.tasks[c.task] << "\n# replay: loom apply KERNEL.py " << path << "\n"
        << c.script;
      if (!f) throw UserError(fmt::format("loom sample: cannot write {}", path));
      std::cout << ": " << path;
    }
    std::cout << "\n";
    if (dir.empty()) std::cout << c.script << "\n";
    if (!o.compile) continue;
    if (!c.compile_error.empty()) {
      ++failed;
      std::cout << "  build failed: " << c.compile_error << "\n";
      continue;
    }
    for (const std::string& note : c.notes) std::cout << "  " << note << "\n";
  }
  std::cout << fmt::format("{} candidates ({} drawn, {} dropped by a postprocessor{})\n", report.candidates.size(),
                           report.sampled, report.postproc_failed,
                           o.compile ? fmt::format(", {} failed to build", failed) : "");
  return report.candidates.empty() ? 1 : 0;
}

}  // namespace

void add_sample_command(CLI::App& app, ExitCode& exit_code) {
  auto opts = std::make_shared<SampleOptions>();
  auto* cmd = app.add_subcommand(
      "sample",
      "Draw candidates from a run config's design space (its rules, template and postprocessors, random "
      "decisions), without measuring them: each is printed or written as a schedule script that `loom apply` "
      "replays; --compile also builds each for the target with the config's runner and prints what the runner "
      "reports (for a GPU: registers and shared memory per kernel).");
  cmd->add_option("config", opts->config, "Run config (.toml)")->required();
  cmd->add_option("-n,--count", opts->count, "Candidates per workload")->capture_default_str();
  cmd->add_option("-o,--output", opts->out, "Directory for the scripts (and the built files with --compile)")
      ->type_name("DIR");
  cmd->add_flag("--compile", opts->compile,
                "Build each candidate for the target (files into DIR, default loom-sample)");
  cmd->callback([opts, &exit_code] { exit_code.value = run_sample(*opts); });
}

}  // namespace loom::cli
