// loom.random: uniform random scores, the baseline.
#include <fstream>
#include <sstream>

#include "cost_models.h"

namespace loom::cost_models {

namespace {
constexpr const char* kRandomMagic = "loom.random 1";
}  // namespace

RandomModel::RandomModel(const plugin::Config& config) : rng_(static_cast<uint64_t>(config.get_int("seed", 0))) {}

void RandomModel::update(const plugin::Features&, const std::vector<double>&) {}

std::vector<double> RandomModel::predict(const plugin::Features& features) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> scores(features.n_candidates());
  for (double& s : scores) s = uniform(rng_);
  return scores;
}

void RandomModel::save(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ofstream out(path, std::ios::trunc);
  out << kRandomMagic << "\n" << rng_ << "\n";
  if (!out.flush()) throw plugin::Error("loom.random: cannot write " + path);
}

void RandomModel::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw plugin::Error("loom.random: cannot open " + path);
  std::string magic;
  std::getline(in, magic);
  if (magic != kRandomMagic) throw plugin::Error("loom.random: " + path + " is not a loom.random model file");
  std::mt19937_64 rng;
  if (!(in >> rng)) throw plugin::Error("loom.random: " + path + ": the generator state is truncated or malformed");
  std::lock_guard<std::mutex> lock(mutex_);
  rng_ = rng;
}

}  // namespace loom::cost_models
