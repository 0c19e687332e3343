// Reading a run config: every section's keys, types, ranges and defaults. Problems are
// collected (not thrown one by one) and reported together, in file order.
#include "loom/config/run_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"
#include "toml_reader.h"

namespace loom::config {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxErrors = 20;

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + toml_string(s);
  return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string near = closest_match(word, candidates);
  return near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near);
}

/// The state of one read: the file's name, its folder and the problems found so far.
struct Reader {
  std::string path;
  fs::path base_dir;
  std::vector<std::pair<SourcePos, std::string>> errors;

  void error(const SourcePos& pos, const std::string& message) { errors.emplace_back(pos, message); }

  /// An input path: relative to the config's folder.
  std::string input_path(const std::string& p) const { return (base_dir / p).lexically_normal().string(); }
};

/// One table of the config with the keys loom knows: typed getters record problems and
/// return the default; finish() reports the keys no getter asked for.
class Section {
 public:
  Section(Reader& reader, std::string title, const ConfigValue& table) : r_(reader), title_(title), table_(table) {}

  const std::string& title() const { return title_; }
  const ConfigValue& table() const { return table_; }

  /// The value of `key`, marking it known; null when absent.
  const ConfigEntry* entry(const std::string& key) {
    known_.push_back(key);
    return table_.find(key);
  }

  void error(const SourcePos& pos, const std::string& message) { r_.error(pos, title_ + " " + message); }

  void type_error(const ConfigEntry& e, const std::string& expected) {
    error(e.value.pos(), fmt::format("key '{}' must be {}, got {}", e.key, expected, e.value.type_name()));
  }

  int64_t integer(const std::string& key, int64_t def, int64_t lo, int64_t hi = INT64_MAX) {
    const ConfigEntry* e = entry(key);
    if (!e) return def;
    if (!e->value.is_integer()) {
      type_error(*e, "an integer");
      return def;
    }
    int64_t v = e->value.as_integer();
    if (v < lo || v > hi) {
      std::string range =
          hi == INT64_MAX ? fmt::format("must be >= {}", lo) : fmt::format("must be in [{}, {}]", lo, hi);
      error(e->value.pos(), fmt::format("{} = {} is out of range: {}", key, v, range));
      return def;
    }
    return v;
  }

  /// A number in [lo, hi], or in (lo, hi] when `lo_open`.
  double number(const std::string& key, double def, double lo, double hi, bool lo_open = false) {
    const ConfigEntry* e = entry(key);
    if (!e) return def;
    if (!e->value.is_number()) {
      type_error(*e, "a number");
      return def;
    }
    double v = e->value.as_float();
    if (std::isnan(v) || v > hi || v < lo || (lo_open && v == lo)) {
      std::string range = fmt::format("must be in {}{}, {}]", lo_open ? "(" : "[", lo, hi);
      if (std::isinf(hi)) range = fmt::format("must be {} {}", lo_open ? ">" : ">=", lo);
      error(e->value.pos(), fmt::format("{} = {} is out of range: {}", key, e->value.to_toml(), range));
      return def;
    }
    return v;
  }

  std::optional<std::string> string(const std::string& key) {
    const ConfigEntry* e = entry(key);
    if (!e) return std::nullopt;
    if (!e->value.is_string()) {
      type_error(*e, "a string");
      return std::nullopt;
    }
    return e->value.as_string();
  }

  std::string string(const std::string& key, const std::string& def) { return string(key).value_or(def); }

  std::string choice(const std::string& key, const std::string& def, const std::vector<std::string>& choices) {
    std::optional<std::string> v = string(key);
    if (!v) return def;
    if (std::find(choices.begin(), choices.end(), *v) == choices.end()) {
      error(table_.find(key)->value.pos(), fmt::format("{} = {} is not one of {}{}", key, toml_string(*v),
                                                       quoted_list(choices), did_you_mean(*v, choices)));
      return def;
    }
    return *v;
  }

