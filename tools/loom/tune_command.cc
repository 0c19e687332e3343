// loom tune CONFIG.toml: the command line of a tuning session (loom/session/session.h): it
// parses the arguments, prints the progress line, the final table per workload and the best
// schedules, and writes the session's HTML report.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.h"
#include "fmt/format.h"
#include "loom/config/run_config.h"
#include "loom/session/report.h"
#include "loom/session/session.h"

namespace loom::cli {
namespace {

struct TuneOptions {
  std::string config;
  std::optional<int64_t> trials;
  std::optional<int64_t> more_trials;
  std::string report = "loom-report.html";
  std::string database;
  int64_t remeasure = 5;
  bool quiet = false;
};

void print_start(const session::SessionStart& s) {
  std::string budget =
      s.budget == tune::Budget::Total ? fmt::format("{} trials", s.trials) : fmt::format("{} more trials", s.trials);
  std::cerr << fmt::format("loom tune: {} workload(s), {} ({} per round), {} search, {}; records in {}\n", s.workloads,
                           budget, s.trials_per_round, s.strategy, s.space, s.database.empty() ? "memory" : s.database);
}

void print_progress(const tune::Progress& p, bool tty) {
  // The ETA from this run's pace (records found in the database took no time now).
  double eta = p.measured > 0 ? p.elapsed_s / static_cast<double>(p.measured) *
                                    static_cast<double>(std::max<int64_t>(0, p.total_trials - p.trials))
                              : 0;
  std::string line = fmt::format("round {} | {}/{} trials | {} best {:.1f} GFLOP/s | {} failed | {} elapsed, ETA {}",
                                 p.round, p.trials, p.total_trials, p.task, p.task_best_gflops, p.failures,
                                 session::format_duration(p.elapsed_s), session::format_duration(eta));
  if (tty) {
    std::cerr << "\r\033[K" << line << std::flush;
  } else {
    std::cerr << line << "\n";
  }
}

/// The final table (trials: the task's records on this target, the earlier ones included),
/// where the time went, and the best schedules.
void print_results(const session::SessionReport& s) {
  const tune::TuneReport& report = s.tuning;
  std::cout << fmt::format("{:<32} {:>8} {:>9} {:>12} {:>10} {:>12}\n", "workload", "trials", "failures", "best ms",
                           "GFLOP/s", "search ms");
  for (size_t i = 0; i < report.tasks.size(); ++i) {
    const auto& t = report.tasks[i];
    const auto& b = s.best[i];
    std::cout << fmt::format("{:<32} {:>8} {:>9} {:>12} {:>10} {:>12}\n", t.name, t.previous_trials + t.trials,
                             t.failures, b ? fmt::format("{:.4f}", b->median_s * 1e3) : "-",
                             b && t.flops > 0 ? fmt::format("{:.1f}", t.flops / b->median_s * 1e-9) : "-",
                             b ? fmt::format("{:.4f}", b->search_s * 1e3) : "-");
  }
  for (const auto& t : report.tasks) {
    for (const auto& [reason, n] : t.top_failures)
      std::cout << fmt::format("  {} failed {} times: {}\n", t.name, n, reason);
  }
  if (report.previous_trials > 0) {
    std::cout << fmt::format(
        "(trials: {} records were in the database before this run, which measured {}; failures: "
        "this run's)\n",
        report.previous_trials, report.trials);
  }
  if (s.remeasure > 0) {
    std::cout << fmt::format(
        "(best ms: the fastest of each workload's {} best records timed again; search ms: its time during the "
        "search)\n",
        s.remeasure);
  }
  const auto& p = report.times;
  std::cout << fmt::format(
      "time: {:.1f}s total; search {:.1f}s (overlapping measurement), measure {:.1f}s (build {:.1f}s, run {:.1f}s), "
      "update {:.1f}s\n",
      p.total, p.search, p.measure, p.build, p.run, p.update);
  for (const auto& t : report.tasks) std::cout << session::search_summary(t) << "\n";
  for (size_t i = 0; i < report.tasks.size(); ++i) {
    if (!s.best[i]) continue;
    std::cout << fmt::format("\n# best schedule of {} ({:.4f} ms)\n{}", report.tasks[i].name, s.best[i]->median_s * 1e3,
                             s.best[i]->trace.as_python());
  }
}

int run_tune(const TuneOptions& o) {
  config::RunConfig cfg = config::load_config(o.config);
  session::SessionOptions options;
  options.trials = o.trials;
  options.more_trials = o.more_trials;
  options.database_path = o.database;
  options.remeasure = o.remeasure;
  const bool tty = isatty(STDERR_FILENO) != 0;
  session::SessionCallbacks callbacks;
  callbacks.note = [](const std::string& note) { std::cerr << "loom: note: " << note << "\n"; };
  if (!o.quiet) {
    callbacks.start = print_start;
    callbacks.progress = [tty](const tune::Progress& p) { print_progress(p, tty); };
    callbacks.remeasure = [tty](int64_t k) {
      if (tty) std::cerr << "\n";
      std::cerr << fmt::format("loom tune: re-measuring the {} best of each workload\n", k);
    };
  }
  session::SessionReport report = session::run_session(cfg, options, callbacks);
  if (!o.quiet && tty && o.remeasure == 0) std::cerr << "\n";
  print_results(report);
  if (!o.report.empty()) {
    session::write_html_report(o.report, report);
    if (!o.quiet) std::cerr << "loom tune: report written to " << o.report << "\n";
  }
  bool any = std::any_of(report.best.begin(), report.best.end(), [](const auto& b) { return b.has_value(); });
  return any ? 0 : 1;
}

}  // namespace

void add_tune_command(CLI::App& app, ExitCode& exit_code) {
  auto opts = std::make_shared<TuneOptions>();
  auto* cmd = app.add_subcommand("tune",
                                 "Tune the workloads of a run config (see configs/example.toml): search, measure, "
                                 "learn; print a table per workload and the best schedules, write an HTML report. "
                                 "The budget is the run's total: records already in the database for these "
                                 "workloads and this target count toward it, so a run stopped and started again "
                                 "measures only what is left; --more-trials asks for trials beyond them.");
  cmd->add_option("config", opts->config, "Run config (.toml)")->required();
  auto* trials = cmd->add_option("--trials", opts->trials,
                                 "Override [tune] trials: the run's total, records already in the database for "
                                 "these workloads and target included")
                     ->check(CLI::NonNegativeNumber);
  cmd->add_option("--more-trials", opts->more_trials,
                  "Measure N trials beyond the records already in the database (instead of a total)")
      ->check(CLI::NonNegativeNumber)
      ->excludes(trials);
  cmd->add_option("--report", opts->report, "Write the HTML report here ('' for none)")->capture_default_str();
  cmd->add_option("--db", opts->database, "Override [database] path");
  cmd->add_option("--remeasure", opts->remeasure,
                  "Time each workload's N best records again after the search and report the fastest (0: report "
                  "the search's best as measured)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", opts->quiet, "No progress line");
  cmd->callback([opts, &exit_code] { exit_code.value = run_tune(*opts); });
}

}  // namespace loom::cli
