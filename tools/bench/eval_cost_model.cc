// loom-eval-cost-model: how well the cost models rank the candidates of a tuning database.
//
//   loom-eval-cost-model loom.db [--train-fraction 0.7] [--splits 5] [--top 0.1]
//
// Every record of every workload is replayed on the workload's function, lowered and turned
// into feature rows (loom/tune/features.h); its throughput is the workload's flops over the
// record's median time (0 for a failed record). Then, for split seeds 1..splits, each
// workload's records are split at random into a training part and a held-out part
// (tools/bench/ranking_metrics.h, as in the ranking test); a fresh loom.xgboost
// (num_warmup_samples = 0) and a fresh loom.random learn the training parts, one update per
// workload, and Kendall's tau and the top-k recall of their scores on each held-out part are
// printed, then per workload the medians (and ranges) over the splits. The cost model
// plugins are found on the plugin search path, as `loom` finds them ($LOOM_PLUGIN_PATH, then
// the installed plugin folder beside the executable, or else the build's).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "loom/config/component.h"
#include "loom/db/database.h"
#include "loom/db/memory_database.h"
#include "loom/db/sqlite_database.h"
#include "loom/host/plugin_host.h"
#include "loom/ir/error.h"
#include "loom/ir/flops.h"
#include "loom/lower/lower.h"
#include "loom/sched/schedule.h"
#include "loom/tune/features.h"
#include "ranking_metrics.h"

