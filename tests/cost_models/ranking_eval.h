// The ranking evaluation of cost models, shared by the ranking test (cost_models_test.cc) and
// tools/eval_cost_model: a dataset of random schedules of zoo workloads measured by the CPU
// runner (throughput = the workload's flops / the median time), split per workload into a
// training and a held-out part, and Kendall's tau and top-k recall of a model's scores on the
// held-out part.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../common/random_schedule.h"
#include "loom/host/plugin_host.h"
#include "loom/ir/flops.h"
#include "loom/lower/lower.h"
#include "loom/tune/features.h"
#include "loom/workloads/zoo.h"

namespace loom::cost_models::testing {

/// One measured candidate.
struct Sample {
  std::string workload;
  std::vector<std::vector<float>> features;
  /// flops / median seconds; 0 when the candidate failed.
  double throughput = 0;
};

/// `count` random schedules of the zoo workload `name` at `shape`.
struct WorkloadSpec {
  std::string name;
  std::map<std::string, int64_t> shape;
  int count = 0;
};

/// Random schedules (`steps` random primitive calls each, tests/common/random_schedule.h) of
/// every spec, measured by `runner` in batches of `batch` candidates.
inline std::vector<Sample> make_dataset(const host::ComponentInstance& runner, const std::vector<WorkloadSpec>& specs,
                                        uint64_t seed, int steps, size_t batch = 64) {
  std::vector<Sample> out;
  sched::RandomEngine rng(seed);
  sched::testing::Stats stats;
  for (const WorkloadSpec& spec : specs) {
    ir::PrimFunc f = workloads::make_workload(spec.name, spec.shape);
    double flops = ir::estimate_flops(f);
    std::vector<host::MeasureCandidate> candidates;
    for (int i = 0; i < spec.count; ++i) {
      sched::Schedule sch(f, rng.fork_seed());
      for (int s = 0; s < steps; ++s) sched::testing::random_step(sch, rng, stats);
      ir::PrimFunc scheduled = sch.mod().at(sch.default_func());
      candidates.push_back({scheduled, "", {}});
      out.push_back({spec.name, tune::extract_features(lower::lower(scheduled)), 0.0});
    }
    size_t first = out.size() - candidates.size();
    for (size_t b = 0; b < candidates.size(); b += batch) {
      size_t e = std::min(candidates.size(), b + batch);
      std::vector<host::MeasureCandidate> part(candidates.begin() + static_cast<ptrdiff_t>(b),
                                               candidates.begin() + static_cast<ptrdiff_t>(e));
      std::vector<host::MeasureRecord> records = runner.measure(part);
      for (size_t k = 0; k < records.size(); ++k) {
        double med = records[k].ok() ? records[k].median_s() : 0.0;
        out[first + b + k].throughput = med > 0 ? (flops > 0 ? flops : 1.0) / med : 0.0;
      }
    }
  }
  return out;
}

/// Kendall's tau-b between `scores` and `truth`: (concordant - discordant) pairs over the
/// geometric mean of the pairs untied in each. 0 when either is constant.
inline double kendall_tau(const std::vector<double>& scores, const std::vector<double>& truth) {
  double concordant = 0, discordant = 0, untied_scores = 0, untied_truth = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    for (size_t j = i + 1; j < scores.size(); ++j) {
      double ds = scores[i] - scores[j], dt = truth[i] - truth[j];
      if (ds != 0) ++untied_scores;
      if (dt != 0) ++untied_truth;
      if (ds * dt > 0) ++concordant;
      if (ds * dt < 0) ++discordant;
    }
  }
  if (untied_scores == 0 || untied_truth == 0) return 0;
  return (concordant - discordant) / std::sqrt(untied_scores * untied_truth);
}

/// The fraction of the k best candidates by `truth` that are among the k best by `scores`.
inline double top_k_recall(const std::vector<double>& scores, const std::vector<double>& truth, size_t k) {
  k = std::min(k, scores.size());
  if (k == 0) return 0;
  auto top = [k](const std::vector<double>& v) {
    std::vector<size_t> idx(v.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
    idx.resize(k);
    std::sort(idx.begin(), idx.end());
    return idx;
  };
  std::vector<size_t> a = top(scores), b = top(truth), both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  return static_cast<double>(both.size()) / static_cast<double>(k);
}

/// A model's quality on the held-out part, averaged over the workloads (weighted by their
/// held-out sizes).
struct Quality {
  double kendall_tau = 0;
  double top_k_recall = 0;
  size_t train = 0;
  size_t test = 0;
};

/// Splits every workload's samples (in dataset order, shuffled by `seed`) into the first
/// `train_fraction` for training and the rest for testing; updates `model` once per workload
/// with its training part (one update call is one workload's group, as in the tuner), then
/// scores each workload's test part; top-k recall with k = max(1, round(top_fraction * size)).
inline Quality evaluate(const host::ComponentInstance& model, const std::vector<Sample>& data, uint64_t seed,
                        double train_fraction = 0.7, double top_fraction = 0.1) {
  std::map<std::string, std::vector<size_t>> by_workload;
  for (size_t i = 0; i < data.size(); ++i) by_workload[data[i].workload].push_back(i);
  sched::RandomEngine rng(seed);
  std::map<std::string, std::pair<std::vector<size_t>, std::vector<size_t>>> splits;
  for (auto& [name, idx] : by_workload) {
    for (size_t i = idx.size(); i > 1; --i)
      std::swap(idx[i - 1], idx[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(i)))]);
    size_t n_train = static_cast<size_t>(std::lround(train_fraction * static_cast<double>(idx.size())));
    splits[name] = {std::vector<size_t>(idx.begin(), idx.begin() + static_cast<ptrdiff_t>(n_train)),
                    std::vector<size_t>(idx.begin() + static_cast<ptrdiff_t>(n_train), idx.end())};
  }
  Quality q;
  for (const auto& [name, split] : splits) {
    host::ComponentInstance::CandidateFeatures features;
    std::vector<double> throughputs;
    for (size_t i : split.first) {
      features.push_back(data[i].features);
      throughputs.push_back(data[i].throughput);
    }
    model.update(features, throughputs);
    q.train += split.first.size();
  }
  for (const auto& [name, split] : splits) {
    host::ComponentInstance::CandidateFeatures features;
    std::vector<double> truth;
    for (size_t i : split.second) {
      features.push_back(data[i].features);
      truth.push_back(data[i].throughput);
    }
    std::vector<double> scores = model.predict(features);
    size_t k = std::max<size_t>(1, static_cast<size_t>(std::lround(top_fraction * static_cast<double>(truth.size()))));
    double w = static_cast<double>(truth.size());
    q.kendall_tau += w * kendall_tau(scores, truth);
    q.top_k_recall += w * top_k_recall(scores, truth, k);
    q.test += truth.size();
  }
  if (q.test > 0) {
    q.kendall_tau /= static_cast<double>(q.test);
    q.top_k_recall /= static_cast<double>(q.test);
  }
  return q;
}

}  // namespace loom::cost_models::testing
