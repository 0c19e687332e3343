// Shared helpers of the schedule-rule tests: the loom.rules plugin loaded once, its rules
// instantiated with config tables, and the structure of what they make (instruction kinds
// of a trace, blocks and annotations of a function).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../common/tuning_context.h"
#include "loom/config/component.h"
#include "loom/host/plugin_host.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/visitor.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "loom/sched/trace.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
#include "loom/tune/space.h"
#include "loom/workloads/zoo.h"

namespace loom::rules_test {

/// The host with the loom.rules plugin (built next to the tests) loaded.
inline host::PluginHost& plugin_host() {
  static host::PluginHost* host = [] {
    auto* h = new host::PluginHost();
    h->load(std::string(LOOM_BINARY_DIR) + "/plugins/lib/loom_rules.so");
    return h;
  }();
  return *host;
}

inline config::ConfigEntry entry(const std::string& key, config::ConfigValue value, int line = 4) {
  return config::ConfigEntry{key, config::SourcePos{"rules.toml", line, 1}, std::move(value)};
}
inline config::ConfigValue ints(const std::vector<int64_t>& values) {
  std::vector<config::ConfigValue> items;
  for (int64_t v : values) items.push_back(config::ConfigValue::integer(v));
  return config::ConfigValue::array(std::move(items));
}
inline config::ConfigValue strings(const std::vector<std::string>& values) {
  std::vector<config::ConfigValue> items;
  for (const std::string& v : values) items.push_back(config::ConfigValue::string(v));
  return config::ConfigValue::array(std::move(items));
}

/// An instance of rule `name` configured by `keys`, initialized with the test context.
inline std::shared_ptr<host::ComponentInstance> make_rule(const std::string& name,
                                                          std::vector<config::ConfigEntry> keys = {}) {
  auto rule = plugin_host().instantiate(
      LOOM_COMPONENT_SCHEDULE_RULE,
      config::ComponentConfig("[[rule]]", name, config::SourcePos{"rules.toml", 3, 1}, std::move(keys)));
  rule->initialize(testing::test_context());
  return rule;
}

/// The rule as the space generator calls it.
inline tune::Rule to_rule(std::shared_ptr<host::ComponentInstance> instance) {
  std::string name = instance->name();
  return tune::Rule{name, [instance](const sched::Schedule& sch, const sched::BlockRV& block) {
                      return instance->apply_rule(sch, block);
                    }};
}

/// The default rule set for CPU targets, in the run config's order.
inline std::vector<tune::Rule> default_rules() {
  std::vector<tune::Rule> rules;
  for (const char* name :
       {"loom.inline_constant_scalars", "loom.auto_inline", "loom.add_rfactor", "loom.multi_level_tiling",
        "loom.parallelize_vectorize_unroll", "loom.random_compute_location"}) {
    rules.push_back(to_rule(make_rule(name)));
  }
  return rules;
}

/// The schedules rule `rule` makes of `sch` at the block named `block`.
inline std::vector<sched::Schedule> apply(const host::ComponentInstance& rule, const sched::Schedule& sch,
                                          const std::string& block) {
  sched::Schedule probe = sch.copy();
  return rule.apply_rule(probe, probe.get_block(block));
}

inline ir::PrimFunc func_of(const sched::Schedule& sch) { return sch.mod().at(sch.default_func()); }

/// The instruction kinds of the schedule's trace, in order ("GetBlock", "Split", ...).
inline std::vector<std::string> kinds(const sched::Schedule& sch) {
  std::vector<std::string> out;
  for (const sched::Instruction& inst : sch.trace().instructions()) out.push_back(inst.kind->name);
  return out;
}
/// How many instructions of kind `kind` the trace holds.
inline int count(const sched::Schedule& sch, const std::string& kind) {
  int n = 0;
  for (const std::string& k : kinds(sch)) n += k == kind ? 1 : 0;
  return n;
}

/// The names of the function's blocks (root included), children before their parents.
inline std::vector<std::string> block_names(const ir::PrimFunc& func) {
  std::vector<std::string> names;
  ir::post_order_visit(func->body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Block) names.push_back(static_cast<const ir::BlockNode*>(n)->name);
  });
  return names;
}
inline bool has_block(const ir::PrimFunc& func, const std::string& name) {
  for (const std::string& n : block_names(func)) {
    if (n == name) return true;
  }
  return false;
}

/// The annotations of the block named `name` (of the root for "root").
inline ir::Annotations annotations_of(const sched::Schedule& sch, const std::string& name) {
  sched::Schedule probe = sch.copy();
  return probe.get(probe.get_block(name))->annotations;
}

/// `n` seeds for tune::sample_from_trace spread over the engine's range, as a search's
/// forked seeds are: the minstd engine's first draw from a small seed s is about
/// 48271 * s / 2^31, so consecutive small seeds would all pick the first categorical
/// candidate.
inline std::vector<int64_t> draw_seeds(size_t n, uint64_t stream = 0) {
  std::mt19937_64 gen(0x5eed + stream);
  std::vector<int64_t> seeds;
  for (size_t i = 0; i < n; ++i) seeds.push_back(static_cast<int64_t>(gen() % 2147483646) + 1);
  return seeds;
}

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

}  // namespace loom::rules_test