namespace loom::bench {
namespace {

using cost_models::ranking::Evaluation;
using cost_models::ranking::Quality;
using cost_models::ranking::Sample;

struct Options {
  std::string database;
  double train_fraction = 0.7;
  int splits = 5;
  double top = 0.1;
  std::string objective;  ///< loom.xgboost's objective; "" = the plugin's default
};

/// A workload's records as samples, with what was left out.
struct WorkloadData {
  db::Workload workload;
  std::string name;  ///< the function's name
  size_t records = 0;
  size_t failed = 0;
  size_t not_replayed = 0;  ///< records whose trace no longer replays on the workload
};

/// Opens an existing database for reading: JSON lines when the name ends in .jsonl, else
/// SQLite (as `loom db`).
std::unique_ptr<db::Database> open_existing(const std::string& path) {
  if (!std::filesystem::exists(path)) throw db::DatabaseError(fmt::format("{}: no such database file", path));
  if (path.size() > 6 && path.ends_with(".jsonl")) return std::make_unique<db::MemoryDatabase>(path);
  return std::make_unique<db::SqliteDatabase>(path, db::SqliteDatabase::Mode::ReadOnly);
}

/// The samples of one workload: each record replayed, lowered and featurized.
std::vector<Sample> workload_samples(const db::Database& database, WorkloadData& w) {
  std::vector<Sample> out;
  double flops = ir::estimate_flops(w.workload.func);
  for (const db::TuningRecord& record : database.get_all(w.workload)) {
    ++w.records;
    sched::Schedule sch(w.workload.func);
    try {
      record.trace.apply_to(sch);
    } catch (const UserError&) {
      ++w.not_replayed;
      continue;
    }
    Sample s;
    s.workload = std::to_string(w.workload.id);
    s.features = tune::featurize(sch.mod().at(sch.default_func()));
    if (record.ok() && record.median_secs() > 0) {
      s.throughput = (flops > 0 ? flops : 1.0) / record.median_secs();
    } else {
      ++w.failed;
    }
    out.push_back(std::move(s));
  }
  return out;
}

/// A fresh instance of the cost model `name` with `keys`.
std::shared_ptr<host::ComponentInstance> make_model(host::PluginHost& plugins, const std::string& name,
                                                    std::vector<config::ConfigEntry> keys) {
  return plugins.instantiate(LOOM_COMPONENT_COST_MODEL,
                             config::ComponentConfig("loom-eval-cost-model", name, {}, std::move(keys)));
}

/// The median of `v` (the mean of the middle two for an even count); requires a non-empty v.
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// "0.61 [0.55..0.66]": the median and the range of a metric over the splits.
std::string summary(const std::vector<double>& v) {
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return fmt::format("{:.2f} [{:.2f}..{:.2f}]", median(v), *lo, *hi);
}

int run(const Options& o) {
  host::PluginHost plugins;
  std::vector<std::string> problems = plugins.load_search_path();
  for (const char* name : {"loom.xgboost", "loom.random"}) {
    if (plugins.find(LOOM_COMPONENT_COST_MODEL, name) != nullptr) continue;
    std::string why;
    for (const std::string& p : problems) why += "\n  " + p;
    throw UserError(
        fmt::format("the cost model {} is not loaded (searched the plugin path; set LOOM_PLUGIN_PATH to "
                    "the folder holding loom_cost_models.so){}",
                    name, why));
  }

  // 1. Samples of every workload.
  std::unique_ptr<db::Database> database = open_existing(o.database);
  std::vector<WorkloadData> workloads;
  std::vector<Sample> data;
  for (const db::Workload& w : database->workloads()) {
    WorkloadData wd{w, w.func->name};
    std::vector<Sample> samples = workload_samples(*database, wd);
    data.insert(data.end(), std::make_move_iterator(samples.begin()), std::make_move_iterator(samples.end()));
    workloads.push_back(std::move(wd));
  }
  std::cout << fmt::format("{}: {} workloads, {} records; {} splits, train fraction {:.2f}, top {:.0f}%\n", o.database,
                           workloads.size(), data.size(), o.splits, o.train_fraction, 100 * o.top);
  if (data.empty()) {
    std::cout << "no records to evaluate\n";
    return 0;
  }

  // 2. Each split: fresh models trained on the training parts, scored on the held-out parts.
  struct Metrics {
    std::vector<double> xgb_tau, xgb_recall, rnd_tau, rnd_recall;
  };
  std::map<std::string, Metrics> metrics;  // by workload key; "" = all workloads
  std::string top_label = fmt::format("top-{:.0f}%", 100 * o.top);
  for (int seed = 1; seed <= o.splits; ++seed) {
    std::vector<config::ConfigEntry> xgb_keys;
    xgb_keys.reserve(2);
    xgb_keys.push_back({"num_warmup_samples", {}, config::ConfigValue::integer(0)});
    if (!o.objective.empty()) xgb_keys.push_back({"objective", {}, config::ConfigValue::string(o.objective)});
    Evaluation xgb = cost_models::ranking::evaluate(*make_model(plugins, "loom.xgboost", std::move(xgb_keys)), data,
                                                    static_cast<uint64_t>(seed), o.train_fraction, o.top);
    Evaluation rnd = cost_models::ranking::evaluate(
        *make_model(plugins, "loom.random", {{"seed", {}, config::ConfigValue::integer(seed)}}), data,
        static_cast<uint64_t>(seed), o.train_fraction, o.top);
    auto record = [&](const std::string& key, const Quality& x, const Quality& r) {
      Metrics& m = metrics[key];
      m.xgb_tau.push_back(x.kendall_tau);
      m.xgb_recall.push_back(x.top_k_recall);
      m.rnd_tau.push_back(r.kendall_tau);
      m.rnd_recall.push_back(r.top_k_recall);
    };
    for (const WorkloadData& w : workloads) {
      std::string key = std::to_string(w.workload.id);
      auto x = xgb.workloads.find(key);
      if (x == xgb.workloads.end() || x->second.test == 0) continue;
      const Quality& r = rnd.workloads.at(key);
      std::cout << fmt::format(
          "split {} workload {} {} (train {}, held out {}): xgboost tau {:.3f} {} recall {:.3f}; random tau {:.3f} "
          "recall {:.3f}\n",
          seed, w.workload.id, w.name, x->second.train, x->second.test, x->second.kendall_tau, top_label,
          x->second.top_k_recall, r.kendall_tau, r.top_k_recall);
      record(key, x->second, r);
    }
    record("", xgb.all, rnd.all);
  }

  // 3. Medians over the splits.
  std::cout << fmt::format("\nmedians [ranges] over {} splits:\n", o.splits);
  for (const WorkloadData& w : workloads) {
    std::string counts = fmt::format("{} records", w.records);
    if (w.failed > 0) counts += fmt::format(", {} failed", w.failed);
    if (w.not_replayed > 0) counts += fmt::format(", {} not replayed", w.not_replayed);
    auto m = metrics.find(std::to_string(w.workload.id));
    if (m == metrics.end()) {
      std::cout << fmt::format("workload {} {} ({}): too few records to hold any out\n", w.workload.id, w.name, counts);
      continue;
    }
    std::cout << fmt::format("workload {} {} ({}): xgboost tau {} {} recall {}; random tau {} recall {}\n",
                             w.workload.id, w.name, counts, summary(m->second.xgb_tau), top_label,
                             summary(m->second.xgb_recall), summary(m->second.rnd_tau), summary(m->second.rnd_recall));
  }
  if (workloads.size() > 1) {
    const Metrics& m = metrics.at("");
    std::cout << fmt::format(
        "all workloads (weighted by held-out size): xgboost tau {} {} recall {}; random tau {} "
        "recall {}\n",
        summary(m.xgb_tau), top_label, summary(m.xgb_recall), summary(m.rnd_tau), summary(m.rnd_recall));
  }
  return 0;
}

}  // namespace
}  // namespace loom::bench

int main(int argc, char** argv) {
  loom::bench::Options o;
  CLI::App app(
      "loom-eval-cost-model: Kendall's tau and top-k recall of loom.xgboost and loom.random on held-out records of "
      "a tuning database");
  app.add_option("db", o.database, "The database (SQLite, or JSON lines when it ends in .jsonl)")->required();
  app.add_option("--train-fraction", o.train_fraction, "Share of each workload's records to train on")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--splits", o.splits, "Random splits (seeds 1..splits)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--objective", o.objective, "loom.xgboost's objective (reg or rank); default: the plugin's");
  app.add_option("--top", o.top, "Share of the held-out records whose recall is measured (k = its size times this)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return loom::bench::run(o);
  } catch (const loom::UserError& e) {
    std::cerr << "loom-eval-cost-model: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "loom-eval-cost-model: internal error: " << e.what() << "\n";
    return 1;
  }
}
