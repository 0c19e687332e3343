// Shared helpers of the postprocessor and mutator tests: the loom.rules, loom.postprocs and
// loom.mutators plugins loaded once, instances of their components, points of the default
// CPU design space, and interpreter equivalence.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "../common/tuning_context.h"
#include "loom/config/component.h"
#include "loom/host/plugin_host.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/builder.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"
#include "loom/sched/schedule.h"
#include "loom/sched/trace.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
#include "loom/tune/search.h"
#include "loom/tune/space.h"
#include "loom/workloads/zoo.h"

namespace loom::postprocs_test {

/// The host with the built-in rules, postprocessors and mutators (built next to the tests).
inline host::PluginHost& plugin_host() {
  static host::PluginHost* host = [] {
    auto* h = new host::PluginHost();
    for (const char* lib : {"loom_rules", "loom_postprocs", "loom_mutators"})
      h->load(std::string(LOOM_BINARY_DIR) + "/plugins/lib/" + lib + ".so");
    return h;
  }();
  return *host;
}

inline config::ConfigEntry entry(const std::string& key, config::ConfigValue value, int line = 4) {
  return config::ConfigEntry{key, config::SourcePos{"postprocs.toml", line, 1}, std::move(value)};
}

inline std::shared_ptr<host::ComponentInstance> make(loom_component_kind kind, const std::string& section,
                                                     const std::string& name,
                                                     std::vector<config::ConfigEntry> keys = {},
                                                     const host::TuningContext& context = testing::test_context()) {
  auto instance = plugin_host().instantiate(
      kind, config::ComponentConfig(section, name, config::SourcePos{"postprocs.toml", 3, 1}, std::move(keys)));
  instance->initialize(context);
  return instance;
}
inline std::shared_ptr<host::ComponentInstance> make_postproc(const std::string& name,
                                                              std::vector<config::ConfigEntry> keys = {}) {
  return make(LOOM_COMPONENT_POSTPROC, "[[postproc]]", name, std::move(keys));
}
inline std::shared_ptr<host::ComponentInstance> make_mutator(const std::string& name) {
  return make(LOOM_COMPONENT_MUTATOR, "[[mutator]]", name);
}

/// The default CPU rule set, in the run config's order.
inline std::vector<tune::Rule> default_rules() {
  std::vector<tune::Rule> rules;
  for (const char* name :
       {"loom.inline_constant_scalars", "loom.auto_inline", "loom.add_rfactor", "loom.multi_level_tiling",
        "loom.parallelize_vectorize_unroll", "loom.random_compute_location"}) {
    auto instance = make(LOOM_COMPONENT_SCHEDULE_RULE, "[[rule]]", name);
    rules.push_back(tune::Rule{name, [instance](const sched::Schedule& sch, const sched::BlockRV& block) {
                                 return instance->apply_rule(sch, block);
                               }});
  }
  return rules;
}

/// The default postprocessors in TVM's order, as the search calls them.
inline std::vector<tune::Postproc> default_postprocs() {
  std::vector<tune::Postproc> out;
  for (const char* name :
       {"loom.disallow_dynamic_loop", "loom.rewrite_parallel_vectorize_unroll", "loom.rewrite_reduction_block"}) {
    auto instance = make_postproc(name);
    out.push_back(tune::Postproc{name, [instance](sched::Schedule& sch) { return instance->apply_postproc(sch); }});
  }
  return out;
}

/// `n` seeds spread over the engine's range (consecutive small seeds of the minstd engine
/// draw alike).
inline std::vector<int64_t> draw_seeds(size_t n, uint64_t stream = 0) {
  std::mt19937_64 gen(0x9057 + stream);
  std::vector<int64_t> seeds;
  for (size_t i = 0; i < n; ++i) seeds.push_back(static_cast<int64_t>(gen() % 2147483646) + 1);
  return seeds;
}

inline ir::PrimFunc func_of(const sched::Schedule& sch) { return sch.mod().at(sch.default_func()); }

/// The outputs of `after` equal `before`'s on the same random inputs.
inline void expect_equivalent(const ir::PrimFunc& before, const ir::PrimFunc& after, uint64_t seed = 3) {
  std::vector<interp::NDArray> x = interp::run_random(before, seed);
  std::vector<interp::NDArray> y = interp::run_random(after, seed);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    interp::CompareResult r = interp::allclose(y[i], x[i], 1e-4, 1e-4);
    EXPECT_TRUE(r.ok) << "parameter " << i << ": " << r.message << "\n" << script::print(after);
  }
}

/// The loops of the function (in reverse post-order).
inline std::vector<const ir::ForNode*> loops_of(const ir::PrimFunc& func) {
  std::vector<const ir::ForNode*> out;
  ir::post_order_visit(func->body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::For) out.push_back(static_cast<const ir::ForNode*>(n));
  });
  std::reverse(out.begin(), out.end());
  return out;
}
inline int count_kind(const ir::PrimFunc& func, ir::ForKind kind) {
  int n = 0;
  for (const ir::ForNode* f : loops_of(func)) n += f->for_kind == kind ? 1 : 0;
  return n;
}

/// The block named `name`.
inline const ir::BlockNode* block_named(const ir::PrimFunc& func, const std::string& name) {
  const ir::BlockNode* found = nullptr;
  ir::post_order_visit(func->body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Block && static_cast<const ir::BlockNode*>(n)->name == name)
      found = static_cast<const ir::BlockNode*>(n);
  });
  return found;
}

/// The indices at which two traces' decisions differ; the instructions must be equal
/// (compared through TVM's JSON form) except at `input_change` when given.
inline std::vector<size_t> changed_decisions(const sched::Trace& a, const sched::Trace& b,
                                             std::optional<size_t> input_change = std::nullopt) {
  nlohmann::json ja = a.to_json(), jb = b.to_json();
  EXPECT_EQ(ja[0].size(), jb[0].size());
  for (size_t i = 0; i < std::min(ja[0].size(), jb[0].size()); ++i) {
    if (input_change && i == *input_change) continue;
    EXPECT_EQ(ja[0][i], jb[0][i]) << "instruction " << i << " changed";
  }
  std::vector<size_t> out;
  std::map<int64_t, nlohmann::json> da, db;
  for (const auto& d : ja[1]) da[d[0].get<int64_t>()] = d[1];
  for (const auto& d : jb[1]) db[d[0].get<int64_t>()] = d[1];
  for (const auto& [i, d] : da) {
    if (!db.count(i) || db[i] != d) out.push_back(static_cast<size_t>(i));
  }
  for (const auto& [i, d] : db) {
    if (!da.count(i)) out.push_back(static_cast<size_t>(i));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace loom::postprocs_test
