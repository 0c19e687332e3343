// The HTML report of a tuning session and the summaries it shares with the command line.
#include "loom/session/report.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "fmt/format.h"
#include "loom/ir/error.h"

namespace loom::session {
namespace {

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

}  // namespace

std::string format_duration(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  return fmt::format("{}m{:02.0f}s", static_cast<int>(s / 60), std::fmod(s, 60.0));
}

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

std::string search_summary(const tune::TaskReport& t) {
  const tune::SearchStats& s = t.search;
  double secs = std::max(s.seconds, 1e-9);
  return fmt::format(
      "search of {}: {} sampled ({} refused), {} mutations ({} failed), {} dropped by postprocessors, {} duplicates, "
      "{} scored in {:.1f}s: {:.0f} candidates generated and {:.0f} scored per second",
      t.name, s.sampled, s.replay_failed, s.mutated, s.mutate_failed, s.postproc_failed, s.duplicates, s.scored,
      s.seconds, static_cast<double>(s.sampled + s.mutated) / secs, static_cast<double>(s.scored) / secs);
}

std::string html_report(const SessionReport& session) {
  const tune::TuneReport& report = session.tuning;
  const std::vector<std::optional<FinalBest>>& finals = session.best;
  std::vector<std::pair<std::string, std::vector<tune::CurvePoint>>> series;
  for (const auto& t : report.tasks) series.push_back({t.name, t.curve});
  if (report.tasks.size() > 1) series.push_back({"all tasks (weighted)", report.curve});
  std::string html =
      "<!DOCTYPE html><html><head><meta charset='utf-8'><title>loom tuning report</title><style>"
      "body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}"
      "td:first-child,th:first-child{text-align:left}pre{background:#f8f8f8;padding:1em;overflow:auto}"
      "</style></head><body>";
  html +=
      fmt::format("<h1>loom tuning report</h1><p>Config <code>{}</code>: {} trials in {} rounds, {}{}.</p>",
                  html_escape(session.config_source), report.trials, report.rounds, format_duration(report.times.total),
                  report.previous_trials > 0
                      ? fmt::format(", resuming from {} records already in the database", report.previous_trials)
                      : "");
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
  for (const auto& t : report.tasks) html += "<p>" + html_escape(search_summary(t)) + "</p>";
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
  return html;
}

void write_html_report(const std::string& path, const SessionReport& report) {
  std::ofstream out(path);
  if (!out) throw UserError(fmt::format("cannot write the report '{}'", path));
  out << html_report(report);
  if (!out.flush()) throw UserError(fmt::format("cannot write the report '{}'", path));
}

}  // namespace loom::session