  /// Reports `key` when present: it does not apply here (`why`).
  void not_applicable(const std::string& key, const std::string& why) {
    const ConfigEntry* e = entry(key);
    if (e) error(e->key_pos, fmt::format("key '{}' {}", key, why));
  }

  /// Reports every key no getter asked for, with a did-you-mean among the known ones.
  void finish() {
    for (const ConfigEntry& e : table_.as_table()) {
      if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
      error(e.key_pos, fmt::format("unknown key '{}'{}", e.key, did_you_mean(e.key, known_)));
    }
  }

 private:
  Reader& r_;
  std::string title_;
  const ConfigValue& table_;
  std::vector<std::string> known_;
};

// ---- [workload] ----------------------------------------------------------------------------

void read_zoo_params(Section& s, WorkloadConfig& w, const workloads::WorkloadInfo& info) {
  std::vector<std::string> names;
  for (const workloads::WorkloadParam& p : info.params) names.push_back(p.name);
  for (const workloads::WorkloadParam& p : info.params) w.params[p.name] = p.default_value;
  const ConfigEntry* params = s.entry("params");
  if (!params) return;
  if (!params->value.is_table()) {
    s.type_error(*params, "a table of shape parameters, e.g. params = { M = 512 }");
    return;
  }
  std::map<std::string, int64_t> overrides;
  bool ok = true;
  for (const ConfigEntry& e : params->value.as_table()) {
    auto it = std::find(names.begin(), names.end(), e.key);
    if (it == names.end()) {
      std::string all;
      for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
      s.error(e.key_pos, fmt::format("{} has no parameter '{}'{}; its parameters are {}", info.name, e.key,
                                     did_you_mean(e.key, names), all));
      ok = false;
      continue;
    }
    const workloads::WorkloadParam& p = info.params[it - names.begin()];
    if (!e.value.is_integer()) {
      s.error(e.value.pos(), fmt::format("parameter {} must be an integer, got {}", e.key, e.value.type_name()));
      ok = false;
      continue;
    }
    if (e.value.as_integer() < p.min_value) {
      s.error(e.value.pos(), fmt::format("parameter {} = {} is out of range: must be >= {}", e.key,
                                         e.value.as_integer(), p.min_value));
      ok = false;
      continue;
    }
    overrides[e.key] = e.value.as_integer();
  }
  if (!ok) return;
  try {
    workloads::make_workload(info.name, overrides);  // checks combinations of values
  } catch (const UserError& e) {
    s.error(params->value.pos(), e.what());
    return;
  }
  for (const auto& [k, v] : overrides) w.params[k] = v;
}

