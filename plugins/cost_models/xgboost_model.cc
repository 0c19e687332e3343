// loom.xgboost: XGBoost through its C API, TVM MetaSchedule's XGBModel semantics (see
// cost_models.h).
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include "cost_models.h"

namespace loom::cost_models {

namespace {

constexpr char kMagic[] = "loom.xgboost 1\n";

/// Throws the XGBoost error of a failed call, naming what was being done.
void xgb_check(int rc, const char* what) {
  if (rc != 0) throw plugin::Error(std::string("loom.xgboost: ") + what + " failed: " + XGBGetLastError());
}

/// A DMatrix freed on scope exit.
class DMatrix {
 public:
  DMatrix(const float* data, size_t rows, size_t cols) {
    xgb_check(XGDMatrixCreateFromMat(data, rows, cols, NAN, &handle_), "creating the feature matrix");
  }
  ~DMatrix() { XGDMatrixFree(handle_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

/// Sums row values into candidate values: out[c] = sum of rows [offsets[c], offsets[c + 1]).
std::vector<double> sum_rows(const float* row_values, const std::vector<uint64_t>& offsets) {
  std::vector<double> out(offsets.size() - 1, 0.0);
  for (size_t c = 0; c + 1 < offsets.size(); ++c)
    for (uint64_t r = offsets[c]; r < offsets[c + 1]; ++r) out[c] += row_values[r];
  return out;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

template <typename T>
void write_pod(std::ofstream& out, const T& v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <typename T>
void write_vec(std::ofstream& out, const std::vector<T>& v) {
  write_pod<uint64_t>(out, v.size());
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
}
template <typename T>
T read_pod(std::ifstream& in, const std::string& path) {
  T v{};
  if (!in.read(reinterpret_cast<char*>(&v), sizeof(T))) throw plugin::Error("loom.xgboost: " + path + " is truncated");
  return v;
}
template <typename T>
std::vector<T> read_vec(std::ifstream& in, const std::string& path, uint64_t max_elements) {
  uint64_t n = read_pod<uint64_t>(in, path);
  if (n > max_elements) throw plugin::Error("loom.xgboost: " + path + " is malformed (an array is too long)");
  std::vector<T> v(n);
  if (!in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T))))
    throw plugin::Error("loom.xgboost: " + path + " is truncated");
  return v;
}

}  // namespace

XGBoostModel::XGBoostModel(const plugin::Config& config)
    : num_boost_round_(config.get_int("num_boost_round", 100)),
      max_depth_(config.get_int("max_depth", 10)),
      eta_(config.get_float("eta", 0.2)),
      gamma_(config.get_float("gamma", 0.001)),
      min_child_weight_(config.get_float("min_child_weight", 0.0)),
      subsample_(config.get_float("subsample", 1.0)),
      objective_(config.get_string("objective", "rank")),
      num_warmup_samples_(config.get_int("num_warmup_samples", 100)),
      seed_(config.get_int("seed", 0)),
      nthread_(config.get_int("nthread", 1)),
      rng_(static_cast<uint64_t>(seed_)) {
  auto fail = [](const std::string& m) { throw plugin::Error("loom.xgboost: " + m, LOOM_ERROR_CONFIG); };
  if (num_boost_round_ < 1) fail("num_boost_round must be >= 1, got " + std::to_string(num_boost_round_));
  if (max_depth_ < 1) fail("max_depth must be >= 1, got " + std::to_string(max_depth_));
  if (!(eta_ > 0 && eta_ <= 1)) fail("eta must be in (0, 1], got " + std::to_string(eta_));
  if (!(gamma_ >= 0)) fail("gamma must be >= 0, got " + std::to_string(gamma_));
  if (!(min_child_weight_ >= 0)) fail("min_child_weight must be >= 0, got " + std::to_string(min_child_weight_));
  if (!(subsample_ > 0 && subsample_ <= 1)) fail("subsample must be in (0, 1], got " + std::to_string(subsample_));
  if (objective_ != "reg" && objective_ != "rank")
    fail("objective must be \"reg\" or \"rank\", got \"" + objective_ + "\"");
  if (num_warmup_samples_ < 0) fail("num_warmup_samples must be >= 0, got " + std::to_string(num_warmup_samples_));
  if (nthread_ < 0) fail("nthread must be >= 0 (0: all cores), got " + std::to_string(nthread_));
}

XGBoostModel::~XGBoostModel() { free_booster(); }

void XGBoostModel::free_booster() {
  if (booster_ != nullptr) XGBoosterFree(booster_);
  booster_ = nullptr;
  trained_on_ = 0;
}

void XGBoostModel::update(const plugin::Features& features, const std::vector<double>& throughputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = features.n_candidates();
  if (n == 0) return;
  size_t n_rows = features.rows(n - 1).second;
  if (n_rows > 0) {
    if (n_features_ == 0) n_features_ = features.n_features();
    if (features.n_features() != n_features_) {
      throw plugin::Error("loom.xgboost: update with " + std::to_string(features.n_features()) +
                          " features per row, but the model was trained with " + std::to_string(n_features_));
    }
  }
  for (size_t c = 0; c < n; ++c) {
    if (!std::isfinite(throughputs[c]) || throughputs[c] < 0) {
      throw plugin::Error("loom.xgboost: update: candidate " + std::to_string(c) + " has throughput " +
                          std::to_string(throughputs[c]) + " (must be finite and >= 0)");
    }
  }
  for (size_t c = 0; c < n; ++c) {
    auto [begin, end] = features.rows(c);
    for (size_t r = begin; r < end; ++r) rows_.insert(rows_.end(), features.row(r), features.row(r) + n_features_);
    row_offsets_.push_back(row_offsets_.back() + (end - begin));
    groups_.push_back(n_groups_);
    throughputs_.push_back(throughputs[c]);
  }
  ++n_groups_;
  train();
}

// Retrains from scratch on every record:
// 1. targets: throughput / the best throughput of its group (0 when the group has none);
// 2. a fresh booster with base_score 0, so that a candidate's margin is the sum of its rows';
// 3. each round: the rows' margins, summed per candidate, give the candidate gradients of the
//    objective; every row of a candidate gets its candidate's gradient (the sum's derivative
//    by each term is 1) and its hessian times the candidate's row count (a diagonal bound of
//    the rows' joint hessian: without it a candidate of R rows whose rows share leaves moves R
//    times too far and training oscillates), and the booster grows one tree from them.
void XGBoostModel::train() {
  size_t n = throughputs_.size();
  size_t n_rows = row_offsets_.back();
  free_booster();
  if (n_rows == 0) return;

  // 1. Targets.
  std::vector<double> best(n_groups_, 0.0);
  for (size_t c = 0; c < n; ++c) best[groups_[c]] = std::max(best[groups_[c]], throughputs_[c]);
  std::vector<double> target(n, 0.0);
  for (size_t c = 0; c < n; ++c) target[c] = best[groups_[c]] > 0 ? throughputs_[c] / best[groups_[c]] : 0.0;
  std::vector<std::vector<size_t>> members(n_groups_);
  for (size_t c = 0; c < n; ++c) members[groups_[c]].push_back(c);

  // 2. The booster.
  DMatrix dtrain(rows_.data(), n_rows, n_features_);
  DMatrixHandle dmats[] = {dtrain.get()};
  BoosterHandle booster = nullptr;
  xgb_check(XGBoosterCreate(dmats, 1, &booster), "creating the booster");
  booster_ = booster;
  auto set = [&](const char* key, const std::string& value) {
    xgb_check(XGBoosterSetParam(booster, key, value.c_str()), (std::string("setting ") + key).c_str());
  };
  set("objective", "reg:squarederror");  // not used (custom gradients), but fixes the margin's meaning
  set("base_score", "0");
  set("max_depth", std::to_string(max_depth_));
  set("eta", std::to_string(eta_));
  set("gamma", std::to_string(gamma_));
  set("min_child_weight", std::to_string(min_child_weight_));
  set("subsample", std::to_string(subsample_));
  set("seed", std::to_string(seed_));
  set("nthread", std::to_string(nthread_));
  set("verbosity", "0");

  // 3. Rounds.
  std::vector<float> grad(n_rows), hess(n_rows);
  std::vector<double> g(n), h(n);
  for (int64_t round = 0; round < num_boost_round_; ++round) {
    std::vector<double> sums(n, 0.0);
    if (round > 0) {
      bst_ulong len = 0;
      const float* margins = nullptr;
      xgb_check(XGBoosterPredict(booster, dtrain.get(), 1, 0, 1, &len, &margins), "predicting the training rows");
      if (len != n_rows) throw plugin::Error("loom.xgboost: XGBoost predicted a wrong number of rows");
      sums = sum_rows(margins, row_offsets_);
    }
    std::fill(g.begin(), g.end(), 0.0);
    std::fill(h.begin(), h.end(), 0.0);
    if (objective_ == "reg") {
      for (size_t c = 0; c < n; ++c) {
        g[c] = sums[c] - target[c];
        h[c] = 1.0;
      }
    } else {
      // Pairwise logistic loss log(1 + exp(-(s_i - s_j))) for target_i > target_j.
      for (const std::vector<size_t>& group : members) {
        for (size_t a = 0; a < group.size(); ++a) {
          for (size_t b = 0; b < group.size(); ++b) {
            size_t i = group[a], j = group[b];
            if (!(target[i] > target[j])) continue;
            double p = sigmoid(sums[i] - sums[j]);
            g[i] -= 1.0 - p;
            g[j] += 1.0 - p;
            double w = std::max(p * (1.0 - p), 1e-6);
            h[i] += w;
            h[j] += w;
          }
        }
      }
      for (size_t c = 0; c < n; ++c) h[c] = std::max(h[c], 1e-6);
    }
    for (size_t c = 0; c < n; ++c) {
      // The loss's Hessian by the rows of c is h[c] * (all ones): its largest eigenvalue,
      // R * h[c] with R rows, bounds it, so each row takes that diagonal (a step on the sum
      // that does not overshoot however many rows move together).
      double rows = static_cast<double>(row_offsets_[c + 1] - row_offsets_[c]);
      for (uint64_t r = row_offsets_[c]; r < row_offsets_[c + 1]; ++r) {
        grad[r] = static_cast<float>(g[c]);
        hess[r] = static_cast<float>(h[c] * rows);
      }
    }
    xgb_check(XGBoosterBoostOneIter(booster, dtrain.get(), grad.data(), hess.data(), n_rows), "boosting");
  }
  trained_on_ = n;
}

std::vector<double> XGBoostModel::predict(const plugin::Features& features) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = features.n_candidates();
  std::vector<double> scores(n, 0.0);
  if (booster_ == nullptr || trained_on_ < static_cast<uint64_t>(num_warmup_samples_)) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (double& s : scores) s = uniform(rng_);
    return scores;
  }
  if (n == 0) return scores;
  size_t n_rows = features.rows(n - 1).second;
  if (n_rows == 0) return scores;
  if (features.n_features() != n_features_) {
    throw plugin::Error("loom.xgboost: predict with " + std::to_string(features.n_features()) +
                        " features per row, but the model was trained with " + std::to_string(n_features_));
  }
  DMatrix dmat(features.row(0), n_rows, n_features_);
  bst_ulong len = 0;
  const float* margins = nullptr;
  xgb_check(XGBoosterPredict(booster_, dmat.get(), 1, 0, 0, &len, &margins), "predicting");
  if (len != n_rows) throw plugin::Error("loom.xgboost: XGBoost predicted a wrong number of rows");
  std::vector<uint64_t> offsets(n + 1, 0);
  for (size_t c = 0; c < n; ++c) offsets[c + 1] = features.rows(c).second;
  offsets[0] = features.rows(0).first;
  return sum_rows(margins, offsets);
}

// File layout: kMagic, then little-endian binary: n_features, n_groups, trained_on (u64);
// row_offsets, groups (u64 arrays), throughputs (f64 array), rows (f32 array), each with its
// length first; the booster as XGBoost's UBJSON model (u8 array, empty when untrained).
void XGBoostModel::save(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<char> model;
  if (booster_ != nullptr) {
    bst_ulong len = 0;
    const char* data = nullptr;
    xgb_check(XGBoosterSaveModelToBuffer(booster_, R"({"format": "ubj"})", &len, &data), "serializing the booster");
    model.assign(data, data + len);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw plugin::Error("loom.xgboost: cannot create " + path);
  out.write(kMagic, sizeof(kMagic) - 1);
  write_pod<uint64_t>(out, n_features_);
  write_pod<uint64_t>(out, n_groups_);
  write_pod<uint64_t>(out, trained_on_);
  write_vec(out, row_offsets_);
  write_vec(out, groups_);
  write_vec(out, throughputs_);
  write_vec(out, rows_);
  write_vec(out, model);
  if (!out.flush()) throw plugin::Error("loom.xgboost: cannot write " + path);
}

void XGBoostModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw plugin::Error("loom.xgboost: cannot open " + path);
  in.seekg(0, std::ios::end);
  uint64_t size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  char magic[sizeof(kMagic) - 1] = {};
  if (!in.read(magic, sizeof(magic)) || std::memcmp(magic, kMagic, sizeof(magic)) != 0)
    throw plugin::Error("loom.xgboost: " + path + " is not a loom.xgboost model file");
  uint64_t n_features = read_pod<uint64_t>(in, path);
  uint64_t n_groups = read_pod<uint64_t>(in, path);
  uint64_t trained_on = read_pod<uint64_t>(in, path);
  std::vector<uint64_t> row_offsets = read_vec<uint64_t>(in, path, size / 8);
  std::vector<uint64_t> groups = read_vec<uint64_t>(in, path, size / 8);
  std::vector<double> throughputs = read_vec<double>(in, path, size / 8);
  std::vector<float> rows = read_vec<float>(in, path, size / 4);
  std::vector<char> model = read_vec<char>(in, path, size);
  size_t n = groups.size();
  bool consistent = row_offsets.size() == n + 1 && throughputs.size() == n && row_offsets[0] == 0 &&
                    std::is_sorted(row_offsets.begin(), row_offsets.end()) &&
                    rows.size() == row_offsets.back() * n_features && trained_on <= n &&
                    std::all_of(groups.begin(), groups.end(), [&](uint64_t g) { return g < n_groups; }) &&
                    (rows.empty() || n_features > 0);
  if (!consistent) throw plugin::Error("loom.xgboost: " + path + " is malformed (inconsistent record arrays)");
  BoosterHandle booster = nullptr;
  if (!model.empty()) {
    xgb_check(XGBoosterCreate(nullptr, 0, &booster), "creating the booster");
    if (XGBoosterLoadModelFromBuffer(booster, model.data(), model.size()) != 0) {
      std::string message = XGBGetLastError();
      XGBoosterFree(booster);
      throw plugin::Error("loom.xgboost: " + path + ": cannot read the booster: " + message);
    }
    // The file's nthread is the saving instance's; use this instance's.
    XGBoosterSetParam(booster, "nthread", std::to_string(nthread_).c_str());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  free_booster();
  booster_ = booster;
  n_features_ = n_features;
  n_groups_ = n_groups;
  trained_on_ = booster == nullptr ? 0 : trained_on;
  row_offsets_ = std::move(row_offsets);
  groups_ = std::move(groups);
  throughputs_ = std::move(throughputs);
  rows_ = std::move(rows);
}

}  // namespace loom::cost_models
