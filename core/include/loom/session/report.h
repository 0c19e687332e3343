// A tuning session's report rendered: the self-contained HTML page (tuning curve as SVG, the
// table per workload, where the time went, the best schedules) and the one-line summaries the
// command line prints too.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "loom/session/session.h"
#include "loom/tune/tuner.h"

namespace loom::session {

/// "42s" or "3m07s".
std::string format_duration(double seconds);

/// One line on a task's search: what it generated and how fast.
std::string search_summary(const tune::TaskReport& task);

/// An SVG line chart of best GFLOP/s against trials, one line per (name, curve) series.
std::string svg_curve(const std::vector<std::pair<std::string, std::vector<tune::CurvePoint>>>& series);

/// The HTML report of a session: a self-contained page.
std::string html_report(const SessionReport& report);

/// Writes html_report(report) to `path`; throws UserError when the file cannot be written.
void write_html_report(const std::string& path, const SessionReport& report);

}  // namespace loom::session