void read_kernel_file(Section& s, Reader& r, WorkloadConfig& w, const ConfigEntry& file) {
  w.file = r.input_path(file.value.as_string());
  std::optional<std::string> func = s.string("func");
  std::ifstream in(w.file, std::ios::binary);
  if (!in) {
    s.error(file.value.pos(), fmt::format("cannot read kernel file '{}'", w.file));
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  ir::IRModule mod;
  try {
    mod = script::parse_module(text.str(), w.file);
  } catch (const UserError& e) {
    std::string what = e.what();
    s.error(file.value.pos(), fmt::format("cannot parse kernel file: {}", what.substr(0, what.find('\n'))));
    return;
  }
  std::string names;
  for (const auto& [name, f] : mod.functions()) names += (names.empty() ? "" : ", ") + name;
  if (func && !func->empty()) {
    if (!mod.contains(*func)) {
      s.error(s.table().find("func")->value.pos(),
              fmt::format("func = {}: the kernel file has no such function (it has {})", toml_string(*func), names));
      return;
    }
    w.func = *func;
  } else if (mod.size() == 1) {
    w.func = mod.functions().begin()->first;
  } else {
    s.error(file.value.pos(),
            fmt::format("the kernel file holds {} functions ({}); name one with func = \"...\"", mod.size(), names));
  }
}

void read_workload(Reader& r, const std::string& title, const ConfigValue& table, std::vector<WorkloadConfig>& out) {
  Section s(r, title, table);
  WorkloadConfig w;
  w.pos = table.pos();
  const ConfigEntry* zoo = s.entry("zoo");
  const ConfigEntry* file = s.entry("file");
  if (zoo && !zoo->value.is_string()) {
    s.type_error(*zoo, "a string");
    zoo = nullptr;
  }
  if (file && !file->value.is_string()) {
    s.type_error(*file, "a string");
    file = nullptr;
  }
  w.weight = s.number("weight", 1.0, 0, INFINITY, /*lo_open=*/true);
  if (zoo && file) {
    s.error(file->key_pos, "give either zoo or file, not both");
  } else if (zoo) {
    s.not_applicable("func", "applies to kernel files (file = ...) only");
    try {
      const workloads::WorkloadInfo& info = workloads::workload_info(zoo->value.as_string());
      w.zoo = info.name;
      read_zoo_params(s, w, info);
    } catch (const UserError& e) {
      s.entry("params");
      s.error(zoo->value.pos(), e.what());
    }
  } else if (file) {
    s.not_applicable("params", "applies to zoo workloads (zoo = ...) only");
    read_kernel_file(s, r, w, *file);
  } else if (!s.table().find("zoo") && !s.table().find("file")) {
    s.entry("params"), s.entry("func");
    s.error(table.pos(), "needs zoo = \"<name>\" (loom print --list shows the zoo) or file = \"<kernel.py>\"");
  }
  s.finish();
  out.push_back(std::move(w));
}

// ---- components ------------------------------------------------------------------------------

bool valid_component_name(const std::string& name) {
  size_t dot = name.find('.');
  if (dot == std::string::npos || dot == 0 || name.back() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

/// A component table: `name` (required unless `default_name` is given) and the component's
/// own keys; `extra` keys (e.g. a mutator's probability) are left out of the component's.
ComponentConfig read_component(Reader& r, const std::string& section, const ConfigValue& table,
                               const std::string& default_name, const std::vector<std::string>& extra = {}) {
  std::string name = default_name;
  SourcePos name_pos;
  std::vector<ConfigEntry> keys;
  const ConfigEntry* n = table.find("name");
  if (n) {
    if (!n->value.is_string()) {
      r.error(n->value.pos(), fmt::format("{} key 'name' must be a string, got {}", section, n->value.type_name()));
    } else if (!valid_component_name(n->value.as_string())) {
      r.error(n->value.pos(), fmt::format("{} name = {} is not a component name of the form \"vendor.component\"",
                                          section, toml_string(n->value.as_string())));
    } else {
      name = n->value.as_string();
      name_pos = n->value.pos();
    }
  } else if (default_name.empty()) {
    r.error(table.pos(), fmt::format("{} needs name = \"vendor.component\"", section));
  }
  for (const ConfigEntry& e : table.as_table()) {
    if (e.key == "name" || std::find(extra.begin(), extra.end(), e.key) != extra.end()) continue;
    keys.push_back(e);
  }
  return ComponentConfig(section, name, name_pos, std::move(keys));
}

/// The tables of array `key` (`[[key]]`); reports anything else.
std::vector<const ConfigValue*> tables_of(Reader& r, const ConfigEntry& e) {
  std::vector<const ConfigValue*> out;
  if (!e.value.is_array()) {
    r.error(e.key_pos, fmt::format("'{}' must be an array of tables: write [[{}]] before each entry (got {})", e.key,
                                   e.key, e.value.type_name()));
    return out;
  }
  for (const ConfigValue& item : e.value.as_array()) {
    if (!item.is_table()) {
      r.error(item.pos(), fmt::format("[[{}]] entries must be tables, got {}", e.key, item.type_name()));
      continue;
    }
    out.push_back(&item);
  }
  return out;
}

void read_mutators(Reader& r, const ConfigEntry& e, RunConfig& config) {
  double sum = 0;
  bool ok = true;
  for (const ConfigValue* t : tables_of(r, e)) {
    MutatorConfig m;
    m.component = read_component(r, "[[mutator]]", *t, "", {"probability"});
    const ConfigEntry* p = t->find("probability");
    if (!p) {
      r.error(t->pos(), "[[mutator]] needs probability = <number in (0, 1]>");
      ok = false;
    } else if (!p->value.is_number()) {
      r.error(p->value.pos(),
              fmt::format("[[mutator]] key 'probability' must be a number, got {}", p->value.type_name()));
      ok = false;
    } else if (!(p->value.as_float() > 0 && p->value.as_float() <= 1)) {
      r.error(p->value.pos(),
              fmt::format("[[mutator]] probability = {} is out of range: must be in (0, 1]", p->value.to_toml()));
      ok = false;
    } else {
      m.given_probability = m.probability = p->value.as_float();
      sum += m.probability;
    }
    config.mutators.push_back(std::move(m));
  }
  if (!ok || config.mutators.empty() || std::abs(sum - 1.0) <= 1e-9) return;
  // Rounded to 15 significant digits, so that 0.3 / 0.4 prints as 0.75, not 0.7499999999999999.
  for (MutatorConfig& m : config.mutators) {
    m.probability = std::stod(fmt::format("{:.15g}", m.given_probability / sum));
  }
  config.notes.push_back(
      fmt::format("{}: the [[mutator]] probabilities sum to {}, not 1: they were normalized (divided by their sum)",
                  e.value.pos().to_string(), sum));
}

// ---- the fixed sections ------------------------------------------------------------------------

void read_target(Reader& r, const ConfigValue& table, TargetConfig& t) {
  Section s(r, "[target]", table);
  t.kind = s.choice("kind", "llvm", {"llvm", "cuda"});
  if (t.kind == "llvm") {
    t.cpu = s.string("cpu", "host");
    if (t.cpu.empty()) s.error(table.find("cpu")->value.pos(), "cpu must not be empty (\"host\" is the host's CPU)");
    t.features = s.string("features", "");
    t.num_cores = s.integer("num_cores", 0, 0);
    for (const char* key : {"arch", "device"}) s.not_applicable(key, "applies to kind = \"cuda\" only");
  } else {
    t.arch = s.string("arch", "sm_90");
    bool ok = t.arch.size() > 3 && t.arch.rfind("sm_", 0) == 0 &&
              std::all_of(t.arch.begin() + 3, t.arch.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!ok) {
      s.error(table.find("arch")->value.pos(),
              fmt::format("arch = {} is not a compute capability such as \"sm_90\"", toml_string(t.arch)));
      t.arch = "sm_90";
    }
    t.device = s.integer("device", 0, 0);
    for (const char* key : {"cpu", "features", "num_cores"}) s.not_applicable(key, "applies to kind = \"llvm\" only");
  }
  s.finish();
}

void read_search(Reader& r, const ConfigValue& table, SearchConfig& c) {
  Section s(r, "[search]", table);
  c.strategy = s.choice("strategy", "evolutionary", {"evolutionary", "replay-trace", "replay-func"});
  c.space = s.choice("space", "post-order-apply", {"post-order-apply", "schedule-fn", "union"});
  std::optional<std::string> schedule = s.string("schedule");
  bool needs_schedule = c.space != "post-order-apply";
  if (schedule && !needs_schedule) {
    s.error(table.find("schedule")->key_pos, "key 'schedule' applies to space = \"schedule-fn\" or \"union\" only");
  } else if (!schedule && needs_schedule && !table.find("schedule")) {
    s.error(table.find("space")->value.pos(),
            fmt::format("space = {} needs schedule = \"<template.py>\" (a schedule script)", toml_string(c.space)));
  } else if (schedule) {
    c.schedule = r.input_path(*schedule);
    if (!fs::is_regular_file(c.schedule)) {
      s.error(table.find("schedule")->value.pos(), fmt::format("schedule file '{}' does not exist", c.schedule));
    }
  }
  EvolutionaryConfig& e = c.evolutionary;
  const EvolutionaryConfig d;
  if (c.strategy == "evolutionary") {
    e.population_size = s.integer("population_size", d.population_size, 1);
    e.init_measured_ratio = s.number("init_measured_ratio", d.init_measured_ratio, 0, 1);
    e.init_min_unmeasured = s.integer("init_min_unmeasured", d.init_min_unmeasured, 0);
    e.max_fail_count = s.integer("max_fail_count", d.max_fail_count, 0);
    e.genetic_num_iters = s.integer("genetic_num_iters", d.genetic_num_iters, 0);
    e.genetic_mutate_prob = s.number("genetic_mutate_prob", d.genetic_mutate_prob, 0, 1);
    e.genetic_max_fail_count = s.integer("genetic_max_fail_count", d.genetic_max_fail_count, 0);
    e.eps_greedy = s.number("eps_greedy", d.eps_greedy, 0, 1);
  } else {
    for (const char* key : {"population_size", "init_measured_ratio", "init_min_unmeasured", "max_fail_count",
                            "genetic_num_iters", "genetic_mutate_prob", "genetic_max_fail_count", "eps_greedy"}) {
      s.not_applicable(key, "applies to strategy = \"evolutionary\" only");
    }
  }
  s.finish();
}

void read_database(Reader& r, const ConfigValue& table, DatabaseConfig& d) {
  Section s(r, "[database]", table);
  d.kind = s.choice("kind", "sqlite", {"sqlite", "json", "memory"});
  if (d.kind == "memory") {
    s.not_applicable("path", "does not apply to kind = \"memory\" (nothing is written)");
    d.path.clear();
  } else {
    std::string path = s.string("path", d.kind == "sqlite" ? "loom.db" : "loom.jsonl");
    if (path.empty()) s.error(table.find("path")->value.pos(), "path must not be empty");
    d.path = fs::absolute(path.empty() ? "loom.db" : path).lexically_normal().string();
  }
  s.finish();
}

void read_tune(Reader& r, const ConfigValue& table, TuneConfig& t) {
  Section s(r, "[tune]", table);
  t.trials = s.integer("trials", 1000, 1);
  t.trials_per_round = s.integer("trials_per_round", 64, 1);
  t.seed = s.integer("seed", 0, 0);
  t.threads = s.integer("threads", 0, 0);
  t.max_trials_per_task = s.integer("max_trials_per_task", t.trials, 1);
  t.task_scheduler = s.choice("task_scheduler", "gradient", {"gradient", "round-robin"});
  s.finish();
}

const std::vector<std::string>& section_names() {
  static const std::vector<std::string> names = {"workload", "target",     "search", "plugin",   "rule", "postproc",
                                                 "mutator",  "cost_model", "runner", "database", "tune"};
  return names;
}

}  // namespace

RunConfig parse_config(std::string_view text, const std::string& path) {
  Reader r;
  r.path = path;
  fs::path folder = fs::path(path).parent_path();
  r.base_dir = folder.empty() ? fs::current_path() : fs::absolute(folder);
  ConfigValue root = detail::read_toml(text, path, r.errors);

  RunConfig config;
  config.source = path;
  const ConfigValue empty_table = ConfigValue::table({});
  // Looks up a section that must be a table.
  auto table_section = [&](const std::string& key) -> const ConfigValue& {
    const ConfigEntry* e = root.find(key);
    if (!e) return empty_table;
    if (!e->value.is_table()) {
      std::string hint = e->value.is_array() ? fmt::format(": write [{}], not [[{}]]", key, key) : "";
      r.error(e->key_pos, fmt::format("[{}] must be a table, got {}{}", key, e->value.type_name(), hint));
      return empty_table;
    }
    return e->value;
  };

  // 1. Unknown top-level keys and sections.
  for (const ConfigEntry& e : root.as_table()) {
    const std::vector<std::string>& names = section_names();
    if (std::find(names.begin(), names.end(), e.key) == names.end()) {
      r.error(e.key_pos, fmt::format("unknown section or key '{}'{}", e.key, did_you_mean(e.key, names)));
    }
  }

  // 2. The workloads: one [workload] table or a [[workload]] array.
  if (const ConfigEntry* w = root.find("workload")) {
    if (w->value.is_table()) {
      read_workload(r, "[workload]", w->value, config.workloads);
    } else if (w->value.is_array()) {
      for (const ConfigValue* t : tables_of(r, *w)) read_workload(r, "[[workload]]", *t, config.workloads);
      if (w->value.as_array().empty()) r.error(w->key_pos, "workload = [] holds no workload");
    } else {
      r.error(w->key_pos,
              fmt::format("'workload' must be a table or an array of tables, got {}", w->value.type_name()));
    }
  } else {
    r.error(SourcePos{path, 0, 0},
            "missing [workload]: give zoo = \"<name>\" or file = \"<kernel.py>\" (or several [[workload]] tables)");
  }

  // 3. Target and search.
  read_target(r, table_section("target"), config.target);
  read_search(r, table_section("search"), config.search);

  // 4. Plugins.
  if (const ConfigEntry* e = root.find("plugin")) {
    for (const ConfigValue* t : tables_of(r, *e)) {
      Section s(r, "[[plugin]]", *t);
      std::optional<std::string> p = s.string("path");
      if (!s.table().find("path")) s.error(t->pos(), "needs path = \"<library.so>\"");
      if (p) config.plugins.push_back(PluginConfig{r.input_path(*p), t->pos()});
      s.finish();
    }
  }

  // 5. Components: absent lists take the target's defaults; `rule = []` means none.
  const std::string& kind = config.target.kind;
  if (const ConfigEntry* e = root.find("rule")) {
    for (const ConfigValue* t : tables_of(r, *e)) config.rules.push_back(read_component(r, "[[rule]]", *t, ""));
  } else {
    for (const std::string& n : default_rules(kind))
      config.rules.emplace_back("[[rule]]", n, SourcePos{}, std::vector<ConfigEntry>{});
  }
  if (const ConfigEntry* e = root.find("postproc")) {
    for (const ConfigValue* t : tables_of(r, *e)) {
      config.postprocs.push_back(read_component(r, "[[postproc]]", *t, ""));
    }
  } else {
    for (const std::string& n : default_postprocs(kind)) {
      config.postprocs.emplace_back("[[postproc]]", n, SourcePos{}, std::vector<ConfigEntry>{});
    }
  }
  if (const ConfigEntry* e = root.find("mutator")) {
    read_mutators(r, *e, config);
  } else {
    for (const auto& [n, p] : default_mutators(kind)) {
      config.mutators.push_back(MutatorConfig{ComponentConfig("[[mutator]]", n, SourcePos{}, {}), p, p});
    }
  }
  config.cost_model = read_component(r, "[cost_model]", table_section("cost_model"), "loom.xgboost");
  config.runner = read_component(r, "[runner]", table_section("runner"), kind == "cuda" ? "loom.cuda" : "loom.cpu");

  // 6. Database and tuning budget.
  read_database(r, table_section("database"), config.database);
  read_tune(r, table_section("tune"), config.tune);

  // 7. Report, in file order.
  std::vector<std::pair<SourcePos, std::string>> all = r.errors;
  if (all.empty()) return config;
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.first.line, a.first.column) < std::make_pair(b.first.line, b.first.column);
  });
  std::vector<std::string> messages;
  for (size_t i = 0; i < all.size() && i < kMaxErrors; ++i) {
    messages.push_back(fmt::format("{}: {}", all[i].first.to_string(), all[i].second));
  }
  if (all.size() > kMaxErrors) messages.push_back(fmt::format("... and {} more errors", all.size() - kMaxErrors));
  throw ConfigError(std::move(messages));
}

RunConfig load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path)) throw ConfigError({fmt::format("{}: cannot read the config file", path)});
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace loom::config
