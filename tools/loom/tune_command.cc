// loom tune CONFIG.toml: a tuning run as the config describes it (loom/tune/tuner.h), with a
// progress line, a final table per workload, the best schedules as schedule scripts and a
// self-contained HTML report (tuning curve, per-phase time).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.h"
#include "fmt/format.h"
#include "kernel_input.h"
#include "loom/config/run_config.h"
#include "loom/db/database.h"
#include "loom/host/components.h"
#include "loom/host/tuning.h"
#include "loom/ir/error.h"
#include "loom/sched/schedule.h"
#include "loom/tune/tuner.h"
#include "loom/workloads/zoo.h"

namespace loom::cli {
namespace {

struct TuneOptions {
  std::string config;
  int64_t trials = 0;
  std::string report = "loom-report.html";
  std::string database;
  int64_t remeasure = 5;
  bool quiet = false;
};

/// A task's best after the search, re-measured: the search's best time is the least of many
/// noisy measurements (biased low), so the top records are timed again and the fastest by
/// the new median is the result.
struct FinalBest {
  sched::Trace trace;
  double search_s = 0;    ///< its median during the search
  double median_s = 0;    ///< its median now
  size_t remeasured = 0;  ///< records timed again (0: none, the search's best as is)
};

/// Re-measures the `k` best records of `func` in `database` (in one runner call) and returns
/// the fastest by the new median; nullopt when the task has no successful record.
std::optional<FinalBest> remeasure_best(const db::Database& database, const ir::PrimFunc& func,
                                        const tune::MeasureFn& measure, size_t k) {
  std::optional<db::Workload> workload = database.find_workload(func);
  if (!workload) return std::nullopt;
  std::vector<db::TuningRecord> top = database.get_top_k(*workload, std::max<size_t>(k, 1));
  top.erase(std::remove_if(top.begin(), top.end(), [](const db::TuningRecord& r) { return !r.ok(); }), top.end());
  if (top.empty()) return std::nullopt;
  if (k == 0) return FinalBest{top[0].trace, top[0].median_secs(), top[0].median_secs(), 0};
  std::vector<ir::PrimFunc> candidates;
  for (const db::TuningRecord& r : top) {
    sched::Schedule sch(func);
    r.trace.apply_to(sch);
    candidates.push_back(sch.mod().at(sch.default_func()));
  }
  std::vector<tune::MeasureOutcome> outcomes = measure(candidates, func);
  std::optional<FinalBest> best;
  for (size_t i = 0; i < outcomes.size() && i < top.size(); ++i) {
    if (!outcomes[i].ok) continue;
    double m = outcomes[i].median_s();
    if (!best || m < best->median_s) best = FinalBest{top[i].trace, top[i].median_secs(), m, top.size()};
  }
  // Every re-measurement failed (a flaky machine): fall back to the search's best, as is.
  if (!best) return FinalBest{top[0].trace, top[0].median_secs(), top[0].median_secs(), 0};
  return best;
}

std::string workload_name(const config::WorkloadConfig& w) {
  if (w.zoo.empty()) return w.func.empty() ? w.file : w.file + ":" + w.func;
  std::string params;
  for (const auto& [k, v] : w.params) params += fmt::format("{}{}={}", params.empty() ? "" : ",", k, v);
  return fmt::format("{}({})", w.zoo, params);
}

ir::PrimFunc workload_func(const config::WorkloadConfig& w) {
  if (!w.zoo.empty()) return workloads::make_workload(w.zoo, w.params);
  return select_function(load_module(w.file), w.func);
}

std::string format_duration(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  return fmt::format("{}m{:02.0f}s", static_cast<int>(s / 60), std::fmod(s, 60.0));
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// An SVG line chart of best GFLOP/s against trials, one line per series.
std::string svg_curve(const std::vector<std::pair<std::string, std::vector<tune::CurvePoint>>>& series) {
  const double w = 640, h = 320, left = 56, bottom = 36, top = 16, right = 16;
  double max_x = 1, max_y = 1e-9;
  for (const auto& [name, pts] : series) {
    for (const auto& p : pts) {
      max_x = std::max(max_x, static_cast<double>(p.trials));
      max_y = std::max(max_y, p.best_gflops);
    }
  }
  auto x = [&](double v) { return left + (w - left - right) * v / max_x; };
  auto y = [&](double v) { return h - bottom - (h - bottom - top) * v / (max_y * 1.05); };
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  std::string svg = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-size='11'>", w, h);
  svg += fmt::format("<line x1='{0}' y1='{1}' x2='{2}' y2='{1}' stroke='#888'/>", left, h - bottom, w - right);
  svg += fmt::format("<line x1='{0}' y1='{1}' x2='{0}' y2='{2}' stroke='#888'/>", left, top, h - bottom);
  for (int i = 0; i <= 4; ++i) {
    double gy = max_y * 1.05 * i / 4;
    svg += fmt::format("<text x='{}' y='{}' text-anchor='end'>{:.1f}</text>", left - 4, y(gy) + 4, gy);
    double gx = max_x * i / 4;
    svg += fmt::format("<text x='{}' y='{}' text-anchor='middle'>{:.0f}</text>", x(gx), h - bottom + 14, gx);
  }
  svg += fmt::format("<text x='{}' y='{}' text-anchor='middle'>trials</text>", (left + w) / 2, h - 4);
  svg += fmt::format("<text x='12' y='{}' transform='rotate(-90 12 {})' text-anchor='middle'>best GFLOP/s</text>",
                     h / 2, h / 2);
  for (size_t s = 0; s < series.size(); ++s) {
    std::string path;
    for (const auto& p : series[s].second) {
      path +=
          fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", x(static_cast<double>(p.trials)), y(p.best_gflops));
    }
    const char* color = colors[s % 6];
    svg += fmt::format("<path d='{}' fill='none' stroke='{}' stroke-width='2'/>", path, color);
    svg += fmt::format("<text x='{}' y='{}' fill='{}'>{}</text>", left + 8, top + 12 + 14 * static_cast<double>(s),
                       color, html_escape(series[s].first));
  }
  return svg + "</svg>";
}

// One line on a task's search: what it generated and how fast.
std::string search_line(const tune::TaskReport& t) {
  const tune::SearchStats& s = t.search;
  double secs = std::max(s.seconds, 1e-9);
  return fmt::format(
      "search of {}: {} sampled ({} refused), {} mutations ({} failed), {} dropped by postprocessors, {} duplicates, "
      "{} scored in {:.1f}s: {:.0f} candidates generated and {:.0f} scored per second",
      t.name, s.sampled, s.replay_failed, s.mutated, s.mutate_failed, s.postproc_failed, s.duplicates, s.scored,
      s.seconds, static_cast<double>(s.sampled + s.mutated) / secs, static_cast<double>(s.scored) / secs);
}

void write_report(const std::string& path, const config::RunConfig& cfg, const tune::TuneReport& report,
                  const std::vector<std::optional<FinalBest>>& finals) {
  std::vector<std::pair<std::string, std::vector<tune::CurvePoint>>> series;
  for (const auto& t : report.tasks) series.push_back({t.name, t.curve});
  if (report.tasks.size() > 1) series.push_back({"all tasks (weighted)", report.curve});
  std::string html =
      "<!DOCTYPE html><html><head><meta charset='utf-8'><title>loom tuning report</title><style>"
      "body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}"
      "td:first-child,th:first-child{text-align:left}pre{background:#f8f8f8;padding:1em;overflow:auto}"
      "</style></head><body>";
  html += fmt::format("<h1>loom tuning report</h1><p>Config <code>{}</code>: {} trials in {} rounds, {}.</p>",
                      html_escape(cfg.source), report.trials, report.rounds, format_duration(report.times.total));
  html += "<h2>Tuning curve</h2>" + svg_curve(series);
  html +=
      "<h2>Workloads</h2><table><tr><th>workload</th><th>trials</th><th>failures</th><th>best ms "
      "(re-measured)</th><th>GFLOP/s</th><th>search ms</th><th>search: sampled</th><th>mutated</th>"
      "<th>postproc dropped</th><th>duplicates</th><th>scored</th></tr>";
  for (size_t i = 0; i < report.tasks.size(); ++i) {
    const auto& t = report.tasks[i];
    const auto& b = finals[i];
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        html_escape(t.name), t.trials, t.failures, b ? fmt::format("{:.4f}", b->median_s * 1e3) : "-",
        b && t.flops > 0 ? fmt::format("{:.1f}", t.flops / b->median_s * 1e-9) : "-",
        b ? fmt::format("{:.4f}", b->search_s * 1e3) : "-", t.search.sampled, t.search.mutated,
        t.search.postproc_failed, t.search.duplicates, t.search.scored);
  }
  html += "</table>";
  for (const auto& t : report.tasks) html += "<p>" + html_escape(search_line(t)) + "</p>";
  const auto& p = report.times;
  html += fmt::format(
      "<h2>Where the time went</h2><table><tr><th>phase</th><th>seconds</th><th>share of the run</th></tr>"
      "<tr><td>search (overlaps measure)</td><td>{:.2f}</td><td>{:.0f}%</td></tr>"
      "<tr><td>measure (runner calls)</td><td>{:.2f}</td><td>{:.0f}%</td></tr>"
      "<tr><td>&nbsp;&nbsp;of which build</td><td>{:.2f}</td><td></td></tr>"
      "<tr><td>&nbsp;&nbsp;of which run</td><td>{:.2f}</td><td></td></tr>"
      "<tr><td>database + cost model update</td><td>{:.2f}</td><td>{:.0f}%</td></tr>"
      "<tr><td>total</td><td>{:.2f}</td><td>100%</td></tr></table>",
      p.search, 100 * p.search / std::max(1e-9, p.total), p.measure, 100 * p.measure / std::max(1e-9, p.total), p.build,
      p.run, p.update, 100 * p.update / std::max(1e-9, p.total), p.total);
  html += "<h2>Best schedules</h2>";
  for (size_t i = 0; i < report.tasks.size(); ++i) {
    if (!finals[i]) continue;
    html += fmt::format("<h3>{}</h3><pre>{}</pre>", html_escape(report.tasks[i].name),
                        html_escape(finals[i]->trace.as_python()));
  }
  html += "</body></html>\n";
  std::ofstream out(path);
  if (!out) throw UserError(fmt::format("cannot write the report '{}'", path));
  out << html;
}

int run_tune(const TuneOptions& o) {
  config::RunConfig cfg = config::load_config(o.config);
  if (o.trials > 0) cfg.tune.trials = o.trials;
  if (!o.database.empty()) cfg.database.path = o.database;
  for (const std::string& note : cfg.notes) std::cerr << "loom: note: " << note << "\n";

  const bool needs_rules = cfg.search.space != "schedule-fn";
  const bool needs_mutators = cfg.search.strategy == "evolutionary";
  host::PluginHost plugins;
  host::ComponentSelection selection;
  selection.rules = needs_rules;
  selection.mutators = needs_mutators;
  selection.cost_model = needs_mutators;
  host::RunComponents comps = host::instantiate_components(plugins, cfg, selection);
  // The life cycle: the runner resolves the target on its machine; every component is
  // initialized with it (the rules once per task, with the task's workload).
  host::TuningContext run_context;
  run_context.target = host::resolve_target(comps, cfg.target);
  run_context.seed = static_cast<uint64_t>(cfg.tune.seed);
  run_context.num_threads = static_cast<int>(cfg.tune.threads);
  host::initialize_components(comps, run_context);

  // The space generator of each task: the template, and the rules cloned for the task.
  std::shared_ptr<const tune::SpaceGenerator> template_space;
  if (cfg.search.space != "post-order-apply") {
    template_space = std::make_shared<tune::ScheduleFnSpace>(read_text(cfg.search.schedule), cfg.search.schedule);
  }
  auto space_of = [&](const std::string& name,
                      const ir::PrimFunc& func) -> std::shared_ptr<const tune::SpaceGenerator> {
    if (!needs_rules) return template_space;
    host::TuningContext context = run_context;
    context.workload = func;
    context.task_name = name;
    std::vector<tune::Rule> rules;
    for (const auto& r : host::components_for_task(comps, context).rules) rules.push_back(host::as_rule(r));
    auto post_order = std::make_shared<tune::PostOrderApply>(std::move(rules));
    if (!template_space) return post_order;
    return std::make_shared<tune::UnionSpace>(
        std::vector<std::shared_ptr<const tune::SpaceGenerator>>{template_space, post_order});
  };

  std::vector<tune::TuneTask> tasks;
  for (const auto& w : cfg.workloads) {
    std::string name = workload_name(w);
    ir::PrimFunc func = workload_func(w);
    tasks.push_back({name, func, space_of(name, func), w.weight});
  }
  std::vector<ir::PrimFunc> funcs;
  for (const auto& t : tasks) funcs.push_back(t.func);

  tune::TunerComponents components;
  for (const auto& p : comps.postprocs) components.postprocs.push_back(host::as_postproc(p));
  for (const auto& [m, prob] : comps.mutators) components.mutators.push_back(host::as_mutator(m, prob));
  if (comps.cost_model) components.cost_model = host::as_cost_model(comps.cost_model);
  const std::string target = run_context.target.description;
  tune::MeasureFn measure = host::as_measure(comps.runner, target);
  components.measure = measure;
  std::unique_ptr<db::Database> database = db::open_database(cfg.database);
  components.database = database.get();

  tune::TunerOptions options;
  options.search = cfg.search;
  options.tune = cfg.tune;
  options.target = target;
  const std::string space = tasks.front().generator->describe();
  tune::Tuner tuner(std::move(tasks), std::move(components), options);

  const bool tty = isatty(STDERR_FILENO) != 0;
  if (!o.quiet) {
    std::cerr << fmt::format("loom tune: {} workload(s), {} trials ({} per round), {} search, {}; records in {}\n",
                             cfg.workloads.size(), cfg.tune.trials, cfg.tune.trials_per_round, cfg.search.strategy,
                             space, cfg.database.path.empty() ? "memory" : cfg.database.path);
  }
  tuner.on_progress([&](const tune::Progress& p) {
    if (o.quiet) return;
    double eta =
        p.trials > 0 ? p.elapsed_s / static_cast<double>(p.trials) * static_cast<double>(p.total_trials - p.trials) : 0;
    std::string line = fmt::format("round {} | {}/{} trials | {} best {:.1f} GFLOP/s | {} failed | {} elapsed, ETA {}",
                                   p.round, p.trials, p.total_trials, p.task, p.task_best_gflops, p.failures,
                                   format_duration(p.elapsed_s), format_duration(eta));
    if (tty) {
      std::cerr << "\r\033[K" << line << std::flush;
    } else {
      std::cerr << line << "\n";
    }
  });
  tune::TuneReport report = tuner.run();
  if (!o.quiet && tty) std::cerr << "\n";

  // The best of each task, re-measured.
  std::vector<std::optional<FinalBest>> finals;
  if (!o.quiet && o.remeasure > 0)
    std::cerr << fmt::format("loom tune: re-measuring the {} best of each workload\n", o.remeasure);
  for (const ir::PrimFunc& f : funcs)
    finals.push_back(remeasure_best(*database, f, measure, static_cast<size_t>(o.remeasure)));

  // The final table and the best schedules.
  std::cout << fmt::format("{:<32} {:>8} {:>9} {:>12} {:>10} {:>12}\n", "workload", "trials", "failures", "best ms",
                           "GFLOP/s", "search ms");
  for (size_t i = 0; i < report.tasks.size(); ++i) {
    const auto& t = report.tasks[i];
    const auto& b = finals[i];
    std::cout << fmt::format("{:<32} {:>8} {:>9} {:>12} {:>10} {:>12}\n", t.name, t.trials, t.failures,
                             b ? fmt::format("{:.4f}", b->median_s * 1e3) : "-",
                             b && t.flops > 0 ? fmt::format("{:.1f}", t.flops / b->median_s * 1e-9) : "-",
                             b ? fmt::format("{:.4f}", b->search_s * 1e3) : "-");
  }
  if (o.remeasure > 0) {
    std::cout << fmt::format(
        "(best ms: the fastest of each workload's {} best records timed again; search ms: its time during the "
        "search)\n",
        o.remeasure);
  }
  const auto& p = report.times;
  std::cout << fmt::format(
      "time: {:.1f}s total; search {:.1f}s (overlapping measurement), measure {:.1f}s (build {:.1f}s, run {:.1f}s), "
      "update {:.1f}s\n",
      p.total, p.search, p.measure, p.build, p.run, p.update);
  for (const auto& t : report.tasks) std::cout << search_line(t) << "\n";
  for (size_t i = 0; i < report.tasks.size(); ++i) {
    if (!finals[i]) continue;
    std::cout << fmt::format("\n# best schedule of {} ({:.4f} ms)\n{}", report.tasks[i].name, finals[i]->median_s * 1e3,
                             finals[i]->trace.as_python());
  }
  if (!o.report.empty()) {
    write_report(o.report, cfg, report, finals);
    if (!o.quiet) std::cerr << "loom tune: report written to " << o.report << "\n";
  }
  bool any = std::any_of(finals.begin(), finals.end(), [](const auto& b) { return b.has_value(); });
  return any ? 0 : 1;
}

}  // namespace

void add_tune_command(CLI::App& app, ExitCode& exit_code) {
  auto opts = std::make_shared<TuneOptions>();
  auto* cmd = app.add_subcommand("tune",
                                 "Tune the workloads of a run config (see configs/example.toml): search, measure, "
                                 "learn; print a table per workload and the best schedules, write an HTML report.");
  cmd->add_option("config", opts->config, "Run config (.toml)")->required();
  cmd->add_option("--trials", opts->trials, "Override [tune] trials");
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
