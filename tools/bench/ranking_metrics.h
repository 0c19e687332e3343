// How well a cost model ranks measured candidates, shared by loom-eval-cost-model
// (eval_cost_model.cc, over a tuning database) and the ranking test
// (tests/cost_models/cost_models_test.cc, over candidates it measures): the samples of each
// workload are split into a training and a held-out part, the model is trained on every
// workload's training part, and Kendall's tau and top-k recall of its scores are taken on
// each workload's held-out part.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "loom/host/plugin_host.h"
#include "loom/sched/random.h"

namespace loom::cost_models::ranking {

/// One measured candidate.
struct Sample {
  /// The key that groups candidates of one task (a zoo name, a database workload id).
  std::string workload;
  /// The feature rows of the lowered candidate (loom/tune/features.h).
  std::vector<std::vector<float>> features;
  /// flops / median seconds; 0 when the candidate failed.
  double throughput = 0;
};

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

/// A model's quality on a held-out part.
struct Quality {
  double kendall_tau = 0;
  double top_k_recall = 0;
  size_t train = 0;
  size_t test = 0;
};

/// The quality over all workloads (averaged, weighted by the held-out sizes) and per workload.
struct Evaluation {
  Quality all;
  std::map<std::string, Quality> workloads;
};

/// Splits every workload's samples (in dataset order, shuffled by `seed`) into the first
/// `train_fraction` for training and the rest for testing; updates `model` once per workload
/// with its training part (one update call is one workload's group, as in the tuner), then
/// scores each workload's test part; top-k recall with k = max(1, round(top_fraction * size)).
/// `model` should be fresh: it keeps what it learned before.
inline Evaluation evaluate(const host::ComponentInstance& model, const std::vector<Sample>& data, uint64_t seed,
                           double train_fraction = 0.7, double top_fraction = 0.1) {
  std::map<std::string, std::vector<size_t>> by_workload;
  for (size_t i = 0; i < data.size(); ++i) by_workload[data[i].workload].push_back(i);
  sched::RandomEngine rng(static_cast<int64_t>(seed));
  std::map<std::string, std::pair<std::vector<size_t>, std::vector<size_t>>> splits;
  for (auto& [name, idx] : by_workload) {
    for (size_t i = idx.size(); i > 1; --i)
      std::swap(idx[i - 1], idx[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(i)))]);
    size_t n_train = static_cast<size_t>(std::lround(train_fraction * static_cast<double>(idx.size())));
    splits[name] = {std::vector<size_t>(idx.begin(), idx.begin() + static_cast<ptrdiff_t>(n_train)),
                    std::vector<size_t>(idx.begin() + static_cast<ptrdiff_t>(n_train), idx.end())};
  }
  Evaluation out;
  for (const auto& [name, split] : splits) {
    host::ComponentInstance::CandidateFeatures features;
    std::vector<double> throughputs;
    for (size_t i : split.first) {
      features.push_back(data[i].features);
      throughputs.push_back(data[i].throughput);
    }
    model.update(features, throughputs);
    out.workloads[name].train = split.first.size();
    out.all.train += split.first.size();
  }
  for (const auto& [name, split] : splits) {
    host::ComponentInstance::CandidateFeatures features;
    std::vector<double> truth;
    for (size_t i : split.second) {
      features.push_back(data[i].features);
      truth.push_back(data[i].throughput);
    }
    if (truth.empty()) continue;
    std::vector<double> scores = model.predict(features);
    size_t k = std::max<size_t>(1, static_cast<size_t>(std::lround(top_fraction * static_cast<double>(truth.size()))));
    Quality& q = out.workloads[name];
    q.kendall_tau = kendall_tau(scores, truth);
    q.top_k_recall = top_k_recall(scores, truth, k);
    q.test = truth.size();
    double w = static_cast<double>(truth.size());
    out.all.kendall_tau += w * q.kendall_tau;
    out.all.top_k_recall += w * q.top_k_recall;
    out.all.test += truth.size();
  }
  if (out.all.test > 0) {
    out.all.kendall_tau /= static_cast<double>(out.all.test);
    out.all.top_k_recall /= static_cast<double>(out.all.test);
  }
  return out;
}

}  // namespace loom::cost_models::ranking
